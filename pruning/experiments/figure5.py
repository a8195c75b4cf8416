"""Han et al. 2015 Figure 5 on LeNet: L1 vs L2 regularisation, with and without retraining,
one-shot vs iterative pruning. Accuracy change vs the fraction of weights pruned away.

Each regulariser trains its own dense network (the schedule's dense settings, regulariser
swapped). Pruning is global magnitude pruning (the smallest |w| over all layers), so every
curve is measured at exactly the same fractions. Curves:

* no retraining: prune the dense network to each fraction and evaluate;
* one-shot + retraining: prune the dense network to each fraction, retrain ``--retrain-epochs``
  at 1/10 of the initial learning rate (same regulariser), evaluate;
* iterative (L2, as in the paper): prune to the first fraction, retrain, prune to the next
  one, ... on one network (so the last point has had every retraining before it).

Dropout stays at the schedule's D_o (no Eq. 2 adjustment here).

    python -m pruning.experiments.figure5 --model lenet300

Writes runs/figure5/<model>.json and reports/figures/figure5_<model>.png.
"""
from __future__ import annotations

import copy
import json

from pruning.experiments.common import base_parser, new_figure, save_figure, setup, write_json

FRACTIONS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97)


def main(argv: list[str] | None = None) -> int:
    from pruning import load_mnist, load_schedule

    parser = base_parser(__doc__.splitlines()[0], "figure5")
    parser.add_argument("--model", choices=["lenet300", "lenet5"], default="lenet300")
    parser.add_argument("--retrain-epochs", type=int, default=8)
    parser.add_argument("--l1", type=float, default=5e-5, help="L1 strength (per |w|)")
    parser.add_argument("--fractions", type=float, nargs="+", default=list(FRACTIONS))
    parser.add_argument("--replot", action="store_true",
                        help="redraw the figure from <out>/<model>.json, no training")
    args = parser.parse_args(argv)
    out, figures = setup(args)
    if args.replot:
        saved = json.loads((out / f"{args.model}.json").read_text())
        save_figure(_figure(args.model, saved["fractions"], saved["accuracy_change_pp"]),
                    figures / f"figure5_{args.model}.png")
        return 0
    data, schedule = load_mnist(), load_schedule(f"han2015_{args.model}")
    curves, dense = {}, {}
    for kind, strength in (("l2", schedule.train.regularization.strength), ("l1", args.l1)):
        model, reg = _dense_model(args.model, schedule, kind, strength, data)
        dense[kind] = _accuracy(model, data)
        print(f"dense {kind}: {dense[kind]:.2f}%", flush=True)
        curves[f"{kind} no retrain"] = [_accuracy(_pruned(model, f), data) - dense[kind]
                                        for f in args.fractions]
        curves[f"{kind} one-shot + retrain"] = [
            _accuracy(_retrained(_pruned(model, f), schedule, reg, args, data), data)
            - dense[kind] for f in args.fractions]
        if kind == "l2":
            curves["l2 iterative prune + retrain"] = _iterative(model, schedule, reg, args,
                                                                data, dense[kind])
        for name in [c for c in curves if c.startswith(kind)]:
            print(f"  {name}: " + ", ".join(f"{100 * f:.0f}%: {d:+.1f}" for f, d in
                                             zip(args.fractions, curves[name])), flush=True)
    write_json({"model": args.model, "fractions": args.fractions, "dense_accuracy_pct": dense,
                "accuracy_change_pp": curves, "retrain_epochs": args.retrain_epochs,
                "l1_strength": args.l1}, out / f"{args.model}.json")
    save_figure(_figure(args.model, args.fractions, curves), figures / f"figure5_{args.model}.png")
    return 0


def _dense_model(name, schedule, kind: str, strength: float, data):
    from pruning.models import build_model, prunable_layers
    from pruning.schedule import RegularizationConfig
    from pruning.train import TrainSettings, seed_everything, set_dropout, train_model

    generator = seed_everything(schedule.seed)
    model, _ = build_model(name)
    set_dropout(model, schedule.train.dropout or 0.0)
    reg = RegularizationConfig(kind=kind, strength=strength)
    train = schedule.train
    settings = TrainSettings(train.epochs, train.batch_size, train.lr, train.momentum,
                             train.lr_schedule, reg)
    train_model(model, data.train_x, data.train_y, settings,
                list(prunable_layers(model).values()), generator)
    return model, reg


def _pruned(model, fraction: float):
    from pruning.methods import global_magnitude
    from pruning.models import prunable_layers

    trial = copy.deepcopy(model)
    global_magnitude(list(prunable_layers(trial).values()), fraction)
    return trial


def _retrained(model, schedule, reg, args, data):
    from pruning.models import prunable_layers
    from pruning.train import TrainSettings, train_model
    import torch

    train = schedule.train
    settings = TrainSettings(args.retrain_epochs, train.batch_size,
                             train.lr * schedule.retrain.lr_fraction, train.momentum,
                             schedule.retrain.lr_schedule, reg)
    train_model(model, data.train_x, data.train_y, settings,
                list(prunable_layers(model).values()),
                torch.Generator().manual_seed(schedule.seed))
    return model


def _iterative(model, schedule, reg, args, data, dense: float) -> list[float]:
    from pruning.methods import global_magnitude
    from pruning.models import prunable_layers

    trial, changes = copy.deepcopy(model), []
    for fraction in args.fractions:
        global_magnitude(list(prunable_layers(trial).values()), fraction)
        _retrained(trial, schedule, reg, args, data)
        changes.append(_accuracy(trial, data) - dense)
    return changes


def _accuracy(model, data) -> float:
    from pruning.train import evaluate

    return evaluate(model, data.test_x, data.test_y).pct


def _figure(model: str, fractions, curves: dict):
    figure, ax = new_figure(6.5, 4.5)
    styles = {"no retrain": ":", "one-shot + retrain": "--", "iterative prune + retrain": "-"}
    for name, values in curves.items():
        style = next(s for key, s in styles.items() if name.endswith(key))
        ax.plot([100 * f for f in fractions], values, style, marker="o", markersize=3,
                label=name.replace("l1", "L1").replace("l2", "L2"))
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_ylim(bottom=max(-10.0, min(min(v) for v in curves.values()) - 0.5))
    ax.set_xlabel("parameters pruned away (%)")
    ax.set_ylabel("test accuracy change vs dense (pp)")
    ax.set_title(f"{model}: regularisation and retraining (after Han et al. 2015, Fig. 5)")
    ax.legend(fontsize=8)
    return figure


if __name__ == "__main__":
    raise SystemExit(main())
