"""Sweep throughput: points per second of the serial, process and Dask-local engines, old
path (every variant built by ``arch_from_dict`` from its whole mapping, every point through
``estimate_network``) and new (variants built by the workers' ``VariantBuilder`` and
evaluated in bulk).

The workload of the issue's target: ``--points`` seeded random variants (default 10,000) of the
TPU-like systolic array (arch_configs/systolic_ws.yaml) x AlexNet (8 layers) with Han et al.
2015's densities, analytical model, written to a temporary results folder (JSONL + fsync per
chunk, exactly what ``hwsim sweep`` does; tables and plots are not timed). The variants change
the filter / ifmap SRAM sizes, the array (pe_count = rows x cols), the DRAM preset and the
clock, so nothing repeats.

Each engine runs the first ``--points`` points of the same plan, in a fresh folder, on the
old path (``EngineConfig(bulk=False)``, the first ``--old-points``) and the new one
(``bulk=True``); a slow engine can be given fewer with ``--serial-points`` (its rate is what
matters). Prints, per engine and path: points, seconds, points per second and the projected
time of the full ``--points``, then whether the new rows are identical (the JSON text of
every field) to the old ones, and the speed-up. Exits 1 when a row differs.

    .venv/bin/python benchmarks/bench_sweep.py                       # all engines, 10,000 pts
    .venv/bin/python benchmarks/bench_sweep.py --engines process --points 2000
    .venv/bin/python benchmarks/bench_sweep.py --engines dask --points 100000 --workers 1,2 \
        --old-points 0                                    # Dask scaling, new path only
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hwsim.sweep import EngineConfig, load_plan, run_sweep  # noqa: E402

ARRAYS = [{"pe_count": r * c, "array_rows": r, "array_cols": c}
          for r, c in ((8, 8), (16, 16), (16, 32), (32, 32), (32, 64), (64, 64))]


def spec(points: int, seed: int) -> dict:
    return {
        "name": "bench_systolic_alexnet",
        "base": str(ROOT / "arch_configs" / "systolic_ws.yaml"),
        "workloads": [{"workload": "alexnet", "profile": "han2015"}],
        "random": {"samples": points, "seed": seed, "parameters": {
            "memories.filter_sram.size_bytes": {"low": "32 KiB", "high": "2 MiB", "log": True,
                                                "integer": True},
            "memories.ifmap_sram.size_bytes": {"low": "32 KiB", "high": "2 MiB", "log": True,
                                               "integer": True},
            "compute": ARRAYS,
            "memories.dram.preset": ["lpddr4", "ddr4", "hbm2"],
            "compute.clock_hz": {"low": 2e8, "high": 1e9},
        }},
    }


def bench(plan, engine: EngineConfig, count: int, folder: Path):
    """Run the first ``count`` points; returns (points, seconds, status counts, rows)."""
    part = replace(plan, points=plan.points[:count])
    start = time.perf_counter()
    result = run_sweep(part, folder, engine)
    seconds = time.perf_counter() - start
    statuses = {s: result.count(s) for s in ("ok", "partial", "invalid", "error")}
    return len(part.points), seconds, statuses, result.rows


def report(label: str, total: int, done: int, seconds: float, statuses: dict) -> float:
    rate = done / seconds
    print(f"{label:>14}: {done:6d} points in {seconds:7.2f} s = {rate:8.1f} points/s "
          f"-> {total / rate:7.1f} s for {total}  {statuses}", flush=True)
    return rate


def same_rows(old, new) -> int:
    """How many of the old rows differ from the new rows of the same points (JSON text)."""
    def text(row):
        return json.dumps(row, sort_keys=False, default=str)
    return sum(text(a) != text(b) for a, b in zip(old, new))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--old-points", type=int, default=None,
                        help="points for the old path (default: --points; 0: skip it)")
    parser.add_argument("--serial-points", type=int, default=None,
                        help="points for the serial engine (default: --points)")
    parser.add_argument("--engines", default="serial,process,dask")
    parser.add_argument("--workers", default=str(os.cpu_count()),
                        help="worker counts, comma-separated (each is run)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    differ = 0
    with tempfile.TemporaryDirectory() as tmp:
        spec_path = Path(tmp) / "bench.yaml"
        spec_path.write_text(yaml.safe_dump(spec(args.points, args.seed), sort_keys=False))
        plan = load_plan(spec_path)
        total = len(plan.points)
        print(f"{total} points (systolic_ws variants x AlexNet han2015, 8 layers), "
              f"{os.cpu_count()} cores")
        for kind in args.engines.split(","):
            for workers in (int(w) for w in args.workers.split(",")):
                count = args.serial_points if kind == "serial" and args.serial_points \
                    else args.points
                old_count = min(count, args.old_points if args.old_points is not None
                                else count)
                rates, rows = {}, {}
                for bulk, n in ((False, old_count), (True, count)):
                    if n <= 0:
                        continue
                    engine = EngineConfig(kind, workers=workers, bulk=bulk,
                                          local_workers=workers if kind == "dask" else None)
                    path = "new" if bulk else "old"
                    done, seconds, statuses, rows[bulk] = bench(
                        plan, engine, n, Path(tmp) / f"{kind}-{workers}-{path}")
                    rates[bulk] = report(f"{kind} x{workers} {path}", total, done, seconds,
                                         statuses)
                if len(rates) == 2:
                    bad = same_rows(rows[False], rows[True])
                    differ += bad
                    print(f"{'':>14}  rows: {old_count - bad} of {old_count} identical; "
                          f"new / old = {rates[True] / rates[False]:.1f}x", flush=True)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
