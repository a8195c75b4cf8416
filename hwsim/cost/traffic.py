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
from hwsim.cost.nest import LoopBounds, Nest, product, tile_elements
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
    operand's pointers apart from its values (EIE's pointer SRAM), if any."""

    operand: Operand
    dram: MemoryLevel | None
    levels: tuple[LevelRole, ...]
    resident: bool = False
    meta: MemoryLevel | None = None


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
        chains[op] = Chain(op, None if resident else dram, tuple(roles), resident, meta)
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


def _fanout(nest: Nest, op: Operand, child: LevelRole, parent: _End):
    """(tile extents' spatial factors, child copies, parent-side multiplicity)."""
    if not child.replicated:
        return nest.spatial, 1.0, 1.0
    above, below = nest.split(dict(child.above))
    copies = product(above)
    if parent.role is not None and parent.role.replicated:
        p_above, _ = nest.split(dict(parent.role.above))
        extra = {d: above[d] / p_above[d] for d in above}
        return below, copies, product(p_above) * product(extra, op)
    return below, copies, product(above, op)


def _tile_visits(nest: Nest, geo: LoopBounds, op: Operand, b: int, spatial: dict, key: str):
    """(tile elements, visits, distinct tiles) of ``op`` below boundary ``b``."""
    tile = tile_elements(op, nest.extents(b, spatial, key), geo)
    distinct = nest.distinct(op, b) if op is Operand.OUTPUTS else 0.0
    return tile, nest.visits(op, b), distinct


def _link(flows: Flows, nest: Nest, geo: LoopBounds, chain: Chain, b, parent: _End,
          child: LevelRole, ob: OperandBytes) -> None:
    """Elements between ``parent`` and ``child`` at boundary ``b`` (module docstring); ``b``
    may be an array of boundaries (one per candidate)."""
    op = chain.operand
    spatial, copies, mult = _fanout(nest, op, child, parent)
    name = child.level.name
    if np.ndim(b) == 0:
        tile, vis, distinct = _tile_visits(nest, geo, op, int(b), spatial, name)
    else:
        parts = [(b == k, _tile_visits(nest, geo, op, k, spatial, name))
                 for k in range(int(np.min(b)), 7) if np.any(b == k)]
        tile, vis, distinct = (sum(np.where(pick, tv[i], 0.0) for pick, tv in parts)
                               for i in range(3))
    p_bytes = ob.dram if parent.dram else ob.moved
    if op is not Operand.OUTPUTS:
        moved = tile * vis
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
    if parent.role is not None and parent.role.replicated:
        above, below = nest.split(dict(parent.role.above))
        mult = product(above) * product(below, op)
        vis, per_mac = nest.total_trips(), ob.per_mac_scale
    else:
        mult = product(nest.spatial, op)
        vis = nest.visits(op, 6)
        per_mac = np.where(nest.innermost_relevant(op), ob.per_mac_scale, 1.0)
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


def tile_bytes(nest: Nest, geo: LoopBounds, op: Operand, b: int, role: LevelRole,
               ob: OperandBytes):
    """Bytes of the tile of ``op`` held below boundary ``b`` (per instance when replicated)."""
    spatial = nest.split(dict(role.above))[1] if role.replicated else nest.spatial
    return tile_elements(op, nest.extents(b, spatial, role.level.name), geo) * ob.moved


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
                  shares: dict) -> None:
    """Add every link of ``chain`` to ``flows`` (module docstring)."""
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
            b_prev = int(np.min(chosen))
        elif not chain.resident:
            _link(flows, nest, geo, chain, b_prev, parent, role, ob)
        parent = _End(role.level.name, False, role)
    if parent.name is not None:
        _latch(flows, nest, chain, parent, ob)
