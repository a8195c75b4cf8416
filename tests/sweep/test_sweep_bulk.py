"""Bulk evaluation (hwsim/sweep/bulk.py, hwsim/cost/bulk.py) gives the stored rows of the
point-by-point path bit for bit, and its caches are owned by the caller and keyed by content.
"""
import copy
import json
import pickle
import threading

from pathlib import Path

import numpy as np
import pytest
import yaml

from hwsim.arch import arch_from_dict
from hwsim.cost import EstimateOptions, estimate_network
from hwsim.cost.cache import CostCache, array_key, record_key
from hwsim.cost.operands import layer_weight_storage
from hwsim.sweep import EngineConfig, load_plan, run_sweep
from hwsim.sweep import evaluate as ev
from hwsim.sweep.evaluate import EvalContext
from hwsim.sweep.store import RESULTS_FILE
from hwsim.types import LayerKind
from hwsim.workload import resolve_network
from hwsim.workload.layer import LayerWorkload

ROOT = Path(__file__).parents[2]

ARRAYS = [{"pe_count": 16, "array_rows": 4, "array_cols": 4},
          {"pe_count": 16, "array_rows": 2, "array_cols": 8},
          {"pe_count": 64, "array_rows": 8, "array_cols": 8}]


def rich_arch(arch: dict) -> dict:
    """The tiny sweep arch with leakage on the GLB and priced DRAM row activations, so that
    every per-variant number of the bulk path (leakage over latency, row buffers) is
    exercised."""
    arch["memories"]["glb"]["leakage_power_mw"] = 2.0
    arch["memories"]["dram"].update(row_buffer_bytes=2048, row_activation_energy_pj=900.0)
    return arch


SPEC = {
    "workloads": [{"workload": "lenet5", "profile": "han2015"}, "lenet300"],
    "random": {"samples": 100, "seed": 14, "parameters": {
        "memories.glb.size_bytes": {"low": "1 KiB", "high": "512 KiB", "log": True,
                                    "integer": True},
        "memories.glb.leakage_power_mw": {"low": 0.0, "high": 5.0},
        "memories.glb.width_bits": [32, 64, 128],
        "memories.rf.size_bytes": [8, 64],
        "memories.dram.preset": ["lpddr4", "ddr4", "hbm2"],
        "memories.dram.row_activation_energy_pj": {"low": 100.0, "high": 2000.0},
        "compute": ARRAYS,
        "compute.clock_hz": {"low": 2e8, "high": 1e9},
        "compute.mac_energy_pj": {"low": 0.1, "high": 2.0},
        "dataflow": ["weight_stationary", "output_stationary", "input_stationary"],
        "sparsity.weight_zeros": ["skip", "none"],
        "objective": ["energy", "latency", "edp"],
    }},
}


def rows_of(folder):
    return [json.loads(line) for line in (folder / RESULTS_FILE).read_text().splitlines()]


def run_both(plan, tmp_path, monkeypatch):
    """(point-by-point rows, bulk rows, points the bulk run estimated one by one)."""
    old = run_sweep(plan, tmp_path / "old", EngineConfig("serial", bulk=False))
    alone = []
    point = ev.evaluate_point
    monkeypatch.setattr(ev, "evaluate_point", lambda *a: alone.append(a[1].id) or point(*a))
    new = run_sweep(plan, tmp_path / "new", EngineConfig("serial", bulk=True))
    return old, new, alone


def test_bulk_rows_equal_point_by_point_rows_over_200_points(sweep_file, tiny_arch, tmp_path,
                                                             monkeypatch):
    """200 points (100 variants x LeNet-5 han2015 and dense LeNet-300) varying GLB size,
    width and leakage, RF size, DRAM preset and row activation, array shape, clock, MAC
    energy, dataflow, zero skipping and the objective: the stored rows (results.jsonl, as
    JSON text) are identical, and the bulk path priced nearly all of them (the rest are
    variants that break an accelerator rule or have a layer no tiling fits)."""
    plan = load_plan(sweep_file(SPEC, rich_arch(tiny_arch)))
    assert len(plan.points) == 200
    old, new, alone = run_both(plan, tmp_path, monkeypatch)
    assert [json.dumps(r) for r in rows_of(tmp_path / "old")] == \
        [json.dumps(r) for r in rows_of(tmp_path / "new")]
    assert [r["id"] for r in old.rows] == [r["id"] for r in new.rows]
    assert old.count("ok") > 150
    not_ok = {r["id"] for r in old.rows if r["status"] != "ok"}
    assert set(alone) <= not_ok | {r["id"] for r in old.rows if r["status"] == "ok"}
    assert len(alone) <= len(not_ok) + 10


def test_bulk_rows_equal_without_leakage(sweep_file, tiny_arch, tmp_path, monkeypatch):
    """The same sweep with no leakage anywhere and only the energy objective: the bulk path
    then keeps, of the candidates the pruning bound leaves, those whose approximate energy (one
    matrix product) is within 1e-9 of some variant's best (``_near``), and divides by a width
    shared by every variant once per candidate (``shared``); rows still identical."""
    arch = rich_arch(tiny_arch)
    arch["memories"]["glb"]["leakage_power_mw"] = 0.0
    params = {k: v for k, v in SPEC["random"]["parameters"].items()
              if k not in ("memories.glb.leakage_power_mw", "objective")}
    spec = {**SPEC, "random": {**SPEC["random"], "parameters": params}}
    plan = load_plan(sweep_file(spec, arch))
    import hwsim.cost.bulk as cost_bulk
    near, calls = cost_bulk._near, []
    monkeypatch.setattr(cost_bulk, "_near", lambda *a: calls.append(1) or near(*a))
    old, new, alone = run_both(plan, tmp_path, monkeypatch)
    assert rows_of(tmp_path / "old") == rows_of(tmp_path / "new")
    assert len(calls) > 20
    assert old.count("ok") > 150 and len(alone) <= len(plan.points) - old.count("ok") + 10


def test_shared_keeps_one_value_only_when_every_variant_has_it_bit_for_bit():
    """[64, 64, 64] -> [64] (divide once, broadcast); [64, 128] and [0.0, -0.0] (equal but
    not the same bits: x / 0.0 and x / -0.0 differ) stay whole."""
    from hwsim.cost.bulk import shared
    assert shared(np.array([64.0, 64.0, 64.0])).tolist() == [64.0]
    assert shared(np.array([64.0, 128.0])).tolist() == [64.0, 128.0]
    assert len(shared(np.array([0.0, -0.0]))) == 2
    assert shared(np.array([5.0])).tolist() == [5.0]


def test_first_feasible_is_the_full_argmax():
    """Looking at the head of the order first gives ``feasible[:, order].argmax(axis=1)``,
    also for variants whose first feasible candidate lies beyond the head or that have none."""
    from hwsim.cost.bulk import _first_feasible
    rng = np.random.default_rng(5)
    feasible = rng.random((40, 300)) < rng.choice([0.002, 0.05, 0.9], size=(40, 1))
    feasible[0] = False
    order = rng.permutation(300)
    for head in (1, 8, 64, 300):
        assert (_first_feasible(feasible, order, head)
                == feasible[:, order].argmax(axis=1)).all()


@pytest.mark.parametrize("plain_sum", [True, False])
def test_bulk_rows_equal_on_the_benchmark_workload(sweep_file, tmp_path, monkeypatch,
                                                   plain_sum):
    """The benchmark's sweep (systolic_ws variants x AlexNet han2015), 60 points; also with
    the per-variant ``sum`` that Pythons whose ``sum`` compensates rounding get."""
    import hwsim.sweep.bulk as bulk
    monkeypatch.setattr(bulk, "PLAIN_SUM", plain_sum and bulk.PLAIN_SUM)
    spec = {"workloads": [{"workload": "alexnet", "profile": "han2015"}],
            "random": {"samples": 60, "seed": 3, "parameters": {
                "memories.filter_sram.size_bytes": {"low": "32 KiB", "high": "2 MiB",
                                                    "log": True, "integer": True},
                "memories.ifmap_sram.size_bytes": {"low": "32 KiB", "high": "2 MiB",
                                                   "log": True, "integer": True},
                "compute": [{"pe_count": 256, "array_rows": 16, "array_cols": 16},
                            {"pe_count": 1024, "array_rows": 32, "array_cols": 32}],
                "memories.dram.preset": ["lpddr4", "ddr4", "hbm2"],
                "compute.clock_hz": {"low": 2e8, "high": 1e9}}}}
    base = yaml.safe_load((ROOT / "arch_configs" / "systolic_ws.yaml").read_text())
    plan = load_plan(sweep_file(spec, base))
    old, new, alone = run_both(plan, tmp_path, monkeypatch)
    assert rows_of(tmp_path / "old") == rows_of(tmp_path / "new")
    assert old.count("ok") == 60 and alone == []


def test_a_mask_edited_in_place_is_not_served_stale():
    """The cache keys a layer by its mask's bytes: 2 kept weights of 16, then 10 after an
    in-place edit of the same array, with the same cache, as a cold computation says."""
    arch = arch_from_dict(yaml.safe_load((ROOT / "arch_configs" / "eie.yaml").read_text()))
    mask = np.zeros((4, 4), bool)
    mask[0, :2] = True
    layer = LayerWorkload("fc", LayerKind.LINEAR, 4, 4, weight_mask=mask)
    cache = CostCache()
    assert layer_weight_storage(layer, arch, cache).values == 2
    key = record_key(layer)
    held = layer.weight_mask
    held.setflags(write=True)  # layers hand masks out read-only; a caller can still edit
    held[:, :2] = True
    held[0, 2:] = True
    assert record_key(layer) != key
    assert layer_weight_storage(layer, arch, cache).values == 10
    assert layer_weight_storage(layer, arch).values == 10


def test_array_key_is_content_not_identity():
    a, b = np.arange(6).reshape(2, 3), np.arange(6).reshape(2, 3)
    assert array_key(a) == array_key(b)
    b[0, 0] = 9
    assert array_key(a) != array_key(b)
    assert array_key(a.T) != array_key(a)  # shape is part of the key


def test_one_cache_shared_by_threads_gives_the_serial_results():
    """Four threads estimate AlexNet han2015 on six systolic variants through one cache (as
    a threaded Dask worker would); every result equals a cold, cache-free estimate."""
    net = resolve_network("alexnet", profile="han2015")
    base = yaml.safe_load((ROOT / "arch_configs" / "systolic_ws.yaml").read_text())
    archs = []
    for size in (64 * 1024, 256 * 1024, 1024 * 1024):
        for preset in ("ddr4", "hbm2"):
            data = copy.deepcopy(base)
            data["memories"]["filter_sram"]["size_bytes"] = size
            data["memories"]["dram"]["preset"] = preset
            archs.append(arch_from_dict(data))
    cold = [estimate_network(net, a).total.energy_pj for a in archs]
    cache, results, errors = CostCache(), {}, []

    def work(offset):
        try:
            for i in range(len(archs)):
                j = (i + offset) % len(archs)
                cost = estimate_network(net, archs[j], options=EstimateOptions(cache=cache))
                results.setdefault(j, set()).add(cost.total.energy_pj)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert [results[j] for j in range(len(archs))] == [{e} for e in cold]
    assert cache.size("nest") > 0 and cache.size("flows") > 0


def test_each_unpickled_context_starts_its_own_cache(sweep_file):
    plan = load_plan(sweep_file({"workloads": ["lenet300"],
                                 "grid": {"memories.glb.size_bytes": [65536]}}))
    context = EvalContext.of(plan)
    context.cache.get("x", 1, lambda: 2)
    copy_ = pickle.loads(pickle.dumps(context))
    assert copy_.cache is not context.cache and copy_.cache.size() == 0
    assert copy_.networks.keys() == context.networks.keys()


@pytest.mark.parametrize("limit", [1, 3])
def test_cache_keeps_at_most_limit_entries_per_kind(limit):
    cache = CostCache(limit=limit)
    for i in range(5):
        assert cache.get("k", i, lambda i=i: i * i) == i * i
    assert cache.size("k") == limit


def test_a_failing_bulk_group_falls_back_to_point_by_point(sweep_file, tmp_path,
                                                           monkeypatch):
    """An exception inside the bulk evaluation of a group is not a lost chunk: its points
    are estimated one by one, with the rows of a sweep that never used the bulk path."""
    plan = load_plan(sweep_file({"workloads": ["lenet300"],
                                 "grid": {"memories.glb.size_bytes": [16384, 65536]}}))
    old = run_sweep(plan, tmp_path / "old", EngineConfig("serial", bulk=False))

    def broken(*args, **kwargs):
        raise ZeroDivisionError("injected")
    monkeypatch.setattr(ev, "network_rows", broken)
    new = run_sweep(plan, tmp_path / "new", EngineConfig("serial"))
    assert new.rows == old.rows and new.count("ok") == 2


def test_bulk_rows_equal_with_separate_ports_and_wavefront(sweep_file, tmp_path, monkeypatch):
    """systolic_ws with wavefront fold pipelining, filter SRAM ports shared or separate
    (structure: max(read, write) vs read + write bytes over the bandwidth) and its size and
    bandwidth varied, 24 points on AlexNet han2015: bulk rows equal the point-by-point ones."""
    spec = {"workloads": [{"workload": "alexnet", "profile": "han2015"}],
            "random": {"samples": 24, "seed": 5, "parameters": {
                "memories.filter_sram.ports": ["shared", "separate"],
                "memories.filter_sram.size_bytes": {"low": "32 KiB", "high": "2 MiB",
                                                    "log": True, "integer": True},
                "memories.filter_sram.bandwidth_bytes_per_cycle": {"low": 4, "high": 64}}}}
    base = yaml.safe_load((ROOT / "arch_configs" / "systolic_ws.yaml").read_text())
    base["compute"]["weight_wavefront"] = True
    plan = load_plan(sweep_file(spec, base))
    old, new, alone = run_both(plan, tmp_path, monkeypatch)
    assert rows_of(tmp_path / "old") == rows_of(tmp_path / "new")
    assert old.count("ok") == 24 and alone == []
    assert {dict(p.overrides)["memories.filter_sram.ports"] for p in plan.points} == \
        {"shared", "separate"}
