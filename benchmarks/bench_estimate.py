"""Speed of the analytical model: VGG-16, dense and pruned, on each reference accelerator.

For every YAML in ``arch_configs/`` the script estimates the 16 VGG-16 layers twice in one
process (dense, then Han et al. 2015's pruned densities), with the mapping search on (the
default energy objective), and prints per accelerator the seconds for each run, the layer
evaluations per second and the total. Times are both wall clock and CPU time of this process
(the CPU time is what the model costs when the machine is shared). The comparison: ZigZag
3.9.1 takes 95-350 s for VGG-16 on this kind of machine (mapping search included, dense only),
SCALE-Sim minutes per layer (hours for the network); the ratio printed is ZigZag's range over
hwsim's total wall time for the same network.

    .venv/bin/python benchmarks/bench_estimate.py            # best of 3 repeats
    .venv/bin/python benchmarks/bench_estimate.py --repeats 1 --network alexnet
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hwsim.arch import load_arch  # noqa: E402
from hwsim.cost import estimate_network  # noqa: E402
from hwsim.workload import resolve_network  # noqa: E402

ZIGZAG_VGG16_S = (95.0, 350.0)  # ZigZag 3.9.1 on VGG-16, this kind of machine (peers README)
ARCHS = ("eie", "eyeriss", "systolic_ws", "sparse_tensor_core")


def _timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def run_once(network: str) -> list[tuple[str, str, int, float, float]]:
    """(arch, variant, layers, wall s, cpu s) for dense and pruned on every accelerator."""
    rows = []
    nets = {"dense": resolve_network(network), "pruned": resolve_network(network,
                                                                         profile="han2015")}
    for name in ARCHS:
        arch = load_arch(ROOT / "arch_configs" / f"{name}.yaml")
        for variant, net in nets.items():
            cost, wall, cpu = _timed(lambda: estimate_network(net, arch))
            rows.append((name, variant, len(cost.layers), wall, cpu))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", default="vgg16")
    parser.add_argument("--repeats", type=int, default=3, help="keep the fastest repeat")
    args = parser.parse_args(argv)
    run_once("lenet5")  # warm imports and caches outside the timing
    best = None
    for _ in range(max(1, args.repeats)):
        rows = run_once(args.network)
        if best is None or sum(r[3] for r in rows) < sum(r[3] for r in best):
            best = rows
    print(f"hwsim estimate_network, {args.network}, dense + pruned (han2015), "
          f"best of {args.repeats}")
    print(f"{'arch':<20} {'variant':<7} {'layers':>6} {'wall s':>8} {'cpu s':>8} "
          f"{'layers/s':>9}")
    for arch, variant, layers, wall, cpu in best:
        print(f"{arch:<20} {variant:<7} {layers:>6} {wall:>8.3f} {cpu:>8.3f} "
              f"{layers / wall:>9.0f}")
    layers = sum(r[2] for r in best)
    wall, cpu = sum(r[3] for r in best), sum(r[4] for r in best)
    print(f"{'total':<20} {'':<7} {layers:>6} {wall:>8.3f} {cpu:>8.3f} {layers / wall:>9.0f}")
    if args.network == "vgg16":
        per_network = wall / (2 * len(ARCHS))
        lo, hi = ZIGZAG_VGG16_S
        print(f"one VGG-16 estimate: {per_network * 1e3:.0f} ms wall on average; ZigZag 3.9.1: "
              f"{lo:.0f}-{hi:.0f} s -> hwsim is {lo / per_network:,.0f}x-"
              f"{hi / per_network:,.0f}x faster")
        print(f"all {2 * len(ARCHS)} VGG-16 estimates: {wall:.3f} s wall vs ZigZag's "
              f"{lo:.0f}-{hi:.0f} s for one")
    return 0


if __name__ == "__main__":
    sys.exit(main())
