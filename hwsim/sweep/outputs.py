"""What a finished sweep leaves in its folder, next to ``results.jsonl`` and ``sweep.json``:

* ``results.csv``: one row per point in plan order (axis values, status, metrics, energy per
  component, reason), written atomically;
* ``best.csv``: the best ``top`` valid points per (workload, objective);
* ``pareto.png`` / ``pareto.svg``: energy vs latency with each workload's front;
* ``heatmap.png`` / ``heatmap.svg`` (a grid with >= 2 swept keys): the objective's metric over
  the first two keys with more than one value, the best over the other keys in each cell.

Figures are drawn on :class:`matplotlib.figure.Figure` objects (no pyplot, no global state).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from hwsim.sweep.analysis import (OBJECTIVE_METRICS, best_points, flat_table, heatmap_grid,
                                  value_label)
from hwsim.sweep.plan import Axis
from hwsim.report.units import ENERGY_PJ_UNITS, SECONDS_UNITS, axis_unit
from hwsim.sweep.plots import plot_heatmap, plot_pareto
from hwsim.sweep.runner import SweepResult
from hwsim.sweep.spec import OBJECTIVE_KEY
from hwsim.sweep.store import write_csv

# metric -> (label, display units as in hwsim.sweep.plots, or None to keep the row's unit)
METRIC_DISPLAY = {"energy_pj": ("energy per inference", ENERGY_PJ_UNITS),
                  "latency_s": ("latency per inference", SECONDS_UNITS),
                  "edp_pj_s": ("energy x delay (pJ s)", None)}


@dataclass(frozen=True)
class SweepOutputs:
    files: tuple[Path, ...]
    best: tuple[dict, ...]


def write_outputs(result: SweepResult, top: int = 5, plots: bool = True) -> SweepOutputs:
    """Write the files listed in the module docstring; returns them and the best rows."""
    out, plan = result.out_dir, result.plan
    keys = [a.key for a in plan.axes]
    columns, flat = flat_table(result.rows, keys)
    files = [write_csv(out / "results.csv", flat, columns)]
    best = best_by_group(result.rows, top)
    best_columns, best_flat = flat_table(best, keys)
    best_flat = [{"rank": row["rank"], **flat_row} for row, flat_row in zip(best, best_flat)]
    files.append(write_csv(out / "best.csv", best_flat, ["rank", *best_columns]))
    if plots:
        files += _save(_pareto_figure(result), out / "pareto")
        axes = heatmap_axes(plan.axes) if plan.kind == "grid" else None
        if axes is not None:
            files += _save(_heatmap_figure(result, axes), out / "heatmap")
    return SweepOutputs(tuple(files), tuple(best))


def best_by_group(rows: Sequence[dict], top: int) -> list[dict]:
    """The ``top`` best valid rows of each (workload, objective), ranked by that objective's
    metric; each returned row carries its ``rank`` (1 = best)."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row.get("workload"), row.get("objective")), []).append(row)
    out = []
    for (_, objective), members in groups.items():
        ranked = best_points(members, OBJECTIVE_METRICS.get(objective, "energy_pj"), top)
        out += [{**row, "rank": rank} for rank, row in enumerate(ranked, start=1)]
    return out


def heatmap_axes(axes: Sequence[Axis]) -> tuple[Axis, Axis] | None:
    """The first two accelerator axes with more than one value, or None."""
    usable = [a for a in axes if a.key != OBJECTIVE_KEY and len(a.values) > 1]
    return (usable[0], usable[1]) if len(usable) >= 2 else None


def _pareto_figure(result: SweepResult) -> Figure:
    fig = Figure(figsize=(7, 5), layout="constrained")
    plot_pareto(fig.add_subplot(), result.rows, [w.label for w in result.plan.workloads],
                title=f"{result.plan.name}: energy vs latency")
    return fig


def _heatmap_figure(result: SweepResult, axes: tuple[Axis, Axis]) -> Figure:
    """One heatmap per workload of the objective's metric (the spec's objective, or the first
    one on the ``objective`` axis when that leaves it out), in one display unit."""
    plan = result.plan
    objectives = [r.get("objective") for r in result.rows]
    objective = plan.objective if plan.objective in objectives else objectives[0]
    metric = OBJECTIVE_METRICS[objective]
    x_axis, y_axis = axes
    grids = [heatmap_grid([r for r in result.rows if r.get("workload") == w.label
                           and r.get("objective") == objective],
                          (x_axis.key, x_axis.values), (y_axis.key, y_axis.values), metric)
             for w in plan.workloads]
    name, units = METRIC_DISPLAY[metric]
    unit, scale = axis_unit([v for g in grids for v in g[np.isfinite(g)]], units) \
        if units else ("", 1.0)
    label = f"{name} ({unit})" if unit else name
    fig = Figure(figsize=(6 * len(grids), 4.5), layout="constrained")
    for index, (workload, grid) in enumerate(zip(plan.workloads, grids)):
        plot_heatmap(fig.add_subplot(1, len(grids), index + 1), grid / scale,
                     [value_label(v, "\n") for v in x_axis.values],
                     [value_label(v, "\n") for v in y_axis.values], x_axis.key, y_axis.key,
                     label, title=f"{workload.label}: best {name}")
    return fig


def _save(fig: Figure, stem: Path) -> list[Path]:
    """PNG and SVG, each written atomically under a unique temporary name
    (:func:`hwsim.fileio.write_with`; never a half-written figure, no clash between runs)."""
    from hwsim.fileio import write_with
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    for path in paths:
        write_with(path, lambda out, fmt=path.suffix[1:]: fig.savefig(out, format=fmt, dpi=150))
    return paths
