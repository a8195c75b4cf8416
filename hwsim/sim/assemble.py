"""Turn one run's tallies into the shared :class:`~hwsim.cost.records.LayerCost`.

Energy is counts x the accelerator's energy per action, as in the analytical model
(:mod:`hwsim.cost.energy`), with the simulator's own counts: DRAM accesses of the bytes moved
in whole bursts plus one row activation per row miss (when the DRAM models its row buffer),
on-chip accesses of the bytes the run moved, MACs and codebook lookups of the entries the PEs
processed, leakage over the simulated latency.

Worked example: 4,096 burst bytes read from a DRAM of 32-bit width at 128 pJ per access with
2 row misses at 1,000 pJ -> 1,024 accesses x 128 + 2 x 1,000 = 133,072 pJ.
"""
from __future__ import annotations

from dataclasses import dataclass

from hwsim.arch.model import Accelerator
from hwsim.cost import energy as en
from hwsim.cost.records import Imbalance, LayerCost, LevelTraffic, pairs_from
from hwsim.sim.dram import DramCounters
from hwsim.sim.records import DramStats
from hwsim.types import MemoryKind, Operand


@dataclass(frozen=True)
class RunTotals:
    """What a run measured, engine-independent: latency and compute cycles, MAC counts, busy
    cycles per level, the imbalance record, on-chip bytes per (level, operand) and which
    levels' busy cycles were timed by the run (only those can be the bottleneck)."""

    latency_cycles: int
    compute_cycles: float
    macs_effective: float
    macs_gated: float
    mac_energy_macs: float
    codebook_lookups: float
    busy_cycles: tuple[tuple[str, float], ...]
    imbalance: Imbalance
    onchip: dict
    timed: tuple[str, ...] = ()


def dram_traffic(arch: Accelerator, counters: DramCounters) -> tuple[LevelTraffic, ...]:
    """DRAM :class:`LevelTraffic` per operand from the channel's counters (module docstring)."""
    dram = arch.dram
    out = []
    operands = sorted({op for op, _ in counters.moved}, key=str)
    for op in operands:
        read = float(counters.moved.get((op, "read"), 0))
        write = float(counters.moved.get((op, "write"), 0))
        energy = en.accesses(dram, read) * dram.read_energy_pj \
            + en.accesses(dram, write) * dram.write_energy_pj
        if dram.row_buffer_bytes:
            energy += counters.misses.get(op, 0) * dram.row_activation_energy_pj
        out.append(LevelTraffic(level=dram.name, operand=Operand(op),
                                reads=en.accesses(dram, read), writes=en.accesses(dram, write),
                                read_bytes=read, write_bytes=write, energy_pj=float(energy),
                                kind=MemoryKind.DRAM))
    return tuple(out)


def onchip_traffic(arch: Accelerator, onchip: dict) -> tuple[LevelTraffic, ...]:
    levels = {l.name: l for l in arch.memories}
    out = []
    for (name, op), (read, write) in onchip.items():
        level = levels[name]
        out.append(LevelTraffic(level=name, operand=Operand(op),
                                reads=en.accesses(level, read), writes=en.accesses(level, write),
                                read_bytes=float(read), write_bytes=float(write),
                                energy_pj=float(en.level_energy_pj(level, read, write)),
                                kind=level.kind))
    return tuple(out)


def dram_stats(counters: DramCounters) -> DramStats:
    def writes(table):
        return int(sum(v for (_, way), v in table.items() if way == "write"))
    return DramStats(requested_bytes=int(sum(counters.requested.values())),
                     moved_bytes=int(sum(counters.moved.values())), bursts=counters.bursts,
                     requests=counters.requests, row_hits=counters.row_hits,
                     row_misses=counters.row_misses, busy_cycles=float(counters.busy_cycles),
                     conflict_cycles=float(counters.conflict_cycles),
                     requested_write_bytes=writes(counters.requested),
                     moved_write_bytes=writes(counters.moved))


def _energy(traffic, mac_pj: float, book_pj: float, leak_pj: float):
    comp: dict = {}
    oper: dict = {}
    for t in traffic:
        key = "dram" if t.kind is MemoryKind.DRAM else t.level
        comp[key] = comp.get(key, 0.0) + t.energy_pj
        oper[str(t.operand)] = oper.get(str(t.operand), 0.0) + t.energy_pj
    for key, value in (("mac", mac_pj), ("codebook", book_pj), ("leakage", leak_pj)):
        comp[key] = value
        oper[key] = value
    return comp, oper


def _bottleneck(totals: RunTotals) -> str:
    busy = {k: v for k, v in totals.busy_cycles if k in totals.timed}
    if not busy or totals.compute_cycles >= max(busy.values()):
        return "compute"
    return max(busy, key=busy.get)


def layer_cost(analytical: LayerCost, arch: Accelerator, totals: RunTotals,
               counters: DramCounters) -> LayerCost:
    """The simulator's :class:`LayerCost` (``model="simulator"``); shape facts (weights
    storage, compulsory bytes, residency, notes) are copied from the analytical record."""
    traffic = dram_traffic(arch, counters) + onchip_traffic(arch, totals.onchip)
    c = arch.compute
    mac_pj = c.mac_energy_pj * totals.mac_energy_macs
    book_pj = float(en.codebook_energy_pj(arch, totals.codebook_lookups))
    leak_pj = float(en.leakage_energy_pj(arch, totals.latency_cycles))
    comp, oper = _energy(traffic, mac_pj, book_pj, leak_pj)
    peak = c.pe_count * c.macs_per_pe_per_cycle
    util = totals.macs_effective / (peak * totals.compute_cycles) if totals.compute_cycles \
        else 0.0
    a = analytical
    return LayerCost(
        name=a.name, arch=a.arch, model="simulator", batch=a.batch, macs_dense=a.macs_dense,
        macs_effective=totals.macs_effective, macs_gated=totals.macs_gated,
        weight_count=a.weight_count, weight_nnz=a.weight_nnz, weights=a.weights,
        traffic=traffic, energy_pj=sum(comp.values()), energy_by_component=pairs_from(comp),
        energy_by_operand=pairs_from(oper), latency_cycles=float(totals.latency_cycles),
        compute_cycles=float(totals.compute_cycles), transfer_cycles=totals.busy_cycles,
        bottleneck=_bottleneck(totals), clock_hz=a.clock_hz, mapping=a.mapping,
        compulsory_dram_bytes=a.compulsory_dram_bytes, weights_on_chip=a.weights_on_chip,
        weights_fit_on_chip=a.weights_fit_on_chip, model_load_dram_bytes=a.model_load_dram_bytes,
        peak_activation_bytes=a.peak_activation_bytes, utilization=util,
        imbalance=totals.imbalance, notes=a.notes)
