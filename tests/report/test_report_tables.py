"""Extraction of table rows from the estimate JSON (hand-made rows, arithmetic in docstrings)."""
import pytest

from hwsim.report.tables import estimate_table, layer_row, level_accesses

from report_helpers import ROW



def test_level_accesses_sum_reads_and_writes_per_level():
    """spmat: 19 + 0 = 19; act: (5 + 4) + (1 + 0) = 10."""
    assert level_accesses(ROW["traffic"]) == {"spmat": 19, "act": 10}


def test_layer_row_pairs_dense_baseline_with_pruned():
    """density 90 / 1000 = 0.09; DRAM pruned 10 + 2 = 12 B, dense 1000 + 24 = 1024 B; ratios
    are the estimate's own savings (energy 20000 / 500 = 40x)."""
    row = layer_row(ROW, input_density=0.4)
    assert row.weight_density == pytest.approx(0.09)
    assert (row.dram_bytes_pruned, row.dram_bytes_dense) == (12.0, 1024.0)
    assert (row.energy_pj_dense, row.energy_pj_pruned, row.energy_x) == (20000.0, 500.0, 40.0)
    assert row.weight_bytes_baseline == 1000.0 and row.storage_x == pytest.approx(1000 / 150)
    assert row.dram_x == pytest.approx(1024 / 12)
    assert (row.bottleneck_dense, row.bottleneck_pruned) == ("dram", "compute")
    assert row.input_density == 0.4
    assert row.energy_dense_by_component_pj == {"dram": 18000.0, "mac": 2000.0}


def test_flat_row_spreads_nested_mappings_into_columns():
    flat = layer_row(ROW, dense_traffic=[{"level": "glb", "reads": 3, "writes": 1}]).flat()
    assert flat["accesses_glb_dense"] == 4 and flat["accesses_spmat_pruned"] == 19
    assert flat["energy_dram_pj_dense"] == 18000.0 and flat["energy_spmat_pj_pruned"] == 300.0
    assert not any(isinstance(v, dict) for v in flat.values())


def test_missing_savings_stay_none_rather_than_being_recomputed():
    row = layer_row({**ROW, "savings": None})
    assert row.energy_x is None and row.latency_x is None


def test_estimate_table_matches_the_estimate_api(results):
    """Every number of every row is the estimate API's, untouched: the dense side is the
    dense network on the same accelerator, the ratios are pruning's, and the accelerator /
    combined ratios and the baseline's energy come along."""
    estimate, dense = results["estimates"][0], results["dense_runs"][0]
    table = estimate_table(estimate, results["workload"], dense)
    assert [r.name for r in table.rows] == ["fc1", "fc2", "fc3", "total"]
    for row, src in zip(table.rows, estimate["layers"] + [estimate["total"]]):
        assert row.energy_pj_pruned == src["energy_pj"]
        assert row.energy_pj_dense == src["dense"]["energy_pj"]
        assert row.energy_pj_baseline == src["baseline"]["energy_pj"]
        assert row.latency_cycles_pruned == src["latency_cycles"]
        assert row.energy_x == src["attribution"]["pruning"]["energy_x"]
        assert row.combined_energy_x == src["savings"]["energy_x"]
        assert row.accelerator_latency_x == src["attribution"]["accelerator"]["latency_x"]
        assert row.weights_kept == src["weight_nnz"]
    assert table.total.accesses_dense == level_accesses(dense["total"]["traffic"])
    assert table.coverage_label == "whole network (3 layers)"
    assert table.layers[0].input_density == results["workload"]["layers"][0]["input_density"]
    assert table.arch == "eie" and table.baseline_arch == "systolic_ws"
