"""``hwsim prune``: train, prune and retrain a network on MNIST; export it to a workload file.

Torch and the ``pruning`` package are imported inside the handler, so ``hwsim --help`` and the
other commands stay fast and hwsim itself never imports torch.

Example::

    hwsim prune --model lenet300 --out runs/lenet300
    hwsim prune --model lenet5 --sensitivity --out runs/lenet5-sens
"""
from __future__ import annotations

import argparse
import os
import sys

from hwsim.errors import ConfigError, Problem
from hwsim.report.layout import fit_lines, text_table, wrap_lines

BUILTIN_MODELS = ("lenet300", "lenet5")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "prune", help="prune a network (Han et al. 2015) and export it to a workload file",
        description="Dense training, then iterations of prune -> retrain as the schedule says; "
                    "writes DIR/summary.json, the workload file (masks, measured densities, "
                    "effective MACs), DIR/pruned.pt and DIR/dense.pt.")
    parser.add_argument("--model", required=True, metavar="lenet300|lenet5|PATH",
                        help="a built-in model, a .py file defining build_model(), or a "
                             ".pt/.pth pickled nn.Module (trusted files only)")
    parser.add_argument("--schedule", metavar="FILE|NAME",
                        help="schedule YAML or a shipped name (default: han2015_<model>)")
    parser.add_argument("--data-dir", metavar="DIR",
                        help="read full MNIST IDX files from DIR (default: the embedded "
                             "5,000-image subset, 4,000 train / 1,000 test)")
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory")
    parser.add_argument("--sensitivity", action="store_true",
                        help="run the per-layer sensitivity analysis instead (no retraining)")
    parser.add_argument("--dense-checkpoint", metavar="FILE",
                        help="start from this dense.pt/pruned.pt instead of dense training")
    parser.add_argument("--seed", type=int, help="override the schedule's seed")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (default 1: these small models gain little "
                             "from more, and lose a lot on a shared machine)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument("--trust-pickle", action="store_true",
                        help="allow a .pt/.pth --model or --dense-checkpoint that holds pickled "
                             "Python objects (loading it runs code from the file): only for "
                             "files you made")
    hardware = parser.add_argument_group(
        "hardware-aware pruning", "prune where the energy and the latency are on an "
        "accelerator (pruning/hw_aware.py); sets the schedule's hardware section")
    hardware.add_argument("--target-arch", metavar="NAME|FILE",
                          help="accelerator YAML whose estimated cost steers the pruning")
    hardware.add_argument("--budget", metavar="METRIC=FRACTION",
                          help="prune until the estimated energy or latency is at most "
                               "FRACTION of the unpruned network's on the target, e.g. "
                               "energy=0.3 (without it: energy-aware ordering)")
    hardware.add_argument("--sparsity", choices=("auto", "structured", "unstructured", "n_m"),
                          help="kind of sparsity (default auto: what the target can use)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from pruning import load_mnist, load_schedule
    from pruning.schedule import ScheduleConfig

    if not 1 <= args.threads <= 1024:
        raise ConfigError([Problem("--threads", "must be between 1 and 1024", args.threads)])
    if args.trust_pickle:  # read by pruning.checkpoint.torch_load (explicit trust, issue 14)
        os.environ["HWSIM_TRUST_PICKLE"] = "1"
    torch.set_num_threads(args.threads)
    schedule = load_schedule(_schedule_name(args))
    if args.seed is not None:
        schedule = ScheduleConfig.model_validate(schedule.model_dump() | {"seed": args.seed})
    if args.target_arch or args.budget or args.sparsity:
        from pruning.hw_aware import with_hardware
        schedule = with_hardware(schedule, args.target_arch, args.budget, args.sparsity)
    data = load_mnist(args.data_dir)
    progress = not args.no_progress and sys.stderr.isatty()
    if args.sensitivity:
        return _sensitivity(args, schedule, data, progress)
    return _prune(args, schedule, data, progress)


def _schedule_name(args: argparse.Namespace) -> str:
    if args.schedule:
        return args.schedule
    if args.model in BUILTIN_MODELS:
        return f"han2015_{args.model}"
    raise ConfigError([Problem("--schedule", "must be given for a model file", None)])


def _prune(args, schedule, data, progress: bool) -> int:
    from pruning import run_schedule

    totals: dict[str, int] = {}
    rows: list[list[str]] = []

    def on_dense(dense: dict) -> None:
        totals.update(dense["layer_weights"])
        rows.append(["dense", "-", *(f"{totals[n]:,} (100%)" for n in totals),
                     f"{dense['weights']:,}", "1.0x", "-", f"{dense['test_accuracy_pct']:.2f}%"])
        print(fit_lines(f"dense: {dense['weights']:,} weights, test accuracy "
                        f"{dense['test_accuracy_pct']:.2f}%"), flush=True)

    def on_iteration(record) -> None:
        kept = [f"{record.kept_weights[n]:,} ({100 * record.kept_weights[n] / totals[n]:.0f}%)"
                for n in totals]
        rows.append([str(record.index), record.phase, *kept, f"{record.kept_total:,}",
                     f"{record.compression_x:.1f}x", f"{record.accuracy_pruned_pct:.2f}%",
                     f"{record.test_accuracy_pct:.2f}%"])
        print(fit_lines(f"iteration {record.index} ({record.phase}): {record.kept_total:,} "
                        f"weights kept ({record.compression_x:.1f}x), test accuracy "
                        f"{record.accuracy_pruned_pct:.2f}% pruned -> "
                        f"{record.test_accuracy_pct:.2f}% retrained"), flush=True)

    print(fit_lines(f"pruning {args.model} with schedule {schedule.name} on {data.source} "
                    f"({len(data.train_y)} train / {len(data.test_y)} test)"), flush=True)
    result = run_schedule(args.model, schedule, data, args.out, progress, args.dense_checkpoint,
                          on_iteration=on_iteration, on_dense=on_dense)
    headers = ["iter", "phase", *(f"{n} kept" for n in totals), "total kept", "compr.",
               "acc pruned", "acc retrained"]
    print("\n" + text_table(headers, rows, keys=2), end="")
    final = result.summary["final"]
    lines = [f"dense {result.dense_accuracy_pct:.2f}% -> pruned "
             f"{final['test_accuracy_pct']:.2f}% ({final['accuracy_change_pp']:+.2f} pp), "
             f"{final['kept_total']:,} weights kept, {final['compression_x']:.1f}x fewer"]
    lines += [f"not exported: {op['name']} ({op['type']}): {op['reason']}"
              for op in result.summary["export"]["unsupported"]]
    lines += n_m_lines(result.summary["export"].get("n_m") or {})
    lines.append(f"wrote {result.summary_path}, {result.workload_path}, "
                 f"{result.checkpoint_path}")
    if "hardware_aware" in result.summary:
        from pruning.hw_aware import describe_targets
        lines += describe_targets(result.summary["hardware_aware"])
    if result.compacted_workload_path is not None:
        layers = result.summary["compaction"]["layers"]
        shapes = " -> ".join(f"{c['name']} {c['in_after']}x{c['out_after']}" for c in layers)
        lines.append(f"compacted (pruned channels removed): {shapes}; wrote "
                     f"{result.compacted_workload_path}")
    print("\n" + "\n".join(wrap_lines(lines)))
    return 0


def n_m_lines(checks: dict) -> list[str]:
    """The export's N:M verification, one line per layer:
    ``{"fc1": {"pattern": "2:4", "groups": 100000, "violating_groups": 0, ...}}`` ->
    ``["N:M check fc1 (2:4): 0 of 100,000 groups break the pattern"]``."""
    return [f"N:M check {name} ({c['pattern']}): {c['violating_groups']:,} of {c['groups']:,} "
            f"groups break the pattern" + ("" if not c["violating_groups"] else
                                           " (the layer runs dense on an N:M accelerator)")
            for name, c in checks.items()]


def _sensitivity(args, schedule, data, progress: bool) -> int:
    from pruning import pick_qualities, run_sensitivity

    result = run_sensitivity(args.model, schedule, data, args.out, progress,
                             args.dense_checkpoint)
    lines = [f"dense test accuracy {result.baseline_accuracy_pct:.2f}% "
             f"({result.eval_samples} images); accuracy without retraining:"]
    for curve in result.curves:
        cells = ", ".join(f"{v:g}: {a:.1f}% (kept {100 * k:.0f}%)" for v, k, a in
                          zip(curve.values, curve.kept_fraction, curve.accuracy_pct))
        lines.append(f"  {curve.layer} ({result.parameter}) {cells}")
    tolerance = schedule.sensitivity.tolerance_pp
    picked = pick_qualities(result, tolerance)
    lines.append(f"largest {result.parameter} within {tolerance} pp per layer: {picked}")
    print("\n".join(wrap_lines(lines)))
    print(f"wrote {os.path.join(args.out, 'sensitivity.json')} and sensitivity.png")
    return 0
