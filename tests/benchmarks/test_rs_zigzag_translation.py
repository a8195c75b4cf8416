"""hwsim's row-stationary mappings translate into ZigZag 3.9.1 mapping entries that ZigZag
pins (benchmarks/peers/rs_zigzag.py; no ZigZag needed: its completeness rule is restated)."""
from __future__ import annotations

import math
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from peers import rs_pinned, rs_zigzag  # noqa: E402

from hwsim.arch import load_arch  # noqa: E402

WORKLOAD = ROOT / "benchmarks" / "peers" / "inputs" / "zigzag" / "workload_alexnet.yaml"


def _pairs():
    return rs_pinned.hwsim_rs(WORKLOAD, load_arch(ROOT / "arch_configs" / "eyeriss.yaml"))


def test_conv1_entry_is_the_worked_example():
    """conv1 (hwsim: dram[P4 Q2 K6] > glb[C3] > pe[K16 Q28 S11] > spatial[R11 P14]): D1 OY 14,
    D2 FY 11; OY padded 55 -> 56 (4 x 14); OX 28 x 2 = 56 is not 55, so 28 -> 11 (largest
    divisor of 55 <= 28) and the outer OX takes 55 / 11 = 5."""
    entry, cost = _pairs()[0]
    sizes = dict(zip(entry["loop_dims"], entry["loop_sizes"]))
    zz = rs_zigzag.zigzag_entry("conv1", sizes, cost.mapping, cost.notes[0])
    assert zz["spatial_mapping"] == {"D1": ["OY, 14"], "D2": ["FY, 11"]}
    assert zz["temporal_ordering"] == [["FX", 11], ["K", 16], ["OX", 11], ["C", 3], ["K", 6],
                                       ["OX", 5], ["OY", 4]]
    assert zz["padded"] == {"OY": [55, 56]}
    assert zz["adjusted"] == ["OX 28 -> 11", "OX 2 -> 5"]
    assert zz["memory_operand_links"] == {"O": "O", "W": "I2", "I": "I1"}


def test_every_alexnet_conv_ordering_is_complete_for_zigzag():
    """ZigZag pins an ordering only when, per dim, the factors multiply to exactly
    ceil(padded size / spatial) (LayerTemporalOrdering.is_complete); each array dim holds
    at most its 14 / 12 PEs; the spatial factors divide the padded sizes."""
    for entry, cost in _pairs():
        sizes = dict(zip(entry["loop_dims"], entry["loop_sizes"]))
        zz = rs_zigzag.zigzag_entry(entry["name"], sizes, cost.mapping, cost.notes[0])
        padded = {d: zz["padded"].get(d, [0, s])[1] for d, s in sizes.items()}
        unrolled = {oa: dict((d, int(f)) for d, f in (x.split(", ") for x in dims))
                    for oa, dims in zz["spatial_mapping"].items()}
        for oa, limit in (("D1", 14), ("D2", 12)):
            assert math.prod(unrolled.get(oa, {}).values()) <= limit
        product: dict[str, int] = {}
        for dim, f in zz["temporal_ordering"]:
            product[dim] = product.get(dim, 1) * f
        assert product == rs_zigzag.temporal_sizes(padded, unrolled), entry["name"]
        for dims in unrolled.values():
            for dim, f in dims.items():
                assert padded[dim] % f == 0


def test_strips_become_filter_sets_on_the_rows():
    """conv2's 5 x 27 set in 2 strips: OY 14 on the columns, FY 5 and K 2 on the rows (ZigZag
    keeps one unrolling per layer dim); with t filter sets as well, K t x strips on D1."""
    assert rs_zigzag.strips_of("set 10x27/2 strips x1 (t1 r1)") == 2
    assert rs_zigzag.strips_of("set 3x13 x4 (t1 r4)") == 1
    assert rs_zigzag.spatial_unrolling({"R": 5, "P": 27}, 2) == {"D1": {"OY": 14},
                                                                  "D2": {"FY": 5, "K": 2}}
    assert rs_zigzag.spatial_unrolling({"R": 3, "P": 13, "K": 2}, 2) == {
        "D1": {"OY": 7, "K": 4}, "D2": {"FY": 3}}


def test_exact_ordering_hand_case():
    """need K 12 from loops K 16 (inner), K 2 (outer): 16 -> 12 (largest divisor of 12 <= 16),
    the outer takes 12 / 12 = 1 (dropped); OY 2 never tiled is inserted above the PE loop."""
    ordering, adjusted = rs_zigzag.exact_ordering([("K", 16), ("K", 2)], {"K": 12, "OY": 2}, 1)
    assert ordering == [["K", 12], ["OY", 2]]
    assert adjusted == ["K 16 -> 12", "K 2 -> 1", "OY 2 added above the PE loops"]


def test_written_inputs_and_same_table_pricing(tmp_path):
    """The mapping file has one entry per conv layer plus ZigZag's required default, the
    workload carries the padded sizes; the same-table price of a one-row traffic is hand
    checked: 2,000 bytes read of 16-bit psums from the psum spad = 1,000 elements x 1.5 (one
    element per 24-bit word) + 0.5 x 10 MACs = 1,505."""
    pairs = _pairs()
    map_path, wl_path, notes = rs_pinned.zigzag_inputs(pairs, tmp_path)
    names = [e["name"] for e in yaml.safe_load(map_path.read_text())]
    assert names == ["conv1", "conv2", "conv3", "conv4", "conv5", "default"]
    workload = yaml.safe_load(wl_path.read_text())
    assert workload[0]["loop_sizes"][workload[0]["loop_dims"].index("OY")] == 56

    class Row:
        level, kind, operand, read_bytes, write_bytes = "psum_spad", "spad", "outputs", 2000, 0

    class Cost:
        traffic = (Row(),)

    assert rs_pinned.hwsim_same_table_pj(Cost(), 10) == 1505.0
