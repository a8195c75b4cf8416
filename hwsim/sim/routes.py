"""Which operands move through DRAM per inference, where the DMA puts them, and how many bytes
an element of each takes there (from :mod:`hwsim.formats`, the same rules as the analytical
model: stored bits / dense elements).

Worked example (EIE-like, weights resident): weights never leave the chip (no DRAM route);
inputs go DRAM -> act_sram at 2 bytes each (dense 16-bit), outputs come back at 2 bytes.
"""
from __future__ import annotations

from dataclasses import dataclass

from hwsim.arch.model import Accelerator, MemoryLevel
from hwsim.formats import activation_storage, weight_storage
from hwsim.types import Dataflow, MemoryKind, Operand
from hwsim.workload.layer import LayerWorkload


@dataclass(frozen=True)
class Route:
    """An operand's path: ``via_dram`` (moved per inference) and its on-chip levels, outer
    first; ``bytes_per_element`` as stored in DRAM (``psum_bytes``: partial sums)."""

    operand: Operand
    via_dram: bool
    levels: tuple[MemoryLevel, ...]
    bytes_per_element: float
    psum_bytes: float = 0.0

    @property
    def fill_level(self) -> MemoryLevel | None:
        return self.levels[0] if self.levels else None


def _weight_bytes(layer: LayerWorkload, arch: Accelerator) -> float:
    sp = arch.sparsity
    parts = arch.compute.pe_count if arch.dataflow is Dataflow.COLUMN_BROADCAST else 1
    stored = weight_storage(layer, sp.weight_format, row_partitions=parts,
                            sharing=sp.weight_sharing, structured=sp.structured,
                            arithmetic_bits=arch.compute.weight_bits)
    return stored.total_bits / 8 / layer.weight_count


def routes(layer: LayerWorkload, arch: Accelerator, weights_on_chip: bool
           ) -> dict[Operand, Route]:
    """The three routes (module docstring)."""
    fmt = arch.sparsity.activation_format
    inputs = activation_storage(layer.input_count, layer.input_density, fmt)
    outputs = activation_storage(layer.output_count, layer.output_density, fmt)
    per = {Operand.WEIGHTS: _weight_bytes(layer, arch),
           Operand.INPUTS: inputs.total_bits / 8 / layer.input_count,
           Operand.OUTPUTS: outputs.total_bits / 8 / layer.output_count}
    out = {}
    for op in Operand:
        path = arch.path(op)
        dram = any(l.kind is MemoryKind.DRAM for l in path)
        on_chip = tuple(l for l in path if l.kind is not MemoryKind.DRAM)
        if op is Operand.WEIGHTS and weights_on_chip:
            dram = False
        psum = arch.compute.accumulator_bits / 8 if op is Operand.OUTPUTS else 0.0
        out[op] = Route(op, dram, on_chip, per[op], psum)
    return out
