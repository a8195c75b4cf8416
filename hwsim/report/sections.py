"""The report as a document model: sections of paragraphs, tables, figures and code blocks.

:func:`report_sections` turns a results document into :class:`Section` records once; the
markdown and HTML writers (:mod:`hwsim.report.markdown`, :mod:`hwsim.report.html`) only render
them, so both show the same numbers.

Example: ``report_sections(results, tables, figures)[0].title`` -> ``"Totals: eie vs dense on
systolic_ws"``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Sequence, Union

from hwsim.report.tables import EstimateTable
from hwsim.report.text import (SAVINGS_HEADERS, bytes_text, count_text, energy_text, pct_text,
                               savings_cells, seconds_text, times_text, totals_lines)


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""


@dataclass(frozen=True)
class FigureRef:
    """A figure by file stem (``figures/<name>.png`` / ``.svg``) and its caption."""

    name: str
    caption: str


@dataclass(frozen=True)
class Code:
    text: str
    language: str = ""


Block = Union[Paragraph, Bullets, Table, FigureRef, Code]


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]


def report_title(results: dict) -> str:
    return f"hwsim run: {results.get('run', {}).get('name', 'results')}"


def intro(results: dict) -> Paragraph:
    """One paragraph: what ran, on what, when."""
    run = results.get("run", {})
    config = run.get("config", {})
    summary = (results.get("pruning") or {}).get("summary") or {}
    schedule = (summary.get("schedule") or {}).get("name", "")
    final = summary.get("final") or {}
    parts = [run.get("description", "").strip()]
    if summary:
        parts.append(f"Model {summary.get('model', config.get('model', '?'))} trained on "
                     f"{(summary.get('data') or {}).get('source', '?')}, pruned with schedule "
                     f"{schedule}: {times_text(final.get('compression_x'))} fewer weights, "
                     f"test accuracy {summary.get('dense', {}).get('test_accuracy_pct', 0):.2f}% "
                     f"dense -> {final.get('test_accuracy_pct', 0):.2f}% pruned.")
    parts.append(f"Written by hwsim {run.get('hwsim_version', '?')} on "
                 f"{run.get('created_utc', '?')}.")
    return Paragraph(" ".join(p for p in parts if p))


def estimate_sections(table: EstimateTable, slug: str, figures: Sequence[str]) -> list[Section]:
    """Totals, per-layer savings, accesses and energy-by-component of one estimate."""
    title = f"{table.arch} (pruned) vs {table.baseline_arch} (dense)"
    blocks: list[Block] = [Bullets(tuple(totals_lines(table)))]
    blocks += [FigureRef(f"{kind}-{slug}", caption) for kind, caption in FIGURE_CAPTIONS
               if f"{kind}-{slug}" in figures]
    return [
        Section(f"Totals: {title}", tuple(blocks)),
        Section(f"Per-layer savings: {title}", (
            Table(SAVINGS_HEADERS, tuple(tuple(savings_cells(r)) for r in table.rows),
                  "dense = the dense network on the baseline; pruned = the pruned network on "
                  "the accelerator; (x) = dense / pruned"),
            detail_table(table), access_table(table), *energy_tables(table))),
    ]


FIGURE_CAPTIONS = (
    ("overview", "Savings per layer and energy by component, dense vs pruned"),
    ("energy", "Energy per layer by component, dense (plain) vs pruned (hatched)"),
    ("energy_share", "The same energy as shares of each bar: where the energy goes"),
    ("latency", "Latency per layer, dense vs pruned, with the bottleneck"),
    ("storage", "Weight storage per layer: dense vs stored values and metadata"),
)


def detail_table(table: EstimateTable) -> Table:
    """Densities, MACs, storage and DRAM bytes in exact numbers."""
    headers = ("layer", "weights dense", "weights kept", "weight density", "input density",
               "MACs dense", "MACs effective", "weight bytes dense", "weight bytes baseline",
               "stored bytes", "of which metadata", "format", "fits on chip",
               "DRAM bytes dense", "DRAM bytes pruned", "time dense", "time pruned")
    rows = tuple((r.name, f"{r.weights_dense:,}", f"{r.weights_kept:,}",
                  pct_text(r.weight_density), pct_text(r.input_density),
                  f"{r.macs_dense:,.0f}", f"{r.macs_effective:,.0f}",
                  f"{r.weight_bytes_dense:,.0f}", f"{r.weight_bytes_baseline:,.0f}",
                  f"{r.weight_bytes_stored:,.0f}", f"{r.weight_metadata_bytes:,.0f}",
                  r.weight_format, "yes" if r.weights_fit_on_chip else "no",
                  f"{r.dram_bytes_dense:,.0f}", f"{r.dram_bytes_pruned:,.0f}",
                  seconds_text(r.latency_s_dense), seconds_text(r.latency_s_pruned))
                 for r in table.rows)
    return Table(headers, rows, "Per layer, exact counts (bytes per inference). weight bytes "
                 "dense: every weight at the accelerator's precision; baseline: the dense "
                 "network as the baseline stores it")


def access_table(table: EstimateTable) -> Table:
    """Accesses (reads + writes, in each level's width) per memory level, dense and pruned."""
    dense = _ordered(r.accesses_dense for r in table.rows)
    pruned = _ordered(r.accesses_pruned for r in table.rows)
    headers = ("layer", *(f"{lvl} dense" for lvl in dense), *(f"{lvl} pruned" for lvl in pruned))
    rows = tuple((r.name, *(count_text(r.accesses_dense.get(l, 0.0)) for l in dense),
                  *(count_text(r.accesses_pruned.get(l, 0.0)) for l in pruned))
                 for r in table.rows)
    return Table(headers, rows, f"Accesses per memory level (dense on {table.baseline_arch}, "
                                f"pruned on {table.arch})")


def energy_tables(table: EstimateTable) -> tuple[Table, Table]:
    """Energy per component and layer: one table for the dense side, one for the pruned
    (each accelerator has its own memory levels)."""
    out = []
    for side, arch in (("dense", table.baseline_arch), ("pruned", table.arch)):
        by_row = [getattr(r, f"energy_{side}_by_component_pj") for r in table.rows]
        comps = _ordered(by_row)
        rows = tuple((r.name, *(energy_text(e.get(c, 0.0)) for c in comps),
                      energy_text(getattr(r, f"energy_pj_{side}")))
                     for r, e in zip(table.rows, by_row))
        out.append(Table(("layer", *comps, "total"), rows,
                         f"Energy by component, {side} network on {arch}"))
    return tuple(out)


def _ordered(mappings) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for mapping in mappings:
        for key in mapping:
            seen.setdefault(key, None)
    return tuple(seen)


def pruning_section(results: dict, figures: Sequence[str]) -> Section | None:
    """Iterations table (kept weights, compression, accuracy) and the pruning figures."""
    pruning = results.get("pruning") or {}
    summary = pruning.get("summary")
    if not summary:
        return None
    layers = [l["name"] for l in summary.get("layers", [])]
    dense = summary.get("dense", {})
    headers = ("iteration", "phase", *(f"{n} kept" for n in layers), "total kept",
               "compression", "accuracy pruned", "accuracy retrained")
    rows = [("dense", "-", *(f"{l['weights']:,}" for l in summary.get("layers", [])),
             f"{dense.get('weights', 0):,}", "1.0x", "-",
             f"{dense.get('test_accuracy_pct', 0):.2f}%")]
    for it in summary.get("iterations", []):
        rows.append((str(it["index"]), it["phase"],
                     *(f"{it['kept_weights'].get(n, 0):,}" for n in layers),
                     f"{it['kept_total']:,}", times_text(it["compression_x"]),
                     f"{it['accuracy_pruned_pct']:.2f}%", f"{it['test_accuracy_pct']:.2f}%"))
    blocks: list[Block] = [Table(headers, tuple(rows), "Prune -> retrain iterations "
                                 f"(test set: {dense.get('test_samples', '?')} images)")]
    for name, caption in (("accuracy_vs_compression", "Accuracy vs compression"),
                          ("weight_histograms", "Weight distributions before / after pruning"),
                          ("sensitivity", "Per-layer sensitivity without retraining")):
        if name in figures:
            blocks.append(FigureRef(name, caption))
    return Section("Pruning", tuple(blocks))


def simulation_section(results: dict) -> Section | None:
    """Simulated vs analytical cycles per layer (when the run asked for the simulator)."""
    runs = results.get("simulation")
    if not runs:
        return None
    blocks = []
    for run in runs:
        rows = tuple((l["name"], count_text(l["analytical_latency_cycles"]),
                      count_text(l["latency_cycles"]) if l["supported"] else "unsupported",
                      _rel(l), l.get("bottleneck", "")) for l in run["layers"])
        blocks.append(Table(("layer", "analytical cycles", "simulated cycles", "difference",
                             "simulated bottleneck"), rows,
                            f"Event simulator vs analytical model on {run['arch']}"))
    return Section("Simulator", tuple(blocks))


def _rel(layer: dict) -> str:
    ana, sim = layer["analytical_latency_cycles"], layer["latency_cycles"]
    if not layer["supported"] or not ana:
        return "-"
    return f"{100 * (sim / ana - 1):+.1f}%"


def workload_section(results: dict) -> Section | None:
    """The exported network: shapes, kept weights and measured densities."""
    workload = results.get("workload")
    if not workload:
        return None
    headers = ("layer", "kind", "weights", "kept", "weight density", "input density",
               "output density", "MACs dense", "MACs effective")
    rows = tuple((l["name"], l["kind"], f"{l['weight_count']:,}", f"{l['weight_nnz']:,}",
                  pct_text(l["weight_density"]), pct_text(l["input_density"]),
                  pct_text(l["output_density"]), f"{l['macs_dense']:,}",
                  f"{l['macs_effective']:,}") for l in workload["layers"])
    caption = (f"Network {workload.get('network')}, batch {workload.get('batch')}; "
               f"densities measured: {workload.get('profile') or 'as given'}")
    return Section("Workload", (Table(headers, rows, caption),))


def provenance_section(results: dict) -> Section:
    """The accelerator files (SHA-256 and full text), the pruning schedule, the cache entry
    and the full run config."""
    run = results.get("run", {})
    accels = results.get("accelerators") or []
    rows = tuple((a.get("role", ""), a.get("name", ""), a.get("file", ""),
                  (a.get("sha256") or "")[:12], bytes_text(a.get("on_chip_weight_capacity_bytes")),
                  f"{a.get('clock_hz', 0) / 1e6:g} MHz") for a in accels)
    schedule = ((results.get("pruning") or {}).get("summary") or {}).get("schedule")
    blocks: list[Block] = [
        Table(("role", "accelerator", "file", "sha256", "on-chip weight capacity", "clock"),
              rows, "Accelerators"),
        Bullets(tuple(f"{k}: {v}" for k, v in (run.get("cache") or {}).items())
                + tuple(f"wall time {k}: {v:.2f} s" for k, v in
                        (run.get("wall_time_s") or {}).items())),
        Paragraph(f"Run config ({run.get('config_source') or 'given as a mapping'}):"),
        Code(json.dumps(run.get("config", {}), indent=2), "json"),
    ]
    if schedule:
        blocks += [Paragraph("Pruning schedule, as run:"),
                   Code(json.dumps(schedule, indent=2), "json")]
    for a in accels:
        if a.get("yaml"):
            blocks += [Paragraph(f"Accelerator {a.get('name')} ({a.get('role')}), "
                                 f"{a.get('file')}:"), Code(a["yaml"].rstrip(), "yaml")]
    return Section("Provenance", tuple(blocks))


def report_sections(results: dict, tables: Sequence[EstimateTable], slugs: Sequence[str],
                    figures: Sequence[str]) -> list[Section]:
    """Every section, in report order."""
    sections: list[Section] = []
    for table, slug in zip(tables, slugs):
        sections += estimate_sections(table, slug, figures)
    for extra in (simulation_section(results), pruning_section(results, figures),
                  workload_section(results)):
        if extra is not None:
            sections.append(extra)
    sections.append(provenance_section(results))
    return sections


def headline(table: EstimateTable) -> str:
    """One line for the top of a report: the total energy and latency savings."""
    t = table.total
    return (f"{table.arch}: {times_text(t.energy_x)} less energy, {times_text(t.latency_x)} "
            f"faster, {times_text(t.storage_x)} less weight storage than the dense network on "
            f"{table.baseline_arch} ({bytes_text(t.weight_bytes_stored)} stored).")
