"""Pruning criteria side by side on one dense network: what each keeps, what accuracy it costs,
and how many effective MACs (non-zero weight x non-zero input) the exported network has.

From the same dense checkpoint (the shipped schedule's dense training), with the schedule's
retraining settings: Han's threshold (the shipped iterations), per-layer magnitude targets (the
paper's Table 2/3 kept fractions, reached gradually), global magnitude to the same total,
L1-norm structured pruning of neurons/filters, and 2:4 N:M.

    python -m pruning.experiments.methods --model lenet300

Writes runs/methods/<model>/<method>/ and runs/methods/<model>.json and prints a table.
"""
from __future__ import annotations

from pruning.experiments.common import base_parser, setup, write_json


def variants(schedule, paper: dict) -> dict[str, dict]:
    """Pruning sections (schedule YAML form) per criterion; paper = {layer: kept fraction}.

    Structured pruning leaves the output layer alone (its neurons are the classes).
    """
    steps = 4
    return {
        "han_threshold": schedule.pruning.model_dump(mode="json"),
        "sparsity (paper's per-layer)": {
            "method": "sparsity", "gradual": {"initial_sparsity": 0.5, "steps": steps,
                                              "final_sparsity": {n: round(1 - k, 3)
                                                                 for n, k in paper.items()}}},
        "global_magnitude": {"method": "global_magnitude",
                             "gradual": {"initial_sparsity": 0.5, "steps": steps,
                                         "final_sparsity": 0.92}},
        "l1_structured (50% neurons)": {
            "method": "l1_structured", "structure": "neurons",
            "gradual": {"initial_sparsity": 0.25, "steps": 2,
                        "final_sparsity": {n: 0.5 for n in list(paper)[:-1]}}},
        "n_m 2:4": {"method": "n_m", "iterations": [{"pattern": "2:4"}]},
    }


def main(argv: list[str] | None = None) -> int:
    from hwsim.workload import resolve_network
    from pruning import load_mnist, load_schedule, run_schedule
    from pruning.schedule import ScheduleConfig

    parser = base_parser(__doc__.splitlines()[0], "methods")
    parser.add_argument("--model", choices=["lenet300", "lenet5"], default="lenet300")
    args = parser.parse_args(argv)
    out, _ = setup(args)
    data, schedule = load_mnist(), load_schedule(f"han2015_{args.model}")
    paper = {l.name: l.weight_density for l in
             resolve_network(args.model, profile="han2015").layers}
    dense_path, rows = None, []
    for label, pruning in variants(schedule, paper).items():
        config = ScheduleConfig.model_validate(schedule.model_dump() | {"pruning": pruning})
        folder = out / args.model / label.split(" ")[0]
        result = run_schedule(args.model, config, data, folder, progress=args.progress,
                              dense_checkpoint=dense_path)
        dense_path = dense_path or result.dense_checkpoint_path
        rows.append(_row(label, result.summary))
        print(_format(rows[-1]), flush=True)
    write_json({"model": args.model, "rows": rows}, out / f"{args.model}.json")
    return 0


def _row(label: str, summary: dict) -> dict:
    layers = summary["export"]["layers"]
    effective = sum(l["effective_macs"] for l in layers)
    dense_macs = sum(l["macs_dense"] for l in layers)
    final = summary["final"]
    return {"method": label, "compression_x": final["compression_x"],
            "kept_fraction": final["kept_fraction"],
            "dense_accuracy_pct": summary["dense"]["test_accuracy_pct"],
            "accuracy_pct": final["test_accuracy_pct"],
            "accuracy_change_pp": final["accuracy_change_pp"],
            "effective_macs": effective, "macs_dense": dense_macs}


def _format(row: dict) -> str:
    kept = ", ".join(f"{n} {100 * k:.0f}%" for n, k in row["kept_fraction"].items())
    return (f"{row['method']:>30}: {row['compression_x']:5.1f}x, "
            f"{row['accuracy_pct']:.1f}% ({row['accuracy_change_pp']:+.1f} pp), effective MACs "
            f"{100 * row['effective_macs'] / row['macs_dense']:.1f}% of dense; kept {kept}")


if __name__ == "__main__":
    raise SystemExit(main())
