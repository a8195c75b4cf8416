"""The report as a document model: sections of paragraphs, tables, figures and code blocks.

:func:`report_sections` turns a results document into :class:`Section` records once; the
markdown and HTML writers (:mod:`hwsim.report.markdown`, :mod:`hwsim.report.html`) only render
them, so both show the same numbers.

Example: ``report_sections(results, tables, figures)[0].title`` -> ``"Totals: pruning on eie
(dense vs pruned, same accelerator)"``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Sequence, Union

from hwsim.report.tables import EstimateTable
from hwsim.report.text import (ATTRIBUTION_HEADERS, SAVINGS_HEADERS, attribution_cells,
                               bytes_text, count_text, energy_text, pct_text, savings_cells,
                               seconds_text, times_text, totals_lines)
from hwsim.report.wording import factor_text


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
    run = results.get("run", {})
    tool = "hwsim report" if run.get("config_source") == "hwsim report" else "hwsim run"
    return f"{tool}: {run.get('name', 'results')}"


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
    """Totals, per-layer savings (pruning on the same accelerator), the attribution to the
    accelerator and to pruning, accesses and energy-by-component of one estimate."""
    title = f"pruning on {table.arch} (dense vs pruned, same accelerator)"
    blocks: list[Block] = [Bullets(tuple(totals_lines(table)))]
    blocks += [FigureRef(f"{kind}-{slug}", caption) for kind, caption in FIGURE_CAPTIONS
               if f"{kind}-{slug}" in figures]
    per_layer: list[Block] = [
        Table(SAVINGS_HEADERS, tuple(tuple(savings_cells(r)) for r in table.rows),
              f"dense = the dense network on {table.arch}; pruned = the pruned network on "
              f"{table.arch}; (x) = dense / pruned; totals cover {table.coverage_label}")]
    if not table.same_accelerator:
        per_layer.append(attribution_table(table))
    notes = tuple(f"{r.name}: {n}" for r in table.layers for n in r.notes)
    if notes:
        per_layer.append(Bullets(notes))
    return [
        Section(f"Totals: {title}", tuple(blocks)),
        Section(f"Per-layer savings: {title}", (
            *per_layer, detail_table(table), access_table(table), *energy_tables(table))),
    ]


def attribution_table(table: EstimateTable) -> Table:
    """Per layer and in total: what the change of accelerator buys (dense network on both),
    what pruning buys on the accelerator, and both together."""
    return Table(ATTRIBUTION_HEADERS, tuple(tuple(attribution_cells(r)) for r in table.rows),
                 f"accelerator: dense on {table.baseline_arch} -> dense on {table.arch}; "
                 f"pruning: dense -> pruned on {table.arch}; both: dense on "
                 f"{table.baseline_arch} -> pruned on {table.arch}")


FIGURE_CAPTIONS = (
    ("overview", "What pruning buys on this accelerator: savings per layer and energy by "
                 "component, dense vs pruned on the same accelerator"),
    ("attribution", "Energy and time saved by the change of accelerator (dense network on "
                    "both), by pruning (same accelerator), and by both"),
    ("energy", "Energy per layer by component, dense (plain) vs pruned (hatched), same "
               "accelerator"),
    ("energy_share", "The same energy as shares of each bar: where the energy goes"),
    ("latency", "Latency per layer, dense vs pruned on the same accelerator, with the "
                "bottleneck"),
    ("storage", "Weight storage per layer: dense vs stored values and metadata"),
    ("roofline", "GPU roofline: arithmetic intensity vs attained rate per layer, dense and "
                 "pruned, under the HBM and tensor-core ceilings"),
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
                 "network as this accelerator stores it (its format)")


def access_table(table: EstimateTable) -> Table:
    """Accesses (reads + writes, in each level's width) per memory level, dense and pruned."""
    dense = _ordered(r.accesses_dense for r in table.rows)
    pruned = _ordered(r.accesses_pruned for r in table.rows)
    headers = ("layer", *(f"{lvl} dense" for lvl in dense), *(f"{lvl} pruned" for lvl in pruned))
    rows = tuple((r.name, *(count_text(r.accesses_dense.get(l, 0.0)) for l in dense),
                  *(count_text(r.accesses_pruned.get(l, 0.0)) for l in pruned))
                 for r in table.rows)
    return Table(headers, rows, f"Accesses per memory level (dense and pruned on {table.arch})")


def energy_tables(table: EstimateTable) -> tuple[Table, Table]:
    """Energy per component and layer: one table for the dense side, one for the pruned
    (each accelerator has its own memory levels)."""
    out = []
    for side, arch in (("dense", table.arch), ("pruned", table.arch)):
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
    blocks += hardware_targets(summary.get("hardware_aware"))
    for name, caption in (("accuracy_vs_compression", "Accuracy vs compression"),
                          ("weight_histograms", "Weight distributions before / after pruning"),
                          ("sensitivity", "Per-layer sensitivity without retraining")):
        if name in figures:
            blocks.append(FigureRef(name, caption))
    return Section("Pruning", tuple(blocks))


def hardware_targets(section: dict | None) -> list[Block]:
    """Hardware-aware pruning (pruning/hw_aware.py): the per-layer targets chosen and why,
    with each layer's share of the energy on the target before and after."""
    if not section:
        return []
    estimate = section["estimate"]
    rows = tuple((l["name"], l["kind"], f"{l['kept_rows']} of {l['dense_rows']}",
                  f"{100 * l['kept_weight_fraction']:.1f}%",
                  f"{100 * l['energy_share_before']:.1f}%", f"{100 * l['energy_share_after']:.1f}%",
                  l["why"]) for l in section["layers"])
    caption = (f"Per-layer targets for {section['arch']} ({section['mode']}): "
               f"{section['stop_reason']}; energy {estimate['energy_fraction']:.3f} and latency "
               f"{estimate['latency_fraction']:.3f} of dense on {section['arch']}")
    return [Table(("layer", "kind", "rows kept", "weights kept", "energy share dense",
                   "energy share pruned", "why"), rows, caption)]


def simulation_section(results: dict) -> Section | None:
    """Simulated vs analytical cycles and energy per layer, pruned and dense (when the run
    asked for the simulator), with the named cause of each difference."""
    runs = results.get("simulation")
    if not runs:
        return None
    blocks: list[Block] = [Paragraph(
        "The totals and savings above use the analytical model. The event-driven simulator "
        "runs the same layers with the same mapping and residency; where the two differ, the "
        "causes column names why.")]
    for run in runs:
        for side in ("pruned", "dense"):
            layers = (run.get(side) or {}).get("layers") or (
                run.get("layers") if side == "pruned" else None)
            if not layers:
                continue
            rows = tuple((l["name"], count_text(l["analytical_latency_cycles"]),
                          count_text(l["latency_cycles"]) if l["supported"]
                          else "not simulated", _rel(l), l.get("bottleneck", ""),
                          "; ".join(l.get("causes") or ()) if l["supported"]
                          else l.get("unsupported_reason") or "") for l in layers)
            blocks.append(Table(("layer", "analytical cycles", "simulated cycles",
                                 "difference", "simulated bottleneck", "causes"), rows,
                                f"Event simulator vs analytical model, {side} network on "
                                f"{run['arch']}"))
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


def headline(table: EstimateTable, simulation: dict | None = None) -> str:
    """One line for the top of a report: what pruning buys on the accelerator itself (dense
    vs pruned, same accelerator), then the change of accelerator and both, what the totals
    cover, and which model the figures come from."""
    t = table.total
    text = (f"Pruning on {table.arch} (dense vs pruned, same accelerator): "
            f"{factor_text(t.energy_x, 'energy')}, {factor_text(t.latency_x, 'latency')}, "
            f"{factor_text(t.storage_x, 'memory')} ({bytes_text(t.weight_bytes_stored)} "
            "stored).")
    if not table.same_accelerator and t.combined_energy_x is not None:
        text += (f" Moving the dense network from {table.baseline_arch} to {table.arch}: "
                 f"{factor_text(t.accelerator_energy_x, 'energy')}, "
                 f"{factor_text(t.accelerator_latency_x, 'latency')}; both together: "
                 f"{factor_text(t.combined_energy_x, 'energy')}, "
                 f"{factor_text(t.combined_latency_x, 'latency')}.")
    return f"{text} Totals cover {table.coverage_label}. {headline_model(simulation)}"


def headline_model(run: dict | None) -> str:
    """Which model the figures come from and how far the simulator is from it:
    "Figures: analytical model; the event simulator is within 4.2 % of its latency per
    layer (dense and pruned)." """
    worst = [(run.get(side) or {}).get("max_abs_latency_diff")
             for side in ("pruned", "dense")] if run else []
    worst = [w for w in worst if w is not None]
    if not worst:
        return "Figures: analytical model (the event simulator was not run)."
    return (f"Figures: analytical model; the event simulator is within "
            f"{100 * max(worst):.1f} % of its latency per layer (dense and pruned; see "
            "Simulator).")
