"""Several result files side by side: one table and one figure comparing accelerators.

Each file (estimate, simulate or a run's results.json; :mod:`hwsim.report.inputs`) gives one
:class:`Compared` network result per accelerator: the pruned network of an estimate or a
run's estimates, the simulated network of a simulate file. Pure extraction, no cost is
computed: totals and per-layer energy and latency are the files' own numbers.

Worked example: ``eie.json`` (LeNet-300-100 on EIE, 816 nJ, 1.5 µs) and ``sys.json`` (on the
systolic array, 2.93 µJ, 39.9 µs) give :func:`totals_rows` ``[{"result": "eie", "energy_pj":
8.16e5, ..., "energy_vs_first_x": 1.0}, {"result": "systolic_ws", "energy_pj": 2.93e6, ...,
"energy_vs_first_x": 0.279}]`` (816 nJ / 2.93 µJ = 0.279: the systolic array uses 3.6x more).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Sequence

from hwsim.report.sections import FigureRef, Paragraph, Section, Table
from hwsim.report.units import (UNITS_NOTE, bytes_text, edp_text, energy_text, finite,
                                seconds_text, signed_times_text)


@dataclass(frozen=True)
class Compared:
    """One network result on one accelerator, from one file. ``layers``: per-layer flat rows
    (``name``, ``supported``, ``energy_pj``, ``latency_s``, ``latency_cycles``,
    ``dram_bytes``, ``weight_bytes_stored``); ``total``: the same keys for the network plus
    ``coverage`` (words) where the file says what the total covers."""

    label: str
    source: str
    kind: str
    network: str
    arch: str
    model: str
    layers: tuple[dict, ...]
    total: dict


def _flat(row: dict) -> dict:
    dram = float(row.get("dram_read_bytes") or 0.0) + float(row.get("dram_write_bytes") or 0.0)
    return {"name": str(row.get("name", "")), "supported": bool(row.get("supported", True)),
            "energy_pj": row.get("energy_pj"), "latency_s": row.get("latency_s"),
            "latency_cycles": row.get("latency_cycles"), "dram_bytes": dram,
            "weight_bytes_stored": row.get("weight_bytes_stored")}


def _one(data: dict, source: str, kind: str) -> Compared:
    total = _flat(data["total"])
    total["coverage"] = ((data["total"].get("coverage") or {}).get("label")
                         or "the layers the file covers")
    model = "simulator" if kind == "simulate" else str(data.get("model") or "analytical")
    return Compared(str(data["arch"]), source, kind, str(data["network"]), str(data["arch"]),
                    model, tuple(_flat(r) for r in data["layers"]), total)


def compared_of(kind: str, data: dict, source: str) -> list[Compared]:
    """The network results of one checked file: one for an estimate or simulate file, one
    per accelerator for a run (its pruned network)."""
    if kind == "run":
        return [_one(e, source, "estimate") for e in data["estimates"]]
    return [_one(data, source, kind)]


def labelled(entries: Sequence[Compared]) -> list[Compared]:
    """Unique labels: the accelerator name, with the file's name (and the model) added where
    two results share an accelerator (``eie (a.json)``, ``eie (b.json)``)."""
    arches = [e.arch for e in entries]
    out = []
    for e in entries:
        label = e.arch
        if arches.count(e.arch) > 1:
            label = f"{e.arch} ({Path(e.source).name}{', sim' if e.kind == 'simulate' else ''})"
        out.append(Compared(label, e.source, e.kind, e.network, e.arch, e.model, e.layers,
                            e.total))
    seen: dict[str, int] = {}
    for i, e in enumerate(out):  # the same file twice
        seen[e.label] = seen.get(e.label, 0) + 1
        if seen[e.label] > 1:
            out[i] = replace(e, label=f"{e.label} #{seen[e.label]}")
    return out


def _ratio(first, value) -> float | None:
    return first / value if finite(first) and finite(value) and value > 0 else None


def totals_rows(entries: Sequence[Compared]) -> list[dict]:
    """One flat row per result (units in the keys); ``*_vs_first_x``: the first result's
    value / this one's (> 1: this one is cheaper)."""
    first = entries[0].total if entries else {}
    rows = []
    for e in entries:
        t = e.total
        rows.append({"result": e.label, "file": e.source, "kind": e.kind, "model": e.model,
                     "network": e.network, "arch": e.arch, "energy_pj": t["energy_pj"],
                     "latency_s": t["latency_s"], "latency_cycles": t["latency_cycles"],
                     "dram_bytes": t["dram_bytes"],
                     "weight_bytes_stored": t["weight_bytes_stored"],
                     "energy_vs_first_x": _ratio(first.get("energy_pj"), t["energy_pj"]),
                     "latency_vs_first_x": _ratio(first.get("latency_s"), t["latency_s"]),
                     "covers": t["coverage"]})
    return rows


def layer_rows(entries: Sequence[Compared]) -> list[dict]:
    """Every (result, layer) as one flat row (results.csv of a comparison)."""
    return [{"result": e.label, "file": e.source, "network": e.network, "arch": e.arch,
             "model": e.model, **{("layer" if k == "name" else k): v for k, v in r.items()}}
            for e in entries for r in e.layers]


TOTALS_HEADERS = ("result", "network", "model", "energy", "latency", "EDP", "DRAM",
                  "weights stored", "energy vs first", "time vs first")


def totals_cells(entries: Sequence[Compared]) -> list[list[str]]:
    """The cells of the comparison table, one row per result."""
    return [[r["result"], r["network"], r["model"], energy_text(r["energy_pj"]),
             seconds_text(r["latency_s"]), edp_text(r["energy_pj"], r["latency_s"]),
             bytes_text(r["dram_bytes"]), bytes_text(r["weight_bytes_stored"]),
             signed_times_text(r["energy_vs_first_x"]),
             signed_times_text(r["latency_vs_first_x"], "faster", "slower")]
            for r in totals_rows(entries)]


def layer_names(entries: Sequence[Compared]) -> list[str]:
    """Layer names in first-seen order over every result."""
    return list(dict.fromkeys(r["name"] for e in entries for r in e.layers))


def layer_cells(entries: Sequence[Compared]) -> tuple[list[str], list[list[str]]]:
    """(headers, rows) of the per-layer table: energy and latency of each result."""
    headers = ["layer"] + [f"{side} {e.label}" for e in entries for side in ("E", "t")]
    rows = []
    for name in layer_names(entries):
        cells = [name]
        for e in entries:
            row = next((r for r in e.layers if r["name"] == name), None)
            ok = row is not None and row["supported"]
            cells += [energy_text(row["energy_pj"]) if ok else "-",
                      seconds_text(row["latency_s"]) if ok else "-"]
        rows.append(cells)
    return headers, rows


def caption(entries: Sequence[Compared]) -> str:
    """What the tables compare, and the units."""
    networks = sorted({e.network for e in entries})
    return (f"{', '.join(networks)} on {len(entries)} result(s); energy and latency per "
            f"inference; vs first = {entries[0].label} / this (> 1: this one is cheaper); "
            f"'-' = not run there; {UNITS_NOTE}")


def comparison_section(entries: Sequence[Compared], figure: str | None) -> Section:
    """The comparison as a report section: totals, per-layer table, the figure."""
    headers, rows = layer_cells(entries)
    blocks = [Paragraph(caption(entries)),
              Table(TOTALS_HEADERS, tuple(tuple(r) for r in totals_cells(entries)),
                    "Totals per result"),
              Table(tuple(headers), tuple(tuple(r) for r in rows),
                    "Per layer: E = energy, t = latency")]
    blocks += [Paragraph(f"{e.label}: {e.source} ({e.kind}); totals cover "
                         f"{e.total['coverage']}") for e in entries]
    if figure:
        blocks.append(FigureRef(figure, "Energy and latency per layer, one bar per result "
                                "(log scale when the values span more than two decades)"))
    return Section("Comparison of accelerators", tuple(blocks))


def plot_comparison(axes, entries: Sequence[Compared]):
    """Two panels: energy (left) and latency (right) per layer, one bar per result, the
    totals in the legend. Units picked from the data; log scale over > 2 decades."""
    import numpy as np

    from hwsim.report.units import ENERGY_PJ_UNITS, SECONDS_UNITS, pick_unit
    names = layer_names(entries)
    x = np.arange(len(names))
    width = 0.8 / max(len(entries), 1)
    for ax, key, units, title in ((axes[0], "energy_pj", ENERGY_PJ_UNITS, "energy"),
                                  (axes[1], "latency_s", SECONDS_UNITS, "latency")):
        values = [[_value(e, n, key) for n in names] for e in entries]
        flat = [v for vs in values for v in vs if v > 0]
        scale, unit = pick_unit(max(flat, default=1.0), units)
        for i, (e, vs) in enumerate(zip(entries, values)):
            text = (energy_text if key == "energy_pj" else seconds_text)(e.total[key])
            ax.bar(x + (i - (len(entries) - 1) / 2) * width, np.array(vs) / scale, width,
                   label=f"{e.label}: {text}", color=f"C{i % 10}")
        if flat and max(flat) / min(flat) > 100:
            ax.set_yscale("log")
        ax.set_xticks(x, names, rotation=45 if len(names) > 6 else 0,
                      ha="right" if len(names) > 6 else "center")
        ax.set_ylabel(f"{title} per inference ({unit})")
        ax.set_title(f"{title} per layer")
        ax.legend(fontsize="small", title="result: network total", title_fontsize="small")
    return axes[0].figure


def _value(entry: Compared, name: str, key: str) -> float:
    row = next((r for r in entry.layers if r["name"] == name), None)
    value = row.get(key) if row and row["supported"] else None
    return float(value) if finite(value) else 0.0


def comparison_figure(entries: Sequence[Compared], name: str = "comparison"):
    """The :class:`~hwsim.report.build.PlannedFigure` of :func:`plot_comparison`."""
    from hwsim.report.build import PlannedFigure
    count = len(layer_names(entries))
    panel = max(4.5, 0.35 * count * max(len(entries), 1) + 2.0)
    return PlannedFigure(name, partial(plot_comparison, entries=entries), 2 * panel + 1.8,
                         4.4 if count > 6 else 3.9, ncols=2,
                         bottom_in=1.0 if count > 6 else 0.55)


def combined_results(files: Sequence[tuple[str, str, dict]]) -> dict:
    """One results document (``hwsim-run-results/1``) from several checked files
    ``(source, kind, data)``: every estimate (an estimate file's, a run's) in order, with the
    dense runs where every run file has them; simulate files enter the comparison only.
    :func:`hwsim.report.write_report` builds the per-accelerator sections from it."""
    from hwsim import __version__
    from hwsim.report.results import RESULTS_FORMAT
    estimates, dense, complete = [], [], True
    for source, kind, data in files:
        if kind == "estimate":
            estimates.append(data)
            complete = False
        elif kind == "run":
            estimates += data["estimates"]
            runs = data.get("dense_runs")
            complete = complete and bool(runs)
            dense += runs or []
    names = ", ".join(Path(source).name for source, _, _ in files)
    doc = {"format": RESULTS_FORMAT,
           "run": {"name": f"comparison of {names}",
                   "description": f"hwsim report over {len(files)} result file(s): {names}.",
                   "hwsim_version": __version__, "config_source": "hwsim report",
                   "created_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                   "config": {"files": [source for source, _, _ in files]}},
           "estimates": estimates}
    if complete and estimates:
        doc["dense_runs"] = dense
    return doc


__all__ = ["Compared", "combined_results", "compared_of", "comparison_figure", "comparison_section",
           "labelled", "layer_cells", "layer_rows", "plot_comparison", "totals_cells",
           "totals_rows"]
