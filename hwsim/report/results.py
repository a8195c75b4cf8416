"""The saved results document (``results.json``) a report is rebuilt from, and its checks.

Layout (``format: hwsim-run-results/1``)::

    {"format": "hwsim-run-results/1",
     "run": {"name", "description", "created_utc", "hwsim_version", "config", "config_source",
             "cache": {...}, "wall_time_s": {...}},
     "estimates": [<estimate JSON: NetworkComparison.to_dict()>, ...],  # one per accelerator
     "dense_runs": [<the dense network on the same accelerator: NetworkCost.to_dict()>, ...],
     "baselines": [<the dense network on the baseline: NetworkCost.to_dict()>, ...] | null,
     "accelerators": [{"role": "pruned" | "baseline", "name", "file", "sha256", "yaml",
                       "on_chip_weight_capacity_bytes", "clock_hz", ...}, ...],
     "workload": <NetworkSummary.as_dict() of the exported network>,
     "pruning": {"summary": <pruning summary.json>, "histograms": {...},
                 "sensitivity": {...} | null} | null,
     "simulation": [{"arch", "pruned": {"layers": [...], "max_abs_latency_diff", ...},
                     "dense": {...}, "layers": <pruned layers>}] | null}

Each estimate is exactly the estimate JSON (``compare_network(...).to_dict()``: layers + total
rows, each with ``dense``, ``baseline``, ``savings`` and ``attribution``, the total with
``coverage``); ``dense_runs`` and ``baselines`` keep the dense sides' full rows (their
per-level traffic, which the estimate's ``dense`` / ``baseline`` objects leave out);
everything else is the provenance that produced them. Files without ``dense_runs`` (written
before attribution existed) read with ``baselines`` as the dense side.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from hwsim.errors import ConfigError, Problem

RESULTS_FORMAT = "hwsim-run-results/1"
_ROW_KEYS = ("name", "weight_count", "weight_nnz", "energy_pj", "latency_cycles")


def load_results(path: str | os.PathLike) -> dict:
    """Read and check a results file; every problem at once (file, dotted path, value)."""
    source = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError([Problem(f"line {exc.lineno}, column {exc.colno}",
                                   f"must be valid JSON ({exc.msg})", None, source)]) from None
    problems = results_problems(data, source)
    if problems:
        raise ConfigError(problems)
    return data


def results_problems(data, source: str | None = None) -> list[Problem]:
    """What keeps ``data`` from being a results document a report can be built from."""
    if not isinstance(data, dict):
        return [Problem("<root>", "must be a JSON object with keys format, run, estimates",
                        type(data).__name__, source)]
    problems = []
    if data.get("format") != RESULTS_FORMAT:
        problems.append(Problem("format", f"must be {RESULTS_FORMAT!r} (a results.json "
                                "written by hwsim run)", data.get("format"), source))
    if not isinstance(data.get("run"), dict):
        problems.append(Problem("run", "must be an object", data.get("run"), source))
    estimates = data.get("estimates")
    if not isinstance(estimates, list) or not estimates:
        problems.append(Problem("estimates", "must be a non-empty list of estimate objects",
                                estimates, source))
        return problems
    for i, estimate in enumerate(estimates):
        problems += _estimate_problems(estimate, f"estimates.{i}", source)
    for key in ("dense_runs", "baselines"):
        runs = data.get(key)
        if runs is None:
            continue
        if not isinstance(runs, list) or len(runs) != len(estimates):
            problems.append(Problem(key, f"must be null or a list of {len(estimates)} "
                                    "network costs (one per estimate)",
                                    type(runs).__name__, source))
        else:
            for i, run in enumerate(runs):
                problems += _estimate_problems(run, f"{key}.{i}", source)
    return problems


def _estimate_problems(estimate, where: str, source: str | None) -> list[Problem]:
    if not isinstance(estimate, dict):
        return [Problem(where, "must be an object", type(estimate).__name__, source)]
    problems = []
    layers = estimate.get("layers")
    if not isinstance(layers, list):
        problems.append(Problem(f"{where}.layers", "must be a list of layer rows", layers, source))
        layers = []
    rows = [(f"{where}.layers.{i}", row) for i, row in enumerate(layers)]
    rows.append((f"{where}.total", estimate.get("total")))
    for path, row in rows:
        if not isinstance(row, dict):
            problems.append(Problem(path, "must be an object", row, source))
            continue
        missing = [k for k in _ROW_KEYS if k not in row]
        if missing:
            problems.append(Problem(path, "must have the keys " + ", ".join(_ROW_KEYS),
                                    "missing " + ", ".join(missing), source))
    return problems
