"""One-shot LLM pruning on a small ViT: dense vs magnitude vs Wanda, no retraining.

A ViT (:mod:`pruning.vit`: dim 64, 4 blocks, 4 heads, MLP 128, 7 x 7 patches) is trained per
seed on the embedded MNIST split (4,000 train / 1,000 test, split seed 0; the seed changes the
initialisation, the batch order and the calibration images), then every Linear layer of the
blocks (qkv, proj, fc1, fc2; the patch embedding and the head stay dense, as Sun et al. 2023
leave the embedding and the LM head) is pruned one-shot by magnitude (layer-wise, the paper's
baseline) and by Wanda (|W| x ||X_j||, per output row; input norms on ``--calibration``
training images x 17 tokens, block by block on the pruned model), at each target. Ablation rows
swap the comparison group (magnitude per row, Wanda per layer) for unstructured targets.
N:M masks are checked with hwsim's ``check_n_m`` (the count of violating groups is printed).

For ``--export-seed`` the dense and pruned models are exported with the graph export
(:func:`pruning.graph_export.export_graph`, 64 test images) to ``workloads/vit_<label>.yaml`` and
priced with :func:`hwsim.cost.compare_network` on ``--arch`` (what ``hwsim estimate --arch ARCH
--workload FILE`` prints).

    python -m pruning.experiments.llm_oneshot --seeds 0 1 2

Writes runs/llm_oneshot/ (seed<k>/dense.pt, reused by later runs unless ``--retrain``;
results.json, or results_all.json with ``--layers all``; workloads/) and prints markdown tables.
"""
from __future__ import annotations

import copy
import statistics
import time
from pathlib import Path

from pruning.experiments.common import REPO, base_parser, setup, write_json

#: (row label, method, per_row, unstructured targets only)
VARIANTS = (("magnitude", "magnitude", False, False), ("Wanda", "wanda", True, False),
            ("magnitude, per row", "magnitude", True, True),
            ("Wanda, per layer", "wanda", False, True))
EXPORTED = (("magnitude", "2:4"), ("Wanda", "2:4"), ("Wanda", "4:8"), ("Wanda", "50%"))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out, _ = setup(args)
    started = time.perf_counter()
    from pruning.data import load_mnist
    from pruning.oneshot import SparsityTarget

    data = load_mnist()
    targets = [SparsityTarget.parse(t) for t in args.targets]
    rows, outliers, hardware = [], {}, []
    for seed in args.seeds:
        model, dense_acc, train_s = _dense_model(seed, data, args, out)
        calibration = _calibration_images(data, seed, args.calibration)
        outliers[seed] = _outlier_ratios(model, calibration, args.layers)
        rows.append({"seed": seed, "variant": "dense", "target": "-", "accuracy_pct": dense_acc,
                     "sparsity": 0.0, "n_m_violations": 0, "train_seconds": train_s})
        models = {}
        for target in targets:
            for label, method, per_row, unstructured_only in VARIANTS:
                if unstructured_only and target.is_n_m:
                    continue
                pruned, row = _prune(model, method, per_row, target, calibration, data, args)
                models[(label, target.label)] = pruned
                if label == "Wanda":
                    row["mask_agreement"] = _agreement(models[("magnitude", target.label)],
                                                       pruned, args.layers)
                rows.append({"seed": seed, "variant": label, **row})
                print(f"seed {seed} {label:>20} {target.label:>5}: {row['accuracy_pct']:.1f} % "
                      f"(dense {dense_acc:.1f} %), sparsity {row['sparsity']:.3f}, "
                      f"N:M violations {row['n_m_violations']}", flush=True)
        if seed == args.export_seed:
            hardware = _export(model, models, data, args, out)
    seconds = time.perf_counter() - started
    summary = {"data": data.describe(), "settings": vars(args) | {"targets": args.targets},
               "rows": rows, "table": _table(rows), "outlier_ratios": outliers,
               "hardware": hardware, "wall_seconds": seconds}
    write_json(summary, out / ("results.json" if args.layers == "blocks" else
                               f"results_{args.layers}.json"))
    print(_markdown(summary["table"], [t.label for t in targets]))
    print(_outlier_markdown(outliers))
    print(_agreement_line(rows))
    print(_hardware_markdown(hardware, args.arch))
    print(f"wall time {seconds:.0f} s")
    return 0


def _parser():
    parser = base_parser(__doc__.splitlines()[0], "llm_oneshot")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=30, help="dense training epochs")
    parser.add_argument("--calibration", type=int, default=128,
                        help="calibration images (17 tokens each), from the training set")
    parser.add_argument("--targets", nargs="+", default=["0.5", "2:4", "4:8", "0.6", "0.7"],
                        help="fractions (0.5) or N:M patterns (2:4)")
    parser.add_argument("--layers", choices=["blocks", "all"], default="blocks",
                        help="blocks: the blocks' Linear layers (Wanda's choice); all: also the "
                             "patch embedding and the head")
    parser.add_argument("--arch", default=str(REPO / "arch_configs" / "sparse_tensor_core.yaml"))
    parser.add_argument("--export-seed", type=int, default=0,
                        help="seed whose models are exported and priced (-1: none)")
    parser.add_argument("--retrain", action="store_true",
                        help="train the dense model even when OUT/seed<k>/dense.pt exists")
    return parser


def _dense_model(seed: int, data, args, out: Path):
    """(model, test accuracy %, training seconds; 0 when the checkpoint was reused)."""
    import torch

    from pruning.train import evaluate, seed_everything
    from pruning.vit import VisionTransformer, train_vit

    generator = seed_everything(seed)
    model, path, seconds = VisionTransformer(), out / f"seed{seed}" / "dense.pt", 0.0
    if path.is_file() and not args.retrain:
        model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    else:
        began = time.perf_counter()
        train_vit(model, data.train_x, data.train_y, args.epochs, generator)
        seconds = time.perf_counter() - began
        from hwsim.fileio import write_with
        write_with(path, lambda handle: torch.save(model.state_dict(), handle))
    model.eval()
    return model, evaluate(model, data.test_x, data.test_y).pct, seconds


def _calibration_images(data, seed: int, count: int):
    import torch

    order = torch.randperm(len(data.train_y), generator=torch.Generator().manual_seed(seed))
    return data.train_x[order[:count]]


def _stages(model, layers: str) -> list[list[str]]:
    from pruning.vit import block_linear_layers

    stages = block_linear_layers(model)
    return [["patch_embed"], *stages, ["head"]] if layers == "all" else stages


def _prune(model, method, per_row, target, calibration, data, args):
    from pruning.oneshot import prune_oneshot
    from pruning.train import evaluate

    pruned = copy.deepcopy(model)
    result = prune_oneshot(pruned, _stages(pruned, args.layers), method, target,
                           calibration=calibration, per_row=per_row)
    return pruned, {"target": target.label, "method": method, "per_row": per_row,
                    "accuracy_pct": evaluate(pruned, data.test_x, data.test_y).pct,
                    "sparsity": result.sparsity, "n_m_violations": result.n_m_violations,
                    "calibration_tokens": result.calibration_tokens,
                    "prune_seconds": result.seconds}


def _agreement(a, b, layers: str) -> float:
    """Fraction of the pruned layers' weights on which the masks of ``a`` and ``b`` agree."""
    from pruning.methods import current_mask

    same = total = 0
    for name in (n for stage in _stages(a, layers) for n in stage):
        mask_a = current_mask(a.get_submodule(name))
        same += int((mask_a == current_mask(b.get_submodule(name))).sum())
        total += mask_a.numel()
    return same / total


def _outlier_ratios(model, calibration, layers: str) -> dict[str, float]:
    """max_j ||X_j|| / median_j ||X_j|| of each pruned layer's inputs, on the dense model."""
    from pruning.calibration import batches_of, collect_input_norms

    names = [name for stage in _stages(model, layers) for name in stage]
    stats = collect_input_norms(model, names, batches_of(calibration, 64))
    return {name: float(stats.norms(name).max() / stats.norms(name).median().clamp_min(1e-12))
            for name in names}


def _export(model, models: dict, data, args, out: Path) -> list[dict]:
    """Workload files of the dense and the :data:`EXPORTED` models, priced on ``--arch``."""
    from hwsim.arch import load_arch
    from hwsim.cost import compare_network
    from hwsim.workload import save_network
    from pruning.graph_export import export_graph

    arch, rows = load_arch(args.arch), []
    folder = out / "workloads"
    folder.mkdir(parents=True, exist_ok=True)
    chosen = [("dense", "-", model)] + [(l, t, models[(l, t)]) for l, t in EXPORTED
                                         if (l, t) in models]
    for label, target, net in chosen:
        name = f"vit_{label.lower()}_{target.replace(':', '_').replace('%', 'pct')}".rstrip("_-")
        export = export_graph(net, data.test_x[:64], name)
        path = save_network(export.network, folder / f"{name}.yaml")
        comparison = compare_network(export.network, arch)
        rows.append(_hardware_row(label, target, path, comparison, export.seconds))
    return rows


def _hardware_row(label, target, path, comparison, export_seconds) -> dict:
    """Totals of the pruned and the dense network (``hwsim estimate``'s JSON fields)."""
    pruned, dense = comparison.pruned.total.to_dict(), comparison.dense.total.to_dict()
    keys = ("energy_pj", "latency_s", "weight_bytes_stored", "weight_metadata_bytes",
            "dram_read_bytes", "macs_effective")
    return {"variant": label, "target": target, "workload": str(path),
            "export_seconds": export_seconds, **{k: pruned[k] for k in keys},
            **{f"dense_{k}": dense[k] for k in keys},
            "coverage": comparison.coverage.label()}


def _table(rows: list[dict]) -> dict[str, dict[str, dict]]:
    """{variant: {target: {mean, min, max, seeds}}} of the test accuracy over seeds."""
    table: dict[str, dict[str, list]] = {}
    for row in rows:
        table.setdefault(row["variant"], {}).setdefault(row["target"], []).append(
            row["accuracy_pct"])
    return {variant: {target: {"mean": statistics.fmean(v), "min": min(v), "max": max(v),
                               "seeds": len(v)} for target, v in targets.items()}
            for variant, targets in table.items()}


def _markdown(table: dict, targets: list[str]) -> str:
    cell = lambda s: f"{s['mean']:.1f} ({s['min']:.1f}-{s['max']:.1f})"  # noqa: E731
    lines = ["| model | " + " | ".join(targets) + " |", "|---" * (len(targets) + 1) + "|"]
    dense = cell(table["dense"]["-"])
    lines.append("| dense | " + " | ".join(dense for _ in targets) + " |")
    for variant, by_target in table.items():
        if variant != "dense":
            lines.append(f"| {variant} | " + " | ".join(
                cell(by_target[t]) if t in by_target else "-" for t in targets) + " |")
    return "\n".join(lines)


def _outlier_markdown(outliers: dict) -> str:
    """Mean and largest max/median input-norm ratio per layer kind, over blocks and seeds."""
    kinds: dict[str, list[float]] = {}
    for ratios in outliers.values():
        for name, ratio in ratios.items():
            kinds.setdefault(name.split(".")[-1], []).append(ratio)
    lines = ["| layer | max / median of ||X_j|| (mean) | (largest) |", "|---|---|---|"]
    lines += [f"| {k} | {statistics.fmean(v):.1f} | {max(v):.1f} |" for k, v in kinds.items()]
    return "\n".join(lines)


def _agreement_line(rows: list[dict]) -> str:
    """Mean fraction of weights where Wanda's mask equals magnitude's, per target."""
    by_target: dict[str, list[float]] = {}
    for row in rows:
        if "mask_agreement" in row:
            by_target.setdefault(row["target"], []).append(row["mask_agreement"])
    return "Wanda's mask = magnitude's on " + ", ".join(
        f"{100 * statistics.fmean(v):.1f} % ({t})" for t, v in by_target.items()) + " of weights"


def _hardware_markdown(rows: list[dict], arch: str) -> str:
    if not rows:
        return ""
    lines = [f"on {Path(arch).name}, batch 1 (pruned / dense on the same accelerator):",
             "| model | energy | latency | weights stored (incl. metadata) | DRAM read |",
             "|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['variant']} {r['target']} | {r['energy_pj'] / 1e6:.2f} / "
            f"{r['dense_energy_pj'] / 1e6:.2f} uJ ({r['dense_energy_pj'] / r['energy_pj']:.2f}x) | "
            f"{r['latency_s'] * 1e9:.0f} / {r['dense_latency_s'] * 1e9:.0f} ns "
            f"({r['dense_latency_s'] / r['latency_s']:.2f}x) | "
            f"{r['weight_bytes_stored'] / 1024:.1f} / "
            f"{r['dense_weight_bytes_stored'] / 1024:.1f} KiB "
            f"({r['dense_weight_bytes_stored'] / r['weight_bytes_stored']:.2f}x) | "
            f"{r['dram_read_bytes'] / 1024:.1f} / {r['dense_dram_read_bytes'] / 1024:.1f} KiB |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
