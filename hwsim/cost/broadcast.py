"""Time line of EIE's column broadcast: passes, drains, pipeline fill and write-back tail.

The per-pass broadcast cycles come from :mod:`hwsim.cost.imbalance` (exact per-PE, per-column
entries when the layer has a mask, the binomial expectation otherwise). Around them, what the
array does for one layer (EIE, Han et al. 2016, Sec. III; :mod:`hwsim.sim.broadcast` runs the
same schedule event by event):

* **Passes.** A PE accumulates its rows in its share of the innermost output level (EIE: 64
  x 16-bit destination registers); a PE owning more rows works in passes of that many local
  rows, each a full sweep of the non-zero inputs, its CSC stored per pass (fillers restart).
  Each pass ends with a **drain** of its rows to the next output level, ``ceil(local rows x
  output bytes / that level's bytes per cycle)`` cycles.
* **Fill.** With the inputs in DRAM nothing can be broadcast before the first DMA request of
  the input vector (``DMA_CHUNK_BYTES``, one DRAM page) has arrived: its whole bursts over the
  DRAM bandwidth plus the access latency. Later requests overlap the broadcast.
* **Tail.** With the outputs going to DRAM the layer ends when the last pass's rows are
  written back (one request per ``DMA_CHUNK_BYTES``, each bursts / bandwidth + latency);
  earlier passes are written back under the next pass.

cycles = fill + repeats x groups x sum over passes (broadcast + drain) + tail. Worked example
(LeNet-300 fc1 on EIE: 784 x 300, 2-byte activations, LPDDR4 at 16 B/cycle with 32-byte
bursts, 8 B/cycle act_sram): fill = 1,568 B -> 49 bursts x 2 = 98 cycles; one pass of
ceil(300 / 64) = 5 local rows, drain ceil(5 x 2 / 8) = 2; tail 600 B -> 19 bursts x 2 = 38
(37.5 rounded up to whole bursts) -> 98 + broadcast + 2 + 38.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hwsim.arch.model import Accelerator, MemoryLevel
from hwsim.cost.imbalance import column_broadcast_exact, column_broadcast_expected
from hwsim.cost.records import Imbalance
from hwsim.formats import (activation_storage, csc_entries_per_pe_column,
                           expected_csc_entries_per_pe_column)
from hwsim.formats.partition import rows_per_pe
from hwsim.types import MemoryKind, Operand, ZeroHandling
from hwsim.workload.layer import LayerWorkload

DMA_CHUNK_BYTES = 2048  # one DRAM page per DMA request (SimOptions.dma_chunk_bytes defaults to it)


@dataclass(frozen=True)
class BroadcastTime:
    """Cycles of the layer on the array (``imbalance.cycles`` is the broadcast part) and the
    parts around it: drains of all passes, pipeline fill, write-back tail."""

    imbalance: Imbalance
    passes: int
    drain_cycles: float
    fill_cycles: float
    tail_cycles: float

    @property
    def cycles(self) -> float:
        return self.fill_cycles + self.imbalance.cycles + self.drain_cycles + self.tail_cycles


def _on_chip(arch: Accelerator, op: Operand) -> tuple[MemoryLevel, ...]:
    return tuple(l for l in arch.path(op) if l.kind is not MemoryKind.DRAM)


def _via_dram(arch: Accelerator, op: Operand) -> bool:
    return any(l.kind is MemoryKind.DRAM for l in arch.path(op))


def rows_per_pass(arch: Accelerator) -> int:
    """Local rows a PE accumulates at once: its share of the innermost output level, split
    between the operands it holds, over the accumulator bytes (EIE: 256 B / 2 / 2 B = 64);
    at least 1 (a level too small is reported by the simulator's checks)."""
    level = _on_chip(arch, Operand.OUTPUTS)[-1]
    parts = arch.compute.pe_count
    share = level.size_bytes * min(level.instances, parts) / parts / max(len(level.operands), 1)
    return max(1, int(share // (arch.compute.accumulator_bits / 8)))


def dram_request_cycles(arch: Accelerator, nbytes: float) -> float:
    """Cycles of DMA requests moving ``nbytes`` in ``DMA_CHUNK_BYTES`` pieces from an aligned
    base: whole bursts over the DRAM bandwidth plus the access latency per request.
    Example: 1,568 B with 32-byte bursts at 16 B/cycle -> 49 x 2 = 98 cycles."""
    dram = arch.dram
    burst = max(1, int(dram.burst_bytes or dram.width_bits // 8 or 1))
    bandwidth = dram.total_bandwidth_bytes_per_cycle
    nbytes = int(math.ceil(nbytes))
    if nbytes <= 0 or bandwidth <= 0:
        return 0.0
    full, last = divmod(nbytes, DMA_CHUNK_BYTES)
    bursts = full * -(-DMA_CHUNK_BYTES // burst) + -(-last // burst)
    requests = full + (last > 0)
    return bursts * burst / bandwidth + requests * dram.access_latency_cycles


def _bytes_per_element(layer: LayerWorkload, arch: Accelerator, op: Operand) -> float:
    fmt = arch.sparsity.activation_format
    count, density = ((layer.input_count, layer.input_density) if op is Operand.INPUTS
                      else (layer.output_count, layer.output_density))
    return activation_storage(count, density, fmt).total_bits / 8 / max(count, 1)


def _pass_rows(rows: int, parts: int, per_pass: int) -> list[tuple[int, int]]:
    local = -(-rows // parts)
    return [(first * parts, min(rows, (first + per_pass) * parts))
            for first in range(0, local, per_pass)]


def _pass_imbalance(layer: LayerWorkload, arch: Accelerator, mask: np.ndarray | None,
                    lo: int, hi: int, repeats: int) -> Imbalance:
    sp, parts = arch.sparsity, arch.compute.pe_count
    cols = layer.matrix_shape[1]
    skip_w = sp.weight_zeros is ZeroHandling.SKIP
    d_a = layer.input_density if sp.activation_zeros is ZeroHandling.SKIP else 1.0
    index_bits = sp.weight_format.index_bits if sp.weight_format.relative_index else 0
    if mask is not None:
        sub = mask[lo:hi] if skip_w else np.ones((hi - lo, cols), dtype=bool)
        entries = csc_entries_per_pe_column(sub, parts, index_bits)
        return column_broadcast_exact(entries, d_a, sp.fifo_depth, repeats)
    d_w = layer.effective_weight_density if skip_w else 1.0
    rows = rows_per_pe(hi - lo, parts)
    expected = expected_csc_entries_per_pe_column((hi - lo, 1), d_w, parts,
                                                  index_bits if skip_w else 0)
    fill = expected[:, 0] - rows * d_w
    return column_broadcast_expected(rows, cols, d_w, d_a, sp.fifo_depth, fill, repeats)


def broadcast_time(layer: LayerWorkload, arch: Accelerator) -> BroadcastTime:
    """Cycles of ``layer`` under the column broadcast (module docstring)."""
    parts = arch.compute.pe_count
    lb = layer.loop_bounds
    repeats = lb["N"] * lb["P"] * lb["Q"]
    k_g = layer.out_channels // layer.groups
    mask = layer.matrix_mask()
    passes = _pass_rows(k_g, parts, rows_per_pass(arch))
    out_bpe = _bytes_per_element(layer, arch, Operand.OUTPUTS)
    out_levels = _on_chip(arch, Operand.OUTPUTS)
    above = out_levels[-2].bandwidth_bytes_per_cycle if len(out_levels) > 1 else 0.0
    parts_work: list[Imbalance] = []
    drain = 0.0
    for g in range(layer.groups):
        sub = None if mask is None else mask[g * k_g:(g + 1) * k_g]
        if sub is None and g > 0:
            parts_work.extend(parts_work[:len(passes)])
        else:
            parts_work.extend(_pass_imbalance(layer, arch, sub, lo, hi, repeats)
                              for lo, hi in passes)
        for lo, hi in passes:
            local = -(-(hi - lo) // parts)
            drain += repeats * (math.ceil(local * out_bpe / above - 1e-9) if above > 0 else 0)
    cycles = sum(p.cycles for p in parts_work)
    ideal = sum(p.ideal_cycles for p in parts_work)
    first = parts_work[0]
    imb = Imbalance(efficiency=ideal / cycles if cycles else 1.0, bound=first.bound,
                    exact=first.exact, ideal_cycles=ideal, cycles=cycles)
    in_bytes = math.ceil(layer.matrix_shape[1] * _bytes_per_element(layer, arch, Operand.INPUTS))
    fill = (dram_request_cycles(arch, min(in_bytes, DMA_CHUNK_BYTES))
            if _via_dram(arch, Operand.INPUTS) else 0.0)
    last_rows = passes[-1][1] - passes[-1][0]
    tail = (dram_request_cycles(arch, math.ceil(last_rows * out_bpe))
            if _via_dram(arch, Operand.OUTPUTS) else 0.0)
    return BroadcastTime(imb, len(passes), drain, fill, tail)
