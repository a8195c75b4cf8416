"""Write a whole report folder from a results document (and nothing else).

:func:`write_report` writes, each file atomically (:mod:`hwsim.report.writers`)::

    <out>/results.json    the results document itself (rebuild with `hwsim report`)
    <out>/results.csv     one row per (accelerator, layer) and per accelerator total
    <out>/summary.md      totals, per-layer tables, pruning, provenance (markdown)
    <out>/report.html     the same, self-contained, figures embedded as base64 PNG
    <out>/figures/*.png, *.svg (``formats``: any of png, svg, pdf)

Example: ``write_report(load_results("reports/x/results.json"), "rebuilt/")``.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from functools import partial
from typing import Callable, Sequence

import matplotlib
import numpy as np

from hwsim.report import figures as fg
from hwsim.report import roofline as rl
from hwsim.report.html import render_html
from hwsim.report.markdown import render_markdown
from hwsim.report.sections import headline, intro, report_sections, report_title
from hwsim.report.tables import EstimateTable, estimate_table
from hwsim.report.writers import write_bytes, write_csv, write_json, write_text


FIGURE_FORMATS = ("png", "svg", "pdf")
DEFAULT_FIGURE_FORMATS = ("png", "svg")


@dataclass(frozen=True)
class RenderedFigure:
    """One figure's bytes per format (``{"png": ..., "svg": ...}``); the PNG is always drawn
    (report.html embeds it)."""

    name: str
    files: dict

    @property
    def png(self) -> bytes:
        return self.files["png"]


@dataclass(frozen=True)
class ReportFiles:
    """Paths of everything :func:`write_report` wrote."""

    out_dir: Path
    results_json: Path
    results_csv: Path
    summary_md: Path
    report_html: Path
    figures: tuple[Path, ...]


def tables_of(results: dict) -> list[EstimateTable]:
    """One :class:`EstimateTable` per estimate of the results document (``dense_runs``, or
    ``baselines`` in older files, gives the dense side's per-level traffic)."""
    dense = (results.get("dense_runs") or results.get("baselines")
             or [None] * len(results["estimates"]))
    return [estimate_table(e, results.get("workload"), d)
            for e, d in zip(results["estimates"], dense)]


def slugs_of(tables: list[EstimateTable]) -> list[str]:
    """File-name-safe accelerator names, made unique (``eie``, ``eie-2``)."""
    out: list[str] = []
    for table in tables:
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", table.arch) or "arch"
        out.append(slug if slug not in out else f"{slug}-{len(out) + 1}")
    return out


def csv_rows(tables: list[EstimateTable]) -> tuple[list[dict], list[str]]:
    """(rows, columns) of results.csv: per accelerator its layers then its total."""
    rows, columns = [], {}
    for table in tables:
        for row in table.rows:
            rows.append({"arch": table.arch, "baseline_arch": table.baseline_arch, **row.flat()})
        columns.update(dict.fromkeys(table.csv_columns()))
    return rows, list(columns)


def _capacity(results: dict, arch: str) -> float | None:
    for record in results.get("accelerators") or []:
        if record.get("name") == arch and record.get("role") == "pruned":
            return record.get("on_chip_weight_capacity_bytes")
    return None


@dataclass(frozen=True)
class PlannedFigure:
    """A figure to draw: ``draw(ax or axes)``, size and right margin in inches, columns."""

    name: str
    draw: Callable
    width_in: float
    height_in: float
    ncols: int = 1
    right_in: float = 0.25
    bottom_in: float = 0.6


def roofline_figures(results: dict, index: int, slug: str) -> list[PlannedFigure]:
    """The GPU roofline of estimate ``index`` when its rows carry roofline records."""
    dense = results.get("dense_runs") or [None] * len(results["estimates"])
    data = rl.roofline_data(results["estimates"][index], dense[index])
    if data is None:
        return []
    return [PlannedFigure(f"roofline-{slug}", partial(rl.plot_roofline, data=data), 7.5, 4.8)]


def figure_plan(results: dict, tables: list[EstimateTable],
                slugs: list[str]) -> list[PlannedFigure]:
    """Every figure the results support, in report order."""
    plan = []
    for index, (table, slug) in enumerate(zip(tables, slugs)):
        cap = _capacity(results, table.arch)
        wide = max(6.5, 1.6 * len(table.layers) + 3.5)
        plan += [
            overview_figure(table, f"overview-{slug}"),
            PlannedFigure(f"energy-{slug}", partial(fg.plot_energy_breakdown, table=table),
                          wide + 2.0, 4.2, right_in=2.1, bottom_in=0.75),
            PlannedFigure(f"energy_share-{slug}",
                          partial(fg.plot_energy_breakdown, table=table, share=True),
                          wide + 2.0, 4.2, right_in=2.1, bottom_in=0.75),
            PlannedFigure(f"latency-{slug}", partial(fg.plot_latency, table=table), wide, 3.8),
            PlannedFigure(f"storage-{slug}",
                          partial(fg.plot_storage, table=table, capacity_bytes=cap), wide, 3.6),
            PlannedFigure(f"savings-{slug}", partial(fg.plot_savings, table=table), wide, 3.6),
        ]
        if not table.same_accelerator:
            plan.append(PlannedFigure(f"attribution-{slug}",
                                      partial(fg.plot_attribution, table=table), wide + 2.6,
                                      3.8, right_in=2.9))
        plan += roofline_figures(results, index, slug)
    pruning = results.get("pruning") or {}
    if (pruning.get("summary") or {}).get("iterations"):
        plan.append(PlannedFigure(
            "accuracy_vs_compression",
            partial(fg.plot_accuracy_vs_compression, summary=pruning["summary"]), 6.0, 3.6))
    histograms = pruning.get("histograms") or {}
    if histograms:
        plan.append(PlannedFigure("weight_histograms",
                                  partial(_histograms, histograms=histograms),
                                  3.4 * len(histograms) + 0.6, 3.2, len(histograms),
                                  bottom_in=0.55))
    if pruning.get("sensitivity"):
        plan.append(PlannedFigure("sensitivity", partial(
            fg.plot_sensitivity, sensitivity=pruning["sensitivity"]), 6.0, 3.6))
    return plan


def overview_figure(table: EstimateTable, name: str = "overview") -> PlannedFigure:
    """The savings beside the energy by component: the README picture."""
    panel = max(5.0, 1.3 * len(table.layers) + 2.0)
    return PlannedFigure(name, partial(_overview, table=table), 2 * panel + 0.8 + 1.0 + 2.1,
                         4.2, ncols=2, right_in=2.1, bottom_in=0.75)


def _overview(axes, table: EstimateTable):
    fg.plot_savings(axes[0], table)
    return fg.plot_energy_breakdown(axes[1], table)


def _histograms(axes, histograms: dict):
    axes = list(np.atleast_1d(axes))
    for ax, (layer, record) in zip(axes, histograms.items()):
        fg.plot_weight_histogram(ax, layer, record)
    return axes[0].figure


def _figure_bytes(fig, fmt: str, dpi: int) -> bytes:
    buffer = io.BytesIO()
    if fmt == "svg":  # text stays text (set only for this call)
        with matplotlib.rc_context({"svg.fonttype": "none"}):
            fig.savefig(buffer, format="svg", metadata={"Date": None})
    elif fmt == "pdf":  # no creation date: the same results give the same file
        fig.savefig(buffer, format="pdf", metadata={"CreationDate": None})
    else:
        fig.savefig(buffer, format=fmt, dpi=dpi)
    return buffer.getvalue()


def render_figure(planned: PlannedFigure, dpi: int = 110,
                  formats=DEFAULT_FIGURE_FORMATS) -> RenderedFigure:
    """Draw one figure into bytes per format (PNG always; no pyplot, no files)."""
    fig, ax = fg.new_figure(planned.width_in, planned.height_in, planned.ncols,
                            planned.right_in, planned.bottom_in)
    planned.draw(ax)
    wanted = ("png", *(f for f in formats if f != "png"))
    return RenderedFigure(planned.name, {f: _figure_bytes(fig, f, dpi) for f in wanted})


def render_figures(results: dict, tables: list[EstimateTable], slugs: list[str],
                   dpi: int = 110, formats=DEFAULT_FIGURE_FORMATS,
                   extra: Sequence[PlannedFigure] = ()) -> list[RenderedFigure]:
    """Every planned figure (``extra`` first) in ``formats``."""
    plan = [*extra, *figure_plan(results, tables, slugs)]
    return [render_figure(planned, dpi, formats) for planned in plan]


def write_report(results: dict, out_dir: str | Path, figures: bool = True,
                 dpi: int = 110, formats: Sequence[str] = DEFAULT_FIGURE_FORMATS,
                 extra_sections: Sequence = (),
                 extra_figures: Sequence[PlannedFigure] = ()) -> ReportFiles:
    """Write the report folder (see the module docstring); returns the paths written.

    ``formats``: figure files to write (of :data:`FIGURE_FORMATS`); ``extra_sections`` /
    ``extra_figures``: sections and figures put first (``hwsim report``'s comparison of
    several result files)."""
    out = Path(out_dir)
    tables = tables_of(results)
    slugs = slugs_of(tables)
    rendered = render_figures(results, tables, slugs, dpi, formats, extra_figures) \
        if figures else []
    names = [f.name for f in rendered]
    figure_paths = []
    for fig in rendered:
        for fmt in formats:
            figure_paths.append(write_bytes(out / "figures" / f"{fig.name}.{fmt}",
                                            fig.files[fmt]))
    sections = [*extra_sections, *report_sections(results, tables, slugs, names)]
    title = report_title(results)
    sims = {run.get("arch"): run for run in results.get("simulation") or []}
    lead = [headline(t, sims.get(t.arch)) for t in tables] + [intro(results).text]
    rows, columns = csv_rows(tables)
    return ReportFiles(
        out,
        results_json=write_json(out / "results.json", results),
        results_csv=write_csv(out / "results.csv", rows, columns),
        summary_md=write_text(out / "summary.md", render_markdown(title, lead, sections)),
        report_html=write_text(out / "report.html",
                               render_html(title, lead, sections,
                                           {f.name: f.png for f in rendered})),
        figures=tuple(figure_paths))
