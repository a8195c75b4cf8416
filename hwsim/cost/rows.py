"""Network results as flat rows: one dict per layer and one for the total, scalar values only,
every key carrying its unit (``energy_pj``, ``latency_s``, ``dram_read_bytes``).

What :meth:`NetworkCost.to_rows` and :meth:`NetworkComparison.to_rows` return, and what
``hwsim estimate --format csv`` writes: ready for ``csv.DictWriter`` or
``pandas.DataFrame(rows)``. Nested records become columns: the energy per component
``energy_<component>_pj``, per operand ``energy_<operand>_operand_pj``; a comparison's dense
and baseline sides ``dense_<field>`` / ``baseline_<field>``; the savings ``savings_<x>``
and their attribution ``pruning_<x>``, ``accelerator_<x>``, ``combined_<x>``; notes joined
with "; ". Lists of records (traffic per level, the mapping) are left to the JSON.

Worked example: a layer row ``{"name": "fc1", "energy_pj": 2.0e5, "energy_breakdown_pj":
{"dram": 1.5e5, "mac": 5.0e4}, "notes": ["a", "b"], "traffic": [...]}`` flattens to
``{"name": "fc1", "energy_pj": 2.0e5, "energy_dram_pj": 1.5e5, "energy_mac_pj": 5.0e4,
"notes": "a; b"}``.
"""
from __future__ import annotations

from typing import Sequence

# record fields (None on some rows): never a column of their own
RECORD_FIELDS = frozenset({"roofline", "mapping", "imbalance", "traffic", "dense", "baseline",
                           "savings", "attribution", "coverage", "energy_breakdown_pj",
                           "energy_by_operand_pj"})
SAVINGS_KEYS = ("energy_x", "latency_x", "memory_x", "dram_traffic_x")
_SIDE_FIELDS = ("name", "supported", "macs_dense", "macs_effective", "weight_count",
                "weight_nnz", "weight_bytes_dense", "weight_bytes_stored", "weights_on_chip",
                "dram_read_bytes", "dram_write_bytes", "dram_weight_bytes", "energy_pj",
                "latency_cycles", "latency_s", "bottleneck")


def _scalar(value) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def flat_row(row: dict, components: Sequence[str] = (), operands: Sequence[str] = (),
             nested: frozenset = frozenset()) -> dict:
    """One layer's (or the total's) ``to_dict()`` as a flat dict (module docstring);
    ``components`` / ``operands``: columns every row gets (0.0 where a row has none);
    ``nested``: keys left out even where this row's value is None (a record elsewhere)."""
    out = {k: v for k, v in row.items() if _scalar(v) and k not in nested}
    breakdown = row.get("energy_breakdown_pj") or {}
    out.update({f"energy_{c}_pj": breakdown.get(c, 0.0)
                for c in (components or breakdown)})
    by_operand = row.get("energy_by_operand_pj") or {}
    out.update({f"energy_{o}_operand_pj": by_operand.get(o, 0.0)
                for o in (operands or by_operand)})
    coverage = row.get("coverage")
    if isinstance(coverage, dict):
        out["coverage"] = coverage.get("label")
    out["notes"] = "; ".join(row.get("notes") or ())
    return out


def _comparison_extras(row: dict) -> dict:
    out = {}
    for side in ("dense", "baseline"):
        values = row.get(side) or {}
        out.update({f"{side}_{k}": values[k] for k in _SIDE_FIELDS if k in values})
    savings = row.get("savings") or {}
    out.update({f"savings_{k}": savings.get(k) for k in SAVINGS_KEYS})
    attribution = row.get("attribution") or {}
    for part in ("pruning", "accelerator", "combined"):
        values = attribution.get(part) or {}
        out.update({f"{part}_{k}": values.get(k) for k in SAVINGS_KEYS})
    return out


def rows_of(data: dict) -> list[dict]:
    """The flat rows of a network's ``to_dict()`` (a cost or a comparison): every layer, then
    ``total``; each starts with ``network`` (``arch``: the accelerator that ran the row);
    all rows have the same keys."""
    rows = [*data["layers"], data["total"]]
    components = list(dict.fromkeys(c for r in rows for c in r.get("energy_breakdown_pj")
                                    or {}))
    operands = list(dict.fromkeys(o for r in rows for o in r.get("energy_by_operand_pj")
                                  or {}))
    nested = RECORD_FIELDS | {k for r in rows for k, v in r.items() if not _scalar(v)}
    out = []
    for row in rows:
        flat = {"network": data.get("network"), **flat_row(row, components, operands, nested)}
        if "dense" in row or "attribution" in row:
            flat.update(_comparison_extras(row))
        out.append(flat)
    keys = list(dict.fromkeys(k for r in out for k in r))
    return [{k: r.get(k) for k in keys} for r in out]


__all__ = ["flat_row", "rows_of"]
