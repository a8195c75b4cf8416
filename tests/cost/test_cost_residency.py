"""Residency: one decision per layer (hwsim.cost.residency), the same for the analytical
model and the simulator, for pruned and dense networks, overridable per run."""
import pytest

from hwsim.arch import load_arch
from hwsim.cost import compare_network, estimate_network
from hwsim.cost.residency import plan_residency
from hwsim.sim import SimOptions, simulate_network
from hwsim.types import LayerKind, Operand, Residency
from hwsim.workload import resolve_network
from hwsim.workload.builtin import list_builtin_networks
from hwsim.workload.layer import LayerWorkload, Network

from cost_helpers import ARCH_DIR, dram, sram, tiny_arch

REFERENCE = ("eie", "eyeriss", "systolic_ws", "sparse_tensor_core")
HAN2015 = ("lenet300", "lenet5", "alexnet", "vgg16")


def fc(name, c, k):
    return LayerWorkload(name, LayerKind.LINEAR, c, k)


def hundred_byte_arch(policy):
    """8-bit weights in a 100 B weight SRAM (the on-chip weight capacity)."""
    arch = tiny_arch(memories=(dram(), sram("wbuf", 100, {Operand.WEIGHTS}),
                               sram("abuf", 4096, {Operand.INPUTS, Operand.OUTPUTS})))
    return arch.__class__(**{**arch.__dict__, "residency": policy})


LAYERS = (fc("a", 6, 10), fc("b", 5, 10), fc("c", 3, 10))  # 60, 50 and 30 B at 8 bits


@pytest.mark.parametrize("policy, expected", [
    (Residency.STREAMED, (False, False, False)),
    (Residency.PER_LAYER, (True, True, True)),
    (Residency.NETWORK, (True, False, True)),
])
def test_policies_on_the_worked_example(policy, expected):
    """Capacity 100 B, stored weights 60, 50, 30 B. per_layer: each fits alone; network
    (first fit): 60 kept, 60 + 50 = 110 > 100 streams, 60 + 30 = 90 <= 100 kept; streamed:
    none. The whole model (140 B) never fits."""
    plan = plan_residency(LAYERS, hundred_byte_arch(policy))
    assert plan.resident == expected and not plan.model_fits_on_chip
    assert plan.capacity_bytes == 100
    net = estimate_network(Network("n", LAYERS), hundred_byte_arch(policy))
    assert tuple(l.weights_on_chip for l in net.layers) == expected
    for layer, resident in zip(net.layers, expected):
        assert (layer.dram_bytes_of(Operand.WEIGHTS) == 0) is resident


def test_override_beats_the_file_and_accepts_the_cli_spelling():
    arch = hundred_byte_arch(Residency.STREAMED)
    assert plan_residency(LAYERS, arch, "per-layer").resident == (True, True, True)
    assert plan_residency(LAYERS, arch, Residency.NETWORK).resident == (True, False, True)


def test_dense_and_pruned_networks_get_the_same_policy():
    """The main job's complaint: dense LeNet-300-100 (260 KiB at 8 bits) fits the systolic
    array's 512 KiB filter SRAM, so under the file's ``network`` policy it is resident like
    the pruned network (no per-inference weight DRAM traffic on either side)."""
    arch = load_arch(ARCH_DIR / "systolic_ws.yaml")
    cmp = compare_network(resolve_network("lenet300", profile="han2015"), arch)
    assert cmp.dense.residency.policy is Residency.NETWORK
    assert all(l.weights_on_chip for l in cmp.dense.layers)
    assert all(l.weights_on_chip for l in cmp.pruned.layers)
    assert cmp.dense.total.dram_bytes_of(Operand.WEIGHTS) == 0
    streamed = compare_network(resolve_network("lenet300", profile="han2015"), arch,
                               residency="streamed")
    assert streamed.dense.total.dram_bytes_of(Operand.WEIGHTS) >= 266_200


ZOO = ("resnet50", "mobilenet_v2", "bert_base", "vit_b16", "gpt2", "llama2_7b", "llama3_8b",
       "tinyllama_1b", "gpt3_6.7b")  # minutes in the simulator on every arch: the issue-11
# built-ins are cross-checked below one layer per distinct (shape, decision); the decoders'
# layer kinds in tests/sim/test_sim_vector.py (a BERT block)
ISSUE11_ZOO = ("resnet50", "mobilenet_v2", "bert_base", "vit_b16")


def _networks():
    for name in list_builtin_networks():
        if name in ZOO:
            continue
        yield resolve_network(name)
        if name in HAN2015:
            yield resolve_network(name, profile="han2015")


@pytest.mark.parametrize("arch_name", REFERENCE)
def test_both_models_take_the_same_residency_decision(arch_name):
    """Every built-in network (dense, and han2015 where published) on every reference
    accelerator, through the analytical model and the simulator: the same residency per
    layer. A layer the simulator refuses is one EIE would have to stream (no such path).
    Tiled runs walk at most 64 DRAM-level steps (batched beyond): residency does not depend
    on it, and VGG-16 on Eyeriss then takes seconds, not a minute."""
    arch = load_arch(ARCH_DIR / f"{arch_name}.yaml")
    options = SimOptions(max_tile_steps=64)
    for net in _networks():
        ana = estimate_network(net, arch)
        sim = simulate_network(net.layers, arch, options)
        for a, s in zip(ana.layers, sim):
            if s.cost.supported:
                assert s.cost.weights_on_chip == a.weights_on_chip, (net.name, a.name)
                assert s.analytical.weights_on_chip == a.weights_on_chip
            elif a.supported:
                assert not a.weights_on_chip and "keeps every weight on chip" in \
                    s.cost.unsupported_reason, (net.name, a.name)


@pytest.mark.parametrize("arch_name", REFERENCE)
@pytest.mark.parametrize("name", ISSUE11_ZOO)
def test_zoo_built_ins_take_the_same_residency_decision(arch_name, name):
    """The issue-11 built-ins on every reference accelerator: the residency plan is made over
    the whole network (as both models do), and the simulator runs one layer of every distinct
    (shape, decision) pair with that decision (12 identical BERT blocks would take minutes in
    the tiled engine; the simulator is a pure function of layer, arch and decision): each
    agrees with the analytical row, or is a layer EIE would have to stream."""
    from dataclasses import replace as copy

    from hwsim.sim.layer import simulate
    from hwsim.errors import UnsupportedLayerError
    arch = load_arch(ARCH_DIR / f"{arch_name}.yaml")
    net = resolve_network(name)
    ana = estimate_network(net, arch)
    seen = set()
    for layer, row, resident in zip(net.layers, ana.layers, ana.residency.resident):
        key = (copy(layer, name=""), resident)
        if key in seen or not row.supported or row.bottleneck == "fused":
            continue
        seen.add(key)
        try:
            sim = simulate(layer, arch, SimOptions(max_tile_steps=64),
                           weights_resident=resident)
        except UnsupportedLayerError as exc:
            assert not row.weights_on_chip and "keeps every weight on chip" in exc.reason
            continue
        assert sim.cost.weights_on_chip == row.weights_on_chip, (name, layer.name)
    assert seen
