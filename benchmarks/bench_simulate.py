"""Speed of the event-driven simulator: seconds per layer and simulated events per second.

For every reference accelerator in ``arch_configs/`` the script simulates each AlexNet layer
with Han et al. 2015's densities (one ``simpy.Environment`` per layer; layers the accelerator
cannot run are skipped, e.g. conv layers on EIE) and prints per layer the events, the seconds
of the simpy run, the seconds of the whole call (analytical mapping, mask synthesis and
set-up included) and events per second; then per accelerator the totals. CPU seconds are
given too: on a shared machine they are what the simulator costs.

    .venv/bin/python benchmarks/bench_simulate.py                  # all four, AlexNet
    .venv/bin/python benchmarks/bench_simulate.py --arch eie --layers fc6 fc7 fc8

Writes ``benchmarks/results/bench_simulate.json`` (git-ignored).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hwsim.arch import load_arch  # noqa: E402
from hwsim.errors import UnsupportedLayerError  # noqa: E402
from hwsim.sim import simulate  # noqa: E402
from hwsim.workload import resolve_network  # noqa: E402

ARCHS = ("eie", "eyeriss", "systolic_ws", "sparse_tensor_core")


def bench(arch_name: str, network: str, layers) -> list[dict]:
    arch = load_arch(ROOT / "arch_configs" / f"{arch_name}.yaml")
    net = resolve_network(network, profile="han2015")
    rows = []
    for layer in net.layers:
        if layers and layer.name not in layers:
            continue
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            result = simulate(layer, arch)
        except UnsupportedLayerError:
            continue
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        st = result.stats
        rows.append({"arch": arch_name, "layer": layer.name, "engine": st.engine,
                     "events": st.events, "sim_s": st.wall_s, "call_s": wall, "cpu_s": cpu,
                     "events_per_s": st.events / st.wall_s if st.wall_s else 0.0,
                     "sim_cycles": result.cost.latency_cycles,
                     "analytical_cycles": result.analytical.latency_cycles,
                     "steps": st.steps, "step_batch": st.step_batch})
        r = rows[-1]
        print(f"{arch_name:<18} {layer.name:<6} {r['engine']:<9} {r['events']:>8} events "
              f"{r['sim_s']:6.2f} s sim {r['call_s']:6.2f} s call {r['cpu_s']:6.2f} s cpu "
              f"{r['events_per_s'] / 1e3:6.0f} k events/s", flush=True)
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", nargs="+", default=list(ARCHS))
    parser.add_argument("--network", default="alexnet")
    parser.add_argument("--layers", nargs="*", default=[])
    args = parser.parse_args(argv)
    rows = []
    for name in args.arch:
        part = bench(name, args.network, set(args.layers))
        rows += part
        if part:
            events = sum(r["events"] for r in part)
            sim = sum(r["sim_s"] for r in part)
            print(f"{name}: {len(part)} layers, {events} events, {sim:.1f} s simulated "
                  f"({events / sim / 1e3:.0f} k events/s), {sum(r['call_s'] for r in part):.1f}"
                  f" s in total, {sum(r['cpu_s'] for r in part):.1f} s cpu\n", flush=True)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_simulate.json").write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
