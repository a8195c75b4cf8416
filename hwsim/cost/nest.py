"""Loop-nest data movement: tiles, reuse and the element counts crossing each boundary.

The layer's loop nest (per group) has dims ``N K C P Q R S``. For reuse only the *relevance
group* of a loop matters, so loops are grouped: ``NPQ`` (irrelevant to weights), ``K``
(irrelevant to inputs) and ``CRS`` (irrelevant to outputs). The nest has six temporal loops,
three over buffer tiles (``order0``, trip counts ``t0``) and three inside a buffer tile
(``order1``, trip counts ``t1``), then the spatial unrolling ``s`` and the MACs::

    for g0 in order0 (trips t0):        # DRAM -> buffer tiles
      for g1 in order1 (trips t1):      # inside a buffer tile, per PE
        parallel for d (factors s):     # the PE array
          MAC

**Reuse rule** (Timeloop's): a tile held below a boundary is refetched once per iteration of
the loops above it, except that trailing loops (innermost first) that are irrelevant to the
operand, or have one trip, reuse it; the first relevant loop with more than one trip stops the
reuse. Example: order (K, CRS, NPQ) with trips (2, 3, 5) above the weights' latch: NPQ is
irrelevant to weights and innermost, so weights are fetched 2 x 3 = 6 times, inputs 30 times.

**Boundaries**: ``b`` = number of loops above (3: the buffer boundary, 6: the MAC latches).
Element counts use fractional trips (``D / tile``) so that partial tiles are not padded:
the trips test (> 1) uses the integer counts. Arrays broadcast over candidates
``(O0, O1, M)``: buffer-tile orders x inner orders x tile-factor combinations (quantities
that do not depend on an axis keep size 1 there).

Input tiles include the halo: a tile of ``p`` output rows and ``r`` filter rows touches
``min(p r, (p - 1) stride + (r - 1) dilation + 1, H)`` input rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import permutations

import numpy as np

from hwsim.types import Operand
from hwsim.workload.layer import LayerWorkload

DIMS = ("N", "K", "C", "P", "Q", "R", "S")
GROUPS = {"NPQ": ("N", "P", "Q"), "K": ("K",), "CRS": ("C", "R", "S")}
GROUP_OF = {d: g for g, dims in GROUPS.items() for d in dims}
RELEVANT = {Operand.WEIGHTS: ("K", "CRS"), Operand.INPUTS: ("NPQ", "CRS"),
            Operand.OUTPUTS: ("NPQ", "K")}
OPERAND_INDEX = {Operand.WEIGHTS: 0, Operand.INPUTS: 1, Operand.OUTPUTS: 2}
ORDERS = tuple(permutations(("NPQ", "K", "CRS")))
# Three orders cover all six: with three loops of > 1 trip only the innermost group matters
# (the reuse rule stops at the first relevant loop, and each outer pair is relevant to the
# operand or skipped alike); with two, only their relative order; and every ordered pair of
# groups appears in one of these three.
REPRESENTATIVE_ORDERS = (("NPQ", "K", "CRS"), ("NPQ", "CRS", "K"), ("K", "CRS", "NPQ"))
EPS = 1e-9


@dataclass(frozen=True)
class LoopBounds:
    """Per-group loop bounds of a layer and the geometry for input halos.

    Example: LeNet-5 conv1 (1 -> 20 channels, 28x28, 5x5) -> N=1 K=20 C=1 P=24 Q=24 R=5 S=5.
    """

    bounds: tuple[tuple[str, int], ...]
    groups: int
    stride: tuple[int, int]
    dilation: tuple[int, int]
    in_size: tuple[int, int]
    padding: tuple[int, int] = (0, 0)

    @staticmethod
    def of(layer: LayerWorkload) -> "LoopBounds":
        lb = layer.loop_bounds
        return LoopBounds(tuple((d, int(lb[d])) for d in DIMS), int(lb["G"]), layer.stride,
                          layer.dilation, (layer.in_height, layer.in_width), layer.padding)

    def __getitem__(self, dim: str) -> int:
        return self.bounds[DIMS.index(dim)][1]

    def touched_rows(self, axis: int) -> int:
        """Input rows (axis 0) or cols (axis 1) any output touches, padding excluded.

        Example: H = 5, P = 3, R = 1, stride 2, pad 0 -> rows {0, 2, 4} -> 3.
        """
        out, k = (self["P"], self["R"]) if axis == 0 else (self["Q"], self["S"])
        return _touched(out, k, self.in_size[axis], self.stride[axis], self.dilation[axis],
                        self.padding[axis])


def _touched(out: int, k: int, size: int, stride: int, dil: int, pad: int) -> int:
    pos = (np.arange(out)[:, None] * stride + np.arange(k)[None, :] * dil - pad).ravel()
    return int(np.unique(pos[(pos >= 0) & (pos < size)]).size)


def halo(out_extent, k_extent, stride: int, dilation: int, size: int):
    """Input extent touched by ``out_extent`` outputs and ``k_extent`` filter taps (elementwise).

    Example: 3 outputs, 3 taps, stride 1 -> min(9, 5, size) = 5 rows.
    """
    span = (out_extent - 1) * stride + (k_extent - 1) * dilation + 1
    return np.minimum(np.minimum(out_extent * k_extent, span), size)


def tile_elements(operand: Operand, ext: dict, geo: LoopBounds):
    """Elements of ``operand`` in a tile with extents ``ext`` (dim -> array), halo included.

    Example: ext N1 K2 C3 P4 Q4 R3 S3 -> weights 2*3*3*3 = 54, outputs 1*2*4*4 = 32,
    inputs 1*3*6*6 = 108 (stride 1: 4 + 3 - 1 = 6 rows).
    """
    if operand is Operand.WEIGHTS:
        return ext["K"] * ext["C"] * ext["R"] * ext["S"]
    if operand is Operand.OUTPUTS:
        return ext["N"] * ext["K"] * ext["P"] * ext["Q"]
    rows = halo(ext["P"], ext["R"], geo.stride[0], geo.dilation[0], geo.in_size[0])
    cols = halo(ext["Q"], ext["S"], geo.stride[1], geo.dilation[1], geo.in_size[1])
    return ext["N"] * ext["C"] * rows * cols


@dataclass(frozen=True)
class Nest:
    """Trip counts and orders of all candidates (arrays broadcast to ``(O, M)``).

    ``t0``/``t1`` hold the integer trips per dim (for the > 1 test), ``f0``/``f1`` the
    fractional trips used in counts, ``tile`` the buffer tile extents ``ceil(D / t0)`` and
    ``spatial`` the effective spatial factors ``min(s, tile)``; ``order0``/``order1`` are
    tuples of orders (each a tuple of group names, outer -> inner) along axes 0 and 1.
    """

    t0: dict
    t1: dict
    f0: dict
    f1: dict
    tile: dict
    spatial: dict
    order0: tuple
    order1: tuple
    positions: tuple = ()
    key: tuple = field(default=(), compare=False, repr=False)
    """The content key it was built from (:func:`hwsim.cost.search.full_nest`), under which
    a :class:`~hwsim.cost.cache.CostCache` keeps its flow tables; () for a pinned nest. The
    nest itself keeps no memo: its tables are computed when asked, and the flow tables built
    from them are kept by the caller's cache."""

    @property
    def shape(self) -> tuple[int, int, int]:
        """(O0, O1, M): buffer-tile orders x inner orders x tile-factor combinations."""
        return (len(self.order0), len(self.order1), np.shape(self.positions[0][1])[-1])

    def loops(self, boundary: int) -> tuple:
        """The loops above ``boundary`` outer -> inner as (relevance (3, O0, O1, 1) for the
        operands in :data:`OPERAND_INDEX` order, trips > 1, fractional trips)."""
        return self.positions[:min(boundary, 6)]

    def visits(self, operand: Operand, boundary: int):
        """Tile fetches below ``boundary`` (reuse rule, module docstring), fractional. The
        three operands are computed together (stacked on a leading axis)."""
        def compute():
            total, stopped = 1.0, False
            for rel, big, fracs in reversed(self.loops(boundary)):
                total = total * np.where(rel | stopped, fracs, 1.0)
                stopped = stopped | (rel & big)
            return total
        return compute()[OPERAND_INDEX[operand]]

    def total_trips(self):
        """Product of all six loops' fractional trips: iterations per spatial lane."""
        def compute():
            total = 1.0
            for _, _, fracs in self.loops(6):
                total = total * fracs
            return total
        return compute()

    def dram_steps(self):
        """Steps of the DRAM-level tile walk: the product of the three buffer-tile loops'
        fractional trips (:mod:`hwsim.cost.pipeline`); e.g. trips K 4, C 2.5 -> 10.0."""
        total = 1.0
        for _, _, fracs in self.loops(3):
            total = total * fracs
        return total

    def distinct(self, operand: Operand, boundary: int):
        """Distinct tiles of ``operand`` above ``boundary``: product of its relevant trips."""
        def compute():
            total = 1.0
            for rel, _, fracs in self.loops(boundary):
                total = total * np.where(rel, fracs, 1.0)
            return total
        return compute()[OPERAND_INDEX[operand]]

    def extents(self, boundary: int, spatial: dict | None = None, key: str = "") -> dict:
        """Per-dim extents of a tile held below ``boundary``: the t1 loops below it, times the
        spatial factors ``spatial`` that the storage serves (capped at the buffer tile).
        ``key`` names ``spatial`` for the cache (e.g. the level). Dims are computed when
        first read."""
        def one(d):
            inner = self.f1[d]
            if boundary > 3:
                pos = np.array([3 + o.index(GROUP_OF[d]) for o in self.order1])[None, :, None]
                inner = np.where(pos >= boundary, inner, 1.0)
            if spatial is None:
                return inner
            return np.minimum(inner * spatial.get(d, 1.0), self.tile[d])
        return _Lazy(one)

    def tile_of(self, operand: Operand, boundary: int, spatial: dict | None, key,
             geo: "LoopBounds"):
        """:func:`tile_elements` of ``operand`` below ``boundary`` with the spatial factors
        ``spatial`` (named by ``key`` for the cache, as in :meth:`extents`)."""
        return tile_elements(operand, self.extents(boundary, spatial, key), geo)

    def split(self, above: dict) -> tuple[dict, dict]:
        """Effective spatial factors across storage instances (``above``, nominal) and within
        one instance: (min(above_d, s'_d), s'_d / that)."""
        def compute():
            out = {d: np.minimum(float(above.get(d, 1)), self.spatial[d]) for d in DIMS}
            return out, {d: self.spatial[d] / out[d] for d in DIMS}
        return compute()

    def innermost_relevant(self, operand: Operand):
        """True where the innermost loop with > 1 trip is relevant to ``operand`` (it is then
        read once per MAC at the latch, not held stationary)."""
        def compute():
            result, found = np.zeros((), bool), False
            for rel, big, _ in reversed(self.loops(6)):
                result = np.where(~found & big, rel, result)
                found = found | big
            return np.where(found, result, True)
        return compute()[OPERAND_INDEX[operand]]


class _Lazy(dict):
    """A dict whose missing keys are computed by ``fn`` on first read, then kept."""

    def __init__(self, fn):
        super().__init__()
        self._fn = fn

    def __missing__(self, key):
        value = self[key] = self._fn(key)
        return value


def product(factors: dict, operand: Operand | None = None):
    """Product of per-dim ``factors`` over all dims, or those relevant to ``operand``.

    Example: {"C": 3, "K": 4} -> 12; for outputs (C irrelevant) -> 4.
    """
    total = 1.0
    for d in DIMS:
        if operand is None or GROUP_OF[d] in RELEVANT[operand]:
            total = total * factors.get(d, 1.0)
    return total


def _group(values: dict, name: str):
    total = 1.0
    for d in GROUPS[name]:
        total = total * values[d]
    return total


def build_nest(bounds: LoopBounds, t0: dict, spatial: dict, order0: tuple,
               order1: tuple, loops: bool = True) -> Nest:
    """Derive t1, fractional trips and tiles from the DRAM-level trips ``t0`` (dim -> (M,)
    arrays) and the spatial factors ``s`` (dim -> int); ``order0`` / ``order1``: the orders
    to try above / inside a buffer tile. ``loops=False`` skips the loop tables (enough for
    tile sizes).

    Example: D = 55, t0 = 2, s = 32 -> tile 28, s' = 28, t1 = 1; fractional f0 = 55/28.
    """
    tile, t0i, t1, f0, f1, sp = {}, {}, {}, {}, {}, {}
    for d in DIMS:
        size = float(bounds[d])
        tile[d] = np.ceil(size / np.asarray(t0.get(d, 1.0), dtype=np.float64))
        t0i[d] = np.ceil(size / tile[d])
        sp[d] = np.minimum(float(spatial.get(d, 1)), tile[d])
        t1[d] = np.ceil(tile[d] / sp[d])
        f0[d] = size / tile[d]
        f1[d] = tile[d] / sp[d]
    shape = np.broadcast_shapes(*(np.shape(f0[d]) for d in DIMS))
    if not loops:
        return Nest(t0i, t1, f0, f1, tile, sp, tuple(order0), tuple(order1),
                    ((None, np.zeros(shape, bool).reshape(1, 1, -1), None),))
    grouped = {(lvl, g): (np.broadcast_to(_group(t, g), shape),
                          np.broadcast_to(_group(f, g), shape))
               for lvl, (t, f) in enumerate(((t0i, f0), (t1, f1))) for g in GROUPS}
    positions = []
    for pos in range(6):
        lvl, orders = (0, order0) if pos < 3 else (1, order1)
        names = [o[pos % 3] for o in orders]
        axis = (len(names), 1) if lvl == 0 else (1, len(names))
        trips = np.stack([grouped[(lvl, n)][0] for n in names]).reshape(*axis, -1)
        fracs = np.stack([grouped[(lvl, n)][1] for n in names]).reshape(*axis, -1)
        rel = np.array([[n in RELEVANT[op] for n in names] for op in OPERAND_INDEX])
        positions.append((rel.reshape(3, *axis, 1), trips > 1 + EPS, fracs))
    return Nest(t0i, t1, f0, f1, tile, sp, tuple(order0), tuple(order1), tuple(positions))
