"""Sweep figures: the energy-latency Pareto front and a heatmap over two swept parameters.

Each function draws on the ``ax`` it is given and returns its figure; nothing here touches
matplotlib's global state (no pyplot), so it is safe to import anywhere. The numbers come from
:mod:`hwsim.sweep.analysis`. Example::

    from matplotlib.figure import Figure
    fig = Figure(figsize=(6, 4))
    plot_pareto(fig.add_subplot(), result.rows)
    fig.savefig("pareto.png")
"""
from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np

from hwsim.report.units import ENERGY_PJ_UNITS, SECONDS_UNITS, axis_unit
from hwsim.sweep.analysis import ok_rows, pareto_front


def plot_pareto(ax, rows: Sequence[dict], workloads: Optional[Sequence[str]] = None,
                title: str = "Energy vs latency (Pareto front per workload)"):
    """Every valid point (faint) and each workload's Pareto front (line), latency x energy per
    inference in units picked from the data (:func:`hwsim.report.units.axis_unit`); log axes when the values
    span more than a decade. Returns the figure."""
    labels = list(workloads) if workloads is not None else _workloads(rows)
    valid = ok_rows(rows)
    t_unit, t_scale = axis_unit([r["latency_s"] for r in valid], SECONDS_UNITS)
    e_unit, e_scale = axis_unit([r["energy_pj"] for r in valid], ENERGY_PJ_UNITS)
    xs_all, ys_all = [], []
    for index, label in enumerate(labels):
        color = f"C{index % 10}"
        points = ok_rows(rows, label)
        xs = [r["latency_s"] / t_scale for r in points]
        ys = [r["energy_pj"] / e_scale for r in points]
        ax.scatter(xs, ys, s=10, alpha=0.25, color=color, linewidths=0)
        front = pareto_front(points)
        ax.plot([r["latency_s"] / t_scale for r in front],
                [r["energy_pj"] / e_scale for r in front], "o-", color=color, markersize=4,
                drawstyle="steps-post", label=f"{label} ({len(front)} on front / {len(points)})")
        xs_all += xs
        ys_all += ys
    _log_if_wide(ax.set_xscale, xs_all)
    _log_if_wide(ax.set_yscale, ys_all)
    ax.set_xlabel(f"latency per inference ({t_unit})")
    ax.set_ylabel(f"energy per inference ({e_unit})")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    if labels:
        ax.legend(fontsize="small")
    return ax.figure


def plot_heatmap(ax, grid: np.ndarray, x_labels: Sequence[str], y_labels: Sequence[str],
                 x_name: str, y_name: str, metric_label: str, title: str = "",
                 annotate: Optional[bool] = None):
    """``grid[j, i]`` (from :func:`hwsim.sweep.analysis.heatmap_grid`) as coloured cells; NaN
    cells (no valid point) are grey and marked "invalid". Values are written in the cells when
    the grid has at most 12 x 12 cells (or when ``annotate``). Returns the figure."""
    grid = np.asarray(grid, dtype=float)
    masked = np.ma.masked_invalid(grid)
    image = ax.imshow(masked, origin="lower", aspect="auto", interpolation="nearest")
    image.cmap = image.cmap.with_extremes(bad="0.85")
    ax.set_xticks(range(len(x_labels)), [_short(t) for t in x_labels], rotation=30,
                  ha="right", fontsize="small")
    ax.set_yticks(range(len(y_labels)), [_short(t) for t in y_labels], fontsize="small")
    ax.set_xlabel(x_name)
    ax.set_ylabel(y_name)
    ax.set_title(title or metric_label)
    ax.figure.colorbar(image, ax=ax, label=metric_label)
    if annotate if annotate is not None else grid.size <= 144:
        _annotate(ax, grid)
    return ax.figure


def _annotate(ax, grid: np.ndarray) -> None:
    finite = grid[np.isfinite(grid)]
    middle = (finite.min() + finite.max()) / 2 if finite.size else 0.0
    for (j, i), value in np.ndenumerate(grid):
        text = "invalid" if not math.isfinite(value) else f"{value:.3g}"
        color = "black" if not math.isfinite(value) or value > middle else "white"
        ax.text(i, j, text, ha="center", va="center", fontsize="x-small", color=color)


def _workloads(rows: Sequence[dict]) -> list[str]:
    seen: list[str] = []
    for row in rows:
        if row.get("workload") not in seen:
            seen.append(row.get("workload"))
    return seen


def _log_if_wide(set_scale, values: Sequence[float]) -> None:
    positive = [v for v in values if v > 0]
    if positive and max(positive) > 10 * min(positive):
        set_scale("log")


def _short(text: str, limit: int = 28) -> str:
    """Each line of a tick label cut to ``limit`` characters."""
    return "\n".join(line if len(line) <= limit else line[:limit - 1] + "~"
                     for line in text.split("\n"))
