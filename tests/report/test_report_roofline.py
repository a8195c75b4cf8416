"""The GPU roofline figure: extracted from the rows' roofline records, planned only for GPUs."""
from pathlib import Path

import pytest

from hwsim.arch import load_arch
from hwsim.cost import compare_network
from hwsim.report.build import figure_plan, tables_of
from hwsim.report.figures import new_figure
from hwsim.report.roofline import plot_roofline, roofline_data
from hwsim.workload import resolve_network

ARCH = Path(__file__).resolve().parents[2] / "arch_configs"


@pytest.fixture(scope="module")
def vgg_h100():
    cmp = compare_network(resolve_network("vgg16", profile="han2015"),
                          load_arch(ARCH / "h100_sxm.yaml"))
    return {"estimates": [cmp.to_dict()], "dense_runs": [cmp.dense.to_dict()]}


def test_one_mark_per_layer_and_side_with_hbm_and_math_ceilings(vgg_h100):
    data = roofline_data(vgg_h100["estimates"][0], vgg_h100["dense_runs"][0])
    assert len(data.marks) == 2 * 16
    peaks = dict(data.peaks)
    assert peaks["tensor cores"] == pytest.approx(989.4e12)
    assert data.hbm_bytes_per_s == pytest.approx(3350e9)
    fc6 = {m.side: m for m in data.marks if m.layer == "fc6"}
    # pruning fc6 cuts its HBM bytes (CSR at 4 % density), so its intensity and rate rise
    assert fc6["pruned"].intensity > fc6["dense"].intensity
    assert fc6["pruned"].rate > fc6["dense"].rate
    fig, ax = new_figure(7.5, 4.8)
    assert plot_roofline(ax, data) is fig and ax.get_xscale() == "log"


def test_planned_for_gpus_only(vgg_h100):
    names = [f.name for f in figure_plan(vgg_h100, tables_of(vgg_h100), ["h100"])]
    assert "roofline-h100" in names
    eie = compare_network(resolve_network("alexnet", profile="han2015"),
                          load_arch(ARCH / "eie.yaml"))
    results = {"estimates": [eie.to_dict()], "dense_runs": [eie.dense.to_dict()]}
    assert roofline_data(results["estimates"][0], results["dense_runs"][0]) is None
