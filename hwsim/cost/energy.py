"""Energy and time of data movement: counts x energy per action (the accelerator's table).

* A level's accesses are ``bytes / (width_bits / 8)``; energy = reads x ``read_energy_pj`` +
  writes x ``write_energy_pj`` (per access of ``width_bits``); DRAM adds one row activation
  (``row_activation_energy_pj``) per ``row_buffer_bytes`` streamed when both are given.
* MACs: ``mac_energy_pj`` x (full MACs + gated MACs x ``gated_mac_energy_fraction``).
* Weight sharing: one codebook lookup (``lookup_energy_pj``) per weight value read by a MAC.
* Leakage: sum of ``leakage_power_mw x instances`` x latency (1 mW for 1 s = 1e9 pJ).
* Transfer time of a level: its bytes / (``bandwidth_bytes_per_cycle x instances``); the
  bytes are reads + writes on ``shared`` ports, max(reads, writes) on ``separate`` ones
  (TPU1's Weight FIFO is written and read at once).

Worked example (the issue's tiny case): 1,000 bytes read from a DRAM of 32-bit width at
400 pJ per access (100 pJ/byte) = 250 accesses = 100,000 pJ; the same bytes from an SRAM at
20 pJ per 32-bit access (5 pJ/byte) = 5,000 pJ. A 2 mW leak over 1,000 cycles at 1 GHz
(1 us) = 2e-9 J = 2,000 pJ.
"""
from __future__ import annotations

import numpy as np

from hwsim.arch.model import Accelerator, MemoryLevel
from hwsim.types import MemoryKind

PJ_PER_MW_S = 1e9


def accesses(level: MemoryLevel, nbytes):
    """Accesses of ``width_bits`` needed for ``nbytes``; e.g. 10 bytes at 32 bits -> 2.5."""
    return nbytes / level.width_bytes


def level_energy_pj(level: MemoryLevel, read_bytes, write_bytes):
    """Energy of ``read_bytes`` + ``write_bytes`` at ``level`` (module docstring)."""
    energy = accesses(level, read_bytes) * level.read_energy_pj \
        + accesses(level, write_bytes) * level.write_energy_pj
    if level.kind is MemoryKind.DRAM and level.row_buffer_bytes and \
            level.row_activation_energy_pj:
        energy = energy + (read_bytes + write_bytes) / level.row_buffer_bytes \
            * level.row_activation_energy_pj
    return energy


def transfer_cycles(level: MemoryLevel, nbytes):
    """Cycles to move ``nbytes`` through ``level`` at its total bandwidth (all instances).

    Example: 6,400 bytes at 16 bytes/cycle x 4 instances -> 100 cycles.
    """
    bandwidth = level.total_bandwidth_bytes_per_cycle
    return nbytes / bandwidth if bandwidth > 0 else np.zeros_like(np.asarray(nbytes, float))


def port_bytes(level: MemoryLevel, read_bytes, write_bytes):
    """Bytes that bind the level's ports: read + write (``ports: shared``), or the larger of
    the two (``ports: separate``: reads and writes each have the full bandwidth).

    Example: 300 read, 100 written -> 400 shared, 300 separate; at 32 bytes/cycle 12.5 vs
    9.375 cycles.
    """
    if level.ports == "separate":
        return np.maximum(read_bytes, write_bytes)
    return read_bytes + write_bytes


def level_transfer_cycles(level: MemoryLevel, read_bytes, write_bytes):
    """:func:`transfer_cycles` of :func:`port_bytes`; e.g. 300 / 100 bytes on a separate-port
    level of 32 bytes/cycle -> 9.375 cycles (12.5 shared)."""
    return transfer_cycles(level, port_bytes(level, read_bytes, write_bytes))


def leakage_power_mw(arch: Accelerator) -> float:
    """Total static power of the memory levels, mW (``leakage_power_mw x instances``)."""
    return sum(level.leakage_power_mw * level.instances for level in arch.memories)


def leakage_energy_pj(arch: Accelerator, cycles):
    """Leakage over ``cycles`` at ``clock_hz``: mW x s x 1e9 pJ; e.g. 2 mW, 1000 cycles at
    1 GHz -> 2,000 pJ."""
    return leakage_power_mw(arch) * (cycles / arch.compute.clock_hz) * PJ_PER_MW_S


def mac_energy_pj(arch: Accelerator, full_macs: float, gated_macs: float) -> float:
    """``mac_energy_pj x (full + gated x gated fraction)``; e.g. 1 pJ, 40 full, 60 gated at
    0.1 -> 46 pJ."""
    c = arch.compute
    return c.mac_energy_pj * (full_macs + gated_macs * c.gated_mac_energy_fraction)


def codebook_energy_pj(arch: Accelerator, weight_values_read) -> float:
    """One lookup per weight value the MACs read when weights are shared, else 0."""
    sharing = arch.sparsity.weight_sharing
    if sharing is None:
        return 0.0 * weight_values_read
    return sharing.lookup_energy_pj * weight_values_read


def energy_split(traffic, extra_pj: dict[str, float]) -> tuple[dict, dict]:
    """(energy by component, energy by operand) in pJ: each traffic row's energy under its
    level (``dram`` for DRAM) and its operand, plus the non-memory terms ``extra_pj`` (e.g.
    ``{"mac": ..., "codebook": ..., "leakage": ...}``) under their own names in both."""
    comp: dict[str, float] = {}
    oper: dict[str, float] = {}
    for t in traffic:
        key = "dram" if t.kind is MemoryKind.DRAM else t.level
        comp[key] = comp.get(key, 0.0) + t.energy_pj
        oper[str(t.operand)] = oper.get(str(t.operand), 0.0) + t.energy_pj
    comp.update(extra_pj)
    oper.update(extra_pj)
    return comp, oper
