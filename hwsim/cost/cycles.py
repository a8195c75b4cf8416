"""Compute cycles of a layer: array folds, fill and drain, skipping and load imbalance.

* Systolic dataflows (ws / os / is): SCALE-Sim's fold-by-fold count
  (:mod:`hwsim.cost.systolic`), on the N:M-compressed reduction when N:M applies; with
  ``compute.weight_double_buffer`` (ws) each fold's weight fill after the first overlaps the
  previous fold's stream and drain; with ``compute.weight_wavefront`` too, folds stream back
  to back and the skew and drain are paid once.
* Row stationary, multi-MAC PEs and other arrays: ``G x prod_d ceil(D_d / s_d)`` (spatial
  folds x temporal iterations, no fill/drain) with the spatial factors of
  :mod:`hwsim.cost.dataflow` (N:M: the reduction C is compressed to ``ceil(C n / m)``).
* Column broadcast (EIE): :mod:`hwsim.cost.broadcast`: the per-PE work of
  :mod:`hwsim.cost.imbalance` (exact from the mask or expected from the binomial spread, one
  stored entry per cycle per PE, one broadcast per cycle) per output pass, plus the drains,
  the pipeline fill (first input DMA request) and the write-back tail.
* Skipping elsewhere: issued MACs / dense slots scale the cycles (skipped work is not issued);
  with rows distributed over PEs (``rows_interleaved`` / ``rows_blocked``) and skipped weights
  the slowest PE sets the pace (max PE total, :func:`hwsim.cost.imbalance.rows_imbalance`);
  ``dense_tiles`` assumes the skipped slots are reclaimed evenly (efficiency 1).

A PE with several MAC lanes (``macs_per_pe_per_cycle``) unrolls them spatially (see
:mod:`hwsim.cost.dataflow`); the column broadcast divides by them. Worked example: a 4x4 ws
array, CRS = 6, K = 5, NPQ = 10, dense -> 4 folds x 20 = 80 cycles; the same layer with
skipped weights at 50 % density on dense tiles -> 40 cycles.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hwsim.arch.model import Accelerator
from hwsim.cost.compute import MacCounts
from hwsim.cost.dataflow import spatial_unrolling
from hwsim.cost.broadcast import broadcast_time
from hwsim.cost.imbalance import expected_max_binomial, rows_imbalance
from hwsim.cost.nest import DIMS, LoopBounds
from hwsim.cost.records import Imbalance
from hwsim.cost.systolic import (SYSTOLIC_DATAFLOWS, GemmView, compressed_reduction,
                                 systolic_cycles)
from hwsim.formats.partition import rows_per_pe
from hwsim.types import Dataflow, WorkDistribution, ZeroHandling
from hwsim.workload.layer import LayerWorkload


@dataclass(frozen=True)
class ComputeTime:
    """Compute cycles (imbalance, fill and drain included), the imbalance record and the
    array utilization (useful issued MACs / peak MAC slots)."""

    cycles: float
    imbalance: Imbalance
    utilization: float


def _dense_slot_fraction(macs: MacCounts) -> float:
    return macs.weight_slot_fraction if macs.structured else 1.0


def _base_cycles(layer: LayerWorkload, arch: Accelerator, macs: MacCounts) -> float:
    """Dense-slot cycles: SCALE-Sim folds for a systolic array of one MAC per PE, else the
    spatial folds of every loop (a PE's MAC lanes are part of the unrolling)."""
    bounds = LoopBounds.of(layer)
    lb = dict(bounds.bounds)
    c = arch.compute
    if arch.dataflow in SYSTOLIC_DATAFLOWS and c.macs_per_pe_per_cycle == 1:
        crs = lb["C"] * lb["R"] * lb["S"]
        if macs.structured:
            crs = compressed_reduction(crs, arch.sparsity.structured.n, arch.sparsity.structured.m)
        gemm = GemmView(crs=crs, npq=lb["N"] * lb["P"] * lb["Q"], k=lb["K"],
                        groups=bounds.groups)
        rows, cols = (c.array_rows, c.array_cols) if c.array_rows * c.array_cols == \
            c.pe_count else (c.pe_count, 1)
        return float(systolic_cycles(arch.dataflow, rows, cols, gemm,
                                     c.weight_double_buffer, c.weight_wavefront).cycles)
    spatial = spatial_unrolling(arch, bounds).factors
    total = float(bounds.groups)
    for d in DIMS:
        size = lb[d]
        if d == "C" and macs.structured:
            size = compressed_reduction(size, arch.sparsity.structured.n,
                                        arch.sparsity.structured.m)
        total *= math.ceil(size / spatial.get(d, 1))
    return total


def _row_work_imbalance(layer: LayerWorkload, arch: Accelerator) -> Imbalance:
    parts = arch.compute.pe_count
    rows, cols = layer.matrix_shape
    nnz = layer.rows_nnz()
    blocked = arch.sparsity.distribution is WorkDistribution.ROWS_BLOCKED
    label = f"max_pe_total ({arch.sparsity.distribution})"
    if nnz is not None:
        owner = (np.arange(rows) * parts // rows) if blocked else np.arange(rows) % parts
        return rows_imbalance(np.bincount(owner, weights=nnz, minlength=parts), True, label)
    n_p = rows_per_pe(rows, parts)
    mean = float((n_p * cols * layer.effective_weight_density).mean())
    worst = expected_max_binomial(n_p * cols, layer.effective_weight_density)
    cycles = max(worst, mean)
    return Imbalance(efficiency=mean / cycles if cycles else 1.0,
                     bound="binomial_expected_max, " + label, exact=False, ideal_cycles=mean,
                     cycles=cycles)


def compute_time(layer: LayerWorkload, arch: Accelerator, macs: MacCounts) -> ComputeTime:
    """Compute cycles of ``layer`` on ``arch`` (module docstring)."""
    c = arch.compute
    peak = c.pe_count * c.macs_per_pe_per_cycle
    if arch.dataflow is Dataflow.COLUMN_BROADCAST:
        timeline = broadcast_time(layer, arch)
        imb = timeline.imbalance
        cycles = timeline.cycles - imb.cycles + imb.cycles / c.macs_per_pe_per_cycle
        return ComputeTime(cycles, imb, macs.issued / (peak * cycles) if cycles else 0.0)
    base = _base_cycles(layer, arch, macs)
    sp = arch.sparsity
    skipping = ZeroHandling.SKIP in (sp.weight_zeros, sp.activation_zeros)
    imb = Imbalance(bound="none (dense tiles)", ideal_cycles=base, cycles=base)
    cycles = base
    if skipping and macs.dense:
        cycles = base * macs.issued / (macs.dense * _dense_slot_fraction(macs))
        imb = Imbalance(bound="skip on dense tiles (slots reclaimed evenly)",
                        ideal_cycles=cycles, cycles=cycles)
        if sp.weight_zeros is ZeroHandling.SKIP and sp.distribution in (
                WorkDistribution.ROWS_INTERLEAVED, WorkDistribution.ROWS_BLOCKED):
            rows = _row_work_imbalance(layer, arch)
            imb = Imbalance(efficiency=rows.efficiency, bound=rows.bound, exact=rows.exact,
                            ideal_cycles=cycles, cycles=cycles / rows.efficiency)
            cycles = imb.cycles
    return ComputeTime(cycles, imb, macs.issued / (peak * cycles) if cycles else 0.0)
