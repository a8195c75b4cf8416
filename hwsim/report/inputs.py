"""The result files ``hwsim report`` reads, recognised by shape and checked before any use.

Three shapes are accepted (all plain JSON, units in every key):

* ``run``: the ``results.json`` of ``hwsim run`` (``format: hwsim-run-results/1``; see
  :mod:`hwsim.report.results`);
* ``estimate``: ``hwsim estimate --format json`` (``NetworkComparison.to_dict()``): top-level
  ``network``, ``arch``, ``layers`` and ``total``, each row with ``name``, ``energy_pj``,
  ``latency_cycles``, ``latency_s``, ``weight_count``, ``weight_nnz`` (and ``dense`` /
  ``attribution`` for the pruned-vs-dense sections);
* ``simulate``: ``hwsim simulate --format json``: the same keys with ``model: "simulator"``.

A file of another shape fails with one line naming the file and what is missing, e.g.
``sweep.json: <root> must be the JSON of hwsim estimate, simulate or run (missing keys:
layers, total). Got 'an object with keys: points, spec' instead.``
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from hwsim.errors import ConfigError, Problem
from hwsim.report.results import RESULTS_FORMAT, results_problems

KINDS = ("run", "estimate", "simulate")
NETWORK_KEYS = ("network", "arch", "layers", "total")
ROW_KEYS = ("name", "energy_pj", "latency_cycles", "latency_s", "weight_count", "weight_nnz")
_SHAPES = "the JSON of hwsim estimate, simulate or run"


def result_kind(data) -> str | None:
    """``"run"``, ``"estimate"``, ``"simulate"`` or None (not a results file).

    Example: ``{"format": "hwsim-run-results/1", ...}`` -> ``"run"``; ``{"network": ...,
    "arch": ..., "layers": [...], "total": {...}, "model": "simulator"}`` -> ``"simulate"``.
    """
    if not isinstance(data, dict):
        return None
    if str(data.get("format", "")).startswith("hwsim-run-results"):
        return "run"
    if all(k in data for k in NETWORK_KEYS):
        return "simulate" if data.get("model") == "simulator" else "estimate"
    return None


def _describe(data) -> str:
    if isinstance(data, dict):
        keys = ", ".join(sorted(map(str, data))[:8]) + (", ..." if len(data) > 8 else "")
        return f"an object with keys: {keys}" if data else "an empty object"
    return f"a JSON {type(data).__name__}"


def shape_problems(data, source: str) -> list[Problem]:
    """What keeps ``data`` from being a result file ``hwsim report`` can read."""
    kind = result_kind(data)
    if kind is None and not isinstance(data, dict):
        return [Problem("<root>", f"must be a JSON object ({_SHAPES})", _describe(data),
                        source)]
    if kind is None:
        missing = [k for k in NETWORK_KEYS if k not in data] if isinstance(data, dict) \
            else list(NETWORK_KEYS)
        return [Problem("<root>", f"must be {_SHAPES} (missing keys: {', '.join(missing)}; or "
                        f"format {RESULTS_FORMAT!r})", _describe(data), source)]
    if kind == "run":
        return results_problems(data, source)
    problems = []
    for key in ("network", "arch"):
        if not isinstance(data[key], str):
            problems.append(Problem(key, "must be a string", _describe(data[key]), source))
    layers = data["layers"]
    if not isinstance(layers, list):
        problems.append(Problem("layers", "must be a list of layer rows", _describe(layers),
                                source))
        layers = []
    for path, row in [*((f"layers.{i}", r) for i, r in enumerate(layers)),
                      ("total", data["total"])]:
        if not isinstance(row, dict):
            problems.append(Problem(path, "must be an object", _describe(row), source))
            continue
        missing = [k for k in ROW_KEYS if k not in row]
        if missing:
            problems.append(Problem(path, f"must have the keys {', '.join(ROW_KEYS)}",
                                    "missing " + ", ".join(missing), source))
    return problems


def load_result_file(path: str | os.PathLike) -> tuple[str, dict]:
    """``(kind, data)`` of a result file, after every shape check (:class:`ConfigError`
    naming the file otherwise)."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text)
    except UnicodeDecodeError:
        raise ConfigError([Problem("<file>", f"must be UTF-8 JSON text ({_SHAPES})",
                                   "binary data", source)]) from None
    except json.JSONDecodeError as exc:
        raise ConfigError([Problem(f"line {exc.lineno}, column {exc.colno}",
                                   f"must be valid JSON ({exc.msg})", None, source)]) from None
    except RecursionError:
        raise ConfigError([Problem("<root>", "must be nested at most a few hundred levels "
                                   "deep", "deeper", source)]) from None
    problems = shape_problems(data, source)
    if problems:
        raise ConfigError(problems)
    return result_kind(data), data


__all__ = ["KINDS", "load_result_file", "result_kind", "shape_problems"]
