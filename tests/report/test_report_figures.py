"""Plot functions draw exactly the extracted numbers, onto the ax given, with no global state."""
import subprocess
import sys

import pytest

from hwsim.report import figures as fg
from hwsim.report.tables import EstimateTable, estimate_table, layer_row

from report_helpers import ROW


def _table() -> EstimateTable:
    """Two layers: fc1 (dense 20000 pJ = 18000 dram + 2000 mac; pruned 500 pJ) and fc2."""
    fc2 = {**ROW, "name": "fc2", "energy_pj": 100.0,
           "energy_breakdown_pj": {"spmat": 60.0, "mac": 40.0},
           "baseline": {**ROW["baseline"], "energy_pj": 1000.0,
                        "energy_breakdown_pj": {"dram": 900.0, "mac": 100.0}},
           "savings": {**ROW["savings"], "energy_x": 10.0}}
    rows = (layer_row(ROW), layer_row(fc2))
    return EstimateTable("eie", "systolic_ws", "net", rows, rows[0])


def _stacks(ax, x):
    """Top of the bar stack centred at ``x``."""
    return sum(p.get_height() for p in ax.patches if abs(p.get_x() + p.get_width() / 2 - x) < 1e-9)


def test_energy_breakdown_stacks_components_to_the_layer_total():
    """fc1 dense: 18000 + 2000 pJ = 20000 pJ = 20 nJ -> the y unit is nJ (peak 20000 pJ)."""
    fig, ax = fg.new_figure()
    assert fg.plot_energy_breakdown(ax, _table()) is fig
    assert _stacks(ax, -0.19) == pytest.approx(20.0)      # fc1 dense, nJ
    assert _stacks(ax, 0.19) == pytest.approx(0.5)        # fc1 pruned: 500 pJ
    assert _stacks(ax, 1 - 0.19) == pytest.approx(1.0)    # fc2 dense: 1000 pJ
    assert "nJ" in ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["dram", "mac", "spmat"]


def test_energy_share_scales_every_bar_to_100_percent():
    fig, ax = fg.new_figure()
    fg.plot_energy_breakdown(ax, _table(), share=True)
    for x in (-0.19, 0.19, 1 - 0.19, 1.19):
        assert _stacks(ax, x) == pytest.approx(100.0)


def test_savings_bars_are_the_estimate_ratios():
    fig, ax = fg.new_figure()
    fg.plot_savings(ax, _table())
    heights = sorted(p.get_height() for p in ax.patches)
    expected = sorted([40.0, 8.0, 1000 / 150, 1024 / 12] + [10.0, 8.0, 1000 / 150, 1024 / 12]
                      + [40.0, 8.0, 1000 / 150, 1024 / 12])
    assert heights == pytest.approx(expected)


def test_latency_is_drawn_in_microseconds():
    """fc1: 4e-7 s dense = 0.4 µs, 5e-8 s pruned = 0.05 µs."""
    fig, ax = fg.new_figure()
    fg.plot_latency(ax, _table())
    heights = [p.get_height() for p in ax.patches]
    assert heights[0] == pytest.approx(0.4) and heights[2] == pytest.approx(0.05)


def test_histogram_draws_the_saved_counts():
    record = {"edges": [-1.0, 0.0, 1.0], "dense": [1, 2], "pruned": [0, 1],
              "dense_count": 3, "pruned_count": 1}
    fig, ax = fg.new_figure()
    assert fg.plot_weight_histogram(ax, "fc1", record) is fig
    drawn = [tuple(p.get_data().values) for p in ax.patches]
    assert drawn == [(1, 2), (0, 1)]


def test_pruning_figures_from_saved_data(results):
    pruning = results["pruning"]
    fig, ax = fg.new_figure()
    assert fg.plot_accuracy_vs_compression(ax, pruning["summary"]) is fig
    x, y = ax.lines[0].get_data()
    assert list(y) == [97.0, 96.8, 96.5] and x[-1] == pytest.approx(266200 / 21776)
    fig, ax = fg.new_figure()
    assert fg.plot_sensitivity(ax, pruning["sensitivity"]) is fig
    assert list(ax.lines[0].get_xdata()) == pytest.approx([0.0, 70.0])


def test_real_estimate_draws_without_error(results):
    table = estimate_table(results["estimates"][0], results["workload"], results["baselines"][0])
    fig, axes = fg.new_figure(ncols=2)
    fg.plot_storage(axes[0], table, capacity_bytes=8 * 2 ** 20)
    fg.plot_latency(axes[1], table)
    assert len(fig.axes) == 2


def test_importing_the_report_changes_no_global_matplotlib_state():
    # dict.items reads the raw values (reading rcParams["backend"] would import pyplot)
    code = ("import matplotlib, sys; before = dict(dict.items(matplotlib.rcParams)); "
            "import hwsim.report, hwsim.report.figures, hwsim.report.build; "
            "assert 'matplotlib.pyplot' not in sys.modules; "
            "assert dict(dict.items(matplotlib.rcParams)) == before")
    subprocess.run([sys.executable, "-c", code], check=True)
