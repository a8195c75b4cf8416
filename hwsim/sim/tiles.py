"""The DRAM-level tile walk of a mapping: which operand tiles each step fetches and writes.

A :class:`~hwsim.cost.records.LayerMapping`'s DRAM level gives trip counts for N, K, C, P, Q
and an order of the relevance groups (``NPQ``, ``K``, ``CRS``, outer -> inner; dims inside a
group in ``N K C P Q`` order). Tile extents are ``ceil(D / trips)`` (the last tile may be
short), as in :func:`hwsim.cost.nest.build_nest`. Walking the loops (groups ``G`` outermost):

* an input or weight tile is fetched when its tile id (the indices of its relevant loops)
  differs from the previous step's: the loops inside that do not touch it reuse it (Timeloop's
  reuse rule, here by construction rather than by formula);
* a *visit* of an output tile is a run of steps with the same output id: a visit that is not
  the tile's first reads the partial sums back first; every visit ends with a write-back, of
  final outputs on the tile's last visit and of partial sums otherwise.

To bound the number of simulated steps, the innermost loop with more than one trip is walked
``batch`` tiles at a time (``ceil(steps / max_steps)``, but leaving it at least 2 trips):
operands relevant to it are fetched every step either way and the others are reused across it
either way, so the bytes moved are unchanged (input halos of a batched P or Q loop overlap
once instead of per tile). Only the granularity of the pipelining changes.

Worked example: K = 4, C = 4 in tiles of 2 (trips K2 C2), order K > CRS: steps (k0 c0),
(k0 c1), (k1 c0), (k1 c1); weights fetched at all 4, inputs at all 4 (C changes each step and
K wraps around), outputs visited twice (k0, k1), each visit written once as final.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

from hwsim.cost.nest import GROUPS, LoopBounds
from hwsim.cost.records import LayerMapping

WALK_DIMS = ("N", "K", "C", "P", "Q")
RELEVANT_DIMS = {"weights": ("K", "C"), "inputs": ("N", "C", "P", "Q"),
                 "outputs": ("N", "K", "P", "Q")}


@dataclass(frozen=True)
class TileStep:
    """One step of the walk: group ``g`` and the per-dim ranges ``lo``/``hi`` (WALK_DIMS order).

    ``fetch``: operands ("weights", "inputs") to load before computing; ``psum_read``: read
    the output tile's partial sums first; ``write``: "final", "partial" or "" after computing;
    ``macs_share``: this step's share of the layer's dense MACs.
    """

    g: int
    lo: tuple[int, ...]
    hi: tuple[int, ...]
    fetch: tuple[str, ...]
    psum_read: bool
    write: str
    macs_share: float

    def extent(self, dim: str) -> int:
        i = WALK_DIMS.index(dim)
        return self.hi[i] - self.lo[i]


@dataclass(frozen=True)
class TileWalk:
    """All steps of a layer, the loop structure walked and the batching used."""

    steps: tuple[TileStep, ...]
    loops: tuple[tuple[str, int], ...]
    tile: tuple[tuple[str, int], ...]
    batch: int
    batched_dim: str | None


def _loops(mapping: LayerMapping | None, bounds: LoopBounds):
    """[(dim, trips, tile)] outer -> inner for dims with more than one trip."""
    factors = dict(mapping.levels[0].factors) if mapping and mapping.levels else {}
    order = mapping.levels[0].order if mapping and mapping.levels else ("NPQ", "K", "CRS")
    loops = []
    for group in order:
        for dim in GROUPS[group]:
            if dim not in WALK_DIMS:
                continue
            size = bounds[dim]
            trips = max(1, min(int(factors.get(dim, 1)), size))
            tile = -(-size // trips)
            trips = -(-size // tile)
            if trips > 1:
                loops.append([dim, trips, tile])
    return loops


def _batch(loops: list, groups: int, max_steps: int) -> tuple[int, str | None]:
    total = groups * int(np.prod([t for _, t, _ in loops], dtype=np.float64)) if loops else groups
    if not loops or total <= max_steps:
        return 1, None
    dim, trips, tile = loops[-1]
    batch = min(trips - 1, -(-total // max_steps))  # keep >= 2 trips: the reuse pattern stays
    if batch <= 1:
        return 1, None
    loops[-1] = [dim, -(-trips // batch), tile * batch]
    return batch, dim


def tile_walk(mapping: LayerMapping | None, bounds: LoopBounds, max_steps: int = 4096
              ) -> TileWalk:
    """Walk the DRAM-level loops of ``mapping`` (module docstring); None = a single tile."""
    loops = _loops(mapping, bounds)
    batch, batched = _batch(loops, bounds.groups, max_steps)
    size = {d: bounds[d] for d in WALK_DIMS}
    tile = {d: size[d] for d in WALK_DIMS}
    for dim, _, t in loops:
        tile[dim] = t
    dense = float(np.prod([size[d] for d in WALK_DIMS], dtype=np.float64)) * bounds.groups
    raw = []
    for g in range(bounds.groups):
        for idx in product(*[range(t) for _, t, _ in loops]):
            pos = dict(zip([d for d, _, _ in loops], idx))
            lo = tuple(pos.get(d, 0) * tile[d] for d in WALK_DIMS)
            hi = tuple(min(size[d], l + tile[d]) for d, l in zip(WALK_DIMS, lo))
            raw.append((g, lo, hi))
    return TileWalk(_annotate(raw, dense), tuple((d, t) for d, t, _ in loops),
                    tuple(tile.items()), batch, batched)


def _tile_id(g: int, lo: tuple, operand: str) -> tuple:
    return (g,) + tuple(lo[WALK_DIMS.index(d)] for d in RELEVANT_DIMS[operand])


def _annotate(raw: list, dense: float) -> tuple[TileStep, ...]:
    out_ids = [_tile_id(g, lo, "outputs") for g, lo, _ in raw]
    visits: dict = {}
    for i, oid in enumerate(out_ids):
        if i == 0 or out_ids[i - 1] != oid:
            visits[oid] = visits.get(oid, 0) + 1
    seen: dict = {}
    steps = []
    prev = {"weights": None, "inputs": None}
    for i, (g, lo, hi) in enumerate(raw):
        fetch = []
        for op in ("weights", "inputs"):
            tid = _tile_id(g, lo, op)
            if tid != prev[op]:
                fetch.append(op)
                prev[op] = tid
        oid = out_ids[i]
        new_visit = i == 0 or out_ids[i - 1] != oid
        psum = new_visit and seen.get(oid, 0) > 0
        if new_visit:
            seen[oid] = seen.get(oid, 0) + 1
        ends = i == len(raw) - 1 or out_ids[i + 1] != oid
        write = ("final" if seen[oid] == visits[oid] else "partial") if ends else ""
        macs = float(np.prod([h - l for l, h in zip(lo, hi)], dtype=np.float64))
        steps.append(TileStep(g, lo, hi, tuple(fetch), psum, write, macs / dense))
    return tuple(steps)
