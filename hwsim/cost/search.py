"""The mapping search: candidate tilings evaluated together with numpy, best one kept.

Candidates: trip counts of the buffer-tile loops (``t0``) for N, K, C, P, Q from
{1, 2, 4, ..., D} (log-spaced, always 1 and D), times the orders of the buffer-tile loops
(three represent all six, see ``nest.REPRESENTATIVE_ORDERS``), times the inner orders the
dataflow allows (:mod:`hwsim.cost.dataflow`). Up to ``TRIP_LIMITS`` values per dim are tried,
all in one vectorised pass. A candidate is feasible when, at every level, the tiles held there
fit: streamed tiles in half the capacity under double buffering
(``EstimateOptions.double_buffering``), resident weights in full; infeasible tilings are
dropped before the orders multiply them. The objective is the total energy (data movement +
MACs + leakage over the latency), the latency (the least energy within 1 % of the fastest:
:data:`LATENCY_BAND`), or their product (EDP); ties go to the first candidate.

Worked example: AlexNet conv1 (K 96, C 3, P = Q = 55) on a 32x32 ws array: 7 x 3 x 5 x 3 =
315 tilings (those that fit) x 6 orders = 1,890 candidates in one pass of a few ms.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from hwsim.arch.model import Accelerator
from hwsim.cost import energy as en
from hwsim.cost.cache import CostCache
from hwsim.cost.dataflow import Spatial, inner_orders
from hwsim.cost.nest import DIMS, REPRESENTATIVE_ORDERS, LoopBounds, Nest, build_nest
from hwsim.cost.pipeline import candidate_latency_cycles
from hwsim.cost.pinning import pinned_nest
from hwsim.cost.records import LayerMapping, LevelTiling
from hwsim.cost.traffic import Flows, burst_factor, operand_flows, tile_bytes
from hwsim.types import Dataflow, Objective, Operand, SparseFormat

TRIP_LIMITS = {"N": 3, "K": 7, "C": 7, "P": 5, "Q": 3}


@dataclass(frozen=True)
class SearchInputs:
    """Everything the search needs besides the arch: bounds, spatial unrolling, chains, bytes
    per element, resident weight bytes, compute cycles and the mapping-independent energy."""

    bounds: LoopBounds
    spatial: Spatial
    chains: dict
    obytes: dict
    resident_weight_bytes: float
    compute_cycles: float
    fixed_energy_pj: float
    objective: Objective = Objective.ENERGY
    double_buffering: bool = True
    pinned: tuple | None = None
    """From a mapping file (:func:`hwsim.cost.pinning.generic_setup`): (DRAM trips or None,
    orders above the buffer, orders inside it); None: the full search."""


@dataclass(frozen=True)
class SearchResult:
    """The chosen mapping and its per-(level, operand) ``(read_bytes, write_bytes)``;
    ``bus_bytes``: the DRAM entries' bytes in whole bursts (for their energy).

    ``feasible`` is False when no candidate fits; ``problem`` then says where.
    """

    feasible: bool
    mapping: LayerMapping | None = None
    flows: tuple = ()
    latch_weight_values: float = 0.0
    transfer_cycles: tuple = ()
    bus_bytes: tuple = ()
    candidates: int = 0
    problem: str = ""
    dram_steps: float = 1.0
    """Steps of the DRAM-level tile walk over all groups (:func:`dram_walk`)."""
    output_visits: float = 1.0
    """Output tile visits at the DRAM level over all groups, each ending with a write-back."""


def trip_candidates(size: int, limit: int) -> tuple[int, ...]:
    """Trip counts tried for a loop of ``size``: powers of two below it and ``size``, thinned
    log-evenly to ``limit``; e.g. (55, 4) -> (1, 4, 16, 55); (1, 4) -> (1,)."""
    values = sorted({1, size} | {2 ** i for i in range(1, size.bit_length()) if 2 ** i < size})
    if len(values) > limit:
        step = (len(values) - 1) / (limit - 1)
        values = [values[round(i * step)] for i in range(limit)]
    return tuple(dict.fromkeys(values))


def _grid_axes(sizes: tuple, limits: tuple) -> tuple:
    axes = [trip_candidates(size, limit) for size, limit in zip(sizes, limits)]
    mesh = np.meshgrid(*[np.asarray(a, dtype=np.float64) for a in axes], indexing="ij")
    return tuple(m.ravel() for m in mesh)


def _grid(bounds: LoopBounds, limits: dict = TRIP_LIMITS) -> dict:
    """All combinations of buffer-tile trips (dim -> (M,) arrays)."""
    return dict(zip(TRIP_LIMITS, _grid_axes(tuple(bounds[d] for d in TRIP_LIMITS),
                                            tuple(limits[d] for d in TRIP_LIMITS))))


def _levels_of(chains: dict) -> dict:
    """level name -> (MemoryLevel, [(operand, position on its chain, role)])."""
    out: dict = {}
    for chain in chains.values():
        for idx, role in enumerate(chain.levels):
            out.setdefault(role.level.name, (role.level, []))[1].append(
                (chain.operand, idx, role))
    return out


def level_needs(nest: Nest, inp: SearchInputs) -> tuple:
    """(level, need, operands) per level that holds a buffer tile: the bytes its tiles need
    per candidate (an array over the nest's axes), in level order.

    Per level: the buffer tiles of the operands it holds at the buffer boundary (first
    on-chip level or a shared staging copy), resident weights at their stored size, streamed
    tiles doubled under double buffering. Replicated inner levels (register files) always
    fit one element per lane. A streamed chain (EIE's column broadcast of inputs) reaches the
    PEs one column at a time through their FIFOs, so inner levels hold no input tile: a layer
    whose outputs fit the destination registers runs in one pass and writes each output once.
    """
    frac = 0.5 if inp.double_buffering else 1.0
    out = []
    for name, (level, entries) in _levels_of(inp.chains).items():
        need, counted = 0.0, False
        for op, idx, role in entries:
            chain = inp.chains[op]
            if chain.resident and idx == 0:
                need = need + inp.resident_weight_bytes / (level.instances if role.replicated
                                                           else 1)
            elif idx > 0 and chain.streamed:
                continue
            elif idx == 0 or not role.replicated:
                need = need + tile_bytes(nest, inp.bounds, op, 3, role, inp.obytes[op]) / frac
            else:
                continue
            counted = True
        if counted:
            out.append((level, need, tuple(str(e[0]) for e in entries),
                        bool(entries[0][2].replicated)))
    return tuple(out)


def capacity_bytes(level, replicated: bool) -> int:
    """What a level's tiles must fit: one instance when replicated, else all of them."""
    return level.size_bytes if replicated else level.total_size_bytes


def _fits(nest: Nest, inp: SearchInputs):
    """(feasible mask (O, M), message for the tightest level) of the buffer-tile sizes
    (:func:`level_needs` against :func:`capacity_bytes`)."""
    ok, message = True, ""
    for level, need, ops, replicated in level_needs(nest, inp):
        cap = capacity_bytes(level, replicated)
        fits = need <= cap
        if not np.any(fits):
            frac = 0.5 if inp.double_buffering else 1.0
            message = (f"memories.{level.name} must hold the smallest tile of {', '.join(ops)} "
                       f"({float(np.min(need)):.0f} bytes"
                       f"{' with double buffering' if frac < 1 else ''}). Got {cap} bytes")
        ok = ok & fits
    return ok, message


def _shares(chains: dict) -> dict:
    return {name: (level.size_bytes / len(entries)) for name, (level, entries)
            in _levels_of(chains).items()}


def _sets_floor(chain) -> bool:
    """A per-PE level that is not the chain's last sets the next level's floor from the
    feasible tilings (:func:`hwsim.cost.traffic.operand_flows`)."""
    return any(i and r.replicated for i, r in enumerate(chain.levels[:-1]))


def flows_depend_on_keep(chains: dict) -> bool:
    """True when the flow tables depend on the feasible set (:func:`_sets_floor`)."""
    return any(_sets_floor(c) for c in chains.values())


def _chain_key(chain, shares: dict, keep) -> tuple:
    """What the byte counts of ``chain`` depend on besides the nest and the operand bytes:
    level names, replication and slots, the shares of inner replicated levels (their
    boundary), and the feasible set when such a level sets the next one's floor."""
    roles = tuple((r.level.name, r.replicated, r.above,
                   shares[r.level.name] if (i and r.replicated) else None)
                  for i, r in enumerate(chain.levels))
    floor = _sets_floor(chain)
    return (chain.operand, chain.dram.name if chain.dram is not None else None, roles,
            chain.resident, chain.meta.name if chain.meta is not None else None, chain.streamed,
            keep.tobytes() if (floor and keep is not None) else None)


def _flows(nest: Nest, inp: SearchInputs, keep, cache: CostCache | None = None,
           key_only: bool = False):
    """(Flows, per level name (read bytes, write bytes)) of all candidates, all groups.

    Kept in ``cache`` under the nest's content key and what the bytes depend on
    (:func:`_chain_key`): byte counts do not depend on capacities (beyond inner RF
    boundaries), energies, bandwidths or clocks, so the variants of a sweep share them. The
    result is read-only. ``key_only``: (None, that key) without computing."""
    shares = _shares(inp.chains)
    key = (nest.key, inp.bounds.groups,
           tuple((_chain_key(c, shares, keep), inp.obytes[op]) for op, c in inp.chains.items()))
    if key_only:
        return None, key
    if cache is None or not nest.key:
        return _flow_tables(nest, inp, keep, shares)
    return cache.get("flows", key, lambda: _flow_tables(nest, inp, keep, shares))


def _flow_tables(nest: Nest, inp: SearchInputs, keep, shares: dict):
    flows = Flows()
    for op, chain in inp.chains.items():
        operand_flows(flows, nest, inp.bounds, chain, inp.obytes[op], shares, keep)
    groups = inp.bounds.groups  # the nest is one group's; groups run one after another
    if groups != 1:
        flows.bytes = {k: [r * groups, w * groups] for k, (r, w) in flows.bytes.items()}
        flows.latch_weight_values = flows.latch_weight_values * groups
    per_level: dict = {}
    for (name, _), (r, w) in flows.bytes.items():
        pr, pw = per_level.get(name, (0.0, 0.0))
        per_level[name] = (pr + r, pw + w)
    return flows, per_level


def evaluate(arch: Accelerator, nest: Nest, inp: SearchInputs, keep=None,
             cache: CostCache | None = None):
    """Flows (useful bytes, and DRAM in whole bursts: :func:`whole_bursts`), energy (O, M),
    latency (O, M) and per-level transfer cycles of all candidates
    (``keep``: the feasible tilings, see :func:`operand_flows`). Energy is linear in the bytes,
    so each level's reads and writes are summed over operands first."""
    useful, per_level = _flows(nest, inp, keep, cache)
    flows, per_level = whole_bursts(arch, nest, inp, useful, per_level)
    levels = {l.name: l for l in arch.memories}
    energy = inp.fixed_energy_pj + en.codebook_energy_pj(arch, flows.latch_weight_values)
    for name, (r, w) in per_level.items():
        energy = energy + en.level_energy_pj(levels[name], r, w)
    transfers = {n: en.level_transfer_cycles(levels[n], r, w)
                 for n, (r, w) in per_level.items()}
    dram = pipelined_dram(arch)
    read, write = per_level.get(dram, (0.0, 0.0))
    walk = dram_walk(nest, inp.bounds.groups, lambda v: v)
    latency = candidate_latency_cycles(
        compute_cycles=inp.compute_cycles, transfers=transfers, dram=dram,
        dram_read_cycles=en.transfer_cycles(arch.dram, read),
        dram_write_cycles=en.transfer_cycles(arch.dram, write), steps=walk["dram_steps"],
        output_visits=walk["output_visits"])
    energy = energy + en.leakage_energy_pj(arch, latency)
    return useful, flows, energy, latency, transfers


def pipelined_dram(arch: Accelerator) -> str | None:
    """The DRAM level whose tile walk pipelines with the array (:mod:`hwsim.cost.pipeline`);
    None for EIE's column broadcast, which has its own pass model."""
    return None if arch.dataflow is Dataflow.COLUMN_BROADCAST else arch.dram.name


def whole_bursts(arch: Accelerator, nest: Nest, inp: SearchInputs, flows, per_level: dict):
    """(flows, per_level) with the DRAM bytes counted in whole bursts: each contiguous run of
    a DRAM tile costs ``ceil(run / burst_bytes)`` bursts (:func:`traffic.burst_factor`), so
    burst-hostile tilings pay for the bytes the channel really moves, in energy and transfer
    time (the reported read / write bytes stay the useful ones). Unchanged without
    ``burst_bytes``. Weights in a compressed format (CSC, bitmap, ...) are packed streams with
    no row-major layout: not rounded. Example: an operand read as 3-byte runs at 32-byte
    bursts moves 32 / 3 = 10.7 bytes per useful byte."""
    dram = arch.dram
    if not dram.burst_bytes or dram.name not in per_level:
        return flows, per_level
    packed = arch.sparsity.weight_format.format is not SparseFormat.DENSE
    scaled, total_r, total_w = dict(flows.bytes), 0.0, 0.0
    for (name, op), (r, w) in flows.bytes.items():
        if name != dram.name:
            continue
        factor = 1.0
        if not (op is Operand.WEIGHTS and packed):
            ob = inp.obytes[op]
            size = ob.final_dram if op is Operand.OUTPUTS else ob.dram
            factor = burst_factor(nest, inp.bounds, op, size, dram.burst_bytes)
        scaled[(name, op)] = [r * factor, w * factor]
        total_r, total_w = total_r + r * factor, total_w + w * factor
    return Flows(scaled, flows.latch_weight_values), {**per_level, dram.name: (total_r, total_w)}


LATENCY_BAND = 0.01
"""The latency objective takes the least energy among the candidates within 1 % of the
fastest (the row-stationary mapper's rule, :mod:`hwsim.cost.row_stationary`): the pipeline's
fill shrinks with every finer DRAM tiling, and the last fraction of a per cent can cost several
times the energy (AlexNet conv2 on ZigZag's tpu_like: 0.7 % slower for 2.6x less energy)."""


def objective_scores(objective: Objective, energy, latency, keep, axis=None):
    """The score each candidate minimises (+inf where ``keep`` is False; the first of equal
    scores wins): the energy, energy x latency (EDP), or for the latency objective the energy
    of the candidates within :data:`LATENCY_BAND` of the fastest kept one (over ``axis``:
    None = all candidates, 1 = per variant row). Example: latencies (100, 100.5, 120),
    energies (9, 3, 1) -> latency scores (9, 3, inf): the second wins."""
    shape = np.broadcast_shapes(np.shape(energy), np.shape(latency), np.shape(keep))
    keep = np.broadcast_to(keep, shape)
    if objective is Objective.LATENCY:
        lat = np.where(keep, np.broadcast_to(latency, shape), np.inf)
        fastest = lat.min(axis=axis, keepdims=axis is not None)
        near = lat <= fastest * (1.0 + LATENCY_BAND)
        return np.where(near, np.broadcast_to(energy, shape), np.inf)
    score = energy * latency if objective is Objective.EDP else energy
    return np.where(keep, np.broadcast_to(score, shape), np.inf)


def _pick(value, shape, index: tuple) -> float:
    """Element ``index`` of ``value`` broadcast to ``shape`` (without materialising it).
    Example: value [[1, 2, 3]] (1, 3), shape (2, 3), index (1, 2) -> 3.0."""
    if type(value) is not np.ndarray:
        return float(value)
    nd = value.ndim
    if nd == 0:
        return float(value)
    sub = index[len(shape) - nd:]
    return float(value[tuple(i if n > 1 else 0 for i, n in zip(sub, value.shape))])


def _mapping(arch: Accelerator, nest: Nest, index: tuple, inp: SearchInputs,
             count: int) -> LayerMapping:
    shape = nest.shape

    def factors(trips):
        picked = ((d, int(round(_pick(trips[d], shape, index)))) for d in DIMS)
        return tuple((d, f) for d, f in picked if f > 1)
    outer = LevelTiling(arch.dram.name, tuple(nest.order0[index[0]]), factors(nest.t0))
    inner = LevelTiling("buffer", tuple(nest.order1[index[1]]), factors(nest.t1))
    return LayerMapping(str(arch.dataflow), inp.spatial.slots, (outer, inner),
                        str(inp.objective), count)


def full_nest(bounds: LoopBounds, slots: tuple, inner: tuple,
              orders: tuple = REPRESENTATIVE_ORDERS, all_k: bool = False,
              cache: CostCache | None = None) -> Nest:
    """The nest of every buffer-tile trip combination of ``bounds`` under the spatial
    ``slots``, buffer-tile ``orders`` x inner orders ``inner``. Kept in ``cache`` per (layer
    shape, unrolling, orders): its tiles, visits and extents then serve every accelerator
    variant with that array (a sweep changes sizes, bandwidths and energies, not the loop
    nest). ``all_k``: every power of two for the K trips (EIE's output batches, see
    :func:`_fewest_output_batches`), not the thinned grid."""
    key = (bounds, tuple(slots), tuple(inner), tuple(orders), bool(all_k))

    def build():
        limits = {**TRIP_LIMITS, "K": 64} if all_k else TRIP_LIMITS
        nest = build_nest(bounds, _grid(bounds, limits), Spatial(slots).factors, orders, inner)
        return replace(nest, key=key)
    return build() if cache is None else cache.get("nest", key, build)


def _fewest_output_batches(nest: Nest, keep):
    """EIE's schedule: the outputs stay in the PEs' destination registers for a whole pass
    over the input vector, and a layer with more outputs than fit runs in as few batches as
    possible (Han et al. 2016, Sec. III: "the M x V will be completed in several batches,
    where each batch is of length 4K or less"). Keeps the feasible tilings with the fewest
    buffer-level K trips. Example: fc6 (4,096 outputs, 64 PEs x 64 registers) -> 1 batch."""
    k_trips = np.broadcast_to(nest.t0["K"], keep.shape)
    return keep & (k_trips == np.min(k_trips[keep]))


def search_mapping(arch: Accelerator, inp: SearchInputs,
                   cache: CostCache | None = None) -> SearchResult:
    """Evaluate all candidates (module docstring) and return the best feasible one.

    Every tiling is evaluated (the cached :func:`full_nest`); infeasible ones never win
    (their score is +inf) and are not counted in ``candidates``."""
    broadcast = arch.dataflow is Dataflow.COLUMN_BROADCAST
    if inp.pinned is not None and inp.pinned[0] is not None:
        nest = pinned_nest(inp.bounds, inp.spatial.factors, *inp.pinned)
    elif inp.pinned is not None:
        nest = full_nest(inp.bounds, inp.spatial.slots, inp.pinned[2], inp.pinned[1], broadcast,
                         cache=cache)
    else:
        nest = full_nest(inp.bounds, inp.spatial.slots, inner_orders(arch),
                         tuple(REPRESENTATIVE_ORDERS), broadcast, cache=cache)
    ok, message = _fits(nest, inp)
    size = nest.shape[2]
    keep = np.asarray(ok).reshape(-1)
    keep = keep if keep.size == size else np.full(size, bool(keep.all()))
    if not keep.any():
        return SearchResult(False, candidates=int(keep.size), problem=message)
    if broadcast:
        keep = _fewest_output_batches(nest, keep)
    flows, bus, energy, latency, transfers = evaluate(arch, nest, inp, keep, cache)
    score = objective_scores(inp.objective, energy, latency, keep)
    score = score.reshape((1,) * (3 - score.ndim) + score.shape)  # size-1 axes pick index 0
    index = tuple(int(i) for i in np.unravel_index(int(np.argmin(score)), score.shape))
    shape = nest.shape
    chosen = tuple((key, _pick(r, shape, index), _pick(w, shape, index))
                   for key, (r, w) in flows.bytes.items())
    cycles = tuple((n, _pick(c, shape, index)) for n, c in transfers.items())
    bursts = tuple((key, _pick(r, shape, index), _pick(w, shape, index))
                   for key, (r, w) in bus.bytes.items() if bus is not flows and
                   key[0] == arch.dram.name)
    count = int(nest.shape[0] * nest.shape[1] * np.count_nonzero(keep))
    return SearchResult(True, _mapping(arch, nest, index, inp, count), chosen,
                        _pick(flows.latch_weight_values, nest.shape, index), cycles, bursts,
                        count, **dram_walk(nest, inp.bounds.groups,
                                           lambda v: _pick(v, shape, index)))


def dram_walk(nest: Nest, groups: int, pick, tables: tuple | None = None) -> dict:
    """``dram_steps`` and ``output_visits`` of the candidates ``pick`` selects: the DRAM-level
    walk per group (:meth:`Nest.dram_steps`, the outputs' tile visits) times the groups,
    which the walk steps through one after another (:mod:`hwsim.sim.tiles`). ``tables``:
    :func:`walk_tables` of ``nest``, when the caller keeps them."""
    steps, visits = tables if tables is not None else walk_tables(nest)
    return {"dram_steps": groups * pick(steps), "output_visits": groups * pick(visits)}


def walk_tables(nest: Nest) -> tuple:
    """(DRAM-level steps, the outputs' tile visits) per candidate of ``nest``, per group."""
    return nest.dram_steps(), nest.visits(Operand.OUTPUTS, 3)
