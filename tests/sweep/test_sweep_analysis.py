"""Pareto front, best points and heatmap grid on hand-made rows; the plot functions."""
import math
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.figure import Figure

from hwsim.sweep.analysis import best_points, flat_table, heatmap_grid, pareto_front
from hwsim.sweep.plots import plot_heatmap, plot_pareto


def r(latency_s, energy_pj, status="ok", workload="w", **overrides):
    return {"id": f"{latency_s}-{energy_pj}", "workload": workload, "status": status,
            "objective": "energy", "latency_s": latency_s, "energy_pj": energy_pj,
            "overrides": overrides}


def test_pareto_front_hand_example():
    """(1, 5), (2, 3), (3, 4), (4, 1): (3, 4) is beaten by (2, 3) on both -> 3 on the front."""
    rows = [r(3, 4), r(1, 5), r(4, 1), r(2, 3)]
    assert [(x["latency_s"], x["energy_pj"]) for x in pareto_front(rows)] == [
        (1, 5), (2, 3), (4, 1)]


def test_pareto_front_ties_and_non_finite():
    """(1, 2) twice -> one kept; (1, 3) is beaten by (1, 2); NaN energies are skipped."""
    rows = [r(1, 2), r(1, 3), r(1, 2), r(0.5, float("nan"))]
    assert [(x["latency_s"], x["energy_pj"]) for x in pareto_front(rows)] == [(1, 2)]


def test_best_points_uses_valid_rows_only():
    rows = [r(1, 5), r(1, 1, status="invalid"), r(1, 3), r(1, 2, status="partial"), r(1, 4)]
    assert [x["energy_pj"] for x in best_points(rows, "energy_pj", 2)] == [3, 4]


def test_heatmap_grid_keeps_the_best_of_the_free_axes():
    """(x=1, y=a): 5 and 3 -> 3; (x=2, y=a): 4; y=b has no valid row -> NaN."""
    rows = [r(1, 5, x=1, y="a", z=0), r(1, 3, x=1, y="a", z=1), r(1, 4, x=2, y="a", z=0),
            r(1, 1, status="invalid", x=1, y="b", z=0)]
    grid = heatmap_grid(rows, ("x", [1, 2]), ("y", ["a", "b"]), "energy_pj")
    assert grid[0].tolist() == [3, 4]
    assert np.isnan(grid[1]).all()


def test_heatmap_grid_matches_mapping_values():
    rows = [r(1, 7, compute={"pe_count": 4, "array_rows": 2}, f=1)]
    grid = heatmap_grid(rows, ("compute", [{"pe_count": 4, "array_rows": 2}]), ("f", [1]),
                        "energy_pj")
    assert grid.tolist() == [[7]]


def test_flat_table_columns():
    rows = [{**r(1, 5, **{"compute": {"pe_count": 4}, "compute.clock_hz": 1e8}),
             "energy_breakdown_pj": {"dram": 3.0, "mac": 2.0}}]
    columns, flat = flat_table(rows, ["compute", "compute.clock_hz"])
    assert columns[:6] == ["id", "workload", "objective", "compute", "compute.clock_hz",
                           "status"]
    assert columns[-3:] == ["energy_dram_pj", "energy_mac_pj", "reason"]
    assert flat[0]["compute"] == "pe_count=4" and flat[0]["energy_dram_pj"] == 3.0


def test_plot_pareto_returns_the_figure_and_draws_each_front():
    fig = Figure()
    ax = fig.add_subplot()
    rows = [r(1e-3, 5e6), r(2e-3, 3e6), r(3e-3, 4e6), r(1e-3, 9e6, workload="v")]
    assert plot_pareto(ax, rows) is fig
    lines = ax.get_lines()
    assert [len(line.get_xdata()) for line in lines] == [2, 1]   # w: 2 on front; v: 1
    assert lines[0].get_xdata().tolist() == pytest.approx([1.0, 2.0])   # 1e-3 s -> 1 ms
    assert ax.get_xlabel() == "latency per inference (ms)"
    assert ax.get_ylabel() == "energy per inference (µJ)"            # 3e6 pJ -> 3 µJ
    assert ax.get_legend() is not None


def test_axis_unit():
    """2.4e-6 s -> 2.4 µs; 5e8 pJ -> 0.5 mJ is < 1, so 500 µJ; no values -> the smallest
    unit (scale to divide by)."""
    from hwsim.report.units import ENERGY_PJ_UNITS, SECONDS_UNITS, axis_unit
    assert axis_unit([2.4e-6], SECONDS_UNITS) == ("µs", 1e-6)
    assert axis_unit([5e8, 1e7], ENERGY_PJ_UNITS) == ("µJ", 1e6)
    assert axis_unit([], ENERGY_PJ_UNITS) == ("pJ", 1.0)


def test_plot_heatmap_marks_invalid_cells():
    fig = Figure()
    ax = fig.add_subplot()
    grid = np.array([[1.0, math.nan], [2.0, 3.0]])
    assert plot_heatmap(ax, grid, ["a", "b"], ["c", "d"], "x", "y", "energy (pJ)") is fig
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["1", "invalid", "2", "3"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]


def test_importing_the_plot_modules_changes_no_global_matplotlib_state():
    """A fresh interpreter: rcParams identical before and after, pyplot never imported.
    (``dict.items`` reads the raw values: reading ``rcParams["backend"]`` would import pyplot.)"""
    code = ("import matplotlib, sys; rc = lambda: dict(dict.items(matplotlib.rcParams)); "
            "before = rc(); import hwsim.sweep.plots, hwsim.sweep.outputs; "
            "print(rc() == before, 'matplotlib.pyplot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["True", "False"]
