"""Vector layers and act x act matmuls in the analytical model: hand-worked costs, which kinds
an accelerator runs, fallback, residency, the arch YAML's vector unit."""
from dataclasses import replace

import pytest

from cost_helpers import ARCH_DIR, tiny_arch
from hwsim.arch import load_arch
from hwsim.arch.vector import VectorUnit
from hwsim.config import parse_arch_config
from hwsim.cost import estimate_layer, estimate_network, plan_residency
from hwsim.cost.vector import ACT_MATMUL_NOTE
from hwsim.errors import ConfigError
from hwsim.types import LayerKind, Operand, VectorOp
from hwsim.workload import LayerWorkload, Network


def vector_arch():
    return replace(tiny_arch(), vector=VectorUnit(4, 1.0, 0.5))


def softmax(n=1000):
    return LayerWorkload("sm", LayerKind.VECTOR, n, n, vector_op=VectorOp.SOFTMAX,
                         ops_per_element=5.0)


def test_softmax_hand_worked():
    """hwsim.cost.vector docstring: 1,000 elements x 5 ops on 4 lanes -> 1,250 cycles, one
    chunk: load 250 + 1,250 + store 250 = 1,750 cycles; DRAM 2,000 B (500 cycles, 200,000 pJ);
    SRAM 4,000 B (250 cycles, 20,000 pJ); ops 5,000 x 0.5 = 2,500 pJ; total 222,500 pJ."""
    cost = estimate_layer(softmax(), vector_arch())
    assert cost.supported and cost.compute_cycles == 1250 and cost.latency_cycles == 1750
    assert dict(cost.transfer_cycles) == {"dram": 500.0, "buf": 250.0}
    assert cost.energy_breakdown_pj == pytest.approx(
        {"dram": 200_000.0, "buf": 20_000.0, "vector": 2_500.0, "leakage": 0.0})
    assert cost.energy_pj == pytest.approx(222_500.0)
    assert cost.bottleneck == "compute" and cost.weight_count == 0 and cost.macs_dense == 0
    assert cost.dram_read_bytes == 1000 and cost.dram_write_bytes == 1000


def test_residual_add_is_dram_bound():
    """add of two 1,000-element inputs, one chunk: ops 1,000 / 4 = 250 cycles, SRAM
    (2,000 + 1,000) x 2 B / 16 = 375 cycles -> unit 375; load 2,000 / 4 = 500, store 250 ->
    latency 500 + 375 + 250 = 1,125, DRAM-bound (750 > 375)."""
    add = LayerWorkload("add", LayerKind.VECTOR, 2000, 1000, vector_op="elementwise")
    cost = estimate_layer(add, vector_arch())
    assert (cost.compute_cycles, cost.latency_cycles, cost.bottleneck) == (250, 1125, "dram")


def test_long_softmax_pipelines_over_chunks():
    """1 MiB softmax (docstring): 512 chunks, latency 512 + 2,560 + 512 + 511 x 2,560."""
    cost = estimate_layer(softmax(1 << 20), vector_arch())
    assert cost.latency_cycles == 512 + 2560 + 512 + 511 * 2560
    assert cost.bottleneck == "compute"


def test_no_vector_unit_is_unsupported_and_goes_to_the_fallback():
    """Without 'vector:' a vector layer is unsupported with the reason; with a fallback
    accelerator that has one, the row runs there and the total covers it."""
    plain = tiny_arch()
    cost = estimate_layer(softmax(), plain)
    assert not cost.supported and "no vector unit" in cost.unsupported_reason
    net = Network("n", (LayerWorkload("fc", LayerKind.LINEAR, 16, 16), softmax(16)))
    alone = estimate_network(net, plain)
    assert [name for name, _ in alone.coverage.missing] == ["sm"]
    covered = estimate_network(net, replace(plain, fallback=vector_arch()))
    assert not covered.coverage.missing and covered.layer("sm").supported


def _scores(density=1.0):
    """Attention scores of 2 heads, 8 tokens, head size 4: 2 x 8 x 4 x 8 = 512 MACs."""
    return LayerWorkload("scores", LayerKind.ACT_MATMUL, 2 * 4, 2 * 8, 8, groups=2,
                         weight_density=density)


def test_act_matmul_costs_like_a_streamed_matmul_with_no_stored_weights():
    """Same loop nest as a matmul with B streamed every inference; reported with weight count
    0, B's traffic as inputs, nothing resident, and a note; residency says why."""
    layer = _scores()
    arch = tiny_arch(resident=True)
    cost = estimate_layer(layer, arch)
    as_matmul = estimate_layer(replace(layer, kind=LayerKind.MATMUL), arch,
                               weights_resident=False)
    assert layer.macs_dense == 512 and layer.stored_weight_count == 0
    assert cost.energy_pj == pytest.approx(as_matmul.energy_pj)
    assert cost.latency_cycles == as_matmul.latency_cycles
    assert cost.weight_count == 0 and cost.weights.stored_bytes == 0
    assert cost.dram_bytes_of(Operand.WEIGHTS) == 0 and not cost.weights_on_chip
    assert cost.dram_read_bytes == pytest.approx(as_matmul.dram_read_bytes)
    assert ACT_MATMUL_NOTE in cost.notes
    plan = plan_residency((LayerWorkload("fc", LayerKind.LINEAR, 4, 4), layer), arch)
    assert plan.resident == (True, False) and "no stored weights" in plan.reasons[1]


def test_act_matmul_dense_baseline_keeps_its_kind():
    """with_densities() of an act x act matmul is the same kind with densities 1."""
    dense = _scores(0.5).with_densities()
    assert dense.kind is LayerKind.ACT_MATMUL and dense.weight_density == 1.0


def test_column_broadcast_and_compute_runs_refuse_act_matmul():
    """EIE runs linear / matmul only; a MAC array whose compute.runs leaves out act_matmul
    says so."""
    eie = load_arch(ARCH_DIR / "eie.yaml")
    assert "runs linear, matmul only" in estimate_layer(_scores(), eie).unsupported_reason
    narrow = replace(tiny_arch(), runs=(LayerKind.LINEAR,))
    assert "compute.runs" in estimate_layer(_scores(), narrow).unsupported_reason


def test_arch_yaml_vector_unit_and_runs_validation():
    """systolic_ws.yaml has a 32-lane unit at the table's int32 add (0.1 pJ); compute.runs
    naming a vector kind, and an unknown vector key, are errors with their dotted paths."""
    arch = load_arch(ARCH_DIR / "systolic_ws.yaml")
    assert (arch.vector.lanes, arch.vector.op_energy_pj) == (32, pytest.approx(0.1))
    base = {"name": "t", "dataflow": "weight_stationary",
            "memories": {"dram": {"kind": "dram", "preset": "lpddr4", "size_bytes": 1 << 30},
                         "glb": {"kind": "sram", "size_bytes": 65536, "width_bits": 64,
                                 "operands": ["weights", "inputs", "outputs"]}},
            "compute": {"pe_count": 4, "array_rows": 2, "array_cols": 2, "clock_hz": 1e9,
                        "weight_bits": 8, "activation_bits": 8, "accumulator_bits": 32,
                        "runs": ["linear", "vector"]},
            "vector": {"lanes": 4, "lane": 2}}
    with pytest.raises(ConfigError) as info:
        parse_arch_config(base, "t.yaml")
    paths = {p.path for p in info.value.problems}
    assert "compute.runs" in paths and "vector.lane" in paths
