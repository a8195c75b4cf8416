"""Table and Pareto figure of :mod:`pruning.experiments.hw_aware` from its JSON files alone.

Per model and target: each method's final accuracy change (against its own dense network,
same seed) and estimated energy / latency as fractions of dense on the target (pruning on the
same accelerator, ``compare_network`` of the exported network), mean over seeds with the
range. The verdicts compare each hardware-aware run with every baseline point of the same
seed (each retrained iteration, and the final exported network) that is at most
:data:`NOISE_PP` less accurate, first the issue's baselines (magnitude, Han), then also
uniform structured pruning: a seed counts when the run's energy is below all of them. NOISE_PP is one binomial standard error of ~96 % accuracy on 1,000 test images.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from matplotlib.ticker import NullFormatter

from pruning.experiments.common import new_figure, save_figure

NOISE_PP = 0.6
TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0)
BASELINES = ("magnitude", "magnitude_structured", "han")
HW = ("energy_aware", "budget")
ARCHS = ("eyeriss", "eie", "sparse_tensor_core")
COLORS = {"magnitude": "tab:gray", "magnitude_structured": "tab:brown", "han": "tab:blue",
          "energy_aware": "tab:orange", "budget": "tab:red"}


def load_rows(folder: Path) -> list[dict]:
    rows = []
    for path in sorted(folder.glob("*_seed*.json")):
        rows += json.loads(path.read_text())["rows"]
    return rows


def _points(row: dict, arch: str) -> list[tuple[float, float]]:
    """(energy fraction, accuracy %) of every retrained point and of the final network."""
    out = [(p["cost"][arch]["energy_fraction"], p["accuracy_pct"]) for p in row["points"]
           if arch in p["cost"]]
    return out + [(row["final"][arch]["energy_fraction"], row["accuracy_pct"])]


def verdict(rows: list[dict], model: str, arch: str, method: str,
            baselines: tuple[str, ...] = BASELINES) -> tuple[int, int]:
    """(seeds where ``method``@arch has lower energy than every point of ``baselines``
    within NOISE_PP of its accuracy, seeds)."""
    wins, seeds = 0, 0
    for hw in (r for r in rows if r["model"] == model and r["method"] == method
               and r["target"] == arch):
        seeds += 1
        energy, acc = hw["final"][arch]["energy_fraction"], hw["accuracy_pct"]
        rivals = [e for r in rows if r["model"] == model and r["seed"] == hw["seed"]
                  and r["method"] in baselines for e, a in _points(r, arch) if a >= acc - NOISE_PP]
        wins += all(energy < e for e in rivals)
    return wins, seeds


def table(rows: list[dict]) -> list[str]:
    lines = ["| model | target | method | seeds | accuracy change (pp) | energy / dense | "
             "latency / dense | lower energy than magnitude and Han | than uniform structured "
             "too |", "|---|---|---|---|---|---|---|---|---|"]
    for model in ("lenet300", "lenet5"):
        for arch in ARCHS:
            for method in (*BASELINES, *HW):
                sel = [r for r in rows if r["model"] == model and r["method"] == method
                       and r["target"] in (None, arch)]
                if not sel:
                    continue
                change = [r["accuracy_pct"] - r["dense_accuracy_pct"] for r in sel]
                energy = [r["final"][arch]["energy_fraction"] for r in sel]
                latency = [r["final"][arch]["latency_fraction"] for r in sel]
                wins = (f"{verdict(rows, model, arch, method, ('magnitude', 'han'))[0]} of "
                        f"{len(sel)} | {verdict(rows, model, arch, method)[0]} of {len(sel)}"
                        if method in HW else "- | -")
                lines.append(f"| {model} | {arch} | {method} | {len(sel)} | {_mean(change, 1)} "
                             f"| {_mean(energy, 3)} | {_mean(latency, 3)} | {wins} |")
    return lines


def _mean(values: list[float], digits: int) -> str:
    mean = sum(values) / len(values)
    return f"{mean:+.{digits}f} ({min(values):+.{digits}f} .. {max(values):+.{digits}f})" \
        if digits == 1 else f"{mean:.{digits}f} ({min(values):.{digits}f} .. {max(values):.{digits}f})"


def lowest(rows: list[dict], model: str, arch: str) -> float:
    return min(e for r in rows if r["model"] == model and r["target"] in (None, arch)
               for e, _ in _points(r, arch))


def plot_pareto(rows: list[dict], model: str, axes) -> None:
    """One panel per target: accuracy vs estimated energy fraction, every seed."""
    for ax, arch in zip(axes, ARCHS):
        for row in (r for r in rows if r["model"] == model and r["target"] in (None, arch)):
            points = sorted(_points(row, arch))
            color = COLORS[row["method"]]
            ax.plot([p[0] for p in points], [p[1] for p in points], "-", color=color,
                    alpha=0.35, linewidth=0.8)
            final = (row["final"][arch]["energy_fraction"], row["accuracy_pct"])
            ax.plot(*final, "o", color=color, markersize=4,
                    label=row["method"] if row["seed"] == 0 else None)
        ax.set_xscale("log")
        ticks = [t for t in TICKS if lowest(rows, model, arch) * 0.8 <= t <= 1.0]
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_title(f"{model} on {arch}", fontsize=9)
        ax.set_xlabel("estimated energy / dense (log)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("test accuracy (%)")
    axes[0].legend(fontsize=7)


def report(folder: Path, figures: Path) -> int:
    rows = load_rows(Path(folder))
    if not rows:
        print(f"no results in {folder}")
        return 1
    print("\n".join(table(rows)))
    for model in sorted({r["model"] for r in rows}):
        figure, axes = new_figure(12, 3.6, ncols=3)
        plot_pareto(rows, model, axes)
        lows = [a for r in rows if r["model"] == model for _, a in _points(r, ARCHS[0])]
        best = max(lows)
        for ax in axes:
            ax.set_ylim(max(min(lows), best - 8) - 0.3, math.ceil(best + 0.5))
        save_figure(figure, Path(figures) / f"hw_aware_{model}.png")
    return 0
