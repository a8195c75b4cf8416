"""The peer translations (benchmarks/peers/) validate, say what the peers say, and agree.

No peer is installed here: the SCALE-Sim 3.0.0 and ZigZag 3.9.1 numbers below were recorded
with benchmarks/compare_scalesim.py and benchmarks/compare_zigzag.py (docs/PEERS.md).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PEERS = ROOT / "benchmarks" / "peers"
sys.path.insert(0, str(ROOT / "benchmarks"))

from peers.topologies import scalesim_layers, zigzag_layers  # noqa: E402

from hwsim.arch import arch_from_dict, load_arch  # noqa: E402
from hwsim.cli import main as hwsim_main  # noqa: E402
from hwsim.cost import EstimateOptions, estimate_layer  # noqa: E402
from hwsim.types import LayerKind, Objective  # noqa: E402

YAMLS = sorted(PEERS.glob("*.yaml"))


def test_translated_yamls_pass_arch_check(capsys):
    """`hwsim arch check` accepts every translation (exit code 0, one 'ok' line each)."""
    assert len(YAMLS) == 3
    assert hwsim_main(["arch", "check", *map(str, YAMLS)]) == 0
    assert capsys.readouterr().out.count("ok ") == 3


# ZigZag 3.9.1 inputs/hardware/*.yaml: (r_cost, w_cost, bandwidth_max bits, size bits, instances)
ZIGZAG_LEVELS = {
    "zigzag_tpu_like.yaml": {
        "dram": (700, 750, 64, None, 1), "sram_2MB": (416.16, 378.4, 2048, 16777216, 1),
        "rf_128B": (0.095, 0.095, 8, 1024, 1024), "rf_2B": (0.021, 0.021, 16, 16, 1024)},
    "zigzag_eyeriss_like.yaml": {
        "dram": (1000, 1000, 64, None, 1), "sram_1M": (100, 130, 384, 8388608, 1),
        "sram_64KB": (20, 25, 128, 524288, 1), "sram_8KB": (10, 15, 128, 65536, 1),
        "rf_64B_A": (1.0, 1.5, 8, 512, 168), "rf_64B_W": (1.0, 1.5, 8, 512, 168),
        "rf_16B": (1.5, 2.0, 24, 128, 168)},
}


@pytest.mark.parametrize("name", sorted(ZIGZAG_LEVELS))
def test_zigzag_translation_keeps_energy_per_bit(name):
    """Energy per bit = ZigZag's r_cost / bandwidth_max, e.g. sram_2MB 416.16 pJ / 2048 bits
    = 0.2032 pJ/bit = 1.6256 pJ/byte; sizes bits / 8; one instance per PE where
    ``served_dimensions: []``."""
    arch = load_arch(PEERS / name)
    assert {level.name for level in arch.memories} == set(ZIGZAG_LEVELS[name])
    for level_name, (r, w, bw, size_bits, inst) in ZIGZAG_LEVELS[name].items():
        level = arch.level(level_name)
        assert level.read_energy_pj_per_byte == pytest.approx(r / bw * 8)
        assert level.write_energy_pj_per_byte == pytest.approx(w / bw * 8)
        assert level.instances == inst
        if size_bits is not None:
            assert level.size_bytes == size_bits // 8


def test_scalesim_topology_rows_become_layers():
    """LeNet-5 conv1 ``28, 28, 5, 5, 1, 20, 1`` -> 24 x 24 outputs, 288,000 MACs; fc1 (1x1
    filter on a 1x1 input, 800 channels, 500 filters) -> linear 800 -> 500."""
    layers = {l.name: l for l in scalesim_layers(PEERS / "inputs/scalesim/lenet5.csv")}
    assert (layers["conv1"].out_height, layers["conv1"].macs_dense) == (24, 288_000)
    assert layers["fc1"].kind is LayerKind.LINEAR
    assert (layers["fc1"].in_channels, layers["fc1"].out_channels) == (800, 500)
    alex = {l.name: l for l in scalesim_layers(PEERS / "inputs/scalesim/alexnet.csv")}
    assert (alex["conv1"].out_height, alex["conv2"].groups) == (55, 1)  # no padding, no groups


def test_zigzag_workload_entries_become_layers():
    """AlexNet conv2: OY = 27, FY = 5, pad 2 -> H = 26 + 5 - 4 = 27; conv1: OY = 55, stride 4,
    FY = 11 -> H = 54 * 4 + 11 = 227. Every VGG-16 layer rebuilds its own output size."""
    alex = {l.name: l for l in zigzag_layers(PEERS / "inputs/zigzag/workload_alexnet.yaml")}
    assert (alex["conv2"].in_height, alex["conv2"].padding, alex["conv2"].groups) == \
        (27, (2, 2), 1)
    assert (alex["conv1"].in_height, alex["conv1"].stride) == (227, (4, 4))
    assert alex["fc6"].macs_dense == 9216 * 4096
    vgg = zigzag_layers(PEERS / "inputs/zigzag/workload_vgg16.yaml")
    assert len(vgg) == 16 and vgg[0].out_height == 224


# SCALE-Sim 3.0.0 COMPUTE_REPORT "Total Cycles" on the 32x32 configs (recorded runs).
SCALESIM_CYCLES = {
    ("lenet5", "ws"): {"conv1": 669, "conv2": 5055, "fc1": 37999, "fc2": 1519},
    ("lenet5", "os"): {"conv1": 1565, "conv2": 2247, "fc1": 13791, "fc2": 561},
    ("alexnet", "ws"): {"conv1": 112283, "conv2": 373799, "conv3": 185759, "conv4": 278639,
                        "conv5": 185759, "fc6": 3502079, "fc7": 1556479, "fc8": 389119},
    ("alexnet", "os"): {"conv1": 121124, "conv2": 334831, "conv3": 113567, "conv4": 168863,
                        "conv5": 112575, "fc6": 1187583, "fc7": 532223, "fc8": 133055},
    ("vgg16", "ws"): {"conv1_1": 100539, "conv5_1": 668159},
    ("vgg16", "os"): {"conv1_1": 279103, "conv5_1": 523039},
}
DATAFLOWS = {"ws": "weight_stationary", "os": "output_stationary"}


@pytest.mark.parametrize("net, dataflow", sorted(SCALESIM_CYCLES))
def test_compute_cycles_within_one_percent_of_scalesim(net, dataflow):
    """hwsim counts cycles, SCALE-Sim the index of the last one: exactly +1 per layer, e.g.
    LeNet-5 conv1 ws: 1 fold of 2*32 + 32 + 576 - 2 = 670 vs SCALE-Sim's 669 (+0.15 %)."""
    import yaml

    data = yaml.safe_load((PEERS / "scalesim_32x32.yaml").read_text())
    data["dataflow"] = DATAFLOWS[dataflow]
    arch = arch_from_dict(data, source="scalesim_32x32.yaml")
    expected = SCALESIM_CYCLES[(net, dataflow)]
    for layer in scalesim_layers(PEERS / f"inputs/scalesim/{net}.csv", list(expected)):
        cycles = estimate_layer(layer, arch).compute_cycles
        assert cycles == expected[layer.name] + 1
        assert abs(cycles - expected[layer.name]) / expected[layer.name] < 0.01


# ZigZag 3.9.1 LeNet-5 energy per layer (pJ), lowest-latency mapping (its default).
ZIGZAG_LENET5_PJ = {
    "tpu_like": {"conv1": 1471533.42, "conv2": 3166477.72, "fc1": 35267660.56,
                 "fc2": 484975.416},
    "eyeriss_like": {"conv1": 3338530.0, "conv2": 19074685.0, "fc1": 54974334.0,
                     "fc2": 752112.5},
}


@pytest.mark.parametrize("acc", sorted(ZIGZAG_LENET5_PJ))
def test_lenet5_network_energy_within_15_percent_of_zigzag(acc):
    """The issue's network band on LeNet-5, same objective (latency) as ZigZag's default."""
    arch = load_arch(PEERS / f"zigzag_{acc}.yaml")
    options = EstimateOptions(objective=Objective.LATENCY, double_buffering=False)
    layers = zigzag_layers(PEERS / "inputs/zigzag/workload_lenet5.yaml")
    ours = sum(estimate_layer(l, arch, options=options).energy_pj for l in layers)
    peer = sum(ZIGZAG_LENET5_PJ[acc].values())
    assert abs(ours - peer) / peer < 0.15


def test_relative_difference_and_table():
    """(670 - 669) / 669 = +0.149 %; integral floats print as integers, 'diff' columns signed."""
    from peers import common

    assert common.rel_diff_pct(670, 669) == pytest.approx(0.14948, abs=1e-5)
    assert common.rel_diff_pct(0, 0) == 0.0
    text = common.format_table(["layer", "cycles", "diff %"], [["conv1", 670.0, 0.149]])
    assert text.splitlines()[2].split() == ["conv1", "670", "+0.15"]


def test_runner_cache_merges_and_stale_lock_is_ignored(tmp_path):
    """A runner saving its layers keeps layers another run saved meanwhile; a lock whose
    process is gone does not block a comparison."""
    from peers import common

    out = tmp_path / "peer.json"
    common.save_layers({"layers": {"conv1": {"wall_s": 1}}}, str(out))
    mine = {"layers": {"fc1": {"wall_s": 2}}}
    common.save_layers(mine, str(out))
    assert set(common.load_json(out)["layers"]) == {"conv1", "fc1"}
    assert set(mine["layers"]) == {"fc1"}  # a --fresh run still runs conv1 itself
    Path(f"{out}.lock").write_text("999999999")
    assert common.running_pid(out) is None
