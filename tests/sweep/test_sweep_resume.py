"""A real ``hwsim sweep`` subprocess killed with SIGKILL part-way, then restarted: no point is
missing or duplicated and every value equals an uninterrupted run."""
import json
import os
import signal
import subprocess
import sys
import time

from hwsim.cli import main
from hwsim.sweep import EngineConfig, load_plan, read_rows, run_sweep
from hwsim.sweep.store import RESULTS_FILE

POINTS = 60
SPEC = {"workloads": [{"workload": "lenet300", "profile": "han2015"}],
        "grid": {"compute.clock_hz": [1e8 + i * 1e6 for i in range(POINTS)]}}


def command(spec, out):
    return [sys.executable, "-m", "hwsim.cli", "sweep", str(spec), "--out", str(out),
            "--engine", "serial", "--chunk-size", "1", "--no-plots", "--no-progress"]


def complete_lines(path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def kill_part_way(spec, out, after: int) -> int:
    """Start the sweep, SIGKILL its process group once ``after`` lines are written; returns
    the lines on disk at the kill."""
    proc = subprocess.Popen(command(spec, out), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    results = out / RESULTS_FILE
    deadline = time.monotonic() + 120
    try:
        while complete_lines(results) < after:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the sweep wrote nothing in 120 s"
            time.sleep(0.002)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    return complete_lines(results)


def test_sigkill_then_restart_loses_and_duplicates_nothing(sweep_file, tmp_path):
    spec = sweep_file(SPEC)
    out = tmp_path / "killed"
    at_kill = kill_part_way(spec, out, after=3)
    assert 3 <= at_kill < POINTS, "the sweep finished before the kill: make it longer"
    restarted = subprocess.run(command(spec, out), capture_output=True, text=True, timeout=300)
    assert restarted.returncode == 0, restarted.stderr
    lines = (out / RESULTS_FILE).read_text().splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    plan = load_plan(spec)
    assert len(ids) == len(set(ids)) == POINTS                    # nothing twice
    assert set(ids) == {p.id for p in plan.points}                # nothing missing
    assert f"computed {POINTS - at_kill}, reused {at_kill}" in restarted.stdout
    reference = run_sweep(plan, tmp_path / "uninterrupted", EngineConfig("serial"))
    assert read_rows(out / RESULTS_FILE) == {r["id"]: r for r in reference.rows}
    csv_lines = (out / "results.csv").read_text().splitlines()
    assert len(csv_lines) == POINTS + 1


def test_cli_run_dry_run_and_rerun(sweep_file, tmp_path, capsys):
    spec = sweep_file({"workloads": [{"workload": "lenet300", "profile": "han2015"}],
                       "grid": {"compute.clock_hz": [1e8, 2e8],
                                "sparsity.weight_format.index_bits": [4, 0]}})
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--dry-run"]) == 0
    assert "= 4 points (0 already in" in capsys.readouterr().out
    assert not (out / RESULTS_FILE).exists()
    args = ["sweep", str(spec), "--out", str(out), "--engine", "serial", "--no-plots",
            "--no-progress", "--top", "1"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "4 points (ok 2, partial 0, invalid 2, error 0); computed 4, reused 0" in printed
    lines = printed.splitlines()  # the best row's overrides: one per line
    first = [i for i, line in enumerate(lines) if line.startswith("   1  lenet300+han2015")]
    assert len(first) == 1 and "sparsity.weight_format.index_bits=4" in " ".join(
        lines[first[0]:first[0] + 3])
    assert main(args) == 0
    assert "computed 0, reused 4" in capsys.readouterr().out


def test_cli_engine_flags_conflict(sweep_file, tmp_path, capsys):
    spec = sweep_file({"workloads": ["lenet300"], "grid": {"compute.clock_hz": [1e8]}})
    code = main(["sweep", str(spec), "--out", str(tmp_path), "--engine", "serial",
                 "--dask-local", "2"])
    assert code == 2
    assert "--engine must be dask with --scheduler or --dask-local. Got 'serial' instead." \
        in capsys.readouterr().err
