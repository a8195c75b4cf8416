"""Running sweeps: invalid points recorded with their reason, resume, engines agree."""
import json

import pytest

from hwsim.sweep import EngineConfig, load_plan, read_rows, run_sweep, write_outputs
from hwsim.sweep.store import RESULTS_FILE

SMALL = {"workloads": [{"workload": "lenet300", "profile": "han2015"}],
         "grid": {"memories.glb.size_bytes": ["16 KiB", "64 KiB"],
                  "compute": [{"pe_count": 16, "array_rows": 4, "array_cols": 4},
                              {"pe_count": 64, "array_rows": 8, "array_cols": 8}],
                  "sparsity.weight_format.index_bits": [4, 0]}}


def values(rows):
    """Rows without anything an engine could change (nothing should: compare everything)."""
    return sorted((json.dumps(r, sort_keys=True) for r in rows))


@pytest.fixture
def plan(sweep_file):
    return load_plan(sweep_file(SMALL))


def test_invalid_points_are_recorded_with_their_reason_and_the_sweep_goes_on(sweep_file,
                                                                            tmp_path):
    """index_bits 0 and a buffer larger than DRAM are invalid; the other points run."""
    spec = {"workloads": ["lenet300"],
            "grid": {"sparsity.weight_format.index_bits": [0, 4],
                     "memories.glb.size_bytes": ["64 KiB", "2 GiB"]}}
    result = run_sweep(load_plan(sweep_file(spec)), tmp_path / "out", EngineConfig("serial"))
    by = {(r["overrides"]["sparsity.weight_format.index_bits"],
           r["overrides"]["memories.glb.size_bytes"]): r for r in result.rows}
    assert by[(0, "64 KiB")]["status"] == "invalid"
    assert "sparsity.weight_format.index_bits must be >= 1. Got 0 instead." in \
        by[(0, "64 KiB")]["reason"]
    assert by[(4, "2 GiB")]["status"] == "invalid"
    assert "memories.glb.size_bytes must be <= 1073741824 (memories.dram.size_bytes). " \
           "Got 2147483648 instead." in by[(4, "2 GiB")]["reason"]
    ok = by[(4, "64 KiB")]
    assert ok["status"] == "ok" and ok["reason"] is None and ok["energy_pj"] > 0
    assert "energy_pj" not in by[(0, "64 KiB")]
    assert result.count("invalid") == 3 and result.count("ok") == 1


def test_a_rerun_reuses_every_finished_point(plan, tmp_path):
    out = tmp_path / "out"
    first = run_sweep(plan, out, EngineConfig("serial"), chunk_size=3)
    assert (first.computed, first.reused) == (8, 0)
    second = run_sweep(plan, out, EngineConfig("serial"))
    assert (second.computed, second.reused) == (0, 8)
    assert second.rows == first.rows
    assert len((out / RESULTS_FILE).read_text().splitlines()) == 8


def test_a_partial_results_file_is_completed(plan, tmp_path):
    """Keep 3 rows and half of a 4th line (a kill mid-write): 5 are computed, none twice."""
    full = run_sweep(plan, tmp_path / "full", EngineConfig("serial"))
    lines = (tmp_path / "full" / RESULTS_FILE).read_text().splitlines(keepends=True)
    out = tmp_path / "cut"
    out.mkdir()
    (out / RESULTS_FILE).write_text("".join(lines[:3]) + lines[3][:25])
    resumed = run_sweep(plan, out, EngineConfig("serial"))
    assert (resumed.computed, resumed.reused) == (5, 3)
    assert resumed.rows == full.rows
    assert len(read_rows(out / RESULTS_FILE)) == 8
    assert len((out / RESULTS_FILE).read_text().splitlines()) == 8


FORKED_RUN = """
import sys
from hwsim.sweep import EngineConfig, engines, load_plan, run_sweep
assert engines.pool_context().get_start_method() == "fork"  # one thread: the pool forks
sent, submit = [], engines.ProcessPoolExecutor.submit
engines.ProcessPoolExecutor.submit = lambda self, fn, chunk, *a: (
    sent.append(chunk) or submit(self, fn, chunk, *a))
plan = load_plan(sys.argv[1])
serial = run_sweep(plan, sys.argv[2] + "/serial", EngineConfig("serial"))
pool = run_sweep(plan, sys.argv[2] + "/pool", EngineConfig("process", workers=2), chunk_size=2)
assert pool.rows == serial.rows, "rows differ"
assert sent == [0, 1, 2, 3], sent
assert engines._FORKED_CHUNKS == []
print("ok")
"""


def test_forked_pool_workers_are_sent_chunk_indices_and_give_the_serial_rows(sweep_file,
                                                                            tmp_path):
    """In a fresh process (one thread, so the pool forks: forking this test process, whose
    other tests may have left threads running, could deadlock), 4 chunks on 2 workers are
    sent as indices into the chunks the forked workers hold; the rows equal the serial
    ones."""
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-c", FORKED_RUN, str(sweep_file(SMALL)),
                           str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_spawned_pool_workers_are_sent_the_points_and_give_the_serial_rows(plan, tmp_path,
                                                                           monkeypatch):
    import multiprocessing

    from hwsim.sweep import engines
    monkeypatch.setattr(engines, "pool_context", lambda: multiprocessing.get_context("spawn"))
    sent, submit = [], engines.ProcessPoolExecutor.submit
    monkeypatch.setattr(engines.ProcessPoolExecutor, "submit",
                        lambda self, fn, chunk, *a: sent.append(chunk) or
                        submit(self, fn, chunk, *a))
    serial = run_sweep(plan, tmp_path / "serial", EngineConfig("serial"))
    pool = run_sweep(plan, tmp_path / "spawn", EngineConfig("process", workers=2), chunk_size=2)
    assert pool.rows == serial.rows and [len(c) for c in sent] == [2, 2, 2, 2]


def test_serial_process_and_dask_give_the_same_rows(plan, tmp_path):
    serial = run_sweep(plan, tmp_path / "serial", EngineConfig("serial"))
    process = run_sweep(plan, tmp_path / "process", EngineConfig("process", workers=2),
                        chunk_size=3)
    dask = run_sweep(plan, tmp_path / "dask", EngineConfig("dask", local_workers=2),
                     chunk_size=2)
    assert serial.count("ok") == 4 and serial.count("invalid") == 4
    assert process.rows == serial.rows          # plan order, every value equal
    assert dask.rows == serial.rows
    assert values(read_rows(tmp_path / "dask" / RESULTS_FILE).values()) == values(serial.rows)


def test_outputs_are_written(plan, tmp_path):
    result = run_sweep(plan, tmp_path / "out", EngineConfig("serial"))
    outputs = write_outputs(result, top=2)
    names = sorted(p.name for p in outputs.files)
    assert names == ["best.csv", "heatmap.png", "heatmap.svg", "pareto.png", "pareto.svg",
                     "results.csv"]
    csv_lines = (tmp_path / "out" / "results.csv").read_text().splitlines()
    assert len(csv_lines) == 9
    assert csv_lines[0].startswith("id,workload,objective,memories.glb.size_bytes,compute,"
                                   "sparsity.weight_format.index_bits,status,energy_pj,")
    assert [r["rank"] for r in outputs.best] == [1, 2]
    assert outputs.best[0]["energy_pj"] <= outputs.best[1]["energy_pj"]
    best_lines = (tmp_path / "out" / "best.csv").read_text().splitlines()
    assert best_lines[0].startswith("rank,id,workload,")
    assert [line.split(",")[0] for line in best_lines[1:]] == ["1", "2"]
    assert (tmp_path / "out" / "pareto.svg").read_text().lstrip().startswith("<?xml")


def test_dask_engine_on_an_existing_scheduler(plan, tmp_path):
    """--scheduler: connect over TCP to a running cluster (here started by the test, with
    in-process workers so that it starts in a second; --dask-local covers worker processes)."""
    from distributed import LocalCluster
    serial = run_sweep(plan, tmp_path / "serial", EngineConfig("serial"))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                      dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://")
        remote = run_sweep(plan, tmp_path / "remote",
                           EngineConfig("dask", scheduler=cluster.scheduler_address),
                           chunk_size=3)
    assert remote.rows == serial.rows


def test_an_unexpected_exception_is_recorded_and_retried_by_a_rerun(plan, tmp_path,
                                                                     monkeypatch):
    """A failure injected into the cost model: status error with the exception's text, the
    other points run, and the next run computes the failed points again (point by point:
    the bulk path hands a failing group to it, see test_sweep_bulk.py)."""
    import hwsim.sweep.evaluate as evaluate
    real = evaluate.estimate_network
    calls = []

    def flaky(network, arch, **kwargs):
        calls.append(arch.compute.pe_count)
        if arch.compute.pe_count == 64:
            raise ZeroDivisionError("injected")
        return real(network, arch, **kwargs)

    monkeypatch.setattr(evaluate, "estimate_network", flaky)
    first = run_sweep(plan, tmp_path / "out", EngineConfig("serial", bulk=False))
    assert first.count("error") == 2 and first.count("ok") == 2
    assert {r["reason"] for r in first.rows if r["status"] == "error"} == {
        "ZeroDivisionError: injected"}
    monkeypatch.setattr(evaluate, "estimate_network", real)
    second = run_sweep(plan, tmp_path / "out", EngineConfig("serial", bulk=False))
    assert (second.computed, second.reused) == (2, 6)
    assert second.count("error") == 0 and second.count("ok") == 4


def test_a_per_point_objective_reaches_the_mapping_search(sweep_file, tmp_path):
    """Minimising latency gives a latency <= the energy-optimal mapping's, and vice versa."""
    spec = {"workloads": ["lenet5"], "grid": {"objective": ["energy", "latency"]}}
    result = run_sweep(load_plan(sweep_file(spec)), tmp_path / "out", EngineConfig("serial"))
    by_energy, by_latency = result.rows
    assert (by_energy["objective"], by_latency["objective"]) == ("energy", "latency")
    assert by_latency["latency_s"] <= by_energy["latency_s"]
    assert by_energy["energy_pj"] <= by_latency["energy_pj"]
    assert by_energy["id"] != by_latency["id"]
