"""Results -> table rows: the numbers every report view (CSV, markdown, HTML, plots) shows.

Pure extraction from the estimate JSON (``NetworkComparison.to_dict()``, see
``docs/cost_model.md``), never a cost computation: each :class:`LayerRow` pairs the pruned
network on an accelerator ("pruned") with the dense network on the **same** accelerator
("dense": what pruning buys) for one layer, or for the whole network (``name == "total"``).
Ratios are the estimate's own ``attribution.pruning`` values; ``attribution.accelerator`` and
``attribution.combined`` (dense on the baseline accelerator -> dense / pruned on this one) come
along in ``accelerator_*_x`` / ``combined_*_x``. An older results file (no ``dense`` objects)
reads as before: its ``baseline`` is the dense side.

Worked example: an estimate row ``{"name": "fc1", "weight_count": 235200, "weight_nnz":
21168, "energy_pj": 2.0e5, "dense": {"energy_pj": 8.0e6, ...}, "attribution": {"pruning":
{"energy_x": 40.0, ...}, ...}, ...}`` becomes ``LayerRow(name="fc1", weights_dense=235200,
weights_kept=21168, energy_pj_dense=8.0e6, energy_pj_pruned=2.0e5, energy_x=40.0, ...)``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

# (savings key in the estimate JSON, LayerRow field)
SAVINGS_KEYS = (("energy_x", "energy_x"), ("latency_x", "latency_x"),
                ("memory_x", "storage_x"), ("dram_traffic_x", "dram_x"))


@dataclass(frozen=True)
class LayerRow:
    """One layer (or the total), dense vs pruned on the same accelerator.

    ``weights_dense`` / ``macs_dense`` are the dense network's (a compacted layer's original
    shape). Bytes, pJ, cycles and seconds; densities are non-zero fractions; ``*_x`` are dense /
    pruned (> 1 means pruning saves); ``latency_x`` is a ratio of seconds.
    ``weight_bytes_dense``: every weight at the accelerator's precision;
    ``weight_bytes_baseline``: the dense network as the accelerator stores it (its format;
    ``storage_x`` = that / stored). ``accesses_*``: reads + writes (in each level's access
    width) per memory level; ``energy_*_by_component_pj``: energy per component (``dram``,
    each on-chip level by name, ``mac``, ``leakage``, ``codebook``). ``accelerator_*_x``:
    dense on the baseline accelerator / dense here; ``combined_*_x``: dense on the baseline
    accelerator / pruned here (None where a side is unsupported or there is no other
    accelerator). ``energy_pj_baseline`` / ``latency_s_baseline``: the dense network on the
    baseline accelerator. ``ran_on``: the accelerator that ran the pruned layer (a fallback's
    name when it did); ``notes``: the model's remarks on the layer.
    """

    name: str
    supported: bool
    weights_dense: int
    weights_kept: int
    weight_density: float
    input_density: float | None
    macs_dense: float
    macs_effective: float
    weight_bytes_dense: float
    weight_bytes_baseline: float
    weight_bytes_stored: float
    weight_metadata_bytes: float
    weight_format: str
    weights_fit_on_chip: bool
    dram_bytes_dense: float
    dram_bytes_pruned: float
    energy_pj_dense: float
    energy_pj_pruned: float
    latency_cycles_dense: float
    latency_cycles_pruned: float
    latency_s_dense: float
    latency_s_pruned: float
    bottleneck_dense: str
    bottleneck_pruned: str
    energy_x: float | None
    latency_x: float | None
    storage_x: float | None
    dram_x: float | None
    accesses_dense: dict = field(default_factory=dict)
    accesses_pruned: dict = field(default_factory=dict)
    energy_dense_by_component_pj: dict = field(default_factory=dict)
    energy_pruned_by_component_pj: dict = field(default_factory=dict)
    unsupported_reason: str | None = None
    accelerator_energy_x: float | None = None
    accelerator_latency_x: float | None = None
    combined_energy_x: float | None = None
    combined_latency_x: float | None = None
    energy_pj_baseline: float | None = None
    latency_s_baseline: float | None = None
    ran_on: str = ""
    notes: tuple[str, ...] = ()

    def flat(self) -> dict:
        """One flat dict (CSV row): nested mappings become ``accesses_<level>_dense``,
        ``energy_<component>_pj_pruned`` ... columns."""
        data = {k: v for k, v in asdict(self).items() if not isinstance(v, (dict, tuple))}
        data["notes"] = "; ".join(self.notes)
        for label, side in (("dense", "dense"), ("pruned", "pruned")):
            for level, count in getattr(self, f"accesses_{side}").items():
                data[f"accesses_{level}_{label}"] = count
            for comp, pj in getattr(self, f"energy_{side}_by_component_pj").items():
                data[f"energy_{comp}_pj_{label}"] = pj
        return data


@dataclass(frozen=True)
class EstimateTable:
    """All rows of one estimate: accelerator names, per-layer rows, the total row and what
    the total covers (``coverage``: the estimate's coverage record, ``{}`` in old files)."""

    arch: str
    baseline_arch: str
    network: str
    layers: tuple[LayerRow, ...]
    total: LayerRow
    coverage: dict = field(default_factory=dict)

    @property
    def same_accelerator(self) -> bool:
        """True when the baseline accelerator is the accelerator itself."""
        return self.arch == self.baseline_arch

    @property
    def coverage_label(self) -> str:
        return self.coverage.get("label") or "the layers both sides support"

    @property
    def rows(self) -> tuple[LayerRow, ...]:
        return (*self.layers, self.total)

    def components(self) -> tuple[str, ...]:
        """Energy components in first-seen order over dense then pruned (every row)."""
        return _keys(r.energy_dense_by_component_pj for r in self.rows) + tuple(
            k for k in _keys(r.energy_pruned_by_component_pj for r in self.rows)
            if k not in _keys(r.energy_dense_by_component_pj for r in self.rows))

    def csv_columns(self) -> tuple[str, ...]:
        """Every key of every flat row, in first-seen order (``arch`` columns first)."""
        return ("arch", "baseline_arch", *_keys(r.flat() for r in self.rows))


def _keys(mappings) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for mapping in mappings:
        for key in mapping:
            seen.setdefault(key, None)
    return tuple(seen)


def level_accesses(traffic: list[dict]) -> dict[str, float]:
    """Reads + writes per memory level, summed over operands.

    Example: ``[{"level": "glb", "reads": 10, "writes": 2, ...}, {"level": "glb", "reads": 5,
    "writes": 0, ...}]`` -> ``{"glb": 17}``.
    """
    out: dict[str, float] = {}
    for record in traffic or ():
        out[record["level"]] = out.get(record["level"], 0.0) + record["reads"] + record["writes"]
    return out


def _dram_bytes(row: dict) -> float:
    return float(row.get("dram_read_bytes", 0.0)) + float(row.get("dram_write_bytes", 0.0))


def _part(row: dict, part: str) -> dict:
    return (row.get("attribution") or {}).get(part) or {}


def layer_row(row: dict, input_density: float | None = None,
              dense_traffic: list | None = None) -> LayerRow:
    """The :class:`LayerRow` of one estimate JSON row (a layer's or the total).

    The estimate's ``dense`` object carries no traffic records; ``dense_traffic`` (from the
    dense run's own full rows) gives the dense side's accesses per level.
    """
    base = row.get("dense") or row.get("baseline") or {}
    other = row.get("baseline") or {}
    savings = _part(row, "pruning") if row.get("attribution") else (row.get("savings") or {})
    accel, combined = _part(row, "accelerator"), _part(row, "combined")
    # the dense side's shape: a compacted layer's original weights and MACs
    count = int(base.get("weight_count", row.get("weight_count", 0)))
    return LayerRow(
        name=row["name"], supported=bool(row.get("supported", True)),
        weights_dense=count, weights_kept=int(row.get("weight_nnz", 0)),
        weight_density=row.get("weight_nnz", 0) / count if count else 0.0,
        input_density=input_density,
        macs_dense=base.get("macs_dense", row.get("macs_dense", 0)),
        macs_effective=row.get("macs_effective", 0.0),
        weight_bytes_dense=row.get("weight_bytes_dense", 0.0),
        weight_bytes_baseline=base.get("weight_bytes_stored", 0.0),
        weight_bytes_stored=row.get("weight_bytes_stored", 0.0),
        weight_metadata_bytes=row.get("weight_metadata_bytes", 0.0),
        weight_format=str(row.get("weight_format", "")),
        weights_fit_on_chip=bool(row.get("weights_fit_on_chip", False)),
        dram_bytes_dense=_dram_bytes(base), dram_bytes_pruned=_dram_bytes(row),
        energy_pj_dense=base.get("energy_pj", 0.0), energy_pj_pruned=row.get("energy_pj", 0.0),
        latency_cycles_dense=base.get("latency_cycles", 0.0),
        latency_cycles_pruned=row.get("latency_cycles", 0.0),
        latency_s_dense=base.get("latency_s", 0.0), latency_s_pruned=row.get("latency_s", 0.0),
        bottleneck_dense=str(base.get("bottleneck", "")),
        bottleneck_pruned=str(row.get("bottleneck", "")),
        **{attr: savings.get(key) for key, attr in SAVINGS_KEYS},
        accesses_dense=level_accesses(dense_traffic or base.get("traffic", [])),
        accesses_pruned=level_accesses(row.get("traffic", [])),
        energy_dense_by_component_pj=dict(base.get("energy_breakdown_pj", {})),
        energy_pruned_by_component_pj=dict(row.get("energy_breakdown_pj", {})),
        unsupported_reason=row.get("unsupported_reason"),
        accelerator_energy_x=accel.get("energy_x"), accelerator_latency_x=accel.get("latency_x"),
        combined_energy_x=combined.get("energy_x"), combined_latency_x=combined.get("latency_x"),
        energy_pj_baseline=other.get("energy_pj"), latency_s_baseline=other.get("latency_s"),
        ran_on=str(row.get("arch", "")), notes=tuple(row.get("notes") or ()))


def estimate_table(estimate: dict, workload: dict | None = None,
                   dense: dict | None = None) -> EstimateTable:
    """Rows of one estimate JSON (``NetworkComparison.to_dict()``).

    ``workload`` (a ``NetworkSummary.as_dict()``) supplies the measured input densities and
    ``dense`` (the dense network's ``NetworkCost.to_dict()`` on the same accelerator) the
    dense side's traffic; the estimate rows carry neither.
    """
    densities = {l["name"]: l.get("input_density") for l in (workload or {}).get("layers", [])}
    traffic = {r["name"]: r.get("traffic") for r in (dense or {}).get("layers", [])}
    if dense:
        traffic["total"] = dense["total"].get("traffic")
    layers = tuple(layer_row(r, densities.get(r["name"]), traffic.get(r["name"]))
                   for r in estimate["layers"])
    total = layer_row(estimate["total"], None, traffic.get("total"))
    return EstimateTable(str(estimate.get("arch", "")), str(estimate.get("baseline_arch", "")),
                         str(estimate.get("network", "")), layers, total,
                         dict(estimate["total"].get("coverage") or {}))
