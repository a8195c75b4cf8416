"""What each dataflow unrolls over the PE array and which operand it keeps stationary.

Spatial unrolling fills the array rows, then its columns, greedily in the listed dim order
(``s_d = min(D_d, PEs left)``):

=====================  =====================  ===============  =========================
dataflow               rows                   cols             inner order (outer->inner)
=====================  =====================  ===============  =========================
weight_stationary      C, S, R (reduction)    K                K, CRS, NPQ (weights stay)
output_stationary      Q, P, N (pixels)       K                NPQ, K, CRS (outputs stay)
input_stationary       C, S, R                Q, P, N          CRS, NPQ, K (inputs stay)
row_stationary         R, C                   P, K             NPQ, K, CRS (+ searched)
column_broadcast       K over all PEs (EIE's interleaved rows) NPQ, CRS, K
=====================  =====================  ===============  =========================

The rows x cols split follows SCALE-Sim for the systolic dataflows (operand matrices Sr x Sc,
each a flattened dimension: the last dim of a tier may take a fractional share of the PEs)
and Eyeriss's row-stationary PE sets (filter rows on array rows, output rows on array cols,
replicated over channels / filters). Per-PE register files that hold more than one value let
the search try other inner orders too (:func:`inner_orders`). A PE doing several MACs per
cycle (a tensor core) adds an inner block of MAC lanes over (C, K, Q). Example: weight_stationary on a
32x32 array with C = 3, R = S = 11, K = 96 -> rows C3 S10.67 (the flattened 363-long
reduction over 32 rows), cols K32.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from hwsim.arch.model import Accelerator
from hwsim.cost.nest import REPRESENTATIVE_ORDERS, LoopBounds
from hwsim.types import Dataflow

_UNROLL = {
    Dataflow.WEIGHT_STATIONARY: (("C", "S", "R"), ("K",)),
    Dataflow.OUTPUT_STATIONARY: (("Q", "P", "N"), ("K",)),
    Dataflow.INPUT_STATIONARY: (("C", "S", "R"), ("Q", "P", "N")),
    Dataflow.ROW_STATIONARY: (("R", "C"), ("P", "K")),
}
FLATTENED = (Dataflow.WEIGHT_STATIONARY, Dataflow.OUTPUT_STATIONARY, Dataflow.INPUT_STATIONARY)
_INNER = {
    Dataflow.WEIGHT_STATIONARY: (("K", "CRS", "NPQ"),),
    Dataflow.OUTPUT_STATIONARY: (("NPQ", "K", "CRS"),),
    Dataflow.INPUT_STATIONARY: (("CRS", "NPQ", "K"),),
    Dataflow.ROW_STATIONARY: (("NPQ", "K", "CRS"),),
    Dataflow.COLUMN_BROADCAST: (("NPQ", "CRS", "K"),),
}


@dataclass(frozen=True)
class Spatial:
    """Spatial unrolling: ``slots`` (dim, factor) outer -> inner (array rows, array cols, then
    the MAC lanes inside a PE when ``macs_per_pe_per_cycle > 1``) and their per-dim product.

    Example: 32x32 ws, C = 3, R = S = 11, K = 96 -> slots (C 3, S 10.67, K 32), factors
    {C: 3, S: 10.67, K: 32}.
    """

    slots: tuple[tuple[str, float], ...]

    @property
    def factors(self) -> dict[str, float]:
        out: dict[str, int] = {}
        for d, f in self.slots:
            out[d] = out.get(d, 1) * f
        return out

    def above(self, instances: int) -> dict[str, int]:
        """Factors spread across ``instances`` copies of a storage level: the longest prefix of
        slots whose product fits ``instances``; e.g. 108 SMs over slots (Q 14, P 7, K 4, C 8)
        -> {Q: 14, P: 7} (98 <= 108)."""
        out: dict[str, int] = {}
        total = 1
        for d, f in self.slots:
            if total * f > instances:
                break
            total *= f
            out[d] = out.get(d, 1) * f
        return out


def _fill(dims: tuple[str, ...], bounds: LoopBounds, pes: int, slots: list, used: dict,
          flatten: bool = False) -> None:
    """Unroll ``dims`` greedily over ``pes``. ``flatten``: the dims form one flattened GEMM
    dimension (SCALE-Sim's im2col view), so the last one may take a fractional share of the
    PEs left: C = 20 of R = S = 5 on 32 rows -> C 20, S 1.6 (500 / 32 = 15.6 row folds on
    average, as the flattened reduction needs)."""
    left = float(pes)
    for d in dims:
        room = bounds[d] / used.get(d, 1)
        factor = min(room, left) if flatten else max(1, min(math.ceil(room), int(left)))
        if factor > 1 + 1e-9:
            factor = factor if flatten else int(factor)
            slots.append((d, factor))
            used[d] = used.get(d, 1) * factor
        left = left / factor if flatten else float(int(left) // max(int(factor), 1))
        if left <= 1 + 1e-9:
            break


def _intra_pe(macs: int) -> tuple[tuple[str, int], ...]:
    """MAC lanes of one PE as a block over (C, K, Q), each up to the cube root rounded up to
    a power of two; e.g. 256 -> C 8, K 8, Q 4 (a tensor core's MMA block)."""
    side = 1 << max(0, math.ceil(math.log2(round(macs ** (1 / 3), 6))))
    c = min(side, macs)
    k = min(side, macs // c)
    return (("C", c), ("K", k), ("Q", macs // (c * k)))


def spatial_unrolling(arch: Accelerator, bounds: LoopBounds) -> Spatial:
    """Spatial slots (module table); e.g. column_broadcast with 64 PEs, K = 4096 ->
    slots (K 64)."""
    c = arch.compute
    slots: list = []
    used: dict = {}
    if arch.dataflow is Dataflow.COLUMN_BROADCAST:
        _fill(("K",), bounds, c.pe_count, slots, used)
    else:
        rows_dims, cols_dims = _UNROLL[arch.dataflow]
        rows, cols = c.array_rows, c.array_cols
        if rows * cols != c.pe_count:
            rows, cols = c.pe_count, 1
        flat = arch.dataflow in FLATTENED and c.macs_per_pe_per_cycle == 1
        _fill(rows_dims, bounds, rows, slots, used, flat)
        _fill(cols_dims, bounds, cols, slots, used, flat)
    if c.macs_per_pe_per_cycle > 1:
        for d, f in _intra_pe(c.macs_per_pe_per_cycle):
            _fill((d,), bounds, f, slots, used)
    return Spatial(tuple(slots))


RF_REORDER_BYTES = 16


def inner_orders(arch: Accelerator) -> tuple[tuple[str, str, str], ...]:
    """Loop orders (relevance groups, outer -> inner) tried inside a buffer tile.

    The dataflow's own order first; when a per-PE storage level (several instances) holds at
    least ``RF_REORDER_BYTES`` bytes, the PEs can keep a few weights, inputs or partial sums
    and schedule around them (ZigZag's tpu_like keeps a 128 B weight RF and accumulates the
    partial sum over its weights), so the three representative orders are tried too. Row
    stationary always searches them. Example: systolic_ws.yaml (1-byte weight register) ->
    only (K, CRS, NPQ).
    """
    own = _INNER[arch.dataflow]
    if arch.dataflow is Dataflow.COLUMN_BROADCAST:
        return own
    roomy = any(l.instances > 1 and l.size_bytes >= RF_REORDER_BYTES for l in arch.on_chip)
    if not roomy and arch.dataflow is not Dataflow.ROW_STATIONARY:
        return own
    return tuple(dict.fromkeys(own + REPRESENTATIVE_ORDERS))
