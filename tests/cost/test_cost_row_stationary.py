"""Eyeriss row stationary (hwsim.cost.row_stationary): hand-worked formulas, the mapping rules,
the chip's AlexNet figures (JSSC 2017) and the config checks."""
from __future__ import annotations

from pathlib import Path

import pytest

from hwsim.arch import arch_from_dict, load_arch
from hwsim.config.yaml_io import load_yaml_file
from hwsim.cost import estimate_layer, estimate_network
from hwsim.cost import row_stationary as rs
from hwsim.errors import ConfigError
from hwsim.types import LayerKind
from hwsim.workload import resolve_network
from hwsim.workload.layer import LayerWorkload

ROOT = Path(__file__).resolve().parents[2]
EYERISS = ROOT / "arch_configs" / "eyeriss.yaml"


@pytest.fixture(scope="module")
def eyeriss():
    return load_arch(EYERISS)


@pytest.fixture(scope="module")
def alexnet_b4(eyeriss):
    return estimate_network(resolve_network("alexnet", batch=4, profile="dense_act"), eyeriss)


def _conv1(batch=4):
    return LayerWorkload("conv1", LayerKind.CONV2D, 3, 96, 227, 227, (11, 11), (4, 4), batch=batch)


def test_conv1_paper_mapping_cycles(eyeriss):
    """AlexNet conv1 as the module docstring works it: set 11 x 7, t = 2, p = 16, q = n = 1.

    passes = ceil(96 / 32) x ceil(3 / 1) x ceil(55 / 7) x 4 = 3 x 3 x 8 x 4 = 288;
    per pass 16 x 1 x 11 x 55 = 9,680 MACs + 16 x 55 = 880 psum additions + max(176,
    2 x 11 x 176 / 4 = 968) load -> 11,528; 288 x 11,528 = 3,320,064 cycles.
    """
    shape = rs.RsShape.of(_conv1())
    m = rs.RsMapping(e=7, strips=1, r=1, t=2, p=16, q=1, n=1, n_g=1, m_b=32, e_b=7, f_b=55,
                     ifmap_resident=True)
    assert m.pes(shape) == 154
    assert m.passes(shape) == 288
    assert rs.rs_cycles(shape, m, rs.rs_parameters(eyeriss)) == 3_320_064


def test_set_geometry_folds_and_replicates(eyeriss):
    """conv2 (R = 5, E = 27): e = 27 is two 5 x 14 strips stacked (10 rows), one set;
    conv3 (R = 3, E = 13): 3 x 13 sets, four stacked (12 rows), all vertical."""
    prm = rs.rs_parameters(eyeriss)
    conv2 = rs.RsShape(2, 128, 48, 5, 5, 27, 27, 1, 4, 31, 31, 1.0)
    assert (27, 2, 1, 1) in rs._set_geometry(conv2, prm)
    conv3 = rs.RsShape(1, 384, 256, 3, 3, 13, 13, 1, 4, 15, 15, 1.0)
    assert (13, 1, 4, 4) in rs._set_geometry(conv3, prm)


def test_pe_counts_small_case(eyeriss):
    """One pass of a 2-row filter over 2 output rows x 3 columns, p = q = n = 1, S = 2, U = 1:
    MACs = 1 x 1 x 2 x 2 x 2 x 3 = 24 (input density 0.5 gates half the filter/psum reads).
    filter spad writes = 1 pass x 4 PEs x 2 = 8; ifmap spad writes = 4 PEs x (3 - 1 + 2) = 16;
    psums passed up = 1 x (1 x 2 - 1) x 2 x 3 = 6; GLB psum writes = 2 x 3 = 6 (the outputs).
    """
    shape = rs.RsShape(1, 1, 1, 2, 2, 2, 3, 1, 1, 3, 4, 1.0)
    c = rs._pe_counts(shape, 2, 1, 1, 1, 1, 1, 3, 1, 4, 0.5)
    assert c["filter_spad"] == (12.0, 8)
    assert c["ifmap_spad"][1] == 16
    assert c["psum_spad"] == (18.0, 18.0)
    assert c["glb_outputs"] == (6, 6)
    assert c["noc"] == 8 + 16 + 6 + 12


def test_chip_active_pes(alexnet_b4):
    """The chip's active PEs (JSSC 2017 Table V): conv1 154, conv2 135, conv3-5 156."""
    pes = [int(l.notes[0].split(" PEs")[0].rsplit(" ", 1)[1]) for l in alexnet_b4.layers[:5]]
    assert pes == [154, 135, 156, 156, 156]


def test_alexnet_batch4_against_the_chip(alexnet_b4):
    """Targets of issue 10: fps within 15 % of 34.7 and DRAM within 15 % of 15.4 MB per batch
    (the on-chip energy target is missed; docs/cost_model.md says by how much and why)."""
    convs = [l for l in alexnet_b4.layers if l.name.startswith("conv")]
    seconds = sum(l.latency_s for l in convs)
    assert 4 / seconds == pytest.approx(34.7, rel=0.15)
    assert sum(l.dram_bytes for l in convs) / 1e6 == pytest.approx(15.4, rel=0.15)
    assert all(l.bottleneck == "compute" for l in convs)


def test_input_image_is_not_run_length_coded(alexnet_b4):
    """A dense input image is sent raw; sparse feature maps are RLE coded."""
    notes = [l.notes[0] for l in alexnet_b4.layers[:3]]
    assert "raw in (1.00x)" in notes[0] and "RLE out" in notes[0]
    assert "RLE in" in notes[1]


def test_zero_gating_saves_energy_not_cycles(eyeriss):
    """A zero ifmap gates the MAC, filter read and psum update: same compute cycles."""
    dense = estimate_layer(_conv1(1).with_densities(1.0, 1.0, 1.0), eyeriss)
    sparse = estimate_layer(_conv1(1).with_densities(1.0, 0.4, 1.0), eyeriss)
    assert sparse.compute_cycles == dense.compute_cycles  # (RLE input: a shorter fill)
    assert sparse.energy_pj < dense.energy_pj


def test_fc_layers_keep_the_generic_model(alexnet_b4):
    fc6 = next(l for l in alexnet_b4.layers if l.name == "fc6")
    assert not any("row stationary" in n for n in fc6.notes)


def _eyeriss_dict() -> dict:
    return load_yaml_file(EYERISS)


def test_glb_split_must_fit_the_glb():
    data = _eyeriss_dict()
    data["row_stationary"] = {**data["row_stationary"], "glb_ifmap_psum_bytes": "108 KiB"}
    arch = arch_from_dict(data, base_dir=str(EYERISS.parent))
    with pytest.raises(ConfigError, match=r"row_stationary\.glb_ifmap_psum_bytes"):
        estimate_layer(_conv1(1), arch)


def test_unknown_row_stationary_key_is_an_error():
    data = _eyeriss_dict()
    data["row_stationary"] = {**data["row_stationary"], "glb_banks": 27}
    with pytest.raises(ConfigError, match=r"row_stationary\.glb_banks"):
        arch_from_dict(data, base_dir=str(EYERISS.parent))


def test_simulator_agrees_where_nothing_contends(eyeriss):
    """The simulator's block pipeline (DMA one block ahead, write-back) against the model's
    compute + fill + drain: AlexNet conv2-conv5 exact; conv1's bursty ifmap loads stall the
    array, and the comparison says so."""
    from hwsim.sim import simulate_network
    net = resolve_network("alexnet", batch=1, profile="dense_act")
    results = simulate_network(net.layers[:5], eyeriss)
    for r in results[1:]:
        assert r.cost.latency_cycles == pytest.approx(r.analytical.latency_cycles, rel=1e-5)  # whole cycles
        assert r.cost.energy_pj == pytest.approx(r.analytical.energy_pj, rel=1e-4)  # bursts
    conv1 = results[0]
    assert conv1.stats.engine == "row_stationary"
    assert conv1.cost.latency_cycles > conv1.analytical.latency_cycles
    assert any("dram stalls" in c for c in conv1.comparison.causes)
