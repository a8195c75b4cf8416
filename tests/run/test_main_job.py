"""End to end: a tiny `hwsim run` (seconds of training), its report against the estimate API,
the cached rerun (no torch), and `hwsim report` rebuilding the same tables."""
import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hwsim.arch import load_arch
from hwsim.cli import main
from hwsim.cost import compare_network
from hwsim.workload import load_network

REPO = Path(__file__).resolve().parents[2]

TINY = {
    "name": "tiny",
    "data": {"train_samples": 128, "test_samples": 64},
    "pruning": {
        "schedule": {"name": "tiny", "train": {"epochs": 1, "batch_size": 32},
                     "retrain": {"epochs": 1},
                     "pruning": {"method": "han_threshold",
                                 "iterations": [{"quality": {"default": 1.0, "fc3": 0.5}}]},
                     "sensitivity": {"qualities": [0.0, 1.0]},
                     "export": {"samples": 32}},
        "histogram_bins": 8},
    "hardware": {"accelerators": ["arch_configs/eie.yaml"],
                 "baseline": "arch_configs/systolic_ws.yaml"},
    "report": {"dpi": 40},
}


def _write(folder: Path, config: dict) -> Path:
    path = folder / "run.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """One tiny run with a private cache; returns (folder, report dir, stdout)."""
    folder = tmp_path_factory.mktemp("run")
    config = _write(folder, {**TINY, "cache": {"dir": str(folder / "cache")}})
    out = folder / "report"
    capture = folder / "stdout.txt"
    with capture.open("w") as handle:
        sys_stdout, sys.stdout = sys.stdout, handle
        try:
            assert main(["run", str(config), "--out", str(out), "--no-progress"]) == 0
        finally:
            sys.stdout = sys_stdout
    return folder, out, capture.read_text()


def _csv(path: Path) -> list[dict]:
    return list(csv.DictReader(path.open()))


def test_report_files_and_printed_table(first_run):
    folder, out, stdout = first_run
    assert {p.name for p in out.iterdir()} == {"figures", "report.html", "results.csv",
                                               "results.json", "summary.md"}
    assert {p.suffix for p in (out / "figures").iterdir()} == {".png", ".svg"}
    assert "energy dense -> pruned" in stdout and "\ntotal " in stdout
    assert "energy per inference on eie:" in stdout and "model trained" in stdout
    assert "pruning on eie (dense vs pruned, same accelerator)" in stdout
    assert "accelerator systolic_ws -> eie, dense network on both" in stdout


def test_results_attribute_savings_and_compare_both_models(first_run):
    """results.json has ``attribution`` per accelerator (pruning on the same accelerator,
    the change of accelerator, both), the dense network on the same accelerator with the
    same residency policy as the pruned one, and the simulator beside the analytical model,
    dense and pruned; the report's headline leads with pruning and names the model."""
    folder, out, _ = first_run
    results = json.loads((out / "results.json").read_text())
    estimate = results["estimates"][0]
    assert set(estimate["total"]["attribution"]) == {"accelerator", "pruning", "combined"}
    assert estimate["residency"]["pruned"]["policy"] == estimate["residency"]["dense"]["policy"]
    assert results["dense_runs"][0]["arch"] == "eie"
    sim = results["simulation"][0]
    assert sim["arch"] == "eie" and sim["pruned"]["max_abs_latency_diff"] is not None
    assert len(sim["dense"]["layers"]) == len(estimate["layers"])
    summary = (out / "summary.md").read_text()
    assert "Pruning on eie (dense vs pruned, same accelerator):" in summary
    assert "Figures: analytical model; the event simulator is within" in summary


def test_numbers_equal_the_estimate_api_on_the_exported_network(first_run):
    """Re-estimate the cached workload file (real masks, measured densities) directly."""
    folder, out, _ = first_run
    results = json.loads((out / "results.json").read_text())
    entry = Path(results["run"]["cache"]["dir"])
    network = load_network(entry / results["pruning"]["summary"]["files"]["workload"])
    assert all(layer.has_mask for layer in network.layers if layer.kind.has_weights)
    # the graph export keeps every op: LeNet-300's two ReLUs are activation layers linked to
    # the fc layer they follow, which EIE and the systolic array apply in its output path
    assert [(l.name, l.producer) for l in network.layers if l.producer] == [
        ("fc1.relu", "fc1"), ("fc2.relu", "fc2")]
    api = compare_network(network, load_arch(REPO / "arch_configs" / "eie.yaml"),
                          load_arch(REPO / "arch_configs" / "systolic_ws.yaml")).to_dict()
    assert results["estimates"][0] == json.loads(json.dumps(api))
    rows = {r["name"]: r for r in _csv(out / "results.csv")}
    total = rows["total"]
    assert float(total["energy_pj_pruned"]) == api["total"]["energy_pj"]
    assert float(total["energy_pj_dense"]) == api["total"]["dense"]["energy_pj"]
    assert float(total["energy_pj_baseline"]) == api["total"]["baseline"]["energy_pj"]
    assert float(total["latency_cycles_pruned"]) == api["total"]["latency_cycles"]
    assert float(total["energy_x"]) == api["total"]["attribution"]["pruning"]["energy_x"]
    assert float(total["combined_energy_x"]) == api["total"]["savings"]["energy_x"]
    assert int(total["weights_kept"]) == api["total"]["weight_nnz"]
    for layer in api["layers"]:
        assert float(rows[layer["name"]]["weight_bytes_stored"]) == layer["weight_bytes_stored"]
    measured = {l.name: l.input_density for l in network.layers}
    assert {n: float(rows[n]["input_density"]) for n in measured} == measured
    kept = results["pruning"]["summary"]["final"]["kept_weights"]
    assert {n: int(rows[n]["weights_kept"]) for n in kept} == kept


def test_rerun_reuses_the_cache_without_torch(first_run):
    """Only the report section changes: same cache key, no training, torch never imported."""
    folder, out, _ = first_run
    (folder / "again").mkdir()
    config = _write(folder / "again", {**TINY, "cache": {"dir": str(folder / "cache")},
                                       "report": {"figures": False}})
    code = ("import sys; from hwsim.cli import main; "
            f"rc = main(['run', {str(config)!r}, '--out', {str(folder / 'again' / 'out')!r}, "
            "'--no-progress']); assert rc == 0, rc; "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=folder)
    assert done.returncode == 0, done.stderr
    assert "model reused from the cache" in done.stdout
    again = folder / "again" / "out"
    assert (again / "results.csv").read_text() == (out / "results.csv").read_text()
    assert not (again / "figures").exists()


def test_report_command_rebuilds_the_same_tables(first_run, capsys):
    folder, out, _ = first_run
    rebuilt = folder / "rebuilt"
    assert main(["report", str(out / "results.json"), "--out", str(rebuilt),
                 "--no-figures"]) == 0
    assert (rebuilt / "results.csv").read_text() == (out / "results.csv").read_text()
    assert json.loads((rebuilt / "results.json").read_text()) == \
        json.loads((out / "results.json").read_text())
    keep = lambda p: [l for l in p.read_text().splitlines() if l and not l.startswith("![")]
    assert keep(rebuilt / "summary.md") == keep(out / "summary.md")
    assert "total " in capsys.readouterr().out


def test_bad_config_exits_2_listing_every_problem(tmp_path, capsys):
    path = _write(tmp_path, {"name": "x", "hardware": {"accelerators": ["nope.yaml"],
                                                       "baseline": "missing.yaml"}})
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "hardware.accelerators.0 must be an accelerator YAML file" in err
    assert "hardware.baseline must be" in err and not (tmp_path / "out").exists()


def test_report_of_a_non_results_file_exits_2(tmp_path, capsys):
    path = tmp_path / "x.json"
    path.write_text("[]")
    assert main(["report", str(path), "--out", str(tmp_path / "o")]) == 2
    assert "<root> must be a JSON object" in capsys.readouterr().err


def test_a_structured_schedule_runs_the_compacted_network(tmp_path):
    """The main job with structured pruning (L1 on fc1/fc2 neurons, export.compact) estimates
    the compacted network: on the dense systolic array pruning now saves energy and time
    (the masked network would show 1.00x), and the dense side keeps the original shapes."""
    schedule = {"name": "tiny-structured", "train": {"epochs": 1, "batch_size": 32},
                "retrain": {"epochs": 1},
                "pruning": {"method": "l1_structured", "structure": "neurons",
                            "layers": ["fc1", "fc2"], "iterations": [{"sparsity": 0.5}],
                            "remove_dead_neurons": True},
                "export": {"samples": 32, "compact": True}}
    config = {**TINY, "name": "tiny-structured", "cache": {"dir": str(tmp_path / "cache")},
              "pruning": {"schedule": schedule, "sensitivity": False},
              "hardware": {"accelerators": ["arch_configs/systolic_ws.yaml"],
                           "baseline": "arch_configs/systolic_ws.yaml", "simulate": False},
              "report": {"figures": False}}
    out = tmp_path / "report"
    assert main(["run", str(_write(tmp_path, config)), "--out", str(out),
                 "--no-progress"]) == 0
    results = json.loads((out / "results.json").read_text())
    fc1 = results["estimates"][0]["layers"][0]
    assert fc1["weight_count"] <= 784 * 150 and fc1["dense"]["weight_count"] == 784 * 300
    pruning = results["estimates"][0]["total"]["attribution"]["pruning"]
    assert pruning["energy_x"] > 1.5 and pruning["latency_x"] > 1.5


def test_residency_flag_overrides_every_file_for_both_networks(first_run):
    """`hwsim run --residency streamed` (cached model): the dense and the pruned network
    both stream their weights on every accelerator, and results.json says so."""
    folder, _, _ = first_run
    (folder / "streamed").mkdir()
    config = _write(folder / "streamed", {**TINY, "cache": {"dir": str(folder / "cache")},
                                          "report": {"figures": False},
                                          "hardware": {**TINY["hardware"], "simulate": False}})
    out = folder / "streamed" / "out"
    assert main(["run", str(config), "--out", str(out), "--no-progress",
                 "--residency", "streamed"]) == 0
    results = json.loads((out / "results.json").read_text())
    estimate = results["estimates"][0]
    assert {r["policy"] for r in estimate["residency"].values()} == {"streamed"}
    assert all(not r["weights_on_chip"] for r in results["dense_runs"][0]["layers"])
    assert results["run"]["config"]["hardware"]["residency"] == "streamed"
