"""Reports from saved results: tables, figures, CSV / JSON / markdown / HTML. Never computes cost.

Entry points: :func:`write_report` (a results document -> a report folder),
:func:`load_results` (read and check ``results.json``), :func:`estimate_table` (estimate JSON ->
:class:`LayerRow` records), the ``plot_*`` functions of :mod:`hwsim.report.figures` (each takes
an ``ax`` and returns its figure), :func:`savings_table` (the printed per-layer table) and
:func:`~hwsim.report.wording.factor_text` (a ratio in words: "1.7x more energy").

The names are imported lazily, so that ``hwsim.report.wording`` (used by every command) does
not load matplotlib.
"""
from importlib import import_module

_WHERE = {"ReportFiles": "build", "render_figures": "build", "tables_of": "build",
          "write_report": "build", "RESULTS_FORMAT": "results", "load_results": "results",
          "results_problems": "results", "EstimateTable": "tables", "LayerRow": "tables",
          "estimate_table": "tables", "layer_row": "tables", "savings_table": "text",
          "totals_lines": "text", "factor_text": "wording"}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'hwsim.report' has no attribute {name!r}")
    return getattr(import_module(f"hwsim.report.{_WHERE[name]}"), name)
