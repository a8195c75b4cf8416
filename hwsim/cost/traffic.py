"""Bytes moved per memory level and operand for a batch of candidate mappings.

Each operand follows its *chain*: DRAM (when DRAM holds it per inference) -> its on-chip
levels outer -> inner (``Accelerator.path``) -> the MAC latches (one operand register per PE).
Crossing a boundary of the nest (:mod:`hwsim.cost.nest`) moves ``tile x visits`` elements:

* DRAM -> first on-chip level at the buffer boundary (b = 3);
* an inner level that is *shared* (one instance, or EIE's sharded storage) is a staging copy of
  its parent (same counts); an inner level *replicated* per PE (a register file) owns the
  innermost loops whose per-PE tile fits its share of the capacity (b = 3..6);
* the MACs at b = 6: from a per-PE level every MAC reads its operands (and updates its partial
  sum); from a shared level the operand sits in the PE's pipeline register (a systolic array)
  and is re-read only when a loop relevant to it advances (a stationary operand stays).

A replicated child holds one copy per PE: it is written ``prod(s)`` times (all spatial
factors) while a shared parent is read once per distinct datum ``prod(s relevant)`` (multicast;
for outputs the same factor is the spatial reduction). Outputs go back up: every visit of an
output tile is written to the parent, every visit but the first reads the partial sum back.

Element sizes: between levels, weights and activations move in their *stored* format (exact
bits, metadata included: ``stored bytes / dense elements``); partial sums at accumulator
width, final outputs at the output's stored size. The latch reads the MAC operand: the stored
value (+ its index) for skipped or N:M weights, else the arithmetic width, scaled by the slots
actually issued (:class:`OperandBytes`).

Worked example (4x4 ws array, a 1-level chain, weights K=4, C=4, NPQ = 10, all fitting): the
weights cross DRAM -> buffer once (16 elements), the latch reads them once per fold (16), the
inputs 10 x 4 = 40 times from the buffer (multicast over the 4 columns), outputs 10 x 4 = 40
writes (reduced over the 4 rows).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hwsim.arch.model import Accelerator, MemoryLevel
from hwsim.cost.dataflow import Spatial
from hwsim.cost.nest import LoopBounds, Nest, halo, product
from hwsim.types import Dataflow, MemoryKind, Operand

OPERANDS = (Operand.WEIGHTS, Operand.INPUTS, Operand.OUTPUTS)


@dataclass(frozen=True)
class LevelRole:
    """An on-chip level on an operand's chain. ``replicated``: one copy per instance, spread
    over the spatial factors ``above`` (nominal); a shared level serves the whole array."""

    level: MemoryLevel
    replicated: bool
    above: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Chain:
    """The route of one operand. ``dram`` is None when DRAM holds no per-inference copy
    (resident weights, or activations kept on chip); ``meta`` is the level that stores the
    operand's pointers apart from its values (EIE's pointer SRAM), if any. ``streamed``: the
    operand reaches the PEs one element at a time (EIE's broadcast of input columns through
    the PEs' FIFOs), so an inner level is refilled on every visit at the MACs (b = 6) rather
    than holding a buffer tile."""

    operand: Operand
    dram: MemoryLevel | None
    levels: tuple[LevelRole, ...]
    resident: bool = False
    meta: MemoryLevel | None = None
    streamed: bool = False


@dataclass(frozen=True)
class OperandBytes:
    """Bytes per dense element of one operand.

    ``dram`` at the DRAM interface (compressed activation formats apply there), ``moved``
    between on-chip levels (outputs: partial sums), ``final_dram`` / ``final`` for final
    outputs, ``latch`` per MAC-side read, ``latch_scale`` the fraction of dense latch reads
    issued (stored slots), ``per_mac_scale`` the extra fraction when the operand is re-read
    every MAC (zeros of the other operand skipped); ``meta_moved`` / ``meta_latch``: pointer
    bytes kept in the metadata level (filled with the values, read per column visit).
    """

    dram: float
    moved: float
    latch: float
    latch_scale: float = 1.0
    per_mac_scale: float = 1.0
    final_dram: float = 0.0
    final: float = 0.0
    meta_moved: float = 0.0
    meta_latch: float = 0.0


def build_chains(arch: Accelerator, weights_resident: bool,
                 spatial: Spatial) -> dict[Operand, Chain]:
    """Chains of the three operands. Levels with several instances are replicated, each
    instance serving the spatial slots that fit it (:meth:`Spatial.above`), except under the
    column broadcast, where each PE keeps its own slice (sharded storage: EIE broadcasts from
    it). Example: a DRAM + GLB + per-PE RF arch -> weights chain (dram, [glb shared, rf
    replicated])."""
    chains = {}
    broadcast = arch.dataflow is Dataflow.COLUMN_BROADCAST
    for op in OPERANDS:
        path = arch.path(op)
        dram = next((l for l in path if l.kind is MemoryKind.DRAM), None)
        roles = []
        for l in path:
            if l.kind is MemoryKind.DRAM:
                continue
            rep = l.instances > 1 and not broadcast
            roles.append(LevelRole(l, rep, tuple(spatial.above(l.instances).items())
                                   if rep else ()))
        meta = next((l for l in arch.memories if op in l.metadata_for), None)
        resident = op is Operand.WEIGHTS and (weights_resident or dram is None)
        chains[op] = Chain(op, None if resident else dram, tuple(roles), resident, meta,
                           broadcast and op is Operand.INPUTS)
    return chains


@dataclass
class Flows:
    """Accumulates bytes per (level name, operand): ``[read_bytes, write_bytes]`` arrays, and
    the latch element counts (for codebook lookups)."""

    bytes: dict = field(default_factory=dict)
    latch_weight_values: object = 0.0

    def add(self, level: str, op: Operand, read=0.0, write=0.0) -> None:
        entry = self.bytes.setdefault((level, op), [0.0, 0.0])
        entry[0] = entry[0] + read
        entry[1] = entry[1] + write


@dataclass(frozen=True)
class _End:
    """One end of a link: level name (None: nothing), whether it is DRAM, its role."""

    name: str | None
    dram: bool = False
    role: LevelRole | None = None


def space_key(role: LevelRole | None):
    """Cache key of the spatial factors a level's tiles span: they depend only on whether it
    is replicated and over which slots (not on its name or size), so a cached nest serves
    every variant of an accelerator."""
    if role is None:
        return None
    return ("replicated", role.above) if role.replicated else ("shared",)


def _fanout(nest: Nest, op: Operand, child: LevelRole, parent: _End):
    """(tile extents' spatial factors, child copies, parent-side multiplicity)."""
    return _fanout_of(nest, op, child, parent)


def _fanout_of(nest: Nest, op: Operand, child: LevelRole, parent: _End):
    if not child.replicated:
        return nest.spatial, 1.0, 1.0
    above, below = nest.split(dict(child.above))
    copies = product(above)
    if parent.role is not None and parent.role.replicated:
        p_above, _ = nest.split(dict(parent.role.above))
        extra = {d: above[d] / p_above[d] for d in above}
        return below, copies, product(p_above) * product(extra, op)
    return below, copies, product(above, op)


def _tile_visits(nest: Nest, geo: LoopBounds, op: Operand, b: int, spatial: dict, key):
    """(tile elements, visits, distinct tiles) of ``op`` below boundary ``b``."""
    tile = nest.tile_of(op, b, spatial, key, geo)
    distinct = nest.distinct(op, b) if op is Operand.OUTPUTS else 0.0
    return tile, nest.visits(op, b), distinct


def _link(flows: Flows, nest: Nest, geo: LoopBounds, chain: Chain, b, parent: _End,
          child: LevelRole, ob: OperandBytes) -> None:
    """Elements between ``parent`` and ``child`` at boundary ``b`` (module docstring); ``b``
    may be an array of boundaries (one per candidate)."""
    op = chain.operand
    spatial, copies, mult = _fanout(nest, op, child, parent)
    name, key = child.level.name, space_key(child)
    if np.ndim(b) == 0:
        tile, vis, distinct = _tile_visits(nest, geo, op, int(b), spatial, key)
    else:
        parts = [(b == k, _tile_visits(nest, geo, op, k, spatial, key))
                 for k in range(int(np.min(b)), 7) if np.any(b == k)]
        tile, vis, distinct = (sum(np.where(pick, tv[i], 0.0) for pick, tv in parts)
                               for i in range(3))
    p_bytes = ob.dram if parent.dram else ob.moved
    if op is not Operand.OUTPUTS:
        moved = tile * vis * (ob.latch_scale if chain.streamed and not parent.dram else 1.0)
        if parent.name is not None:
            flows.add(parent.name, op, read=moved * mult * p_bytes)
        meta = ob.meta_moved if (chain.meta is not None and parent.dram) else 0.0
        flows.add(name, op, write=moved * copies * (ob.moved - meta))
        if meta:
            flows.add(chain.meta.name, op, write=moved * copies * meta)
        return
    if parent.name is None:  # no parent: the outputs stay in ``child``
        return
    final, refetch = tile * distinct, tile * (vis - distinct)
    f_bytes = ob.final_dram if parent.dram else ob.final
    flows.add(name, op, read=(final * ob.final + refetch * ob.moved) * copies,
              write=refetch * copies * ob.moved)
    flows.add(parent.name, op, write=(final * f_bytes + refetch * ob.moved) * mult,
              read=refetch * mult * ob.moved)


def _latch(flows: Flows, nest: Nest, chain: Chain, parent: _End, ob: OperandBytes) -> None:
    """Operand reads (and partial-sum updates) of the MACs at the innermost level.

    A per-PE (replicated) level is accessed by every MAC (Timeloop / ZigZag convention);
    from a shared level the operand enters the PE's pipeline register and is re-read only
    when a loop relevant to it advances (a stationary operand stays in the PE).
    """
    op = chain.operand
    mult, vis, innermost = _latch_counts(nest, op, parent.role)
    if innermost is None or ob.per_mac_scale == 1.0:
        per_mac = ob.per_mac_scale
    else:
        per_mac = np.where(innermost, ob.per_mac_scale, 1.0)
    scale = ob.latch_scale * per_mac
    if op is not Operand.OUTPUTS:
        elements = vis * mult * scale
        flows.add(parent.name, op, read=elements * ob.latch)
        if op is Operand.WEIGHTS:
            flows.latch_weight_values = flows.latch_weight_values + elements
            if chain.meta is not None and ob.meta_latch:
                flows.add(chain.meta.name, op, read=vis * mult * per_mac * ob.meta_latch)
        return
    distinct = nest.distinct(op, 6)
    flows.add(parent.name, op, write=vis * mult * scale * ob.latch,
              read=np.maximum(vis - distinct, 0.0) * mult * scale * ob.latch)


def _latch_counts(nest: Nest, op: Operand, role: LevelRole):
    """(spatial multiplicity, visits, innermost-relevant mask or None) of the latch reads."""
    if role is not None and role.replicated:
        above, below = nest.split(dict(role.above))
        return product(above) * product(below, op), nest.total_trips(), None
    return product(nest.spatial, op), nest.visits(op, 6), nest.innermost_relevant(op)


def tile_bytes(nest: Nest, geo: LoopBounds, op: Operand, b: int, role: LevelRole,
               ob: OperandBytes):
    """Bytes of the tile of ``op`` held below boundary ``b`` (per instance when replicated)."""
    spatial = nest.split(dict(role.above))[1] if role.replicated else nest.spatial
    return nest.tile_of(op, b, spatial, space_key(role), geo) * ob.moved


def rf_boundary(nest: Nest, geo: LoopBounds, op: Operand, role: LevelRole, share: float,
                ob: OperandBytes, floor: int):
    """Outermost boundary in ``floor..6`` whose per-instance tile fits ``share`` bytes (6
    always does: one element per lane); an (O, M) int array."""
    chosen = np.full(nest.shape, 6)
    for b in range(5, floor - 1, -1):
        fits = tile_bytes(nest, geo, op, b, role, ob) <= share
        chosen = np.where(fits, b, chosen)
    return chosen


def operand_flows(flows: Flows, nest: Nest, geo: LoopBounds, chain: Chain, ob: OperandBytes,
                  shares: dict, keep=None) -> None:
    """Add every link of ``chain`` to ``flows`` (module docstring). ``keep``: the feasible
    tilings (an (M,) mask, None: all); the next level's floor is the outermost boundary a
    feasible candidate chose."""
    parent = _End(chain.dram.name, True) if chain.dram is not None else _End(None)
    b_prev = 3
    for i, role in enumerate(chain.levels):
        if i == 0:
            if not chain.resident:
                _link(flows, nest, geo, chain, 3, parent, role, ob)
        elif role.replicated:
            chosen = rf_boundary(nest, geo, chain.operand, role, shares[role.level.name], ob,
                                 b_prev)
            _link(flows, nest, geo, chain, chosen, parent, role, ob)
            b_prev = int(np.min(chosen if keep is None else
                                np.broadcast_to(chosen, nest.shape)[..., keep]))
        elif not chain.resident:
            _link(flows, nest, geo, chain, 6 if chain.streamed else b_prev, parent, role, ob)
        parent = _End(role.level.name, False, role)
    if parent.name is not None:
        _latch(flows, nest, chain, parent, ob)


# DRAM layout, innermost dimension first: activations N C H W, weights K C R S (row-major).
_LAYOUT = {Operand.OUTPUTS: ("Q", "P", "K", "N"), Operand.INPUTS: ("W", "H", "C", "N"),
           Operand.WEIGHTS: ("S", "R", "C", "K")}


def _tile_extents(nest: Nest, geo: LoopBounds, op: Operand) -> tuple[list, list]:
    """(tile extents, full sizes) of the buffer tile of ``op`` in DRAM layout order."""
    t = nest.tile
    if op is Operand.INPUTS:
        rows = halo(t["P"], t["R"], geo.stride[0], geo.dilation[0], geo.in_size[0])
        cols = halo(t["Q"], t["S"], geo.stride[1], geo.dilation[1], geo.in_size[1])
        return [cols, rows, t["C"], t["N"]], [geo.in_size[1], geo.in_size[0], geo["C"],
                                              geo["N"]]
    return [t[d] for d in _LAYOUT[op]], [geo[d] for d in _LAYOUT[op]]


def burst_factor(nest: Nest, geo: LoopBounds, op: Operand, element_bytes: float,
                 burst_bytes: int):
    """Bytes a DRAM channel moves per useful byte for the buffer tiles of ``op``: each
    contiguous run of the tile (row-major layout, :data:`_LAYOUT`) costs whole bursts.

    A run extends over the innermost dims while the tile spans them fully. Example: an
    output tile of 1 x 4 x 3 (K, P, Q) of a 16 x 16 map, 1-byte elements, 32-byte bursts ->
    12 runs of 3 bytes, each a burst: 32 / 3 = 10.7 bytes moved per useful byte.
    """
    def compute():
        ext, full = _tile_extents(nest, geo, op)
        run, spanning = 1.0, True
        for e, f in zip(ext, full):
            run = run * np.where(spanning, e, 1.0)
            spanning = spanning & (e >= f)
        run_bytes = np.maximum(run * element_bytes, 1e-12)
        return np.ceil(run_bytes / burst_bytes - 1e-9) * burst_bytes / run_bytes
    return compute()
