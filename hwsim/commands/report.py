"""``hwsim report RESULTS.json --out DIR``: rebuild a report from a saved results file alone.

Writes the same files as ``hwsim run`` (report.html, summary.md, results.csv, results.json,
figures/) from ``RESULTS.json`` without training or estimating anything, and prints the
per-layer savings table and the totals.
"""
from __future__ import annotations

import argparse


def register(subparsers) -> None:
    """Add ``report`` (see the module docstring)."""
    parser = subparsers.add_parser("report", help="rebuild a report from a saved results.json",
                                   description=__doc__.splitlines()[0])
    parser.add_argument("results", metavar="RESULTS.json", help="results.json of hwsim run")
    parser.add_argument("--out", required=True, metavar="DIR", help="report folder to write")
    parser.add_argument("--no-figures", action="store_true", help="tables only")
    parser.add_argument("--dpi", type=int, default=110, help="PNG resolution (default 110)")
    parser.add_argument("--quiet", action="store_true", help="print only the report path")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # imported here: matplotlib (via hwsim.report) costs ~0.6 s at every CLI start
    from hwsim.report import load_results, tables_of, write_report
    from hwsim.report.text import savings_table, totals_lines
    results = load_results(args.results)
    files = write_report(results, args.out, figures=not args.no_figures, dpi=args.dpi)
    if not args.quiet:
        for table in tables_of(results):
            print(f"\n{table.network}: pruned on {table.arch} vs dense on "
                  f"{table.baseline_arch}\n")
            print(savings_table(table), end="")
            print("\n" + "\n".join(totals_lines(table)))
    print(f"\nreport: {files.report_html}")
    return 0
