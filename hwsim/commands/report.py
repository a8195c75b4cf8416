"""``hwsim report FILE.json [FILE.json ...] --out DIR``: a report from saved results alone.

Reads the JSON of ``hwsim run`` (``results.json``), ``hwsim estimate --format json`` and
``hwsim simulate --format json`` (:mod:`hwsim.report.inputs` checks each file's shape and
names the file and what is missing otherwise). One run's results.json rebuilds that run's
report (report.html, summary.md, results.csv, results.json, figures/) without training or
estimating anything. Several files (or an estimate or simulate file) give a comparison of the
accelerators: one table and one figure (energy and latency per layer, one bar per result),
then each estimate's pruned-vs-dense sections; comparison.csv has every (result, layer).
``--figure-format png,svg,pdf`` picks the figure files. Prints the tables, fitted to the terminal (``COLUMNS``, 100 by default).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from hwsim.errors import ConfigError, Problem
from hwsim.report.layout import fit_lines


def register(subparsers) -> None:
    """Add ``report`` (see the module docstring)."""
    parser = subparsers.add_parser(
        "report", help="a report (or a comparison of accelerators) from saved result JSON",
        description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", metavar="FILE.json",
                        help="results.json of hwsim run, or the JSON of hwsim estimate / "
                             "simulate; several files are compared")
    parser.add_argument("--out", required=True, metavar="DIR", help="report folder to write")
    parser.add_argument("--no-figures", action="store_true", help="tables only")
    parser.add_argument("--figure-format", default="png,svg", metavar="LIST",
                        help="figure files, comma-separated from png, svg, pdf (default "
                             "png,svg; report.html always embeds PNG)")
    parser.add_argument("--dpi", type=int, default=110, help="PNG resolution (default 110)")
    parser.add_argument("--quiet", action="store_true", help="print only the report path")
    parser.set_defaults(func=run)


def figure_formats(text: str) -> tuple[str, ...]:
    """``"png,pdf"`` -> ``("png", "pdf")``; an unknown format is a one-line error."""
    from hwsim.report.build import FIGURE_FORMATS
    formats = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    bad = [f for f in formats if f not in FIGURE_FORMATS]
    if bad or not formats:
        raise ConfigError([Problem("--figure-format", "must be a comma-separated list of "
                                   + ", ".join(FIGURE_FORMATS), text)])
    return formats


def run(args: argparse.Namespace) -> int:
    from hwsim.report.inputs import load_result_file
    formats = figure_formats(args.figure_format)
    if args.dpi < 1:
        raise ConfigError([Problem("--dpi", "must be >= 1", args.dpi)])
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ConfigError([Problem("--out", "must be a folder (or a path to create one)",
                                   args.out)])
    files = [(path, *load_result_file(path)) for path in args.results]
    # imported here: matplotlib (via hwsim.report.build) costs ~0.6 s at every CLI start
    from hwsim.report import write_report
    if len(files) == 1 and files[0][1] == "run":
        results = files[0][2]
        written = write_report(results, args.out, figures=not args.no_figures, dpi=args.dpi,
                               formats=formats)
        if not args.quiet:
            from hwsim.commands.run import results_text
            print(results_text(results), end="")
    else:
        written = _comparison(files, args, formats)
    print(fit_lines(f"\nreport: {written.report_html}"))
    return 0


def _comparison(files, args, formats):
    from hwsim.report.compare import (TOTALS_HEADERS, caption, combined_results,
                                      compared_of, comparison_figure, comparison_section,
                                      labelled, layer_cells, layer_rows, totals_cells)
    from hwsim.report.writers import write_csv
    from hwsim.report.layout import text_table
    from hwsim.report import write_report
    entries = labelled([c for source, kind, data in files
                        for c in compared_of(kind, data, source)])
    figure = None if args.no_figures else comparison_figure(entries)
    written = write_report(combined_results([(s, k, d) for s, k, d in files]), args.out,
                           figures=not args.no_figures, dpi=args.dpi, formats=formats,
                           extra_sections=[comparison_section(
                               entries, figure.name if figure else None)],
                           extra_figures=[figure] if figure else [])
    rows = layer_rows(entries)
    write_csv(Path(args.out) / "comparison.csv", rows, list(dict.fromkeys(
        k for row in rows for k in row)))
    if not args.quiet:
        headers, rows = layer_cells(entries)
        print(text_table(TOTALS_HEADERS, totals_cells(entries), caption=caption(entries)))
        print(text_table(headers, rows, caption="per layer: E = energy, t = latency"), end="")
    return written
