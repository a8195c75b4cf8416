"""Reports from saved results: tables, figures, CSV / JSON / markdown / HTML. Never computes cost.

Entry points: :func:`write_report` (a results document -> a report folder),
:func:`load_results` (read and check ``results.json``), :func:`estimate_table` (estimate JSON ->
:class:`LayerRow` records), the ``plot_*`` functions of :mod:`hwsim.report.figures` (each takes
an ``ax`` and returns its figure) and :func:`savings_table` (the printed per-layer table).
"""
from hwsim.report.build import ReportFiles, render_figures, tables_of, write_report
from hwsim.report.results import RESULTS_FORMAT, load_results, results_problems
from hwsim.report.tables import EstimateTable, LayerRow, estimate_table, layer_row
from hwsim.report.text import savings_table, totals_lines

__all__ = ["EstimateTable", "LayerRow", "RESULTS_FORMAT", "ReportFiles", "estimate_table",
           "layer_row", "load_results", "render_figures", "results_problems", "savings_table",
           "tables_of", "totals_lines", "write_report"]
