"""Report figures: each ``plot_*`` draws extracted numbers onto an ``ax`` and returns its figure.

Numbers come from :mod:`hwsim.report.tables` (estimate rows) or from the saved pruning data
(iterations, histograms, sensitivity curves, all plain JSON); nothing here computes a cost.
Nothing touches global matplotlib state: callers pass axes of a ``matplotlib.figure.Figure``
(see :func:`new_figure`), so no pyplot, no backend switch, no rcParams change at import.

Example::

    fig, ax = new_figure(right_in=2.1, bottom_in=0.75)
    plot_energy_breakdown(ax, estimate_table(estimate))
    fig.savefig("energy.png")
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from hwsim.report.tables import EstimateTable, LayerRow
from hwsim.report.units import (BYTES_UNITS, ENERGY_PJ_UNITS, energy_text, pick_unit,
                                signed_times_text)

DENSE_COLOR, PRUNED_COLOR = "#8c8c8c", "#1f77b4"
# Fixed colours per energy component so dense and pruned bars read alike.
_COMPONENT_COLORS = {"dram": "#d62728", "mac": "#2ca02c", "leakage": "#7f7f7f",
                     "codebook": "#bcbd22"}
_CYCLE = ("#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#aec7e8",
          "#ffbb78", "#c5b0d5", "#c49c94")


def new_figure(width_in: float = 7.0, height_in: float = 3.6, ncols: int = 1,
               right_in: float = 0.25, bottom_in: float = 0.6, gap_in: float = 1.0):
    """(figure, ax or axes) of a fresh Figure, independent of pyplot's figure manager.

    Margins are fixed in inches (left 0.8, top 0.45, ``bottom_in``, ``right_in``: leave room
    there for a legend outside the axes; ``gap_in`` between columns), which is far cheaper to
    draw than a layout engine.
    """
    fig = Figure(figsize=(width_in, height_in))
    left_in = 0.8
    axis_in = (width_in - left_in - right_in - (ncols - 1) * gap_in) / ncols
    fig.subplots_adjust(left=left_in / width_in, right=1 - right_in / width_in,
                        bottom=bottom_in / height_in, top=1 - 0.45 / height_in,
                        wspace=gap_in / max(axis_in, 0.1))
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, (axes[0] if ncols == 1 else axes)


def component_colors(components: Sequence[str]) -> dict[str, str]:
    """A stable colour per energy component (fixed for dram/mac/leakage, cycled otherwise)."""
    others = [c for c in components if c not in _COMPONENT_COLORS]
    colors = {c: _CYCLE[i % len(_CYCLE)] for i, c in enumerate(others)}
    return {c: _COMPONENT_COLORS.get(c, colors.get(c)) for c in components}


def _layer_positions(rows: Sequence[LayerRow]):
    return np.arange(len(rows)), [r.name for r in rows]


def plot_energy_breakdown(ax, table: EstimateTable, share: bool = False):
    """Per layer, two stacked bars: dense and pruned (hatched), both on the accelerator,
    split by energy component. Each bar is labelled with its total energy and
    each pair with the saving (x). ``share``: every bar scaled to 100 % (the composition)."""
    rows = table.layers
    x, names = _layer_positions(rows)
    components = table.components()
    colors = component_colors(components)
    peak = max([r.energy_pj_dense for r in rows] + [r.energy_pj_pruned for r in rows] + [1.0])
    scale, unit = (0.01, "%") if share else pick_unit(peak, ENERGY_PJ_UNITS)
    width, labelled = 0.38, set()
    for offset, side, hatch in ((-width / 2, "dense", ""), (width / 2, "pruned", "//")):
        totals = np.array([getattr(r, f"energy_pj_{side}") for r in rows], dtype=float)
        norm = np.where(totals > 0, totals, 1.0) * scale if share else np.full(len(rows), scale)
        bottom = np.zeros(len(rows))
        for comp in components:
            values = np.array([getattr(r, f"energy_{side}_by_component_pj").get(comp, 0.0)
                               for r in rows]) / norm
            if not values.any():
                continue
            ax.bar(x + offset, values, width, bottom=bottom, color=colors[comp],
                   hatch=hatch, edgecolor="white", linewidth=0.5,
                   label=None if comp in labelled else comp)
            labelled.add(comp)
            bottom += values
        for xi, top, total in zip(x + offset, bottom, totals):
            ax.annotate(_energy_label(total), (xi, top), ha="center", va="bottom", fontsize=7,
                        xytext=(0, 1), textcoords="offset points")
    for xi, row in zip(x, rows):
        ax.annotate(signed_times_text(row.energy_x), (xi, 1.0), ha="center", va="top",
                    xycoords=("data", "axes fraction"), fontsize=8, fontweight="bold",
                    xytext=(0, -3), textcoords="offset points")
    ax.set_xticks(x, [f"{n}\ndense | pruned" for n in names], fontsize=8)
    ax.set_ylabel("share of the bar's energy (%)" if share else f"energy per inference ({unit})")
    what = "Energy composition" if share else "Energy by component"
    ax.set_title(f"{what}: dense vs pruned, both on {table.arch}",
                 fontsize=10)
    ax.legend(fontsize=7, ncols=2, title="component (pruned: hatched)", title_fontsize=7,
              loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.margins(y=0.18)
    return ax.figure


def _energy_label(pj: float) -> str:
    return energy_text(pj)


def _paired_bars(ax, rows, dense, pruned, labels=("dense", "pruned")):
    x, names = _layer_positions(rows)
    width = 0.38
    ax.bar(x - width / 2, dense, width, color=DENSE_COLOR, label=labels[0])
    ax.bar(x + width / 2, pruned, width, color=PRUNED_COLOR, label=labels[1])
    ax.set_xticks(x, names, fontsize=8)
    return x


def plot_latency(ax, table: EstimateTable):
    """Time per layer (µs, log scale; cycles / clock, so different clocks compare fairly),
    dense vs pruned, each bar labelled with its bottleneck."""
    rows = table.layers
    dense = [max(r.latency_s_dense, 0.0) * 1e6 for r in rows]
    pruned = [max(r.latency_s_pruned, 0.0) * 1e6 for r in rows]
    x = _paired_bars(ax, rows, dense, pruned, (f"dense on {table.arch}",
                                                f"pruned on {table.arch}"))
    for xi, row, d, p in zip(x, rows, dense, pruned):
        for dx, value, label in ((-0.19, d, row.bottleneck_dense),
                                 (0.19, p, row.bottleneck_pruned)):
            ax.annotate(label, (xi + dx, value), ha="center", va="bottom", fontsize=7,
                        xytext=(0, 2), textcoords="offset points")
    if any(v > 0 for v in dense + pruned):
        ax.set_yscale("log")
    ax.set_ylabel("latency per inference (µs, log)")
    ax.set_title("Latency per layer (label: bottleneck)", fontsize=10)
    ax.legend(fontsize=7)
    ax.margins(y=0.15)
    return ax.figure


def plot_storage(ax, table: EstimateTable, capacity_bytes: float | None = None):
    """Weight storage per layer: the dense network as the accelerator stores it beside the
    pruned one in the accelerator's format (values + metadata); ``capacity_bytes`` draws the
    accelerator's on-chip weight capacity (named in the legend when off the scale)."""
    rows = table.layers
    peak = max([r.weight_bytes_baseline for r in rows] + [r.weight_bytes_stored for r in rows]
               + [1.0])
    scale, unit = pick_unit(peak, BYTES_UNITS)
    x, names = _layer_positions(rows)
    width = 0.38
    values = np.array([r.weight_bytes_stored - r.weight_metadata_bytes for r in rows]) / scale
    meta = np.array([r.weight_metadata_bytes for r in rows]) / scale
    ax.bar(x - width / 2, [r.weight_bytes_baseline / scale for r in rows], width,
           color=DENSE_COLOR, label=f"dense on {table.arch}")
    ax.bar(x + width / 2, values, width, color=PRUNED_COLOR, label=f"pruned on {table.arch}: "
           "values")
    ax.bar(x + width / 2, meta, width, bottom=values, color="#aec7e8",
           label=f"pruned on {table.arch}: metadata (indices, pointers)")
    if capacity_bytes and capacity_bytes <= 3 * peak:
        ax.axhline(capacity_bytes / scale, color="black", linestyle="--", linewidth=1,
                   label=f"on-chip weight capacity of {table.arch}")
    elif capacity_bytes:
        ax.plot([], [], " ", label=f"on-chip weight capacity of {table.arch}: "
                                   f"{capacity_bytes / scale:,.0f} {unit} (off the scale)")
    ax.set_xticks(x, names, fontsize=8)
    ax.set_ylabel(f"weight storage ({unit})")
    fmt = rows[0].weight_format if rows else ""
    ax.set_title(f"Weight storage per layer on {table.arch} ({fmt})", fontsize=10)
    ax.legend(fontsize=7)
    return ax.figure


def plot_savings(ax, table: EstimateTable):
    """What pruning buys on the accelerator (dense / pruned on the same accelerator, x) per
    layer and in total: energy, latency, storage, DRAM. Bars below 1 cost more."""
    rows = table.rows
    metrics = (("energy_x", "energy"), ("latency_x", "latency"), ("storage_x", "storage"),
               ("dram_x", "DRAM bytes"))
    x, names = _layer_positions(rows)
    width = 0.8 / len(metrics)
    for i, (attr, label) in enumerate(metrics):
        values = [getattr(r, attr) for r in rows]
        shown = [v if v is not None and math.isfinite(v) and v > 0 else np.nan for v in values]
        ax.bar(x + (i - (len(metrics) - 1) / 2) * width, shown, width, label=label,
               color=_CYCLE[i])
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_yscale("log")
    _times_axis(ax.yaxis)
    ax.set_xticks(x, names, fontsize=8)
    ax.set_ylabel("dense / pruned (log; < 1: costs more)")
    ax.set_title(f"Pruning on {table.arch}: dense vs pruned, same accelerator", fontsize=10)
    ax.legend(fontsize=7, ncols=4)
    return ax.figure


def plot_attribution(ax, table: EstimateTable):
    """Energy and time ratios per layer and in total, in three groups: the change of
    accelerator (dense on the baseline -> dense here), pruning (dense -> pruned here) and
    both (dense on the baseline -> pruned here); log scale, 1 = no change."""
    rows = [r for r in table.rows if r.energy_x is not None]
    parts = (("accelerator_energy_x", f"accelerator {table.baseline_arch} -> {table.arch}: "
              "energy"), ("accelerator_latency_x", "accelerator: time"),
             ("energy_x", f"pruning on {table.arch}: energy"), ("latency_x", "pruning: time"),
             ("combined_energy_x", "both: energy"), ("combined_latency_x", "both: time"))
    x, names = _layer_positions(rows)
    width = 0.8 / len(parts)
    colors = ("#ff7f0e", "#ffbb78", "#1f77b4", "#aec7e8", "#2ca02c", "#98df8a")
    for i, ((attr, label), color) in enumerate(zip(parts, colors)):
        shown = [v if v is not None and math.isfinite(v) and v > 0 else np.nan
                 for v in (getattr(r, attr) for r in rows)]
        ax.bar(x + (i - (len(parts) - 1) / 2) * width, shown, width, label=label, color=color)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_yscale("log")
    _times_axis(ax.yaxis)
    ax.set_xticks(x, names, fontsize=8)
    ax.set_ylabel("before / after (log; < 1: costs more)")
    ax.set_title(f"Where the saving comes from: dense on {table.baseline_arch} -> pruned on "
                 f"{table.arch}", fontsize=10)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return ax.figure


def plot_accuracy_vs_compression(ax, summary: dict):
    """Test accuracy vs compression (x) after each prune -> retrain iteration (and dense)."""
    dense = summary.get("dense", {})
    iterations = summary.get("iterations", [])
    xs = [1.0] + [it["compression_x"] for it in iterations]
    after = [dense.get("test_accuracy_pct")] + [it["test_accuracy_pct"] for it in iterations]
    before = [it["accuracy_pruned_pct"] for it in iterations]
    ax.plot(xs, after, marker="o", color=PRUNED_COLOR, label="after retraining")
    ax.plot(xs[1:], before, marker="x", linestyle=":", color="#d62728",
            label="pruned, before retraining")
    for i, (cx, acc) in enumerate(zip(xs, after)):
        ax.annotate("dense" if i == 0 else f"it {i}", (cx, acc), fontsize=7,
                    xytext=(3, 3), textcoords="offset points")
    ax.set_xscale("log")
    _times_axis(ax.xaxis)
    ax.set_xlabel("compression (dense weights / kept weights, log)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("Accuracy vs compression per pruning iteration")
    ax.legend(fontsize=7)
    return ax.figure


def plot_weight_histogram(ax, layer: str, record: dict):
    """One layer's weight distribution before pruning and of the kept weights after
    (counts): Han et al.'s bimodal distribution after pruning."""
    edges = np.asarray(record["edges"])
    ax.stairs(record["dense"], edges, fill=True, color=DENSE_COLOR, alpha=0.6,
              label=f"dense ({record['dense_count']:,})")
    ax.stairs(record["pruned"], edges, fill=True, color=PRUNED_COLOR, alpha=0.7,
              label=f"kept after pruning ({record['pruned_count']:,})")
    ax.set_xlabel("weight value")
    ax.set_ylabel("count")
    ax.set_title(f"{layer} weights", fontsize=9)
    ax.legend(fontsize=6)
    return ax.figure


def plot_sensitivity(ax, sensitivity: dict):
    """Accuracy without retraining vs the fraction of one layer's weights pruned away, one
    line per layer (Han et al. 2015, Fig. 6), from ``SensitivityResult.to_dict()``."""
    for curve in sensitivity["curves"]:
        pruned = [100.0 * (1.0 - kept) for kept in curve["kept_fraction"]]
        ax.plot(pruned, curve["accuracy_pct"], marker="o", markersize=3, label=curve["layer"])
    ax.axhline(sensitivity["baseline_accuracy_pct"], color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("weights pruned away in the layer (%)")
    ax.set_ylabel("test accuracy without retraining (%)")
    ax.set_title(f"Sensitivity ({sensitivity['method']}, {sensitivity['eval_samples']} images)")
    ax.legend(fontsize=7)
    return ax.figure


def _times_axis(axis) -> None:
    """Plain 'x' labels on a log axis: 1x 2x 5x 10x ... instead of 2 x 10^0."""
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
    axis.set_minor_formatter(NullFormatter())

