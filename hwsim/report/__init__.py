"""Reports from saved results: tables, figures, CSV / JSON / markdown / HTML. Never computes cost.

Entry points: :func:`write_report` (a results document -> a report folder),
:func:`load_results` (read and check ``results.json``), :func:`estimate_table` (estimate JSON ->
:class:`LayerRow` records), the ``plot_*`` functions of :mod:`hwsim.report.figures` (each takes
an ``ax`` and returns its figure), :func:`savings_table` (the printed per-layer table) and
:func:`~hwsim.report.wording.factor_text` (a ratio in words: "1.7x more energy").

Number formatting (:mod:`hwsim.report.units`: J, s, W with SI prefixes, bytes binary) and
terminal / markdown tables (:mod:`hwsim.report.layout`: fit ``COLUMNS``) live here once; every
command prints through them. :func:`~hwsim.report.inputs.load_result_file` reads the JSON of
estimate, simulate and run; :mod:`hwsim.report.compare` compares several.

The names are imported lazily, so that ``hwsim.report.units`` / ``layout`` (used by every
command) do not load matplotlib.
"""
from importlib import import_module

_WHERE = {"load_result_file": "inputs", "result_kind": "inputs", "text_table": "layout",
          "markdown_table": "layout", "terminal_width": "layout", "energy_text": "units",
          "seconds_text": "units", "bytes_text": "units", "count_text": "units",
          "power_text": "units", "UNITS_NOTE": "units", "ReportFiles": "build",
          "render_figures": "build", "tables_of": "build",
          "write_report": "build", "RESULTS_FORMAT": "results", "load_results": "results",
          "results_problems": "results", "EstimateTable": "tables", "LayerRow": "tables",
          "estimate_table": "tables", "layer_row": "tables", "savings_table": "text",
          "totals_lines": "text", "factor_text": "wording"}

__all__ = sorted(_WHERE)


_MODULES = ("build", "compare", "figures", "inputs", "layout", "progress", "results", "tables",
            "text", "units", "wording", "writers")


def __getattr__(name: str):
    if name in _MODULES:  # hwsim.report.units, ... without an explicit import
        return import_module(f"hwsim.report.{name}")
    if name not in _WHERE:
        raise AttributeError(f"module 'hwsim.report' has no attribute {name!r}")
    return getattr(import_module(f"hwsim.report.{_WHERE[name]}"), name)
