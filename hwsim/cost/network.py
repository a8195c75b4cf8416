"""Network level: per-layer costs, totals, the dense baseline and savings ratios.

* :func:`estimate_network` costs every layer of a network on one accelerator. Resident
  weights (``Accelerator.weights_resident``) are kept on chip layer by layer in network order
  while their cumulative stored bytes fit the on-chip weight capacity (first fit); the other
  layers stream their weights from DRAM every inference, and their rows say so.
* :func:`compare_network` adds the dense baseline (every layer ``with_densities()``: all
  densities 1, no mask) on the same accelerator or on ``baseline_arch``, and the savings
  ``baseline / pruned`` (x) of energy, latency, weight memory and per-inference DRAM traffic.
  Latency savings are a ratio of seconds (``latency_cycles / clock_hz`` of each side), so a
  baseline accelerator with another clock compares fairly; with equal clocks it is the cycle
  ratio. Totals and savings count only layers both sides support; ``unsupported_layers`` says how
  many were left out.

The total row is a :class:`LayerCost` named ``total``: sums of counts, traffic, energies and
latencies (layers run one after another), the max of peak activation bytes, and the
bottleneck that accounts for most of the latency.

Example::

    cmp = compare_network(resolve_network("alexnet", profile="han2015"), load_arch("eie.yaml"))
    cmp.savings.energy, cmp.pruned.total.energy_pj, cmp.to_dict()["layers"][5]["savings"]
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Iterable, Sequence

from hwsim.arch.model import Accelerator
from hwsim.cost.layer import EstimateOptions, estimate_layer, unsupported_reason, weights_fit
from hwsim.cost.operands import layer_weight_storage
from hwsim.cost.records import Imbalance, LayerCost, LevelTraffic, WeightMemory, sum_pairs
from hwsim.workload.layer import LayerWorkload, Network

CORE_FIELDS = ("name", "arch", "supported", "macs_dense", "macs_effective", "weight_count",
               "weight_nnz", "weight_bytes_dense", "weight_bytes_stored", "weights_on_chip",
               "dram_read_bytes", "dram_write_bytes", "dram_weight_bytes",
               "model_load_dram_bytes", "energy_pj", "energy_breakdown_pj", "latency_cycles",
               "latency_s", "bottleneck")


def ratio(baseline: float, pruned: float) -> float:
    """``baseline / pruned`` as an x factor: 1.0 when both are 0, inf when only pruned is 0.

    Example: ratio(10, 4) = 2.5.
    """
    if pruned == 0:
        return 1.0 if baseline == 0 else math.inf
    return baseline / pruned


@dataclass(frozen=True)
class Savings:
    """Baseline / pruned (x) of energy, latency (in seconds: each side's cycles over its own
    clock), weight memory (stored bytes) and per-inference DRAM traffic; 1.0 everywhere for a
    dense workload on the same arch.

    Example: pruned 800 cycles at 800 MHz (1 us), baseline 1,400 cycles at 700 MHz (2 us):
    latency 2.0x (the cycle ratio, 1.75x, would ignore the clocks).
    """

    energy: float
    latency: float
    memory: float
    dram_traffic: float

    @staticmethod
    def of(pruned: LayerCost, baseline: LayerCost) -> "Savings":
        return Savings(ratio(baseline.energy_pj, pruned.energy_pj),
                       ratio(baseline.latency_s, pruned.latency_s),
                       ratio(baseline.weights.stored_bytes, pruned.weights.stored_bytes),
                       ratio(baseline.dram_bytes, pruned.dram_bytes))

    def to_dict(self) -> dict:
        """JSON form; an infinite ratio becomes None (JSON has no infinity)."""
        def clean(x):
            return None if math.isinf(x) else x
        return {"energy_x": clean(self.energy), "latency_x": clean(self.latency),
                "memory_x": clean(self.memory), "dram_traffic_x": clean(self.dram_traffic)}


@dataclass(frozen=True)
class NetworkCost:
    """Every layer of a network on one accelerator, and their total."""

    name: str
    arch: str
    profile: str | None
    layers: tuple[LayerCost, ...]
    total: LayerCost
    unsupported_layers: int = 0
    model_fits_on_chip: bool = False
    baseline: "NetworkCost | None" = None

    def layer(self, name: str) -> LayerCost:
        return next(l for l in self.layers if l.name == name)

    def to_dict(self) -> dict:
        total = {**self.total.to_dict(), "unsupported_layers": self.unsupported_layers,
                 "model_fits_on_chip": self.model_fits_on_chip}
        return {"network": self.name, "arch": self.arch, "profile": self.profile,
                "layers": [l.to_dict() for l in self.layers], "total": total}


@dataclass(frozen=True)
class NetworkComparison:
    """The pruned network beside its dense baseline, with savings per layer and in total."""

    pruned: NetworkCost
    baseline: NetworkCost
    savings: Savings
    layer_savings: tuple[Savings | None, ...]

    def to_dict(self) -> dict:
        """The estimate JSON: ``layers`` rows and a ``total`` row, each with a ``baseline``
        object (:data:`CORE_FIELDS`) and ``savings`` (None where a side is unsupported)."""
        rows = []
        for p, b, s in zip(self.pruned.layers, self.baseline.layers, self.layer_savings):
            rows.append({**p.to_dict(), "baseline": _core(b),
                         "savings": s.to_dict() if s else None})
        total = {**self.pruned.to_dict()["total"], "baseline": _core(self.baseline.total),
                 "savings": self.savings.to_dict()}
        return {"network": self.pruned.name, "arch": self.pruned.arch,
                "baseline_arch": self.baseline.arch, "profile": self.pruned.profile,
                "model": "analytical", "units": UNITS, "layers": rows, "total": total}


UNITS = {"energy_pj": "pJ", "latency_cycles": "cycles at the arch clock", "latency_s": "s",
         "*_bytes": "bytes per inference batch", "macs_*": "MACs per batch",
         "*_x": "baseline / pruned"}


def _core(cost: LayerCost) -> dict:
    full = cost.to_dict()
    return {k: full[k] for k in CORE_FIELDS}


def _merge_traffic(costs: Iterable[LayerCost]) -> tuple[LevelTraffic, ...]:
    merged: dict = {}
    for cost in costs:
        for t in cost.traffic:
            key = (t.level, t.operand)
            sums = merged.get(key)
            if sums is None:
                merged[key] = [t, t.reads, t.writes, t.read_bytes, t.write_bytes, t.energy_pj]
            else:
                sums[1] += t.reads
                sums[2] += t.writes
                sums[3] += t.read_bytes
                sums[4] += t.write_bytes
                sums[5] += t.energy_pj
    return tuple(replace(first, reads=r, writes=w, read_bytes=rb, write_bytes=wb, energy_pj=e)
                 for first, r, w, rb, wb, e in merged.values())


def total_cost(costs: Sequence[LayerCost], arch_name: str, clock_hz: float) -> LayerCost:
    """Sum of the supported ``costs`` (module docstring) of an accelerator ``arch_name``
    clocked at ``clock_hz``; an all-unsupported network gives a zero total."""
    ok = [c for c in costs if c.supported]
    share: dict[str, float] = {}
    for c in ok:
        share[c.bottleneck] = share.get(c.bottleneck, 0.0) + c.latency_cycles
    cycles = sum(c.latency_cycles for c in ok)
    issued = sum(c.utilization * c.latency_cycles for c in ok)
    ideal = sum(c.imbalance.ideal_cycles for c in ok)
    modelled = sum(c.imbalance.cycles for c in ok)
    weights = WeightMemory(*(sum(getattr(c.weights, f) for c in ok) for f in
                             ("dense_bytes", "stored_bytes", "metadata_bytes", "value_bytes")),
                           all(c.weights.exact for c in ok),
                           ok[0].weights.format if ok else "dense")
    return LayerCost(
        "total", arch_name, bool(ok), None if ok else "no layer is supported",
        batch=ok[0].batch if ok else 1, macs_dense=sum(c.macs_dense for c in ok),
        macs_effective=sum(c.macs_effective for c in ok),
        macs_gated=sum(c.macs_gated for c in ok),
        weight_count=sum(c.weight_count for c in ok), weight_nnz=sum(c.weight_nnz for c in ok),
        weights=weights, traffic=_merge_traffic(ok), energy_pj=sum(c.energy_pj for c in ok),
        energy_by_component=sum_pairs(c.energy_by_component for c in ok),
        energy_by_operand=sum_pairs(c.energy_by_operand for c in ok), latency_cycles=cycles,
        compute_cycles=sum(c.compute_cycles for c in ok),
        transfer_cycles=sum_pairs(c.transfer_cycles for c in ok),
        bottleneck=max(share, key=share.get) if share else "compute",
        clock_hz=clock_hz,
        compulsory_dram_bytes=sum(c.compulsory_dram_bytes for c in ok),
        weights_on_chip=bool(ok) and all(c.weights_on_chip for c in ok),
        weights_fit_on_chip=bool(ok) and all(c.weights_fit_on_chip for c in ok),
        model_load_dram_bytes=sum(c.model_load_dram_bytes for c in ok),
        peak_activation_bytes=max((c.peak_activation_bytes for c in ok), default=0.0),
        utilization=issued / cycles if cycles else 0.0,
        imbalance=Imbalance(ideal / modelled if modelled else 1.0, "sum over layers",
                            all(c.imbalance.exact for c in ok), ideal, modelled))


def residency(layers: Sequence[LayerWorkload], arch: Accelerator) -> tuple[list, bool]:
    """(per-layer resident flags, whole model fits) under first-fit residency (module
    docstring); all False when the arch does not keep weights resident."""
    flags, used, total = [], 0.0, 0.0
    for layer in layers:
        if unsupported_reason(layer, arch):
            flags.append(False)
            continue
        stored = layer_weight_storage(layer, arch).total_bits / 8
        total += stored
        keep = arch.weights_resident and weights_fit(arch, used + stored)
        used += stored if keep else 0.0
        flags.append(keep)
    return flags, weights_fit(arch, total)


def _layers_of(workload) -> tuple[str, str | None, tuple[LayerWorkload, ...]]:
    if isinstance(workload, Network):
        return workload.name, workload.profile, tuple(workload.layers)
    if isinstance(workload, LayerWorkload):
        return workload.name, None, (workload,)
    layers = tuple(workload)
    return "network", None, layers


def estimate_network(workload, arch: Accelerator, baseline_arch: Accelerator | None = None,
                     *, options: EstimateOptions = EstimateOptions()) -> NetworkCost:
    """Cost of every layer of ``workload`` (a :class:`Network`, a layer or a sequence of
    layers) on ``arch``; with ``baseline_arch`` the dense baseline on it is attached as
    ``.baseline`` (use :func:`compare_network` for savings)."""
    name, profile, layers = _layers_of(workload)
    flags, fits = residency(layers, arch)
    costs = tuple(estimate_layer(l, arch, options=options, weights_resident=f)
                  for l, f in zip(layers, flags))
    result = NetworkCost(name, arch.name, profile, costs,
                         total_cost(costs, arch.name, arch.compute.clock_hz),
                         sum(not c.supported for c in costs), fits)
    if baseline_arch is not None:
        dense = tuple(l.with_densities() for l in layers)
        result = replace(result, baseline=estimate_network(dense, baseline_arch,
                                                           options=options))
    return result


def compare_network(workload, arch: Accelerator, baseline_arch: Accelerator | None = None,
                    *, options: EstimateOptions = EstimateOptions()) -> NetworkComparison:
    """The pruned ``workload`` on ``arch`` beside its dense baseline (same arch unless
    ``baseline_arch``), with savings (module docstring)."""
    name, profile, layers = _layers_of(workload)
    pruned = estimate_network(workload, arch, options=options)
    dense_layers = tuple(l.with_densities() for l in layers)
    base_arch = baseline_arch if baseline_arch is not None else arch
    base = estimate_network(dense_layers, base_arch, options=options)
    base = replace(base, name=name, profile="dense")
    both = [p.supported and b.supported for p, b in zip(pruned.layers, base.layers)]
    per_layer = tuple(Savings.of(p, b) if ok else None
                      for p, b, ok in zip(pruned.layers, base.layers, both))
    p_total = total_cost([c for c, ok in zip(pruned.layers, both) if ok], arch.name,
                         arch.compute.clock_hz)
    b_total = total_cost([c for c, ok in zip(base.layers, both) if ok], base_arch.name,
                         base_arch.compute.clock_hz)
    skipped = sum(not ok for ok in both)
    pruned = replace(pruned, total=p_total, unsupported_layers=skipped)
    base = replace(base, total=b_total, unsupported_layers=skipped)
    return NetworkComparison(pruned, base, Savings.of(p_total, b_total), per_layer)


__all__ = ["CORE_FIELDS", "NetworkComparison", "NetworkCost", "Savings", "compare_network",
           "estimate_network", "ratio", "residency", "total_cost"]
