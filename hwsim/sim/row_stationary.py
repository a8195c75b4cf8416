"""Row stationary in the event simulator: Eyeriss's conv layers as a pipeline of GLB blocks.

The analytical model (:mod:`hwsim.cost.row_stationary`) gives the mapping: PE sets, passes and
GLB blocks (n_g images x m_b filters x e_b rows x f_b columns). The simulator runs it in time:

* **DMA in.** One process fetches each block's inputs from DRAM through the shared channel
  (:class:`~hwsim.sim.dram.DramChannel`): the ifmap block (once per image/row/column block
  when it stays resident, else with every filter block) and the block's filters. It runs one
  block ahead of the array (the next block's data arrives while the current one computes).
* **PE-set pipeline.** The array process waits for its block's inputs, then runs the block's
  passes: each pass loads its filters into the scratchpads (unless that overlaps), then
  computes, with the ifmap and psum traffic served by the GLB's ifmap/psum banks (one 64-bit
  word per bank per cycle): a pass whose GLB words need more cycles than its compute is
  stretched (``glb_bank_conflict``). Filters and ifmaps reach the PEs by multicast (counted
  once per GLB read, as in the analytical model).
* **Write-back.** A finished output block is written to DRAM (run-length coded as the model
  decides) on the same channel.

Where nothing contends the latency is the analytical compute time plus the first block's load
(pipeline fill) and the last write-back (drain); the comparison names any other difference
(``array_wait_dram``: the array waited for DMA; ``glb_bank_conflict``).

Worked example: 3 blocks of 100 compute cycles, 40 DMA cycles each, 10 write-back cycles:
block 1 waits 40 (fill), blocks 2 and 3 find their data ready, the last write-back ends at
40 + 300 + 10 = 350 cycles.
"""
from __future__ import annotations

import math

import numpy as np
import simpy

from hwsim.arch.model import Accelerator
from hwsim.cost import row_stationary as rs
from hwsim.cost.records import LayerCost
from hwsim.sim.assemble import RunTotals
from hwsim.sim.records import SimStats
from hwsim.types import MemoryKind, Operand
from hwsim.workload.layer import LayerWorkload

GLB_WORDS_PER_BANK_CYCLE = 4  # one 64-bit bank word = 4 x 16-bit values per cycle
IFMAP_PSUM_BANKS = 25         # [EYE_NOTES glb_banks, second-hand], as eyeriss.yaml's split


def is_row_stationary(ana: LayerCost) -> bool:
    """True when ``ana`` came from the row-stationary model (its mapping has a PE level)."""
    return ana.mapping is not None and any(l.level == "pe" for l in ana.mapping.levels)


def block_plan(layer: LayerWorkload, arch: Accelerator, ana: LayerCost, pins=None):
    """(blocks, outer blocks, ifmap loads, DRAM ifmap / weight / output bytes, compute and
    GLB-bank cycles per block) of the analytical row-stationary mapping; the totals equal the
    model's."""
    m = rs.plan(layer, arch, pins)
    shape = rs.RsShape.of(layer)
    prm = rs.rs_parameters(arch)
    blocks, outer, loads = rs.rs_blocks(shape, m)
    dram = {t.operand: t.read_bytes + t.write_bytes for t in ana.traffic
            if t.kind is MemoryKind.DRAM}
    glb_words = sum(t.read_bytes + t.write_bytes for t in ana.traffic
                    if t.level == prm.glb.name and t.operand is not Operand.WEIGHTS) / prm.word_bytes
    glb_cycles = glb_words / (IFMAP_PSUM_BANKS * GLB_WORDS_PER_BANK_CYCLE) / blocks
    compute = ana.compute_cycles / blocks
    return (blocks, outer, loads, dram.get(Operand.INPUTS, 0.0), dram.get(Operand.WEIGHTS, 0.0),
            dram.get(Operand.OUTPUTS, 0.0), compute, glb_cycles)


def run_row_stationary(layer: LayerWorkload, arch: Accelerator, ana: LayerCost,
                       env: simpy.Environment, dram, trace, pins=None):
    """Run the block pipeline (module docstring) to the end; (RunTotals, SimStats)."""
    blocks, outer, loads, in_bytes, w_bytes, out_bytes, compute, glb = block_plan(
        layer, arch, ana, pins)
    per_outer = blocks // outer
    ready = [env.event() for _ in range(blocks)]
    freed = [env.event() for _ in range(blocks)]
    tally = {"wait": 0, "conflict": 0.0, "compute": 0, "end": 0}
    offsets = {Operand.INPUTS: 0, Operand.WEIGHTS: 1 << 40, Operand.OUTPUTS: 2 << 40}

    def fetch(op, nbytes, write, label):
        n = int(math.ceil(nbytes))
        if n <= 0:
            return
        start = offsets[op]
        offsets[op] += n
        yield from dram.transfer(np.array([start]), np.array([n]), write, op, label)

    def dma_in():
        for b in range(blocks):
            if b >= 2:
                yield freed[b - 2]  # one block ahead of the array
            if loads == blocks or b % per_outer == 0:
                yield from fetch(Operand.INPUTS, in_bytes / loads, False, f"ifmap block {b}")
            yield from fetch(Operand.WEIGHTS, w_bytes / blocks, False, f"filters block {b}")
            ready[b].succeed()

    carry = [0.0]

    def cycles(exact):
        total = exact + carry[0]
        whole = int(math.floor(total + 1e-9))
        carry[0] = total - whole
        return whole

    def array():
        writes = []
        for b in range(blocks):
            t0 = env.now
            yield ready[b]
            tally["wait"] += env.now - t0
            work = max(compute, glb)
            tally["conflict"] += work - compute
            trace.log(env.now, "array", "busy", f"block {b}")
            yield env.timeout(cycles(work))
            tally["compute"] += compute
            freed[b].succeed()
            writes.append(env.process(fetch(Operand.OUTPUTS, out_bytes / blocks, True,
                                            f"ofmap block {b}")))
        tally["end"] = env.now
        yield simpy.AllOf(env, writes)

    env.process(dma_in())
    env.process(array())
    events = 0
    try:
        while True:
            env.step()
            events += 1
    except simpy.core.EmptySchedule:
        pass
    return totals_and_stats(arch, ana, env, dram, tally, blocks, events)


def totals_and_stats(arch: Accelerator, ana: LayerCost, env, dram, tally, blocks, events):
    """RunTotals (on-chip bytes and MAC counts from the analytical mapping: multicast and
    scratchpad counts do not depend on timing) and SimStats of a finished run."""
    onchip = {(t.level, t.operand): [t.read_bytes, t.write_bytes] for t in ana.traffic
              if t.kind is not MemoryKind.DRAM}
    mac_pj = arch.compute.mac_energy_pj
    energy_macs = dict(ana.energy_by_component).get("mac", 0.0) / mac_pj if mac_pj else 0.0
    cycles = (("dram", dram.counters.busy_cycles),)
    totals = RunTotals(int(env.now), float(tally["compute"] + tally["conflict"]),
                       ana.macs_effective, ana.macs_gated, energy_macs, 0.0, cycles,
                       ana.imbalance, onchip, ("dram",))
    stalls = (("array_compute", tally["compute"]), ("array_wait_dram", tally["wait"]),
              ("glb_bank_conflict", tally["conflict"]),
              ("drain_tail", int(env.now) - tally["end"]))
    stats = SimStats(engine="row_stationary", pe_count=arch.compute.pe_count,
                     stall_cycles=stalls, load_balance_efficiency=1.0,
                     pe_utilization=(ana.utilization * tally["compute"] / env.now
                                     if env.now else 0.0),
                     events=events, steps=blocks)
    return totals, stats


def with_noc(cost: LayerCost, ana: LayerCost) -> LayerCost:
    """The simulated cost plus the analytical NoC energy (counts of multicast transfers do not
    depend on timing; the shared assembly knows memory levels only)."""
    from dataclasses import replace
    noc = dict(ana.energy_by_component).get("noc", 0.0)
    if not noc:
        return cost
    comp = (*cost.energy_by_component, ("noc", noc))
    oper = (*cost.energy_by_operand, ("noc", noc))
    return replace(cost, energy_pj=cost.energy_pj + noc, energy_by_component=comp,
                   energy_by_operand=oper)
