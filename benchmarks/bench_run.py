"""Wall time of the main job (``hwsim run``): first run (trains) and rerun (cached model).

Runs ``hwsim run [CONFIG]`` twice in fresh subprocesses with a private, empty model cache
(``HWSIM_CACHE_DIR`` in a temporary folder, so the user's cache is neither used nor touched),
from the repository root, and prints for each run the wall time, the CPU time of the child
(user + system; what the job costs when the machine is shared) and the stage timings the job
records in results.json (prune, estimate). Targets: first run under 3 minutes on a 2-core
machine, rerun under 20 s.

    .venv/bin/python benchmarks/bench_run.py                 # the embedded default run
    .venv/bin/python benchmarks/bench_run.py my_run.yaml --reruns 3
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRST_RUN_TARGET_S, RERUN_TARGET_S = 180.0, 20.0


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_run(config: str | None, out: Path, cache: Path) -> dict:
    """One ``hwsim run`` in a subprocess: wall and CPU seconds, and the job's own timings."""
    command = [sys.executable, "-m", "hwsim.cli", "run", "--out", str(out), "--no-progress"]
    if config:
        command.insert(4, config)
    env = {**os.environ, "HWSIM_CACHE_DIR": str(cache)}
    cpu, wall = _children_cpu_s(), time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - wall, _children_cpu_s() - cpu
    if done.returncode != 0:
        raise SystemExit(f"hwsim run failed ({done.returncode}):\n{done.stderr[-3000:]}")
    results = json.loads((out / "results.json").read_text())
    return {"wall_s": wall, "cpu_s": cpu, "stages_s": results["run"]["wall_time_s"],
            "cache_hit": results["run"]["cache"]["hit"], "stdout": done.stdout}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", nargs="?", help="run config (default: the embedded one)")
    parser.add_argument("--reruns", type=int, default=1, help="cached reruns to time")
    parser.add_argument("--show", action="store_true", help="print the job's own output")
    args = parser.parse_args(argv)
    print(f"hwsim run {args.config or '(embedded default)'}; {os.cpu_count()} CPUs, "
          f"load average before {os.getloadavg()[0]:.1f}")
    print(f"{'run':<10} {'wall s':>8} {'cpu s':>8} {'prune s':>8} {'estimate s':>10}  cache",
          flush=True)
    runs = []
    with tempfile.TemporaryDirectory(prefix="hwsim-bench-run-") as tmp:
        tmp = Path(tmp)
        for i in range(1 + args.reruns):
            run = timed_run(args.config, tmp / f"out{i}", tmp / "cache")
            runs.append(run)
            stages = run["stages_s"]
            print(f"{'first run' if i == 0 else f'rerun {i}':<10} {run['wall_s']:8.1f} "
                  f"{run['cpu_s']:8.1f} {stages['prune']:8.1f} {stages['estimate']:10.2f}  "
                  f"{'hit' if run['cache_hit'] else 'miss'}", flush=True)
    rerun = min((r["wall_s"] for r in runs[1:]), default=float("nan"))
    print(f"targets: first run {runs[0]['wall_s']:.1f} s (< {FIRST_RUN_TARGET_S:.0f}), "
          f"rerun {rerun:.1f} s (< {RERUN_TARGET_S:.0f}); load average after "
          f"{os.getloadavg()[0]:.1f}")
    if args.show:
        print(runs[0]["stdout"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
