"""Compute cycles of a systolic array, fold by fold, as SCALE-Sim counts them.

A layer is viewed as a GEMM (SCALE-Sim's operand matrices, per group and batch): the
reduction ``CRS = C_g x R x S``, the output pixels ``NPQ = N x P x Q`` and the filters
``K = K_g``. Each dataflow pins two of them to the array and streams the third (``T``):

=========  ====================  ====================  ===========
dataflow   rows (Sr)             cols (Sc)             streamed T
=========  ====================  ====================  ===========
ws         CRS (weights)         K                     NPQ
os         NPQ (outputs)         K                     CRS
is         CRS (inputs)          NPQ                   K
=========  ====================  ====================  ===========

The array of ``A_r x A_c`` PEs needs ``ceil(Sr / A_r) x ceil(Sc / A_c)`` folds. Per fold
(SCALE-Sim 3.0, ``systolic_compute_{ws,os,is}.py``: length of the demand matrices):

* ws / is: ``A_r`` cycles to load the stationary operand, ``A_r - 1`` to skew the stream in,
  ``T`` to stream, ``A_c - 1`` to drain the last partial sums: ``2 A_r + A_c + T - 2``.
* os: ``T`` to stream both operands, ``A_r - 1 + A_c - 1`` of skew fill and drain:
  ``A_r + A_c + T - 2`` (outputs drain while the next fold starts).

SCALE-Sim reports the index of the last cycle, i.e. this count minus 1; hwsim counts cycles,
so the two differ by exactly one cycle per layer (below 0.1 % on every LeNet-5 layer).
Structured N:M weights (SCALE-Sim's sparse mode) shrink the reduction to ``CRS x n / m``.

Weight double buffering (ws only, ``compute.weight_double_buffer``): TPU1's matrix unit
"holds one 64 KiB tile of weights plus one for double-buffering (to hide the 256 cycles it
takes to shift a tile in)" (Jouppi et al., ISCA 2017, Sec. 2). The next fold's ``A_r`` fill
cycles then run while the current fold streams and drains (``A_r + A_c + T - 2`` cycles), so
only the first fold pays its fill: ``fill + F x cd + (F - 1) x (max(fill, cd) - cd)`` for
``F`` folds (all groups), ``fill = A_r``, ``cd = A_r + A_c + T - 2``. SCALE-Sim does not
overlap the fill, so its cross-check runs with the option off.

Wavefront fold pipelining (ws, on top of double buffering, ``compute.weight_wavefront``): in
TPU1 the preloaded weights "take effect with the advancing wave alongside the first data of a
new block" (Jouppi et al., ISCA 2017, Sec. 2), so the next fold's stream follows the current
one without waiting for its skew and drain; each fold costs ``max(T, fill)`` (its stream, or
the weight shift-in when that is longer) and the array's skew and drain ``A_r + A_c - 2`` are
paid once: ``fill + F x max(T, fill) + A_r + A_c - 2``. One fold gives the double-buffered
``fill + cd`` exactly.

Worked example (AlexNet conv1 on a 32x32 ws array, SCALE-Sim's golden test): CRS = 11*11*3 =
363, K = 96, NPQ = 55*55 = 3025 -> ceil(363/32) * ceil(96/32) = 12 * 3 = 36 folds of
2*32 + 32 + 3025 - 2 = 3119 cycles = 112,284 cycles (SCALE-Sim prints 112,283). Double
buffered: fill 32, cd = 32 + 32 + 3025 - 2 = 3087 -> 32 + 36 * 3087 = 111,164 cycles.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from hwsim.types import Dataflow

SYSTOLIC_DATAFLOWS = (Dataflow.WEIGHT_STATIONARY, Dataflow.OUTPUT_STATIONARY,
                      Dataflow.INPUT_STATIONARY)


@dataclass(frozen=True)
class GemmView:
    """A layer as SCALE-Sim's GEMM, per group: ``crs`` reduction, ``npq`` output pixels,
    ``k`` filters, repeated ``groups`` times."""

    crs: int
    npq: int
    k: int
    groups: int = 1


@dataclass(frozen=True)
class SystolicCycles:
    """Fold count, cycles per fold and total cycles (all groups) of one layer."""

    sr: int
    sc: int
    t: int
    folds: int
    cycles_per_fold: int
    cycles: int
    mapping_efficiency: float

    @property
    def utilization(self) -> float:
        """Useful MACs / (PEs x cycles): Sr Sc T x groups / (A_r A_c x cycles)."""
        return 0.0 if not self.cycles else self.mapping_efficiency * self.t * self.folds \
            / self.cycles


def operand_dims(dataflow: Dataflow, gemm: GemmView) -> tuple[int, int, int]:
    """(Sr, Sc, T) of a dataflow (table above); e.g. os on (363, 3025, 96) -> (3025, 96, 363)."""
    if dataflow is Dataflow.WEIGHT_STATIONARY:
        return gemm.crs, gemm.k, gemm.npq
    if dataflow is Dataflow.OUTPUT_STATIONARY:
        return gemm.npq, gemm.k, gemm.crs
    if dataflow is Dataflow.INPUT_STATIONARY:
        return gemm.crs, gemm.npq, gemm.k
    raise ValueError(f"{dataflow} is not a systolic dataflow")


def fold_cycles(dataflow: Dataflow, rows: int, cols: int, t: int) -> int:
    """Cycles of one fold: ws/is ``2 rows + cols + t - 2``, os ``rows + cols + t - 2``.

    Example: ws, 4x4 array, t = 10 -> 8 + 4 + 10 - 2 = 20; os -> 4 + 4 + 10 - 2 = 16.
    """
    if dataflow is Dataflow.OUTPUT_STATIONARY:
        return rows + cols + t - 2
    return 2 * rows + cols + t - 2


def double_buffered_cycles(rows: int, cols: int, t: int, folds: int) -> int:
    """Cycles of ``folds`` ws folds whose weight fill overlaps the previous fold's stream and
    drain (module docstring): ``fill + F cd + (F - 1)(max(fill, cd) - cd)``, ``fill = rows``,
    ``cd = rows + cols + t - 2``; 0 folds -> 0.

    Example: 2x2 array, t = 3, 3 folds -> fill 2, cd = 2 + 2 + 3 - 2 = 5, max(2, 5) = 5 ->
    2 + 3*5 = 17 cycles (without overlap 3 * (2*2 + 2 + 3 - 2) = 21). A 1x1 array with t = 1:
    fill 1, cd = 1 + 1 + 1 - 2 = 1 -> 1 + F.
    """
    if folds <= 0:
        return 0
    fill, cd = rows, rows + cols + t - 2
    return fill + folds * cd + (folds - 1) * (max(fill, cd) - cd)


def wavefront_cycles(rows: int, cols: int, t: int, folds: int) -> int:
    """Cycles of ``folds`` double-buffered ws folds that stream back to back (module
    docstring): ``fill + F max(t, fill) + rows + cols - 2``, ``fill = rows``; 0 folds -> 0.

    Example: 2x2 array, t = 3, 3 folds -> 2 + 3 * max(3, 2) + 2 + 2 - 2 = 13 cycles
    (double buffered 17, plain 21). One fold: 2 + 3 + 2 = 7 = the double-buffered 2 + 5.
    Batch-1 decode on 32 x 32 (t = 1): the weight shift-in binds, 32 + F x 32 + 62.
    """
    if folds <= 0:
        return 0
    fill = rows
    return fill + folds * max(t, fill) + rows + cols - 2


def systolic_cycles(dataflow: Dataflow, rows: int, cols: int, gemm: GemmView,
                    weight_double_buffer: bool = False,
                    weight_wavefront: bool = False) -> SystolicCycles:
    """Fold-by-fold compute cycles of ``gemm`` on a ``rows x cols`` array (module docstring).

    Example: ws, 4x4 array, CRS = 6, K = 5, NPQ = 10 -> ceil(6/4) * ceil(5/4) = 4 folds of
    2*4 + 4 + 10 - 2 = 20 cycles = 80 cycles; mapping efficiency = (4*4 + 4*1 + 2*4 + 2*1)
    / (4 * 16) = 30/64. With ``weight_double_buffer`` (ws only): 4 + 4 * (4 + 4 + 10 - 2)
    = 68 cycles, ``cycles_per_fold`` then the steady-state max(fill, cd) = 16. With
    ``weight_wavefront`` too: 4 + 4 * max(10, 4) + 4 + 4 - 2 = 50 cycles, 10 per fold.
    """
    sr, sc, t = operand_dims(dataflow, gemm)
    row_folds, col_folds = math.ceil(sr / rows), math.ceil(sc / cols)
    folds = row_folds * col_folds
    per_fold = fold_cycles(dataflow, rows, cols, t)
    used = sr * sc  # sum over folds of used PEs (the folds tile Sr x Sc exactly)
    efficiency = used / (folds * rows * cols)
    if weight_wavefront and not weight_double_buffer:
        raise ValueError("weight wavefront pipelining needs weight double buffering")
    if weight_double_buffer:
        if dataflow is not Dataflow.WEIGHT_STATIONARY:
            raise ValueError(f"weight double buffering applies to weight_stationary, not "
                             f"{dataflow}")
        total = folds * gemm.groups
        if weight_wavefront:
            return SystolicCycles(sr=sr, sc=sc, t=t, folds=total,
                                  cycles_per_fold=max(rows, t),
                                  cycles=wavefront_cycles(rows, cols, t, total),
                                  mapping_efficiency=efficiency)
        return SystolicCycles(sr=sr, sc=sc, t=t, folds=total,
                              cycles_per_fold=max(rows, rows + cols + t - 2),
                              cycles=double_buffered_cycles(rows, cols, t, total),
                              mapping_efficiency=efficiency)
    return SystolicCycles(sr=sr, sc=sc, t=t, folds=folds * gemm.groups,
                          cycles_per_fold=per_fold, cycles=folds * per_fold * gemm.groups,
                          mapping_efficiency=efficiency)


def compressed_reduction(crs: int, n: int, m: int) -> int:
    """Reduction length after N:M compression, ``ceil(crs * n / m)``; e.g. (363, 2, 4) -> 182."""
    return math.ceil(crs * n / m)
