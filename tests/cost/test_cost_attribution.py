"""Attribution (accelerator / pruning / combined), coverage of totals and fallback
accelerators."""
import pytest
import yaml

from hwsim.arch import load_arch
from hwsim.cost import compare_network, estimate_network
from hwsim.cost.records import LayerCost, WeightMemory
from hwsim.cost.savings import Attribution, Coverage
from hwsim.cost.totals import total_cost
from hwsim.errors import ConfigError
from hwsim.types import LayerKind
from hwsim.workload import resolve_network
from hwsim.workload.layer import LayerWorkload

from cost_helpers import ARCH_DIR


def cost(energy, cycles, clock=1e9, stored=100.0):
    return LayerCost(name="l", arch="a", batch=1, energy_pj=energy, latency_cycles=cycles, clock_hz=clock,
                     weights=WeightMemory(dense_bytes=stored, stored_bytes=stored))


def test_attribution_worked_example():
    """Dense on B 100 pJ in 1,000 cycles at 1 GHz (1 us); dense on A 40 pJ in 250 cycles at
    500 MHz (0.5 us); pruned on A 5 pJ in 50 cycles (0.1 us). accelerator = 100 / 40 = 2.5x
    energy, 1 / 0.5 = 2x time; pruning = 40 / 5 = 8x, 0.5 / 0.1 = 5x; combined = 20x, 10x."""
    a = Attribution.of(cost(5, 50, 5e8), cost(40, 250, 5e8), cost(100, 1000))
    assert a.accelerator.energy == pytest.approx(2.5) and a.accelerator.latency == pytest.approx(2)
    assert a.pruning.energy == pytest.approx(8) and a.pruning.latency == pytest.approx(5)
    assert a.combined.energy == pytest.approx(20) and a.combined.latency == pytest.approx(10)
    assert set(a.to_dict()) == {"accelerator", "pruning", "combined"}


def test_total_latency_adds_seconds_across_clocks():
    """800 cycles at 800 MHz (1 us) + a fallback layer of 700 cycles at 700 MHz (1 us),
    reported at 800 MHz: 2 us = 1,600 cycles; energy adds."""
    total = total_cost([cost(1, 800, 8e8), cost(2, 700, 7e8)], "a", 8e8)
    assert total.latency_cycles == pytest.approx(1600) and total.latency_s == pytest.approx(2e-6)
    assert total.energy_pj == 3


def test_coverage_worked_example():
    """Layers of 100, 300 and 600 dense MACs (weights 10, 30, 60; activations 5 + 5 each):
    covering the first two is 40 % of MACs, 40 % of weights, 2/3 of activations."""
    layers = [LayerWorkload(n, LayerKind.LINEAR, 5, k) for n, k in
              (("a", 20), ("b", 60), ("c", 120))]
    # linear 5 -> k: MACs 5k, weights 5k, activations 5 + k
    cov = Coverage.of(layers, [True, True, False], [None, None, "no conv here"])
    assert cov.macs_fraction == pytest.approx(400 / 1000)
    assert cov.weight_fraction == pytest.approx(400 / 1000)
    assert cov.activation_fraction == pytest.approx((25 + 65) / (25 + 65 + 125))
    assert not cov.complete and cov.missing == (("c", "no conv here"),)
    assert cov.label().startswith("partial: 2 of 3 layers, 40.0 % of MACs")
    full = Coverage.of(layers, [True] * 3, [None] * 3, [False, False, True])
    assert full.complete and full.label() == "whole network (3 layers, 1 on a fallback accelerator)"


def test_single_accelerator_attribution_is_pruning_alone():
    arch = load_arch(ARCH_DIR / "systolic_ws.yaml")
    cmp = compare_network(resolve_network("lenet300", profile="han2015"), arch)
    a = cmp.attribution
    assert cmp.same_accelerator and a.accelerator.energy == 1.0
    assert a.combined == a.pruning and cmp.savings == a.pruning
    assert a.pruning.energy == pytest.approx(1.0)  # unstructured zeros buy nothing here


def _eie_with_fallback(tmp_path, fallback="systolic_ws.yaml"):
    data = yaml.safe_load((ARCH_DIR / "eie.yaml").read_text())
    data["fallback_arch"] = str(ARCH_DIR / fallback) if fallback else None
    path = tmp_path / "eie_host.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_a_fallback_accelerator_gives_a_whole_network_total(tmp_path):
    """AlexNet on EIE with the systolic array as its host: the convs run there (their rows
    name it and say why), and the total covers the whole network, adding seconds."""
    arch = load_arch(_eie_with_fallback(tmp_path))
    assert arch.fallback is not None and arch.fallback.name == "systolic_ws"
    net = estimate_network(resolve_network("alexnet", profile="han2015"), arch)
    conv1 = net.layer("conv1")
    assert conv1.supported and conv1.arch == "systolic_ws"
    assert "fallback accelerator systolic_ws" in conv1.notes[0] and "conv2d" in conv1.notes[0]
    assert net.coverage.complete and net.coverage.fallback[0] == "conv1"
    assert net.to_dict()["layers"][0]["residency"].startswith("on systolic_ws: ")
    assert net.total.latency_s == pytest.approx(sum(l.latency_s for l in net.layers))
    assert net.total.energy_pj == pytest.approx(sum(l.energy_pj for l in net.layers))
    cmp = compare_network(resolve_network("alexnet", profile="han2015"), arch)
    assert cmp.coverage.complete and cmp.to_dict()["total"]["coverage"]["complete"] is True


def test_bad_fallbacks_are_reported_at_fallback_arch(tmp_path):
    with pytest.raises(ConfigError) as missing:
        load_arch(_eie_with_fallback(tmp_path, "nope.yaml"))
    assert "fallback_arch must name an accelerator file" in str(missing.value)
    loop = tmp_path / "loop.yaml"
    data = yaml.safe_load((ARCH_DIR / "systolic_ws.yaml").read_text())
    data["fallback_arch"] = "loop.yaml"
    loop.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ConfigError) as cycle:
        load_arch(loop)
    assert "fallback_arch must not lead back" in str(cycle.value)


def test_the_same_file_as_baseline_is_no_change_of_accelerator():
    arch = load_arch(ARCH_DIR / "eie.yaml")
    cmp = compare_network(resolve_network("lenet300", profile="han2015"), arch,
                          load_arch(ARCH_DIR / "eie.yaml"))
    assert cmp.same_accelerator and cmp.attribution.combined == cmp.attribution.pruning
