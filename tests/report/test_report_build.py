"""A report folder from a results document alone: files, exact numbers, self-contained HTML."""
import csv
import json
import re

import pytest

from hwsim.report import load_results, write_report


@pytest.fixture(scope="module")
def report(results, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    return write_report(results, out, figures=True, dpi=40)


def test_every_file_is_written(report):
    names = sorted(p.name for p in report.out_dir.iterdir())
    assert names == ["figures", "report.html", "results.csv", "results.json", "summary.md"]
    stems = {p.stem for p in report.figures}
    assert {"overview-eie", "energy-eie", "energy_share-eie", "latency-eie", "storage-eie",
            "savings-eie", "attribution-eie",
            "accuracy_vs_compression", "weight_histograms", "sensitivity"} == stems
    assert {p.suffix for p in report.figures} == {".png", ".svg"}
    for path in report.figures:
        head = path.read_bytes()[:8]
        assert head.startswith(b"\x89PNG") if path.suffix == ".png" else b"<?xml" in head


def test_csv_totals_equal_the_estimate_api(report, results):
    rows = list(csv.DictReader(report.results_csv.open()))
    total = next(r for r in rows if r["name"] == "total")
    api = results["estimates"][0]["total"]
    assert float(total["energy_pj_pruned"]) == api["energy_pj"]
    assert float(total["energy_pj_dense"]) == api["dense"]["energy_pj"]
    assert float(total["energy_pj_baseline"]) == api["baseline"]["energy_pj"]
    assert float(total["latency_cycles_pruned"]) == api["latency_cycles"]
    assert float(total["energy_x"]) == api["attribution"]["pruning"]["energy_x"]
    assert float(total["combined_energy_x"]) == api["savings"]["energy_x"]
    assert float(total["weight_bytes_stored"]) == api["weight_bytes_stored"]
    assert int(total["weights_kept"]) == api["weight_nnz"]
    for row, layer in zip(rows, results["estimates"][0]["layers"]):
        assert row["name"] == layer["name"]
        assert float(row["energy_pj_pruned"]) == layer["energy_pj"]
        assert float(row["dram_bytes_pruned"]) == \
            layer["dram_read_bytes"] + layer["dram_write_bytes"]
        for comp, pj in layer["energy_breakdown_pj"].items():
            assert float(row[f"energy_{comp}_pj_pruned"]) == pj


def test_results_json_is_the_document(report, results):
    assert json.loads(report.results_json.read_text()) == json.loads(json.dumps(results))


def test_html_is_self_contained(report):
    html = report.report_html.read_text()
    assert html.count("data:image/png;base64,") == 9  # every figure but savings (in overview)
    assert not re.search(r"""(src|href)=["'](?!data:)""", html)
    assert "<script" not in html
    assert "pruning on eie (dense vs pruned, same accelerator)" in html


def test_summary_lists_totals_and_iterations(report, results):
    md = report.summary_md.read_text()
    assert md.startswith("# hwsim run: hand\n")
    assert "![Accuracy vs compression](figures/accuracy_vs_compression.png)" in md
    assert "| total |" in md and "| 2 | all |" in md


def test_rebuild_from_saved_results_gives_the_same_tables(report, tmp_path):
    again = write_report(load_results(report.results_json), tmp_path, figures=False)
    assert again.results_csv.read_text() == report.results_csv.read_text()
    assert again.results_json.read_text() == report.results_json.read_text()
    strip = lambda text: [l for l in text.splitlines() if l and not l.startswith("![")]
    assert strip(again.summary_md.read_text()) == strip(report.summary_md.read_text())
    assert again.figures == ()


def test_simulated_cycles_are_shown_beside_the_analytical_ones(results, tmp_path):
    """fc1: 371 simulated vs 314 analytical cycles -> 371 / 314 - 1 = +18.2 %."""
    simulation = [{"arch": "eie", "model": "simulator", "layers": [
        {"name": "fc1", "supported": True, "latency_cycles": 371.0, "energy_pj": 1.0,
         "analytical_latency_cycles": 314.0, "bottleneck": "compute"}]}]
    files = write_report({**results, "simulation": simulation}, tmp_path, figures=False)
    md = files.summary_md.read_text()
    assert "## Simulator" in md and "| fc1 | 314 | 371 | +18.2% | compute |" in md
