"""Mapping files (hwsim.config.mapping, hwsim.cost.pinning): printed mappings fed back reproduce
the same numbers exactly, constraints restrict the search, bad files get dotted-path errors."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from hwsim import cli
from hwsim.arch import load_arch
from hwsim.config.mapping import load_mapping_file, parse_mapping_file
from hwsim.cost import EstimateOptions, estimate_network
from hwsim.errors import ConfigError
from hwsim.workload import resolve_network

ROOT = Path(__file__).resolve().parents[2]
ARCHS = ("eyeriss", "systolic_ws", "sparse_tensor_core", "eie")


def _printed(cost) -> dict:
    return {"layers": [{"name": l.name, "mapping": l.mapping.to_dict()}
                       for l in cost.layers if l.mapping is not None]}


def _numbers(cost) -> list:
    return [(l.name, l.energy_pj, l.latency_cycles, l.dram_bytes, str(l.mapping))
            for l in cost.layers]


@pytest.mark.parametrize("arch_name", ARCHS)
def test_printed_mappings_reproduce_the_numbers(arch_name):
    """Every layer pinned to the mapping the search printed: identical energy, latency, DRAM
    bytes and mapping, on every reference accelerator (AlexNet, han2015, batch 2)."""
    arch = load_arch(ROOT / "arch_configs" / f"{arch_name}.yaml")
    net = resolve_network("alexnet", profile="han2015", batch=2)
    searched = estimate_network(net, arch)
    pins = parse_mapping_file(json.loads(json.dumps(_printed(searched))), arch=arch)
    pinned = estimate_network(net, arch, options=EstimateOptions(mappings=pins))
    assert _numbers(pinned) == _numbers(searched)


def test_cli_round_trip(tmp_path, capsys):
    """estimate --format json, then --mapping with that file: the same JSON numbers."""
    argv = ["estimate", "--arch", str(ROOT / "arch_configs" / "eyeriss.yaml"),
            "--workload", "lenet5", "--format", "json"]
    assert cli.main(argv) == 0
    first = capsys.readouterr().out
    (tmp_path / "m.json").write_text(first)
    assert cli.main([*argv, "--mapping", str(tmp_path / "m.json")]) == 0
    second = json.loads(capsys.readouterr().out)
    first = json.loads(first)
    assert [r["pruned"]["energy_pj"] if "pruned" in r else r["energy_pj"]
            for r in second["layers"]] == \
        [r["pruned"]["energy_pj"] if "pruned" in r else r["energy_pj"] for r in first["layers"]]


def test_pinned_row_stationary_mapping_is_used(tmp_path):
    """AlexNet conv1 pinned to the paper's mapping (set 11 x 7, t = 2, p = 16): its notes say
    so and its compute cycles are the worked example's 3,320,064."""
    (tmp_path / "m.yaml").write_text("""
mappings:
  - layer: conv1
    mapping:
      dataflow: row_stationary
      spatial: [[R, 11], [P, 7], [K, 2]]
      levels:
        - {level: dram, order: [NPQ, K], factors: {N: 4, P: 8, K: 3}}
        - {level: glb, order: [K, CRS, NPQ], factors: {C: 3}}
        - {level: pe, order: [NPQ, K, CRS], factors: {K: 16, Q: 55, S: 11}}
""")
    arch = load_arch(ROOT / "arch_configs" / "eyeriss.yaml")
    net = resolve_network("alexnet", batch=4)
    cost = estimate_network(net, arch, options=EstimateOptions(
        mappings=load_mapping_file(tmp_path / "m.yaml", arch)))
    conv1 = cost.layers[0]
    assert "set 11x7 x2 (t2 r1) p16 q1 n1, 154 PEs" in conv1.notes[0]
    assert conv1.compute_cycles == 3_320_064


def test_row_stationary_constraint_fixes_parameters():
    arch = load_arch(ROOT / "arch_configs" / "eyeriss.yaml")
    net = resolve_network("alexnet", batch=4)
    pins = parse_mapping_file({"constraints": [{"layer": "conv3",
                                                "row_stationary": {"q": 1, "n": 1}}]})
    cost = estimate_network(net, arch, options=EstimateOptions(mappings=pins))
    assert " q1 n1," in cost.layers[2].notes[0]
    assert cost.layers[1].notes[0] == estimate_network(net, arch).layers[1].notes[0]


def test_generic_constraints_order_spatial_bypass():
    """systolic_ws AlexNet conv2: a fixed DRAM order is the one printed; a fixed spatial
    unrolling is used; weights bypassing the global buffer leave it without weight traffic."""
    arch = load_arch(ROOT / "arch_configs" / "systolic_ws.yaml")
    net = resolve_network("alexnet", batch=1)
    glb = arch.on_chip[0].name
    pins = parse_mapping_file({"constraints": [
        {"layer": "conv2", "orders": {arch.dram.name: ["K", "CRS", "NPQ"]},
         "spatial": [["C", 16], ["K", 16]]},
        {"layer": "conv3", "bypass": {glb: ["weights"]}}]}, arch=arch)
    cost = estimate_network(net, arch, options=EstimateOptions(mappings=pins))
    conv2, conv3 = cost.layers[1], cost.layers[2]
    assert conv2.mapping.levels[0].order == ("K", "CRS", "NPQ")
    assert conv2.mapping.spatial == (("C", 16), ("K", 16))
    assert not any(t.level == glb and str(t.operand) == "weights" for t in conv3.traffic)


def test_bad_mapping_file_lists_every_problem_with_dotted_paths():
    arch = load_arch(ROOT / "arch_configs" / "eyeriss.yaml")
    with pytest.raises(ConfigError) as err:
        parse_mapping_file({"mappings": [{"layer": "conv1", "mapping": {
            "dataflow": "row_stationary",
            "levels": [{"level": "dram", "order": ["NPQ", "KK"], "factors": {"Z": 2}},
                       {"level": "sram9"}]}}],
            "constraints": [{"orderz": {}, "row_stationary": {"p": 0}}]}, arch=arch)
    text = str(err.value)
    for path in ("mappings.0.mapping.levels.0.order.1", "mappings.0.mapping.levels.0.factors",
                 "constraints.0.orderz", "constraints.0.row_stationary.p"):
        assert path in text


def test_unknown_level_names_are_reported():
    arch = load_arch(ROOT / "arch_configs" / "eyeriss.yaml")
    with pytest.raises(ConfigError, match=r"mappings\.0\.mapping\.levels\.1\.level"):
        parse_mapping_file({"mappings": [{"layer": "conv1", "mapping": {
            "dataflow": "row_stationary", "levels": [{"level": "dram"}, {"level": "sram9"}]}}]},
            arch=arch)


def test_infeasible_pinned_row_stationary_mapping_says_why():
    arch = load_arch(ROOT / "arch_configs" / "eyeriss.yaml")
    net = resolve_network("alexnet", batch=1)
    pins = parse_mapping_file({"mappings": [{"layer": "conv1", "mapping": {
        "dataflow": "row_stationary", "spatial": [["R", 11], ["P", 7]],
        "levels": [{"level": "pe", "factors": {"K": 32, "S": 11}}]}}]})
    with pytest.raises(ConfigError, match="filter scratchpad"):
        estimate_network(net, arch, options=EstimateOptions(mappings=pins))
