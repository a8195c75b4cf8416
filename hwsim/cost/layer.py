"""``estimate_layer``: one layer on one accelerator -> :class:`LayerCost` (pure function).

Steps: support check -> MAC counts under zero handling (:mod:`compute`) -> storage sizes
(:mod:`operands`) -> compute cycles with fill/drain and imbalance (:mod:`cycles`) -> mapping
search over tilings (:mod:`search`) -> traffic records, energy breakdown, latency.

Latency = the steady-state bound max(compute cycles, each level's transfer cycles) (transfers
overlap compute under double buffering; the largest term is the ``bottleneck``, ``compute`` or
a level name) plus the DRAM pipeline's fill and drain (:mod:`hwsim.cost.pipeline`,
``pipeline_cycles``), as the mapping search scored it.
Energy = sum of level energies (accesses x energy per access) + MACs + codebook lookups +
leakage x latency. The compulsory DRAM traffic is what any mapping must move: the stored
weights (unless resident), every input touched once, every output written once.

Example::

    cost = estimate_layer(LayerWorkload("fc", LayerKind.LINEAR, 784, 300), arch)
    cost.energy_pj, cost.latency_cycles, cost.bottleneck, str(cost.mapping)
"""
from __future__ import annotations

from dataclasses import dataclass, field

from hwsim.arch.model import Accelerator
from hwsim.cost import energy as en
from hwsim.cost import pinning as pin
from hwsim.cost import row_stationary as rs
from hwsim.cost import vector as vec
from hwsim.cost.compute import MacCounts, mac_counts, structured_notes
from hwsim.cost.cycles import compute_time
from hwsim.cost.gpu.layer import estimate_gpu_layer
from hwsim.cost.fusion import fused_cost, fused_producer
from hwsim.cost.nest import LoopBounds
from hwsim.cost.pipeline import candidate_latency_cycles, dram_bytes
from hwsim.cost.operands import LayerSizes, layer_sizes, layer_weight_storage
from hwsim.cost.records import LayerCost, LevelTraffic, WeightMemory, pairs_from
from hwsim.cost.search import SearchInputs, pipelined_dram, search_mapping
from hwsim.cost.traffic import build_chains
from hwsim.errors import HwsimError
from hwsim.types import Dataflow, LayerKind, MemoryKind, Objective, Operand, Residency
from hwsim.workload.layer import LayerWorkload


@dataclass(frozen=True)
class EstimateOptions:
    """Knobs of the analytical model: the mapping ``objective`` and whether streamed tiles must
    fit in half of each buffer (``double_buffering``, the default; ZigZag-style full-capacity
    tiles with False)."""

    objective: Objective = Objective.ENERGY
    double_buffering: bool = True
    mappings: object = None
    """A :class:`hwsim.config.mapping.MappingFile`: pinned mappings and search constraints
    (``--mapping FILE``); None: the search alone."""
    cache: object = field(default=None, compare=False)
    """A :class:`hwsim.cost.cache.CostCache` owned by the caller (nests, flow tables and
    weight storage kept between layers and accelerator variants); None: nothing is kept
    (:func:`hwsim.cost.estimate_network` makes one per call)."""


def unsupported_reason(layer: LayerWorkload, arch: Accelerator) -> str | None:
    """Why ``arch`` cannot run ``layer``, or None.

    Column broadcast (EIE) runs matrix-vector layers only, as published (Han et al. 2016,
    Sec. I: fully connected layers); a conv2d layer would need an im2col lowering.
    """
    kind_reason = vec.kind_unsupported_reason(layer, arch)
    if kind_reason and layer.kind is not LayerKind.CONV2D:
        return kind_reason
    if arch.dataflow is Dataflow.COLUMN_BROADCAST and layer.kind is LayerKind.CONV2D:
        return ("column_broadcast (EIE) runs fully connected / matmul layers only (Han et al. "
                "2016); conv2d needs an im2col lowering")
    missing = [str(op) for op in Operand if not arch.path(op)]
    if missing:
        return f"no memory level holds {', '.join(missing)}"
    return None


def weight_memory(layer: LayerWorkload, arch: Accelerator, stored=None) -> WeightMemory:
    """Dense vs stored weight bytes of ``layer`` in the arch's weight format."""
    stored = stored if stored is not None else layer_weight_storage(layer, arch)
    dense = layer.weight_count * arch.compute.weight_bits / 8
    fmt = "n:m" if stored.structured is not None else str(stored.format)
    return WeightMemory(dense_bytes=dense, stored_bytes=stored.total_bits / 8,
                        metadata_bytes=stored.metadata_bytes, value_bytes=stored.value_bytes,
                        exact=stored.exact, format=fmt)


def pointer_capacity_bytes(arch: Accelerator) -> int:
    """On-chip bytes of the level(s) that store the weights' pointers (``metadata_for``)."""
    return sum(l.total_size_bytes for l in arch.memories if Operand.WEIGHTS in l.metadata_for)


def weight_capacity_bytes(arch: Accelerator) -> int:
    """On-chip bytes that may hold stored weights: the outermost on-chip weight level plus the
    pointer level (pointers that overflow it can sit with the values). EIE: 64 x 128 KiB
    spmat + 64 x 32 KiB pointer SRAM = 10 MiB."""
    return arch.on_chip_capacity_bytes(Operand.WEIGHTS) + pointer_capacity_bytes(arch)


def weights_fit(arch: Accelerator, stored_bytes: float) -> bool:
    """True when ``stored_bytes`` (values + metadata) fit :func:`weight_capacity_bytes`."""
    return stored_bytes <= weight_capacity_bytes(arch)


def _resident_value_bytes(arch: Accelerator, stored) -> float:
    """Bytes the weight level itself holds: the values, plus pointers beyond the pointer
    level's capacity (or all pointers when there is no pointer level)."""
    meta_cap = pointer_capacity_bytes(arch)
    pointers = stored.pointer_bits_total / 8 if meta_cap else 0.0
    return stored.total_bits / 8 - min(pointers, meta_cap)


def _pipelined(arch: Accelerator, found, compute_cycles: float) -> float:
    """The chosen mapping's latency as the search scored it: the steady-state bound plus the
    DRAM pipeline's fill and drain (:mod:`hwsim.cost.pipeline`; not for EIE's column
    broadcast, or without DRAM traffic)."""
    dram = pipelined_dram(arch)
    read, write = dram_bytes(found.bus_bytes or found.flows, dram) if dram else (0.0, 0.0)
    return float(candidate_latency_cycles(
        compute_cycles=compute_cycles, transfers=dict(found.transfer_cycles), dram=dram,
        dram_read_cycles=en.transfer_cycles(arch.dram, read),
        dram_write_cycles=en.transfer_cycles(arch.dram, write), steps=found.dram_steps,
        output_visits=found.output_visits))


def _dram_name(level) -> str:
    return "dram" if level.kind is MemoryKind.DRAM else level.name


def _traffic(arch: Accelerator, flows, bus_bytes=()) -> tuple[LevelTraffic, ...]:
    """Traffic rows; ``bus_bytes`` ((level, operand), read, write) in whole DRAM bursts set
    those rows' energy (their bytes and accesses stay the useful ones)."""
    levels = {l.name: l for l in arch.memories}
    bus = {key: (r, w) for key, r, w in bus_bytes}
    out = []
    for (name, op), r, w in flows:
        level = levels[name]
        br, bw = bus.get((name, op), (r, w))
        out.append(LevelTraffic(level=name, operand=op, reads=en.accesses(level, r),
                                writes=en.accesses(level, w), read_bytes=r, write_bytes=w,
                                energy_pj=float(en.level_energy_pj(level, br, bw)),
                                kind=level.kind))
    return tuple(out)


def _compulsory(layer: LayerWorkload, arch: Accelerator, sizes: LayerSizes, chains) -> float:
    geo = LoopBounds.of(layer)
    touched = layer.batch * layer.in_channels * geo.touched_rows(0) * geo.touched_rows(1)
    total = 0.0
    if chains[Operand.WEIGHTS].dram is not None:
        total += sizes.weights.total_bits / 8
    if chains[Operand.INPUTS].dram is not None:
        total += touched * sizes.obytes[Operand.INPUTS].moved
    if chains[Operand.OUTPUTS].dram is not None:
        total += sizes.output_bytes
    return total


STREAMED_BROADCAST_NOTE = (
    "weights streamed from DRAM through the weight SRAM: EIE has no such path (it keeps every "
    "weight on chip), so this prices a hypothetical EIE; the simulator does not run it")


def _streaming_note(arch: Accelerator, chains) -> tuple[str, ...]:
    """The column broadcast (EIE) with weights not on chip: say the estimate is hypothetical."""
    if arch.dataflow is Dataflow.COLUMN_BROADCAST and not chains[Operand.WEIGHTS].resident:
        return (STREAMED_BROADCAST_NOTE,)
    return ()


def _unsupported(layer: LayerWorkload, arch: Accelerator, reason: str) -> LayerCost:
    try:
        weights = weight_memory(layer, arch)
    except HwsimError:  # the storage itself may be what this arch cannot build
        weights = WeightMemory(dense_bytes=layer.weight_count * arch.compute.weight_bits / 8)
    return LayerCost(name=layer.name, arch=arch.name, supported=False,
                     unsupported_reason=reason, batch=layer.batch,
                     macs_dense=layer.macs_dense, weight_count=layer.weight_count,
                     weight_nnz=layer.weight_nnz, weights=weights,
                     clock_hz=arch.compute.clock_hz)


def estimate_layer(layer: LayerWorkload, arch: Accelerator, *,
                   options: EstimateOptions = EstimateOptions(),
                   weights_resident: bool | None = None) -> LayerCost:
    """Analytical cost of ``layer`` on ``arch`` (module docstring).

    ``weights_resident``: keep the weights on chip across inferences (None: the layer alone
    under the arch's residency policy, i.e. unless the policy is ``streamed``, when its stored
    weights fit the on-chip weight capacity; networks decide it in :mod:`hwsim.cost.residency`).
    An activation its producer's output path applies costs nothing (:mod:`hwsim.cost.fusion`).
    Vector layers run on the vector unit (:mod:`hwsim.cost.vector`); an act x act matmul is
    priced with operand B on the weight path, never resident, and reported with no stored
    weights.
    """
    if fused_producer(layer, arch) is not None:  # applied in its producer's output path
        return fused_cost(layer, arch)
    if arch.gpu is not None:  # GPUs: a roofline over kernels instead of a mapping search
        return estimate_gpu_layer(layer, arch, weights_resident=weights_resident)
    if layer.kind is LayerKind.VECTOR or layer.kind is LayerKind.ACT_MATMUL:
        reason = vec.kind_unsupported_reason(layer, arch)
        if reason:
            return vec.unsupported_cost(layer, arch, reason)
        if layer.kind is LayerKind.VECTOR:
            return vec.estimate_vector(layer, arch)
        return vec.without_stored_weights(estimate_layer(
            vec.as_weighted_matmul(layer), vec.operand_b_arch(layer, arch), options=options,
            weights_resident=False), layer)
    reason = unsupported_reason(layer, arch)
    if reason:
        return _unsupported(layer, arch, reason)
    macs: MacCounts = mac_counts(layer, arch)
    sizes = layer_sizes(layer, arch, macs, cache=options.cache)
    stored_bytes = sizes.weights.total_bits / 8
    fits = weights_fit(arch, stored_bytes)
    keeps = arch.residency is not Residency.STREAMED
    resident = (keeps and fits) if weights_resident is None else weights_resident
    pins = pin.layer_pins(options, layer)
    if not resident and rs.applies(layer, arch):
        cost = rs.estimate_rs_layer(layer, arch, fits, pins)
        if cost is not None:
            return cost
    bounds = LoopBounds.of(layer)
    arch, spatial, pinned = pin.generic_setup(pins, arch, bounds, layer.name)
    chains = build_chains(arch, resident, spatial)
    time = compute_time(layer, arch, macs)
    mac_pj = en.mac_energy_pj(arch, macs.full, macs.gated)
    inp = SearchInputs(bounds, spatial, chains, sizes.obytes,
                       _resident_value_bytes(arch, sizes.weights), time.cycles,
                       mac_pj, options.objective, options.double_buffering, pinned)
    found = search_mapping(arch, inp, cache=options.cache)
    if not found.feasible:
        return _unsupported(layer, arch, found.problem)
    traffic = _traffic(arch, found.flows, found.bus_bytes)
    transfers = dict(found.transfer_cycles)
    steady = max([time.cycles, *transfers.values()])
    bottleneck = "compute" if steady <= time.cycles else max(transfers, key=transfers.get)
    latency = _pipelined(arch, found, time.cycles)
    leak = float(en.leakage_energy_pj(arch, latency))
    book = float(en.codebook_energy_pj(arch, found.latch_weight_values))
    comp, oper = en.energy_split(traffic, {"mac": mac_pj, "codebook": book, "leakage": leak})
    w_dram = arch.dram.holds(Operand.WEIGHTS)
    return LayerCost(
        name=layer.name, arch=arch.name, batch=layer.batch, macs_dense=layer.macs_dense,
        macs_effective=macs.issued, macs_gated=macs.gated, weight_count=layer.weight_count,
        weight_nnz=layer.weight_nnz, weights=weight_memory(layer, arch, sizes.weights),
        traffic=traffic, energy_pj=sum(comp.values()), energy_by_component=pairs_from(comp),
        energy_by_operand=pairs_from(oper), latency_cycles=latency, compute_cycles=time.cycles,
        pipeline_cycles=latency - steady,
        transfer_cycles=tuple(transfers.items()), bottleneck=_dram_name(arch.level(bottleneck))
        if bottleneck != "compute" else "compute", clock_hz=arch.compute.clock_hz,
        mapping=found.mapping, compulsory_dram_bytes=_compulsory(layer, arch, sizes, chains),
        weights_on_chip=chains[Operand.WEIGHTS].resident, weights_fit_on_chip=fits,
        model_load_dram_bytes=stored_bytes if (resident and w_dram) else 0.0,
        peak_activation_bytes=sizes.input_bytes + sizes.output_bytes,
        utilization=time.utilization, imbalance=time.imbalance,
        notes=structured_notes(layer, arch) + _streaming_note(arch, chains))
