"""Wall time of the LeNet-300-100 pipeline (dense training, 5 prune -> retrain iterations,
export) on the embedded MNIST subset, with the shipped han2015_lenet300 schedule.

    python benchmarks/bench_prune.py [--threads 1] [--repeat 1]

Prints wall and CPU seconds per run and the machine's load average, since the figure is
only meaningful next to how busy the cores were. Aim: under 2 minutes on a 2-core machine.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--model", default="lenet300")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    import torch

    from pruning import load_mnist, run_schedule

    torch.set_num_threads(args.threads)
    imported = time.perf_counter() - started
    data = load_mnist()
    print(f"import torch + pruning: {imported:.1f} s; cores {os.cpu_count()}, "
          f"torch threads {args.threads}")
    for index in range(args.repeat):
        load_before = os.getloadavg()[0]
        wall, cpu = time.perf_counter(), time.process_time()
        with tempfile.TemporaryDirectory() as out:
            result = run_schedule(args.model, f"han2015_{args.model}", data, out,
                                  progress=False)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        final = result.summary["final"]
        print(f"run {index + 1}: wall {wall:.1f} s, cpu {cpu:.1f} s, load average "
              f"{load_before:.1f} -> {os.getloadavg()[0]:.1f}; {final['compression_x']:.1f}x, "
              f"{result.dense_accuracy_pct:.1f}% -> {final['test_accuracy_pct']:.1f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
