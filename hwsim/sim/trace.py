"""The simulator's event log: every state change of every component, in cycle order.

An entry ``TraceEvent(cycle, component, state, item)`` says that ``component`` (``dram``,
``dma_in``, ``dma_out``, ``array``, ``bcast``, ``pe3``, ``glb`` ...) enters ``state`` at
``cycle``; it stays there until its next entry (or the end of the run). States are a closed
vocabulary: ``busy`` (working on ``item``), ``starved`` (waiting for input data), ``blocked``
(waiting for space downstream), ``idle`` and ``done``.

Worked example (2 PEs, depth 1, one column of work 3 and 1): ``(0, "bcast", "busy", "col 0")``,
``(0, "pe0", "busy", "col 0")``, ``(0, "pe1", "busy", "col 0")``, ``(1, "pe1", "done", "")``,
``(3, "pe0", "done", "")`` -> spans pe0 busy [0, 3), pe1 busy [0, 1) then done.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

STATES = ("busy", "starved", "blocked", "idle", "done")


@dataclass(frozen=True)
class TraceEvent:
    """``component`` enters ``state`` at integer ``cycle``; ``item`` names the work."""

    cycle: int
    component: str
    state: str
    item: str = ""

    def as_tuple(self) -> tuple:
        return (self.cycle, self.component, self.state, self.item)


@dataclass(frozen=True)
class Span:
    """``component`` in ``state`` over [start, end) cycles."""

    component: str
    state: str
    start: int
    end: int
    item: str = ""

    @property
    def cycles(self) -> int:
        return self.end - self.start


class TraceRecorder:
    """Collects events during one run (a fresh recorder per run; ``enabled=False`` is a no-op).

    Repeated entries of the same state and item for a component are dropped, so a PE that
    starts column after column without a gap logs one ``busy`` entry per column, not two.
    """

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._events: list[tuple] = []
        self._last: dict[str, tuple] = {}

    def log(self, cycle, component: str, state: str, item: str = "") -> None:
        if not self.enabled:
            return
        key = (state, item)
        if self._last.get(component) == key:
            return
        self._last[component] = key
        self._events.append((int(cycle), component, state, item))

    def events(self) -> tuple[TraceEvent, ...]:
        """The log sorted by cycle (stable: same-cycle entries keep their order)."""
        ordered = sorted(self._events, key=lambda e: e[0])
        return tuple(TraceEvent(*e) for e in ordered)


def spans(events, end: int) -> tuple[Span, ...]:
    """Piecewise-constant states per component from the log, closing the last at ``end``.

    Zero-length spans are dropped. Example: events (0, pe0, busy), (3, pe0, done), end 5 ->
    Span(pe0, busy, 0, 3), Span(pe0, done, 3, 5).
    """
    open_: dict[str, TraceEvent] = {}
    out: list[Span] = []
    for ev in events:
        prev = open_.get(ev.component)
        if prev is not None and ev.cycle > prev.cycle:
            out.append(Span(ev.component, prev.state, prev.cycle, ev.cycle, prev.item))
        open_[ev.component] = ev
    for comp, prev in open_.items():
        if end > prev.cycle:
            out.append(Span(comp, prev.state, prev.cycle, end, prev.item))
    return tuple(out)


def state_cycles(events, end: int) -> dict[tuple[str, str], int]:
    """Total cycles per (component, state) from the log; e.g. {("pe0", "busy"): 3, ...}."""
    totals: dict[tuple[str, str], int] = {}
    for s in spans(events, end):
        totals[(s.component, s.state)] = totals.get((s.component, s.state), 0) + s.cycles
    return totals


def trace_text(events, fmt: str) -> str:
    """The log as ``csv`` (header cycle,component,state,item) or ``json`` (a list of rows)."""
    if fmt == "json":
        return json.dumps([{"cycle": e.cycle, "component": e.component, "state": e.state,
                            "item": e.item} for e in events], indent=0) + "\n"
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(("cycle", "component", "state", "item"))
    writer.writerows(e.as_tuple() for e in events)
    return buf.getvalue()


def write_trace(events, path) -> Path:
    """Write the log to ``path``: JSON for a ``.json`` suffix, else CSV."""
    path = Path(path)
    fmt = "json" if path.suffix.lower() == ".json" else "csv"
    from hwsim.fileio import write_text_atomic
    return write_text_atomic(path, trace_text(events, fmt))
