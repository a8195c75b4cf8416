"""Overrides, point expansion and stable point ids."""
import numpy as np
import pytest

from hwsim.sweep import apply_overrides, load_plan
from hwsim.sweep.plan import draw
from hwsim.sweep.spec import RandomParameter


def test_apply_overrides_sets_and_merges_without_touching_the_base():
    """compute merges (clock_hz kept), a missing section is created, the base is unchanged."""
    base = {"compute": {"pe_count": 4, "array_rows": 2, "clock_hz": 1e9}}
    out = apply_overrides(base, [("compute", {"pe_count": 16, "array_rows": 4}),
                                 ("sparsity.fifo_depth", 8), ("compute.clock_hz", 5e8)])
    assert out == {"compute": {"pe_count": 16, "array_rows": 4, "clock_hz": 5e8},
                   "sparsity": {"fifo_depth": 8}}
    assert base == {"compute": {"pe_count": 4, "array_rows": 2, "clock_hz": 1e9}}


def test_a_scalar_replaces_a_mapping_and_null_clears_a_field():
    base = {"sparsity": {"structured": {"n": 2, "m": 4}, "weight_format": {"index_bits": 4}}}
    out = apply_overrides(base, [("sparsity.structured", None),
                                 ("sparsity.weight_format", {"index_bits": None})])
    assert out == {"sparsity": {"structured": None, "weight_format": {"index_bits": None}}}


def test_grid_expands_in_axis_order_then_workloads(sweep_file):
    """2 clocks x 2 fifo depths x 2 workloads = 8 points, last axis fastest, workloads inner."""
    plan = load_plan(sweep_file({"workloads": ["lenet300", {"workload": "lenet300",
                                                            "profile": "han2015"}],
                                 "grid": {"compute.clock_hz": [1e8, 2e8],
                                          "sparsity.fifo_depth": [2, 4]}}))
    got = [(dict(p.overrides)["compute.clock_hz"], dict(p.overrides)["sparsity.fifo_depth"],
            p.workload) for p in plan.points]
    assert got == [(1e8, 2, "lenet300"), (1e8, 2, "lenet300+han2015"),
                   (1e8, 4, "lenet300"), (1e8, 4, "lenet300+han2015"),
                   (2e8, 2, "lenet300"), (2e8, 2, "lenet300+han2015"),
                   (2e8, 4, "lenet300"), (2e8, 4, "lenet300+han2015")]
    assert len({p.id for p in plan.points}) == 8


def test_ids_are_stable_and_ignore_axis_order_and_labels(sweep_file, tmp_path):
    a = load_plan(sweep_file({"workloads": ["lenet300"],
                              "grid": {"compute.clock_hz": [1e8], "sparsity.fifo_depth": [2]}}))
    again = load_plan(sweep_file({"workloads": [{"workload": "lenet300", "label": "L"}],
                                  "grid": {"sparsity.fifo_depth": [2],
                                           "compute.clock_hz": [1e8]}}))
    assert a.points[0].id == again.points[0].id


def test_ids_change_with_the_base_file_the_workload_or_the_objective(sweep_file, tiny_arch):
    spec = {"workloads": ["lenet300"], "grid": {"compute.clock_hz": [1e8]}}
    first = load_plan(sweep_file(spec)).points[0].id
    tiny_arch["compute"]["accumulator_bits"] = 24
    assert load_plan(sweep_file(spec, arch=tiny_arch)).points[0].id != first
    assert load_plan(sweep_file({**spec, "workloads": [
        {"workload": "lenet300", "profile": "han2015"}]})).points[0].id != first
    assert load_plan(sweep_file({**spec, "objective": "latency"})).points[0].id != first


def test_objective_axis_sets_each_points_objective(sweep_file):
    plan = load_plan(sweep_file({"workloads": ["lenet300"],
                                 "grid": {"objective": ["energy", "edp"]}}))
    assert [p.objective for p in plan.points] == ["energy", "edp"]
    assert [p.arch_overrides for p in plan.points] == [(), ()]


def test_repeated_grid_values_are_dropped(sweep_file):
    plan = load_plan(sweep_file({"workloads": ["lenet300"],
                                 "grid": {"sparsity.fifo_depth": [2, 4, 2]}}))
    assert len(plan.points) == 2 and plan.duplicates_dropped == 1


def test_random_samples_are_seeded(sweep_file):
    spec = {"workloads": ["lenet300"],
            "random": {"samples": 20, "seed": 7, "parameters": {
                "memories.glb.size_bytes": {"low": "16 KiB", "high": "1 MiB", "log": True,
                                            "integer": True},
                "sparsity.fifo_depth": [1, 2, 4, 8]}}}
    one, two = load_plan(sweep_file(spec)), load_plan(sweep_file(spec))
    assert [p.overrides for p in one.points] == [p.overrides for p in two.points]
    sizes = [dict(p.overrides)["memories.glb.size_bytes"] for p in one.points]
    assert all(isinstance(s, int) and 16384 <= s <= 1048576 for s in sizes)
    other = load_plan(sweep_file({**spec, "random": {**spec["random"], "seed": 8}}))
    assert [p.overrides for p in other.points] != [p.overrides for p in one.points]


def test_draw_log_uniform_midpoint():
    """u = 0.5 on log [1, 100] -> exp(0.5 ln 100) = 10 (a generator stub returning 0.5)."""
    class Half:
        def random(self):
            return 0.5
    assert draw(RandomParameter(low=1, high=100, log=True), Half()) == pytest.approx(10)
    assert draw(RandomParameter(low=1, high=100, log=True, integer=True), Half()) == 10
    assert draw(RandomParameter(low=0, high=10), Half()) == 5.0
    choices = RandomParameter(choices=["a", "b"])
    assert draw(choices, np.random.default_rng(0)) in ("a", "b")


def test_auto_chunk_size_and_chunks():
    """10,000 points on 2 slots: ceil(10000 / (2 x 8)) = 625, capped at 64; 40 -> 3; 1 -> 1.
    7 points in chunks of 3 -> 3, 3, 1 in order."""
    from hwsim.sweep.engines import auto_chunk_size, chunked
    assert auto_chunk_size(10_000, 2) == 64
    assert auto_chunk_size(40, 2) == 3
    assert auto_chunk_size(1, 16) == 1
    assert chunked(list("abcdefg"), 3) == [("a", "b", "c"), ("d", "e", "f"), ("g",)]


def test_bulk_chunks_are_few_even_and_a_multiple_of_the_slots():
    """Bulk: 10,000 points on 2 slots -> 2 chunks of 5,000; 100,000 -> ceil(100000 / 8192) =
    13 chunks, rounded up to 14 for 2 slots -> 7,143 points each (13 x 7,143 + 7,141); on 1
    slot 13 chunks of 7,693; 40 points on 2 slots -> 20 each; 1 point on 16 slots -> 1."""
    from hwsim.sweep.engines import MAX_BULK_CHUNK, auto_chunk_size, chunked
    assert auto_chunk_size(10_000, 2, bulk=True) == 5_000
    assert auto_chunk_size(100_000, 2, bulk=True) == 7_143
    assert len(chunked(range(100_000), 7_143)) == 14
    assert auto_chunk_size(100_000, 1, bulk=True) == 7_693
    assert auto_chunk_size(40, 2, bulk=True) == 20
    assert auto_chunk_size(1, 16, bulk=True) == 1
    assert all(auto_chunk_size(n, s, bulk=True) <= MAX_BULK_CHUNK
               for n in (1, 8_192, 8_193, 10**6) for s in (1, 2, 3, 16))


def test_pool_workers_fork_only_without_other_threads(monkeypatch):
    """The process pool forks its workers (hwsim already imported) only while this process
    runs no other thread; with one running (here: pretended, and a real one), it spawns."""
    import threading
    from hwsim.sweep import engines
    monkeypatch.setattr(engines.threading, "active_count", lambda: 1)
    assert engines.pool_context().get_start_method() == "fork"
    monkeypatch.setattr(engines.threading, "active_count", lambda: 2)
    assert engines.pool_context().get_start_method() == "spawn"
    monkeypatch.undo()
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert engines.pool_context().get_start_method() == "spawn"
    finally:
        stop.set()
        other.join()


def test_a_progress_bar_starts_no_thread():
    """tqdm's monitor thread would make the sweep's pool spawn its workers instead of forking
    them; hwsim's bars run without it."""
    import threading
    from hwsim.report.progress import progress_bar_factory
    before = threading.active_count()
    bar = progress_bar_factory("points")(10, 0)
    try:
        assert threading.active_count() == before
    finally:
        bar.close()
