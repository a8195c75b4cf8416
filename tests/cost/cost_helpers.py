"""Tiny hand-worked accelerators for the cost-model formula tests.

``tiny_arch()``: a 4x4 array at 1 GHz, 8-bit operands, 32-bit accumulators, 1 pJ per MAC;
DRAM at 100 pJ/byte (400 pJ per 32-bit access) and 4 bytes/cycle; one 64 KiB SRAM buffer at
5 pJ/byte (20 pJ per 32-bit access) and 16 bytes/cycle holding all three operands.
"""
from __future__ import annotations

from pathlib import Path

from hwsim.arch.model import (Accelerator, ComputeArray, FormatSpec, MemoryLevel,
                              SparsitySupport)
from hwsim.types import Dataflow, MemoryKind, Operand, Residency

ALL = frozenset(Operand)
ARCH_DIR = Path(__file__).resolve().parents[2] / "arch_configs"


def dram(bandwidth: float = 4.0, operands=ALL) -> MemoryLevel:
    return MemoryLevel("dram", MemoryKind.DRAM, 1 << 30, 1, 32, 400.0, 400.0, bandwidth,
                       frozenset(operands))


def sram(name: str = "buf", size: int = 64 * 1024, operands=ALL, instances: int = 1,
         bandwidth: float = 16.0, leakage_mw: float = 0.0, width: int = 32,
         energy: float = 20.0) -> MemoryLevel:
    return MemoryLevel(name, MemoryKind.SRAM, size, instances, width, energy, energy,
                       bandwidth, frozenset(operands), leakage_power_mw=leakage_mw)


def compute(rows: int = 4, cols: int = 4, macs: int = 1, gated: float = 0.0) -> ComputeArray:
    return ComputeArray(rows * cols, rows, cols, macs, 1e9, 8, 8, 32, 1.0, gated)


DENSE8 = SparsitySupport(FormatSpec(value_bits=8), FormatSpec(value_bits=8))


def tiny_arch(dataflow=Dataflow.WEIGHT_STATIONARY, memories=None, sparsity=DENSE8,
              array=None, resident=False) -> Accelerator:
    """The module's tiny accelerator (see docstring), variants by keyword."""
    mems = memories if memories is not None else (dram(), sram())
    return Accelerator("tiny", tuple(mems), array or compute(), dataflow, sparsity,
                       residency=Residency.NETWORK if resident else Residency.STREAMED)
