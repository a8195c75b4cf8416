"""One chunk of points -> result rows (runs in a worker: pure, deterministic, no I/O).

Each point's accelerator is rebuilt from the base mapping plus its overrides by the
worker's :class:`~hwsim.sweep.variants.VariantBuilder` (the sections the overrides touch
validated by their models, the whole variant by ``ArchConfig.model_validate`` with the
file's cross-field rules; an invalid variant gets the whole file's message from
:func:`hwsim.arch.arch_from_dict`; never ``model_copy``), or, with ``bulk=False``, by
``arch_from_dict`` on the whole merged mapping.
An invalid variant gives a row with ``status: invalid`` and the ConfigError text as ``reason``;
a network with layers the accelerator cannot run gives ``status: partial`` (its numbers cover the
supported layers only); an unexpected exception gives ``status: error`` (retried by a rerun).
Within a chunk every accelerator variant is built once and shared by its workloads.

A row (the JSONL line; every number per inference of the workload's batch)::

    {"id": "3f9c...", "workload": "alexnet+han2015", "objective": "energy",
     "overrides": {"memories.glb.size_bytes": "128 KiB"}, "status": "ok", "reason": null,
     "energy_pj": 2.1e9, "latency_cycles": 3.4e6, "latency_s": 0.0049, "edp_pj_s": 1.0e7, ...}
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from hwsim.arch import Accelerator, arch_from_dict
from hwsim.cost import EstimateOptions, NetworkCost, estimate_network
from hwsim.cost.bulk import structure_key
from hwsim.cost.cache import CostCache
from hwsim.errors import HwsimError
from hwsim.sweep.bulk import covers, network_rows
from hwsim.sweep.keys import apply_overrides
from hwsim.sweep.plan import SweepPlan, SweepPoint
from hwsim.sweep.variants import VariantBuilder
from hwsim.types import Objective
from hwsim.workload import Network

STATUSES = ("ok", "partial", "invalid", "error")


@dataclass(frozen=True)
class EvalContext:
    """What a worker needs: the base file's mapping (and where it came from, for messages and
    relative ``energy_reference`` paths), the resolved networks by label, and the worker's
    own :class:`~hwsim.cost.cache.CostCache` (the memo of the cost model and of the
    accelerator builds) and :class:`~hwsim.sweep.variants.VariantBuilder` (neither is
    pickled: every process that unpickles the context starts empty ones, shared by the
    chunks, and threads, it runs)."""

    base_data: dict
    base_path: str
    base_dir: str
    networks: dict[str, Network]
    mappings: object = None
    cache: CostCache = field(default_factory=CostCache, compare=False, repr=False)
    variants: VariantBuilder = field(init=False, compare=False, repr=False)

    _LOCAL = ("cache", "variants")

    def __post_init__(self) -> None:
        object.__setattr__(self, "variants", self._builder())

    def _builder(self) -> VariantBuilder:
        return VariantBuilder(self.base_data, f"{self.base_path} + overrides", self.base_dir)

    @classmethod
    def of(cls, plan: SweepPlan) -> "EvalContext":
        return cls(plan.base_data, plan.base_path, plan.base_dir, plan.networks,
                   plan.mappings)

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in self._LOCAL}

    def __setstate__(self, state: dict) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "cache", CostCache())
        object.__setattr__(self, "variants", self._builder())


def evaluate_chunk(context: EvalContext, points: Sequence[SweepPoint],
                   bulk: bool = True) -> list[dict]:
    """Rows of ``points`` in order; each accelerator variant is built once per chunk.

    ``bulk``: the variants are built by the context's
    :class:`~hwsim.sweep.variants.VariantBuilder`, and those that share an accelerator
    structure and a workload are evaluated together (:mod:`hwsim.sweep.bulk`; the same rows,
    several times faster); False: every variant built from its whole mapping by
    :func:`hwsim.arch.arch_from_dict` and every point estimated alone by
    :func:`hwsim.cost.estimate_network` (the reference the bulk rows are checked against)."""
    archs: dict[str, tuple] = {}
    entries: list = [None] * len(points)
    rows: list = [None] * len(points)
    groups: dict = {}
    for i, point in enumerate(points):
        okey = repr(point.arch_overrides)  # plain YAML values: equal text, equal value
        entry = archs.get(okey)
        if entry is None:
            arch = build_variant(context, point, bulk)
            entry = archs[okey] = (arch, structure_key(arch, context.cache) if bulk and
                                   isinstance(arch, Accelerator) and context.mappings is None
                                   else None)
        arch, structure = entries[i] = entry
        if structure is None:
            rows[i] = evaluate_point(context, point, arch)
        else:
            groups.setdefault((structure[0], point.workload, point.objective), []).append(i)
    for (signature, workload, objective), members in groups.items():
        variants, key = [entries[i][0] for i in members], entries[members[0]][1][1]
        network = context.networks[workload]
        metrics = [None] * len(members)
        if covers(signature, key, network, workload, {}):
            try:
                metrics = network_rows(network, key, variants, objective, context.cache)
            except Exception:  # noqa: BLE001 - each point alone then says what went wrong
                pass
        for i, arch, found in zip(members, variants, metrics):
            rows[i] = (evaluate_point(context, points[i], arch) if found is None
                       else {**_head(points[i]), **found})
    return rows


def _head(point: SweepPoint) -> dict:
    return {"id": point.id, "workload": point.workload, "objective": point.objective,
            "overrides": dict(point.overrides)}


def build_variant(context: EvalContext, point: SweepPoint,
                  bulk: bool = True) -> Accelerator | Exception:
    """The point's accelerator, or the exception that says why there is none (a
    :class:`HwsimError` such as ConfigError: the variant is invalid; anything else: a bug).
    ``bulk``: by the context's VariantBuilder; False: by arch_from_dict on the whole merged
    mapping (both give equal accelerators and messages)."""
    if bulk:
        return context.variants.build(point.arch_overrides)
    data = apply_overrides(context.base_data, point.arch_overrides)
    try:
        return arch_from_dict(data, f"{context.base_path} + overrides", context.base_dir)
    except Exception as exc:  # noqa: BLE001 - becomes the point's status and reason
        return exc


def evaluate_point(context: EvalContext, point: SweepPoint,
                   arch: Accelerator | Exception) -> dict:
    """One row (module docstring)."""
    row = _head(point)
    try:
        if isinstance(arch, Exception):
            raise arch
        options = EstimateOptions(objective=Objective(point.objective),
                                  mappings=context.mappings, cache=context.cache)
        cost = estimate_network(context.networks[point.workload], arch, options=options)
    except HwsimError as exc:
        return {**row, "status": "invalid", "reason": str(exc)}
    except Exception as exc:  # noqa: BLE001 - recorded (status error) so the sweep goes on
        return {**row, "status": "error", "reason": f"{type(exc).__name__}: {exc}"}
    return {**row, **network_metrics(cost)}


def network_metrics(cost: NetworkCost) -> dict:
    """The summary numbers of a NetworkCost kept in a row (totals over the supported layers,
    which ``coverage`` names; units in every key; ``edp_pj_s`` = energy_pj x latency_s)."""
    total = cost.total
    unsupported = [f"{c.name}: {c.unsupported_reason}" for c in cost.layers if not c.supported]
    return {
        "status": "partial" if unsupported else "ok",
        "reason": "; ".join(unsupported) or None,
        "coverage": cost.coverage.label(), "macs_covered_fraction": cost.coverage.macs_fraction,
        "energy_pj": total.energy_pj, "latency_cycles": total.latency_cycles,
        "latency_s": total.latency_s, "edp_pj_s": total.energy_pj * total.latency_s,
        "dram_bytes": total.dram_bytes, "weight_bytes_stored": total.weights.stored_bytes,
        "model_load_dram_bytes": total.model_load_dram_bytes,
        "macs_effective": total.macs_effective, "utilization": total.utilization,
        "bottleneck": total.bottleneck, "model_fits_on_chip": cost.model_fits_on_chip,
        "supported_layers": len(cost.layers) - len(unsupported), "layers": len(cost.layers),
        "energy_breakdown_pj": total.energy_breakdown_pj,
    }
