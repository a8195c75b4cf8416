"""Result rows -> tables: the flat CSV table, the Pareto front, the best points and the heatmap
grid. Numbers only; :mod:`hwsim.sweep.plots` draws them.

Only rows with ``status: ok`` (every layer supported) compete for fronts, rankings and heatmap
cells: a ``partial`` row's energy leaves out the layers it could not run.

Worked example of the front (minimise both): points (latency_s, energy_pj) = (1, 5), (2, 3),
(3, 4), (4, 1) -> (3, 4) is dominated by (2, 3); the front is (1, 5), (2, 3), (4, 1).
"""
from __future__ import annotations

import json
import math
from typing import Any, Iterable, Sequence

import numpy as np

OBJECTIVE_METRICS = {"energy": "energy_pj", "latency": "latency_s", "edp": "edp_pj_s"}
METRIC_COLUMNS = ("energy_pj", "latency_cycles", "latency_s", "edp_pj_s", "dram_bytes",
                  "weight_bytes_stored", "model_load_dram_bytes", "macs_effective",
                  "utilization", "bottleneck", "model_fits_on_chip", "supported_layers",
                  "layers")


def ok_rows(rows: Iterable[dict], workload: str | None = None) -> list[dict]:
    return [r for r in rows if r.get("status") == "ok"
            and (workload is None or r.get("workload") == workload)]


def value_label(value: Any, separator: str = " ") -> str:
    """A short text for an override value: ``{pe_count: 64, array_rows: 8}`` ->
    ``pe_count=64 array_rows=8`` (keys joined by ``separator``); scalars as written."""
    if isinstance(value, dict):
        return separator.join(f"{k}={value_label(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return json.dumps(value, default=str)
    return str(value)


def flat_table(rows: Sequence[dict], axis_keys: Sequence[str]) -> tuple[list[str], list[dict]]:
    """Columns and flat rows for results.csv: id, workload, objective, one column per axis,
    status, the metrics, ``energy_<component>_pj`` per component, reason."""
    components: list[str] = []
    for row in rows:
        for name in row.get("energy_breakdown_pj") or {}:
            if name not in components:
                components.append(name)
    columns = ["id", "workload", "objective", *axis_keys, "status", *METRIC_COLUMNS,
               *(f"energy_{c}_pj" for c in components), "reason"]
    flat = []
    for row in rows:
        out = {k: row.get(k) for k in ("id", "workload", "objective", "status", "reason",
                                        *METRIC_COLUMNS)}
        overrides = row.get("overrides") or {}
        out.update({k: value_label(overrides[k]) for k in axis_keys if k in overrides})
        breakdown = row.get("energy_breakdown_pj") or {}
        out.update({f"energy_{c}_pj": breakdown[c] for c in components if c in breakdown})
        flat.append(out)
    return columns, flat


def pareto_front(rows: Sequence[dict], x: str = "latency_s", y: str = "energy_pj"
                 ) -> list[dict]:
    """The rows no other row beats on both ``x`` and ``y`` (smaller is better), sorted by
    ``x``; of exact ties the first row is kept (module docstring example)."""
    ordered = sorted((r for r in rows if _finite(r.get(x)) and _finite(r.get(y))),
                     key=lambda r: (r[x], r[y]))
    front, best_y = [], math.inf
    for row in ordered:
        if row[y] < best_y:
            front.append(row)
            best_y = row[y]
    return front


def best_points(rows: Sequence[dict], metric: str, count: int = 5) -> list[dict]:
    """The ``count`` valid rows with the smallest ``metric`` (stable for ties)."""
    return sorted((r for r in ok_rows(rows) if _finite(r.get(metric))),
                  key=lambda r: r[metric])[:count]


def heatmap_grid(rows: Sequence[dict], x_axis: tuple[str, Sequence], y_axis: tuple[str, Sequence],
                 metric: str) -> np.ndarray:
    """``grid[j, i]`` = the smallest ``metric`` among valid rows with x = x_values[i] and
    y = y_values[j] (other axes free); NaN where no valid row exists.

    Example: rows (x=1, y=a, 5), (x=1, y=a, 3), (x=2, y=a, 4) over x [1, 2], y [a, b] ->
    [[3, 4], [nan, nan]].
    """
    (x_key, x_values), (y_key, y_values) = x_axis, y_axis
    x_index = {json.dumps(v, sort_keys=True, default=str): i for i, v in enumerate(x_values)}
    y_index = {json.dumps(v, sort_keys=True, default=str): j for j, v in enumerate(y_values)}
    grid = np.full((len(y_values), len(x_values)), np.nan)
    for row in ok_rows(rows):
        overrides = row.get("overrides") or {}
        i = x_index.get(json.dumps(overrides.get(x_key), sort_keys=True, default=str))
        j = y_index.get(json.dumps(overrides.get(y_key), sort_keys=True, default=str))
        value = row.get(metric)
        if i is None or j is None or not _finite(value):
            continue
        if not value >= grid[j, i]:  # NaN compares False: the first value fills the cell
            grid[j, i] = value
    return grid


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def best_table_text(best: Sequence[dict]) -> str:
    """A fixed-width text table of best rows (rank, workload, objective, energy, latency,
    overrides), for the terminal."""
    header = f"{'rank':>4}  {'workload':<22} {'objective':<9} {'energy (uJ)':>12} " \
             f"{'latency (ms)':>12} {'EDP (uJ ms)':>12}  overrides"
    lines = [header, "-" * len(header)]
    for row in best:
        energy_uj, latency_ms = row["energy_pj"] * 1e-6, row["latency_s"] * 1e3
        overrides = ", ".join(f"{k}={value_label(v)}" for k, v in row["overrides"].items())
        lines.append(f"{row['rank']:>4}  {row['workload'][:22]:<22} {row['objective']:<9} "
                     f"{energy_uj:>12.4g} {latency_ms:>12.4g} {energy_uj * latency_ms:>12.4g}"
                     f"  {overrides or '(base)'}")
    return "\n".join(lines)
