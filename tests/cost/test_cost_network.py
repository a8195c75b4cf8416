"""Network level: residency, unsupported layers, totals, baseline and the JSON record."""
import json
import math
from dataclasses import replace

import pytest

from hwsim.arch.model import Accelerator, ComputeArray, FormatSpec, SparsitySupport
from hwsim.cost.network import Savings, compare_network, estimate_network, ratio
from hwsim.cost.residency import plan_residency
from hwsim.cost.records import LayerCost
from hwsim.types import Dataflow, LayerKind, Operand, SparseFormat, ZeroHandling
from hwsim.workload.layer import LayerWorkload, Network

from cost_helpers import dram, sram, tiny_arch

SPEC_KEYS = {"name", "macs_dense", "macs_effective", "weight_count", "weight_nnz",
             "weight_bytes_dense", "weight_bytes_stored", "dram_read_bytes",
             "dram_write_bytes", "energy_pj", "energy_breakdown_pj", "latency_cycles",
             "bottleneck"}


def fc(name, c, k, d=1.0):
    return LayerWorkload(name, LayerKind.LINEAR, c, k, weight_density=d)


def test_first_fit_residency():
    """Weight capacity 300 B (a 300 B weight SRAM): a (16x8 = 128 B) fits, b (16x16 = 256 B)
    would make 384 B and streams, c (8x8 = 64 B) fits beside a (192 B)."""
    arch = tiny_arch(memories=(dram(), sram("wbuf", 300, {Operand.WEIGHTS}),
                               sram("abuf", 4096, {Operand.INPUTS, Operand.OUTPUTS})),
                     resident=True)
    layers = (fc("a", 8, 16), fc("b", 16, 16), fc("c", 8, 8))
    plan = plan_residency(layers, arch)
    assert plan.resident == (True, False, True) and not plan.model_fits_on_chip
    net = estimate_network(Network("n", layers), arch)
    assert [l.weights_on_chip for l in net.layers] == [True, False, True]
    assert net.layer("b").dram_bytes_of(Operand.WEIGHTS) >= 256
    assert net.layer("a").dram_bytes_of(Operand.WEIGHTS) == 0
    assert net.total.model_load_dram_bytes == 128 + 64
    assert not net.total.weights_on_chip


def broadcast_arch():
    sp = SparsitySupport(FormatSpec(SparseFormat.CSC, 8, 4, 16), FormatSpec(value_bits=8),
                         ZeroHandling.SKIP, ZeroHandling.SKIP, fifo_depth=2)
    return Accelerator("bc", (dram(), sram()), ComputeArray(4, 1, 4, 1, 1e9, 8, 8, 32, 1.0),
                       Dataflow.COLUMN_BROADCAST, sp)


NET = Network("small", (LayerWorkload("conv", LayerKind.CONV2D, 2, 4, 6, 6, (3, 3)),
                        fc("fc1", 64, 16, 0.25), fc("fc2", 16, 8, 0.5)), "test")


def test_unsupported_layers_are_reported_and_the_rest_estimated():
    net = estimate_network(NET, broadcast_arch())
    conv, fc1, fc2 = net.layers
    assert not conv.supported and "conv2d" in conv.unsupported_reason
    assert fc1.supported and fc2.supported and net.unsupported_layers == 1
    assert net.total.energy_pj == pytest.approx(fc1.energy_pj + fc2.energy_pj)
    assert net.total.latency_cycles == pytest.approx(fc1.latency_cycles + fc2.latency_cycles)
    assert net.total.macs_dense == fc1.macs_dense + fc2.macs_dense


def test_totals_sum_layers():
    net = estimate_network(NET, tiny_arch())
    assert net.total.energy_pj == pytest.approx(sum(l.energy_pj for l in net.layers))
    assert net.total.dram_read_bytes == pytest.approx(sum(l.dram_read_bytes for l in net.layers))
    assert net.total.peak_activation_bytes == max(l.peak_activation_bytes for l in net.layers)
    assert sum(net.total.energy_breakdown_pj.values()) == pytest.approx(net.total.energy_pj)


def test_baseline_on_another_arch_and_savings():
    cmp = compare_network(NET, broadcast_arch(), tiny_arch())
    assert cmp.baseline.arch == "tiny" and cmp.pruned.arch == "bc"
    assert cmp.layer_savings[0] is None  # conv unsupported on the broadcast side
    assert cmp.pruned.unsupported_layers == 1
    fc1_p, fc1_b = cmp.pruned.layers[1], cmp.baseline.layers[1]
    assert cmp.layer_savings[1].energy == pytest.approx(fc1_b.energy_pj / fc1_p.energy_pj)
    assert cmp.savings.energy == pytest.approx(cmp.baseline.total.energy_pj
                                               / cmp.pruned.total.energy_pj)


def test_ratio_and_json_of_infinite_savings():
    """ratio(10, 4) = 2.5; 0/0 = 1; x/0 = inf, written as null in JSON."""
    assert ratio(10, 4) == 2.5 and ratio(0, 0) == 1.0 and math.isinf(ratio(1, 0))
    assert Savings(math.inf, 1, 1, 1).to_dict()["energy_x"] is None


def test_json_record_has_the_specified_fields():
    data = compare_network(NET, tiny_arch()).to_dict()
    json.dumps(data, allow_nan=False)
    for row in data["layers"] + [data["total"]]:
        assert SPEC_KEYS <= set(row)
        assert SPEC_KEYS <= set(row["baseline"])
        assert set(row["savings"]) == {"energy_x", "latency_x", "memory_x", "dram_traffic_x"}
    assert data["total"]["name"] == "total" and "unsupported_layers" in data["total"]
    assert data["layers"][1]["baseline"]["weight_nnz"] == 64 * 16
    assert data["layers"][1]["weight_nnz"] == 64 * 16 // 4


def test_latency_savings_are_a_ratio_of_seconds():
    """Pruned 800 cycles at 800 MHz = 1 us; baseline 1,400 cycles at 700 MHz = 2 us:
    latency savings 2 us / 1 us = 2.0x, not the cycle ratio 1,400 / 800 = 1.75x."""
    pruned = LayerCost(name="l", arch="eie", batch=1, latency_cycles=800, clock_hz=800e6)
    baseline = LayerCost(name="l", arch="ws", batch=1, latency_cycles=1400, clock_hz=700e6)
    assert pruned.latency_s == pytest.approx(1e-6) and baseline.latency_s == pytest.approx(2e-6)
    assert Savings.of(pruned, baseline).latency == pytest.approx(2.0)
    same_clock = replace(baseline, clock_hz=800e6)
    assert Savings.of(pruned, same_clock).latency == pytest.approx(1400 / 800)


def test_baseline_at_another_clock_changes_latency_savings_by_the_clock_ratio():
    """The same dense network on the tiny arch at 1 GHz (pruned side) and at 500 MHz
    (baseline): the same cycles, twice the time, so latency savings 2.0x per layer and in
    total, and the JSON rows carry each side's seconds."""
    fast = tiny_arch()
    slow = replace(fast, name="slow", compute=replace(fast.compute, clock_hz=0.5e9))
    dense = Network("d", (fc("a", 8, 16), fc("b", 16, 16)))
    cmp = compare_network(dense, fast, slow)
    assert cmp.baseline.total.latency_cycles == pytest.approx(cmp.pruned.total.latency_cycles)
    assert cmp.savings.latency == pytest.approx(2.0)
    assert all(s.latency == pytest.approx(2.0) for s in cmp.layer_savings)
    data = cmp.to_dict()
    for row in data["layers"] + [data["total"]]:
        assert row["latency_s"] == pytest.approx(row["latency_cycles"] / 1e9)
        assert row["baseline"]["latency_s"] == pytest.approx(
            row["baseline"]["latency_cycles"] / 0.5e9)
        assert row["savings"]["latency_x"] == pytest.approx(2.0)
