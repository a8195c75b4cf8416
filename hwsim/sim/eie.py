"""Set up and account an EIE-like column-broadcast run (processes in :mod:`hwsim.sim.broadcast`).

Checks (each an :class:`~hwsim.errors.UnsupportedLayerError` naming the level): the weights
must sit on chip (EIE keeps the whole compressed model in its PEs), each PE's stored entries
must fit its sparse-matrix SRAM, and its output register file must hold at least one row.

On-chip accesses the run implies, per pass of a vector with ``n`` non-zero inputs on ``P``
PEs (EIE, Han et al. 2016, Sec. III-IV):

* weight SRAM (``spmat``): every 64-bit word holding a processed entry is read once;
* pointer SRAM (the level with ``metadata_for: [weights]``): start and end pointer per PE and
  column, ``2 P n`` reads;
* innermost input level (``act_rf``): each broadcast is written into and read from every PE's
  FIFO, ``P n`` writes and reads of one activation;
* innermost output level: one accumulator read and write per processed entry, and the pass's
  rows read once when they are drained;
* next output level (``act_sram``): the drained rows written; the input vector written by the
  DMA and scanned once per pass by the leading-non-zero detector.

Worked example: a pass with n = 3 broadcasts on P = 2 PEs that process 5 entries (4 non-zeros,
1 filler) -> 12 pointer reads, 6 FIFO writes and reads, 5 accumulator reads and writes, 5
MACs of energy (the filler multiplies a zero) and 4 effective MACs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hwsim.arch.model import Accelerator, MemoryLevel
from hwsim.cost.broadcast import rows_per_pass as analytical_rows_per_pass
from hwsim.errors import UnsupportedLayerError
from hwsim.sim.broadcast import BroadcastPlan
from hwsim.sim.layout import allocate
from hwsim.sim.work import (BroadcastWork, active_columns, broadcast_work, pass_matrices,
                            synthesise_mask)
from hwsim.types import MemoryKind, Operand, SparseFormat, ZeroHandling
from hwsim.workload.layer import LayerWorkload


@dataclass(frozen=True)
class BroadcastSetup:
    """The plan plus what the accounting needs: levels and per-element bytes."""

    plan: BroadcastPlan
    weight_level: MemoryLevel
    pointer_level: MemoryLevel | None
    input_levels: tuple[MemoryLevel, ...]
    output_levels: tuple[MemoryLevel, ...]
    entry_bits: int
    pointer_bits: int

    @property
    def entries_per_word(self) -> int:
        return max(1, self.weight_level.width_bits // self.entry_bits)


def _on_chip(arch: Accelerator, op: Operand) -> tuple[MemoryLevel, ...]:
    return tuple(l for l in arch.path(op) if l.kind is not MemoryKind.DRAM)


def _per_pe_bytes(level: MemoryLevel, parts: int, sharing: int = 1) -> float:
    return level.size_bytes * min(level.instances, parts) / parts / max(sharing, 1)


def rows_per_pass(layer: LayerWorkload, arch: Accelerator) -> int:
    """Output rows a PE accumulates at once (the analytical model's rule,
    :func:`hwsim.cost.broadcast.rows_per_pass`; EIE: 256 B / 2 / 2 B = 64); a level too
    small for one accumulator is an unsupported layer here."""
    level = _on_chip(arch, Operand.OUTPUTS)[-1]
    share = _per_pe_bytes(level, arch.compute.pe_count, len(level.operands))
    if share < arch.compute.accumulator_bits / 8:
        raise UnsupportedLayerError(layer.name, f"memories.{level.name} holds no accumulator "
                                    f"per PE ({share:.0f} bytes per PE)")
    return analytical_rows_per_pass(arch)


def entry_bits(arch: Accelerator) -> int:
    """Bits of one stored weight entry: value + relative index for CSC, else the value."""
    fmt = arch.sparsity.weight_format
    csc = SparseFormat(fmt.format) is SparseFormat.CSC
    return fmt.value_bits + (fmt.index_bits if csc else 0)


def _check_fit(layer: LayerWorkload, level: MemoryLevel, stored: np.ndarray, bits: int,
               parts: int) -> None:
    need = float(stored.max(initial=0)) * bits / 8
    have = _per_pe_bytes(level, parts)
    if need > have:
        raise UnsupportedLayerError(
            layer.name, f"memories.{level.name} must hold the busiest PE's weights "
            f"({need:.0f} bytes of {bits}-bit entries) but holds {have:.0f} bytes per PE")


def make_works(layer: LayerWorkload, arch: Accelerator, seed: int
               ) -> tuple[tuple[BroadcastWork, ...], bool]:
    """One :class:`BroadcastWork` per input vector (batch x positions x groups), seeded."""
    sp, parts = arch.sparsity, arch.compute.pe_count
    rng = np.random.default_rng(seed)
    k_g, cols = layer.out_channels // layer.groups, layer.matrix_shape[1]
    mask = layer.matrix_mask()
    synthesised = mask is None
    if synthesised:
        mask = synthesise_mask((layer.out_channels, cols), layer.effective_weight_density, rng)
    fmt = sp.weight_format
    index_bits = fmt.index_bits if (fmt.relative_index and
                                    SparseFormat(fmt.format) is SparseFormat.CSC) else 0
    skip_w = sp.weight_zeros is ZeroHandling.SKIP
    skip_a = sp.activation_zeros is ZeroHandling.SKIP
    per_pass = rows_per_pass(layer, arch)
    words_per = max(1, _on_chip(arch, Operand.WEIGHTS)[0].width_bits // entry_bits(arch))
    groups = [pass_matrices(mask[g * k_g:(g + 1) * k_g], parts, index_bits, per_pass, skip_w)
              for g in range(layer.groups)]
    lb = layer.loop_bounds
    nnz = [int(mask[g * k_g:(g + 1) * k_g].sum()) for g in range(layer.groups)]
    works, seen = [], {}
    for _ in range(lb["N"] * lb["P"] * lb["Q"]):
        for g, passes in enumerate(groups):
            active = active_columns(cols, layer.input_density, rng, skip_a)
            key = (g, active.tobytes())  # the same columns: the same work, built once
            if key not in seen:
                seen[key] = broadcast_work(passes, active, words_per, nnz[g], synthesised)
            works.append(seen[key])
    return tuple(works), synthesised


def setup_broadcast(layer: LayerWorkload, arch: Accelerator, depth: int | None, options,
                    paths: dict, weights_on_chip: bool
                    ) -> tuple[BroadcastSetup, tuple[BroadcastWork, ...]]:
    """Checks, works and the :class:`BroadcastPlan` of one layer (module docstring)."""
    parts = arch.compute.pe_count
    if not weights_on_chip:
        raise UnsupportedLayerError(layer.name, "the column broadcast keeps every weight on "
                                    "chip, but the stored weights do not fit the on-chip "
                                    "weight memory")
    weight_level = _on_chip(arch, Operand.WEIGHTS)[0]
    works, _ = make_works(layer, arch, options.seed)
    bits = entry_bits(arch)
    _check_fit(layer, weight_level, works[0].stored_entries_per_pe, bits, parts)
    out_levels = _on_chip(arch, Operand.OUTPUTS)
    in_levels = _on_chip(arch, Operand.INPUTS)
    in_bpe = paths[Operand.INPUTS].bytes_per_element
    out_bpe = paths[Operand.OUTPUTS].bytes_per_element
    drain = []
    for pw in works[0].passes:
        local = -(-(pw.rows[1] - pw.rows[0]) // parts)
        above = out_levels[-2] if len(out_levels) > 1 else None
        bw = above.bandwidth_bytes_per_cycle if above is not None else 0.0
        drain.append(math.ceil(local * out_bpe / bw - 1e-9) if bw > 0 else 0)
    in_bytes = int(math.ceil(works[0].cols * in_bpe)) * len(works)
    out_bytes = int(math.ceil(layer.out_channels * out_bpe)) * len(works)
    bases = allocate({"inputs": in_bytes, "outputs": out_bytes}, arch.dram.row_buffer_bytes)
    plan = BroadcastPlan(works=works, depth=depth,
                         broadcasts_per_cycle=options.broadcasts_per_cycle,
                         input_bytes_per_col=in_bpe,
                         inputs_from_dram=paths[Operand.INPUTS].via_dram,
                         output_bytes_per_row=out_bpe,
                         outputs_to_dram=paths[Operand.OUTPUTS].via_dram,
                         chunk_bytes=options.dma_chunk_bytes, drain_cycles=tuple(drain),
                         input_base=bases["inputs"], output_base=bases["outputs"])
    pointer = next((l for l in arch.on_chip if Operand.WEIGHTS in l.metadata_for), None)
    setup = BroadcastSetup(plan, weight_level, pointer, in_levels, out_levels, bits,
                           arch.sparsity.weight_format.pointer_bits)
    return setup, works


def onchip_bytes(setup: BroadcastSetup, arch: Accelerator) -> dict:
    """{(level, operand): [read_bytes, write_bytes]} of the run (module docstring)."""
    plan, parts = setup.plan, arch.compute.pe_count
    acc = arch.compute.accumulator_bits / 8
    act = arch.compute.activation_bits / 8
    out: dict = {}

    def add(level, op, read=0.0, write=0.0):
        entry = out.setdefault((level.name, op), [0.0, 0.0])
        entry[0] += read
        entry[1] += write

    for work in plan.works:
        in_vector = work.cols * plan.input_bytes_per_col
        if plan.inputs_from_dram and setup.input_levels:
            add(setup.input_levels[0], Operand.INPUTS, write=in_vector)
        for pw in work.passes:
            n = pw.entries.shape[1]
            add(setup.weight_level, Operand.WEIGHTS,
                read=float(pw.words.sum()) * setup.weight_level.width_bytes)
            if setup.pointer_level is not None:
                add(setup.pointer_level, Operand.WEIGHTS, read=2 * parts * n
                    * setup.pointer_bits / 8)
            if setup.input_levels:
                add(setup.input_levels[-1], Operand.INPUTS, read=parts * n * act,
                    write=parts * n * act)
                if len(setup.input_levels) > 1:
                    add(setup.input_levels[0], Operand.INPUTS, read=in_vector)
            processed = float(pw.entries.sum())
            rows = pw.rows[1] - pw.rows[0]
            add(setup.output_levels[-1], Operand.OUTPUTS, read=processed * acc + rows * acc,
                write=processed * acc)
            if len(setup.output_levels) > 1:
                final = rows * plan.output_bytes_per_row
                add(setup.output_levels[-2], Operand.OUTPUTS, write=final,
                    read=final if plan.outputs_to_dram else 0.0)
    return out
