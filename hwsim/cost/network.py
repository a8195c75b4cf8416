"""Network level: per-layer costs, totals, the dense baselines and attributed savings.

* :func:`estimate_network` costs every layer of a network on one accelerator. Which layers
  keep their weights on chip is decided by :func:`hwsim.cost.residency.plan_residency` (the
  arch's ``residency`` policy, or the ``residency`` override), the same decision the
  simulator uses. Layers the accelerator cannot run go to its ``fallback`` accelerator when
  it names one (their rows carry the fallback's name and a note); otherwise they are left out
  of the total, and ``coverage`` says so.
* :func:`compare_network` runs the pruned network and the dense network (every layer
  ``with_densities()``: all densities 1, no mask) on the accelerator A, and the dense network
  on a baseline accelerator B (A itself unless ``baseline_arch``), and attributes the savings
  (:class:`~hwsim.cost.savings.Attribution`): ``accelerator`` dense-B -> dense-A, ``pruning``
  dense-A -> pruned-A, ``combined`` dense-B -> pruned-A. Latency savings are a ratio of
  seconds (each side at its own clock). Totals of a comparison cover the layers all three
  runs support (:class:`~hwsim.cost.savings.Coverage`).

Example::

    cmp = compare_network(resolve_network("alexnet", profile="han2015"), load_arch("eie.yaml"),
                          load_arch("systolic_ws.yaml"))
    cmp.attribution.pruning.energy        # pruning alone, on EIE
    cmp.attribution.combined.energy       # dense on the systolic array -> pruned on EIE
    cmp.coverage.label()                  # "partial: 3 of 8 layers, ..." (EIE runs no conv)
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

from hwsim.arch.model import Accelerator
from hwsim.cost.cache import CostCache
from hwsim.cost.fusion import unfuse_orphans
from hwsim.cost.layer import EstimateOptions, estimate_layer
from hwsim.cost.records import LayerCost, NetworkTotal
from hwsim.cost.residency import ResidencyPlan, plan_residency
from hwsim.cost.savings import Attribution, Coverage, Savings, ratio
from hwsim.cost.totals import total_cost
from hwsim.types import Residency
from hwsim.workload.layer import LayerWorkload, Network

CORE_FIELDS = ("name", "arch", "supported", "macs_dense", "macs_effective", "weight_count",
               "weight_nnz", "weight_bytes_dense", "weight_bytes_stored", "weights_on_chip",
               "dram_read_bytes", "dram_write_bytes", "dram_weight_bytes",
               "model_load_dram_bytes", "energy_pj", "energy_breakdown_pj", "latency_cycles",
               "latency_s", "bottleneck", "notes")

UNITS = {"energy_pj": "pJ", "latency_cycles": "cycles at the arch clock", "latency_s": "s",
         "*_bytes": "bytes per inference batch", "macs_*": "MACs per batch",
         "*_x": "before / after (> 1: the change saves; < 1: it costs more)"}


@dataclass(frozen=True)
class NetworkCost:
    """Every layer of a network on one accelerator (some maybe on its fallback), the total
    over the layers it covers, the residency decisions and the coverage of the total."""

    name: str
    arch: str
    profile: str | None
    layers: tuple[LayerCost, ...]
    total: NetworkTotal
    coverage: Coverage
    residency: ResidencyPlan

    @property
    def unsupported_layers(self) -> int:
        """Layers left out of the total."""
        return len(self.coverage.missing)

    @property
    def model_fits_on_chip(self) -> bool:
        return self.residency.model_fits_on_chip

    def layer(self, name: str) -> LayerCost:
        return next(l for l in self.layers if l.name == name)

    def to_dict(self) -> dict:
        total = {**self.total.to_dict(), "unsupported_layers": self.unsupported_layers,
                 "model_fits_on_chip": self.model_fits_on_chip,
                 "coverage": self.coverage.to_dict()}
        rows = [{**l.to_dict(), "residency": why}
                for l, why in zip(self.layers, self.residency.reasons)]
        return {"network": self.name, "arch": self.arch, "profile": self.profile,
                "residency": self.residency.to_dict(), "layers": rows, "total": total}

    def to_rows(self) -> list[dict]:
        """Per layer then ``total``, flat dicts with unit-named keys (:mod:`hwsim.cost.rows`):
        ``csv.DictWriter`` or ``pandas.DataFrame(net.to_rows())``."""
        from hwsim.cost.rows import rows_of
        return rows_of(self.to_dict())


def _core(cost: LayerCost) -> dict:
    full = cost.to_dict()
    return {k: full[k] for k in CORE_FIELDS}


@dataclass(frozen=True)
class NetworkComparison:
    """The pruned network on A beside the dense network on A and on the baseline B.

    ``savings`` / ``layer_savings`` are the ``combined`` figures (the baseline row against the
    pruned row; equal to ``pruning`` when B is A); ``attribution`` splits them.
    ``coverage``: the layers all three runs support, which every total counts.
    """

    pruned: NetworkCost
    dense: NetworkCost
    baseline: NetworkCost
    attribution: Attribution
    layer_attribution: tuple[Attribution | None, ...]
    coverage: Coverage

    @property
    def savings(self) -> Savings:
        return self.attribution.combined

    @property
    def layer_savings(self) -> tuple[Savings | None, ...]:
        return tuple(a.combined if a else None for a in self.layer_attribution)

    @property
    def same_accelerator(self) -> bool:
        return self.baseline is self.dense

    def to_dict(self) -> dict:
        """The estimate JSON: ``layers`` rows and a ``total`` row, each with ``dense`` (the
        dense network on the same accelerator), ``baseline`` (the dense network on the
        baseline accelerator; :data:`CORE_FIELDS`), ``savings`` (baseline / pruned) and
        ``attribution`` {accelerator, pruning, combined} (None where a side is unsupported);
        the total adds ``coverage``."""
        rows = []
        for p, d, b, a in zip(self.pruned.layers, self.dense.layers, self.baseline.layers,
                              self.layer_attribution):
            rows.append({**p.to_dict(), "dense": _core(d), "baseline": _core(b),
                         "savings": a.combined.to_dict() if a else None,
                         "attribution": a.to_dict() if a else None})
        pruned = self.pruned.to_dict()
        for row, src in zip(rows, pruned["layers"]):
            row["residency"] = src["residency"]
        total = {**pruned["total"], "dense": _core(self.dense.total),
                 "baseline": _core(self.baseline.total), "savings": self.savings.to_dict(),
                 "attribution": self.attribution.to_dict(), "coverage": self.coverage.to_dict(),
                 "unsupported_layers": len(self.coverage.missing)}
        return {"network": self.pruned.name, "arch": self.pruned.arch,
                "baseline_arch": self.baseline.arch, "profile": self.pruned.profile,
                "model": "analytical", "units": UNITS,
                "residency": {"pruned": self.pruned.residency.to_dict(),
                              "dense": self.dense.residency.to_dict(),
                              "baseline": self.baseline.residency.to_dict()},
                "layers": rows, "total": total}

    def to_rows(self) -> list[dict]:
        """Per layer then ``total``: the pruned run's fields, ``dense_*`` / ``baseline_*``,
        ``savings_*`` and ``pruning_*`` / ``accelerator_*`` / ``combined_*`` ratios, as flat
        dicts with unit-named keys (:mod:`hwsim.cost.rows`; what ``--format csv`` writes)."""
        from hwsim.cost.rows import rows_of
        return rows_of(self.to_dict())


def _layers_of(workload) -> tuple[str, str | None, tuple[LayerWorkload, ...]]:
    if isinstance(workload, Network):
        return workload.name, workload.profile, tuple(workload.layers)
    if isinstance(workload, LayerWorkload):
        return workload.name, None, (workload,)
    return "network", None, tuple(workload)


def _on_fallback(layers, costs: list, plan: ResidencyPlan, arch: Accelerator, options,
                 residency) -> tuple[list[bool], ResidencyPlan]:
    """Replace the unsupported rows of ``costs`` by the fallback accelerator's (in place);
    which layers moved, and ``plan`` with the fallback's residency decisions for them."""
    moved = [False] * len(costs)
    todo = [i for i, c in enumerate(costs) if not c.supported]
    if arch.fallback is None or not todo:
        return moved, plan
    fb = estimate_network([layers[i] for i in todo], arch.fallback, options=options,
                          residency=residency)
    resident, reasons = list(plan.resident), list(plan.reasons)
    for j, (i, cost) in enumerate(zip(todo, fb.layers)):
        if cost.supported:
            note = (f"runs on the fallback accelerator {cost.arch}: {arch.name} cannot "
                    f"({costs[i].unsupported_reason})")
            costs[i], moved[i] = replace(cost, notes=(note, *cost.notes)), True
            resident[i] = fb.residency.resident[j]
            reasons[i] = f"on {cost.arch}: {fb.residency.reasons[j]}"
    return moved, replace(plan, resident=tuple(resident), reasons=tuple(reasons))


def estimate_network(workload, arch: Accelerator, *,
                     options: EstimateOptions = EstimateOptions(),
                     residency: Residency | str | None = None) -> NetworkCost:
    """Cost of every layer of ``workload`` (a :class:`Network`, a layer or a sequence of
    layers) on ``arch`` (module docstring); ``residency`` overrides the arch's policy (and its
    fallback's)."""
    name, profile, layers = _layers_of(workload)
    if options.cache is None:  # one cache per call: storage, nests and flows shared by layers
        options = replace(options, cache=CostCache())
    plan = plan_residency(layers, arch, residency, cache=options.cache)
    costs = [estimate_layer(l, arch, options=options, weights_resident=f)
             for l, f in zip(layers, plan.resident)]
    costs = unfuse_orphans(layers, costs, arch, lambda i, l: estimate_layer(
        l, arch, options=options, weights_resident=plan.resident[i]))
    moved, plan = _on_fallback(layers, costs, plan, arch, options, residency)
    coverage = Coverage.of(layers, [c.supported for c in costs],
                           [c.unsupported_reason for c in costs], moved)
    return NetworkCost(name, arch.name, profile, tuple(costs),
                       total_cost(costs, arch.name, arch.compute.clock_hz), coverage, plan)


def _restricted(net: NetworkCost, keep: Sequence[bool], clock_hz: float,
                coverage: Coverage) -> NetworkCost:
    """``net`` with its total over the ``keep`` layers only, which ``coverage`` describes."""
    total = total_cost([c for c, ok in zip(net.layers, keep) if ok], net.arch, clock_hz)
    return replace(net, total=total, coverage=coverage)


def compare_network(workload, arch: Accelerator, baseline_arch: Accelerator | None = None,
                    *, options: EstimateOptions = EstimateOptions(),
                    residency: Residency | str | None = None) -> NetworkComparison:
    """The pruned ``workload`` on ``arch`` beside the dense network on ``arch`` and on
    ``baseline_arch`` (module docstring); ``residency`` overrides every accelerator's policy,
    so that both networks are held to the same rule. A ``baseline_arch`` equal to ``arch``
    (the same file given twice) is the same accelerator: no accelerator change."""
    if baseline_arch is not None and baseline_arch == arch:
        baseline_arch = None
    name, profile, layers = _layers_of(workload)
    pruned = estimate_network(workload, arch, options=options, residency=residency)
    dense_layers = tuple(l.with_densities() for l in layers)
    dense = replace(estimate_network(dense_layers, arch, options=options, residency=residency),
                    name=name, profile="dense")
    base = dense
    if baseline_arch is not None:
        base = replace(estimate_network(dense_layers, baseline_arch, options=options,
                                        residency=residency), name=name, profile="dense")
    sides = (pruned, dense, base)
    both = [all(s.layers[i].supported for s in sides) for i in range(len(layers))]
    per_layer = tuple(Attribution.of(p, d, b) if ok else None
                      for p, d, b, ok in zip(pruned.layers, dense.layers, base.layers, both))
    reasons = [next((s.layers[i].unsupported_reason for s in sides
                     if not s.layers[i].supported), None) for i in range(len(layers))]
    moved = [any(l.name in s.coverage.fallback for s in sides) for l in layers]
    coverage = Coverage.of(layers, both, reasons, moved)
    pruned = _restricted(pruned, both, arch.compute.clock_hz, coverage)
    dense = _restricted(dense, both, arch.compute.clock_hz, coverage)
    base = dense if baseline_arch is None else _restricted(
        base, both, baseline_arch.compute.clock_hz, coverage)
    return NetworkComparison(pruned, dense, base,
                             Attribution.of(pruned.total, dense.total, base.total), per_layer,
                             coverage)


__all__ = ["CORE_FIELDS", "NetworkComparison", "NetworkCost", "Savings", "compare_network",
           "estimate_network", "ratio", "total_cost"]
