"""Han et al. 2015 Figure 6 on both LeNets: per-layer accuracy vs weights pruned, no retraining.

Each model is trained dense with its shipped schedule, then each layer alone is pruned with
Han's threshold at the schedule's ``sensitivity.qualities`` and evaluated on the test set.

    python -m pruning.experiments.sensitivity

Writes runs/sensitivity/<model>/sensitivity.json and reports/figures/sensitivity.png.
"""
from __future__ import annotations

from pruning.experiments.common import base_parser, new_figure, save_figure, setup

MODELS = ("lenet300", "lenet5")


def main(argv: list[str] | None = None) -> int:
    from pruning import load_mnist, plot_sensitivity, run_sensitivity
    from pruning.sensitivity import pick_qualities

    parser = base_parser(__doc__.splitlines()[0], "sensitivity")
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    args = parser.parse_args(argv)
    out, figures = setup(args)
    data = load_mnist()
    figure, axes = new_figure(5.5 * len(args.models), 4, ncols=len(args.models))
    axes = [axes] if len(args.models) == 1 else list(axes)
    for model, ax in zip(args.models, axes):
        result = run_sensitivity(model, f"han2015_{model}", data, out / model, args.progress)
        plot_sensitivity(result, ax)
        ax.set_title(f"{model} (dense {result.baseline_accuracy_pct:.1f}%)")
        for curve in result.curves:
            cells = ", ".join(f"{100 * (1 - k):.0f}%: {a:.1f}" for k, a in
                              zip(curve.kept_fraction, curve.accuracy_pct))
            print(f"{model} {curve.layer}: {cells}")
        print(f"{model} quality within 0.5 pp: {pick_qualities(result, 0.5)}", flush=True)
    save_figure(figure, figures / "sensitivity.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
