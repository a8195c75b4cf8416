"""Sweep throughput: points per second of the serial, process and Dask-local engines.

The workload of the issue's target: ``--points`` seeded random variants (default 10,000) of the
TPU-like systolic array (arch_configs/systolic_ws.yaml) x AlexNet (8 layers) with Han et al.
2015's densities, analytical model, written to a temporary results folder (JSONL + fsync per
chunk, exactly what ``hwsim sweep`` does; tables and plots are not timed). The variants change
the filter / ifmap SRAM sizes, the array (pe_count = rows x cols), the DRAM preset and the
clock, so nothing repeats.

Each engine runs the first ``--points`` points of the same plan, in a fresh folder; a slow
engine can be given fewer with ``--serial-points`` (its rate is what matters). Prints, per
engine: points, seconds, points per second and the projected time of the full ``--points``.

    .venv/bin/python benchmarks/bench_sweep.py                       # all engines, 10,000 pts
    .venv/bin/python benchmarks/bench_sweep.py --engines process --points 2000
"""
from __future__ import annotations

import argparse
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


def bench(plan, engine: EngineConfig, count: int, folder: Path) -> tuple[int, float, dict]:
    """Run the first ``count`` points; returns (points, seconds, status counts)."""
    part = replace(plan, points=plan.points[:count])
    start = time.perf_counter()
    result = run_sweep(part, folder, engine)
    seconds = time.perf_counter() - start
    statuses = {s: result.count(s) for s in ("ok", "partial", "invalid", "error")}
    return len(part.points), seconds, statuses


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--serial-points", type=int, default=None,
                        help="points for the serial engine (default: --points)")
    parser.add_argument("--engines", default="serial,process,dask")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        spec_path = Path(tmp) / "bench.yaml"
        spec_path.write_text(yaml.safe_dump(spec(args.points, args.seed), sort_keys=False))
        plan = load_plan(spec_path)
        print(f"{len(plan.points)} points (systolic_ws variants x AlexNet han2015, 8 layers), "
              f"{args.workers} workers, {os.cpu_count()} cores")
        for kind in args.engines.split(","):
            engine = EngineConfig(kind, workers=args.workers,
                                  local_workers=args.workers if kind == "dask" else None)
            count = args.serial_points if kind == "serial" and args.serial_points else args.points
            done, seconds, statuses = bench(plan, engine, count, Path(tmp) / kind)
            rate = done / seconds
            print(f"{kind:>8}: {done:6d} points in {seconds:7.1f} s = {rate:7.1f} points/s "
                  f"-> {len(plan.points) / rate:7.1f} s for {len(plan.points)}  {statuses}",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
