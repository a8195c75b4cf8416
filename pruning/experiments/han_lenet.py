"""Han et al. 2015 Tables 2 and 3 on the embedded MNIST split (4,000 train / 1,000 test).

Target: at least 12x fewer weights with test accuracy within 0.5 percentage points of the same
run's dense baseline; per-layer kept fractions and measured activation densities are printed
next to the paper's (hwsim's ``han2015`` profile, transcribed from HAN15_T).

    python -m pruning.experiments.han_lenet --model lenet300 --seeds 0 1 2
    python -m pruning.experiments.han_lenet --model lenet5 --seeds 0 1 2

Writes runs/han_lenet/<model>/seed<N>/ (summary, workload, checkpoints),
runs/han_lenet/<model>_results.json and reports/figures/han_<model>.png.
"""
from __future__ import annotations

import json
import statistics

from pruning.experiments.common import base_parser, new_figure, save_figure, setup, write_json


def main(argv: list[str] | None = None) -> int:
    from hwsim.workload import resolve_network
    from pruning import load_mnist, load_schedule, run_schedule
    from pruning.schedule import ScheduleConfig

    parser = base_parser(__doc__.splitlines()[0], "han_lenet")
    parser.add_argument("--model", choices=["lenet300", "lenet5"], default="lenet300")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--schedule", help="schedule file or name (default han2015_<model>)")
    parser.add_argument("--replot", action="store_true",
                        help="redraw the figure from <out>/<model>_results.json, no training")
    args = parser.parse_args(argv)
    out, figures = setup(args)
    results_path = out / f"{args.model}_results.json"
    if args.replot:
        saved = json.loads(results_path.read_text())
        save_figure(_figure(args.model, saved["layers"], saved["runs"]),
                    figures / f"han_{args.model}.png")
        return 0
    data = load_mnist()
    schedule = load_schedule(args.schedule or f"han2015_{args.model}")
    summaries = []
    for seed in args.seeds:
        seeded = ScheduleConfig.model_validate(schedule.model_dump() | {"seed": seed})
        result = run_schedule(args.model, seeded, data, out / args.model / f"seed{seed}",
                              progress=args.progress)
        summaries.append(result.summary)
        print(f"seed {seed}: {_one_line(result.summary)}", flush=True)
    paper = {layer.name: layer for layer in
             resolve_network(args.model, profile="han2015").layers}
    rows = _layer_rows(summaries, paper)
    _print_table(rows, summaries)
    runs = [_run_record(s) for s in summaries]
    write_json({"model": args.model, "schedule": schedule.name, "seeds": args.seeds,
                "layers": rows, "runs": runs}, results_path)
    save_figure(_figure(args.model, rows, runs), figures / f"han_{args.model}.png")
    return 0


def _one_line(summary: dict) -> str:
    final = summary["final"]
    return (f"dense {summary['dense']['test_accuracy_pct']:.1f}% -> "
            f"{final['test_accuracy_pct']:.1f}% ({final['accuracy_change_pp']:+.1f} pp) at "
            f"{final['compression_x']:.1f}x, {summary['wall_time_s']:.0f} s")


def _run_record(summary: dict) -> dict:
    final = summary["final"]
    return {"seed": summary["schedule"]["seed"], "dense_accuracy_pct":
            summary["dense"]["test_accuracy_pct"], "pruned_accuracy_pct":
            final["test_accuracy_pct"], "accuracy_change_pp": final["accuracy_change_pp"],
            "compression_x": final["compression_x"], "kept_fraction": final["kept_fraction"],
            "wall_time_s": summary["wall_time_s"],
            "iterations": [{k: it[k] for k in ("compression_x", "accuracy_pruned_pct",
                                               "test_accuracy_pct")}
                           for it in summary["iterations"]]}


def _layer_rows(summaries: list[dict], paper: dict) -> list[dict]:
    rows = []
    for layer in summaries[0]["layers"]:
        name = layer["name"]
        kept = [s["final"]["kept_fraction"][name] for s in summaries]
        exported = [next(l for l in s["export"]["layers"] if l["name"] == name)
                    for s in summaries]
        rows.append({"layer": name, "weights": layer["weights"],
                     "kept_pct": 100 * statistics.mean(kept),
                     "kept_pct_range": [100 * min(kept), 100 * max(kept)],
                     "paper_kept_pct": 100 * paper[name].weight_density,
                     "output_density_pct": 100 * statistics.mean(
                         e["output_density"] for e in exported),
                     "paper_act_pct": 100 * paper[name].output_density,
                     "effective_macs": statistics.mean(e["effective_macs"] for e in exported),
                     "macs_dense": exported[0]["macs_dense"]})
    return rows


def _print_table(rows: list[dict], summaries: list[dict]) -> None:
    print(f"\n{'layer':>6} {'weights':>8} {'kept % (ours)':>14} {'kept % (paper)':>15} "
          f"{'act % (ours)':>13} {'act % (paper)':>14} {'MACs kept %':>12}")
    for r in rows:
        print(f"{r['layer']:>6} {r['weights']:>8,} {r['kept_pct']:>14.1f} "
              f"{r['paper_kept_pct']:>15.0f} {r['output_density_pct']:>13.0f} "
              f"{r['paper_act_pct']:>14.0f} {100 * r['effective_macs'] / r['macs_dense']:>12.1f}")
    changes = [s["final"]["accuracy_change_pp"] for s in summaries]
    compressions = [s["final"]["compression_x"] for s in summaries]
    print(f"compression {min(compressions):.1f}-{max(compressions):.1f}x, accuracy change "
          f"{min(changes):+.2f} to {max(changes):+.2f} pp over {len(summaries)} seed(s)")


def _figure(model: str, rows: list[dict], runs: list[dict]):
    """Kept fraction per layer (ours vs paper) and accuracy change per iteration; drawn from
    the saved results alone."""
    figure, (left, right) = new_figure(10, 4, ncols=2)
    names = [r["layer"] for r in rows]
    xs = range(len(names))
    ours = [r["kept_pct"] for r in rows]
    errors = [[r["kept_pct"] - r["kept_pct_range"][0] for r in rows],
              [r["kept_pct_range"][1] - r["kept_pct"] for r in rows]]
    left.bar([x - 0.2 for x in xs], ours, 0.4, yerr=errors, label="this run (embedded MNIST)")
    left.bar([x + 0.2 for x in xs], [r["paper_kept_pct"] for r in rows], 0.4,
             label="Han et al. 2015")
    left.set_xticks(list(xs), names)
    left.set_ylabel("weights kept (%)")
    left.set_title(f"{model}: weights kept per layer")
    left.legend()
    for run in runs:
        right.plot([1.0] + [it["compression_x"] for it in run["iterations"]],
                   [0.0] + [it["test_accuracy_pct"] - run["dense_accuracy_pct"]
                            for it in run["iterations"]], marker="o", label=f"seed {run['seed']}")
    right.axhline(-0.5, color="grey", linestyle=":", label="-0.5 pp")
    right.axvline(12, color="grey", linestyle="--", label="12x")
    right.set_xlabel("compression (x fewer weights)")
    right.set_ylabel("test accuracy change vs dense (pp)")
    right.set_title("prune -> retrain iterations (1,000 test images)")
    right.legend(loc="lower left", fontsize=8)
    return figure


if __name__ == "__main__":
    raise SystemExit(main())
