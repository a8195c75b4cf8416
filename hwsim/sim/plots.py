"""Figures of the simulator: a timeline from the event log and the FIFO-depth study.

Plot functions take a matplotlib ``ax``, draw, and return its figure; nothing here changes
global matplotlib state (pyplot is never imported: callers make the figure, e.g. with
``matplotlib.figure.Figure()``).

Worked example::

    fig = Figure(figsize=(10, 4)); ax = fig.subplots()
    plot_timeline(result.trace, int(result.cost.latency_cycles), ax)
    fig.savefig("timeline.png")
"""
from __future__ import annotations

import re

from hwsim.sim.trace import spans

STATE_COLOURS = {"busy": "#2b8cbe", "starved": "#f03b20", "blocked": "#feb24c",
                 "idle": "#f0f0f0", "done": "#d9d9d9"}
_ORDER = ("dram", "dma_in", "dma_out", "bcast", "array")


def _component_key(name: str):
    if name in _ORDER:
        return (0, _ORDER.index(name), 0)
    match = re.fullmatch(r"pe(\d+)", name)
    if match:
        return (2, 0, int(match.group(1)))
    return (1, 0, name)


def timeline_components(events, max_pes: int = 8) -> list[str]:
    """Components to draw, top to bottom: DRAM and DMA, broadcast / array, on-chip levels,
    then the first ``max_pes`` PEs."""
    names = sorted({e.component for e in events}, key=_component_key)
    pes = [n for n in names if re.fullmatch(r"pe\d+", n)][:max_pes]
    return [n for n in names if not re.fullmatch(r"pe\d+", n)] + pes


def plot_timeline(events, end: int, ax, max_pes: int = 8, window: tuple[int, int] | None = None):
    """Horizontal bars of each component's state over time (busy / starved / blocked / idle).

    ``window`` = (start, stop) cycles zooms in; returns ``ax.figure``.
    """
    comps = timeline_components(events, max_pes)
    rows = {c: i for i, c in enumerate(comps)}
    lo, hi = window if window else (0, end)
    bars: dict = {}
    for s in spans(events, end):
        if s.component not in rows or s.end <= lo or s.start >= hi or s.state == "idle":
            continue
        start, stop = max(s.start, lo), min(s.end, hi)
        bars.setdefault((s.component, s.state), []).append((start, stop - start))
    for (comp, state), segs in bars.items():
        ax.broken_barh(segs, (rows[comp] - 0.4, 0.8), facecolors=STATE_COLOURS.get(state, "k"),
                       label=state)
    ax.set_yticks(range(len(comps)))
    ax.set_yticklabels(comps)
    ax.invert_yaxis()
    ax.set_xlim(lo, hi)
    ax.set_xlabel("cycle")
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    if unique:
        ax.legend(unique.values(), unique.keys(), loc="upper right", fontsize="small",
                  ncols=len(unique))
    return ax.figure


def plot_fifo_study(rows, ax, reference: float | None = None):
    """Load-balance efficiency vs FIFO depth, one line per layer (``rows`` from
    :func:`hwsim.sim.study.fifo_study`); ``reference`` draws a dashed line (e.g. 0.5 for
    EIE's "about half the cycles idle at depth 1"). Returns ``ax.figure``."""
    layers = list(dict.fromkeys(r.layer for r in rows))
    for name in layers:
        pts = sorted((r.depth, r.load_balance_efficiency) for r in rows if r.layer == name)
        ax.plot([d for d, _ in pts], [e for _, e in pts], marker="o", label=name)
    if reference is not None:
        ax.axhline(reference, linestyle="--", color="grey", linewidth=1)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("activation FIFO depth per PE")
    ax.set_ylabel("load-balance efficiency")
    ax.set_ylim(0, 1.02)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    return ax.figure
