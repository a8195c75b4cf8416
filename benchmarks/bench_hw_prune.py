"""hwsim's share of the wall time of hardware-aware pruning (issue 15: under 10 %).

Budget mode (energy at ``--budget`` of dense) on each target, from one dense checkpoint per
model (``--dense-epochs`` of training, not timed), with the default search settings (a step
removes 25 % of a layer's survivors, 20 fine-tuning batches per proposal) and ``--retrain``
epochs of final retraining. Per run it prints the estimates asked of hwsim, the cache hits,
the seconds spent in hwsim (building workloads + ``estimate_network``), the seconds of the
search (proposals, hwsim, fine-tunes, held-out evaluations) and of the whole pruning run
(search + retraining + export), and hwsim's share of each.

    python benchmarks/bench_hw_prune.py [--models lenet300 lenet5] [--threads 1]
"""
from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ARCHS = ("eyeriss", "eie", "sparse_tensor_core")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["lenet300", "lenet5"])
    parser.add_argument("--archs", nargs="+", default=list(ARCHS))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--dense-epochs", type=int, default=5)
    parser.add_argument("--retrain", type=int, default=2)
    parser.add_argument("--budget", default="energy=0.3")
    args = parser.parse_args(argv)
    import torch

    from pruning import load_mnist, run_schedule
    from pruning.schedule import ScheduleConfig, load_schedule

    torch.set_num_threads(args.threads)
    data = load_mnist()
    print(f"cores {os.cpu_count()}, torch threads {args.threads}, load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"{'model':<9} {'target':<19} {'estimates':>9} {'hits':>5} {'hwsim s':>8} "
          f"{'search s':>9} {'run s':>7} {'of search':>9} {'of run':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for model in args.models:
            base = load_schedule(f"han2015_{model}").model_dump(mode="json")
            base["train"]["epochs"] = args.dense_epochs
            base["retrain"]["epochs"] = args.retrain
            dense = Path(tmp) / model
            for index, arch in enumerate(args.archs):
                schedule = ScheduleConfig.model_validate({**base, "pruning": {}, "hardware": {
                    "target_arch": str(REPO / "arch_configs" / f"{arch}.yaml"),
                    "budget": args.budget}})
                result = run_schedule(model, schedule, data, dense / arch, progress=False,
                                      dense_checkpoint=None if index == 0
                                      else dense / args.archs[0] / "dense.pt")
                hw = result.summary["hardware_aware"]["hwsim"]
                run_s = hw["wall_time_s"] - hw["dense_seconds"]     # dense training left out
                print(f"{model:<9} {arch:<19} {hw['estimates']:>9} {hw['hits']:>5} "
                      f"{hw['seconds']:>8.2f} {hw['search_seconds']:>9.2f} {run_s:>7.1f} "
                      f"{hw['share_of_search']:>9.1%} {hw['seconds'] / run_s:>7.1%}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
