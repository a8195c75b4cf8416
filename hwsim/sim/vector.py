"""Vector layers and act x act matmuls in the event simulator.

A ``vector`` layer runs as three simpy processes joined by two-slot buffers (double
buffering): the loader reads input chunks from the DRAM channel (bursts, row buffer, access
latency, as every DRAM request), the vector unit processes a chunk in the analytical model's
per-chunk cycles, the storer writes the chunk's outputs back over the same DRAM bus; chunks as
:func:`hwsim.cost.vector.vector_timing`. Latency is the cycle the last write ends; energy
counts the simulated DRAM traffic, the on-chip bytes (each input and output byte written and
read once, as the analytical model) and the vector ops. Differences from the estimate come
from whole bursts, DRAM latency and the order the bus serves loads and stores in.

An act x act matmul is simulated as the matmul with operand B streamed on the weight path
(never resident) and restated with no stored weights, exactly as the analytical model does
(:func:`hwsim.cost.vector.without_stored_weights`).

Worked example (``tests/sim/test_sim_vector.py``): the softmax of the analytical example
(1,000 elements, 4 lanes, DRAM 4 B/cycle) is one chunk: load 1,000 B (250 cycles), compute
1,250 cycles, store 1,000 B (250 cycles): 1,750 cycles, as estimated.
"""
from __future__ import annotations

import math
import time
from dataclasses import replace

import simpy

from hwsim.arch.model import Accelerator
from hwsim.cost.layer import estimate_layer
from hwsim.cost.records import Imbalance, pairs_from
from hwsim.cost.vector import (as_weighted_matmul, kind_unsupported_reason, kv_write_bytes,
                               operand_b_arch, output_element_bytes, vector_flows,
                               vector_timing, without_stored_weights)
from hwsim.errors import UnsupportedLayerError
from hwsim.sim.assemble import RunTotals, dram_stats, layer_cost
from hwsim.sim.compare import compare
from hwsim.sim.dram import DramChannel
from hwsim.sim.options import SimOptions
from hwsim.sim.records import SimResult, SimStats
from hwsim.sim.trace import TraceRecorder
from hwsim.types import MemoryKind, Operand
from hwsim.workload.layer import LayerWorkload


def simulate_act_matmul(layer: LayerWorkload, arch: Accelerator, options: SimOptions,
                        simulate) -> SimResult:
    """The matmul with B streamed, restated with no stored weights (module docstring)."""
    reason = kind_unsupported_reason(layer, arch)
    if reason:
        raise UnsupportedLayerError(layer.name, reason)
    result = simulate(as_weighted_matmul(layer), operand_b_arch(layer, arch), options,
                      weights_resident=False)
    cost = without_stored_weights(result.cost, layer)
    ana = without_stored_weights(result.analytical, layer)
    return replace(result, cost=cost, analytical=ana, comparison=compare(cost, ana,
                                                                        result.stats))


def simulate_vector(layer: LayerWorkload, arch: Accelerator,
                    options: SimOptions = SimOptions()) -> SimResult:
    """Simulate a vector layer on ``arch``'s vector unit (module docstring)."""
    reason = kind_unsupported_reason(layer, arch)
    if reason:
        raise UnsupportedLayerError(layer.name, reason)
    ana = estimate_layer(layer, arch)
    act_bytes = arch.compute.activation_bits / 8
    in_bytes = math.ceil(layer.input_count * act_bytes)
    out_bytes = math.ceil(layer.output_count * output_element_bytes(layer, arch))
    timing = vector_timing(layer, arch)
    chunks = timing.chunks
    env = simpy.Environment()
    trace = TraceRecorder(options.trace)
    dram = DramChannel(env, arch.dram, options.row_miss_penalty(arch.compute.clock_hz), trace)
    per_chunk = int(timing.compute)
    tally = {"compute": 0, "end": 0}
    started = time.perf_counter()
    loaded, done = simpy.Store(env, capacity=2), simpy.Store(env, capacity=2)
    env.process(_loader(env, dram, in_bytes, chunks, loaded))
    env.process(_unit(env, loaded, done, per_chunk, chunks, tally, trace))
    env.process(_storer(env, dram, in_bytes, out_bytes, chunks, done, tally))
    env.run()
    onchip = {(name, op): [r, w] for name, op, r, w in vector_flows(arch, in_bytes, out_bytes)
              if arch.level(name).kind is not MemoryKind.DRAM}
    totals = RunTotals(int(tally["end"]), float(tally["compute"]), 0.0, 0.0, 0.0, 0.0,
                       (("dram", float(dram.counters.busy_cycles)),), Imbalance(), onchip,
                       ("dram",))
    cost = _with_vector_energy(layer_cost(ana, arch, totals, dram.counters), arch, layer)
    peak = arch.vector.peak_ops_per_cycle
    cost = replace(cost, utilization=layer.vector_ops / (peak * cost.latency_cycles)
                   if cost.latency_cycles else 0.0,
                   kv_cache_write_bytes=kv_write_bytes(layer, cost.traffic))
    stalls = (("vector_compute", tally["compute"]),
              ("vector_wait", int(tally["end"]) - tally["compute"]))
    stats = SimStats(engine="vector", pe_count=arch.vector.lanes, stall_cycles=stalls,
                     load_balance_efficiency=1.0, pe_utilization=cost.utilization,
                     dram=dram_stats(dram.counters), events=0, steps=chunks,
                     wall_s=time.perf_counter() - started, seed=options.seed)
    return SimResult(cost, ana, stats, compare(cost, ana, stats), trace.events())


def _split(total: int, chunks: int, index: int) -> tuple[int, int]:
    """(start, length) of chunk ``index`` of ``total`` bytes in ``chunks`` near-equal parts."""
    start = total * index // chunks
    return start, total * (index + 1) // chunks - start


def _loader(env, dram: DramChannel, in_bytes: int, chunks: int, loaded: simpy.Store):
    for i in range(chunks):
        start, length = _split(in_bytes, chunks, i)
        yield from dram.transfer([start], [length], False, Operand.INPUTS, f"vector in {i}")
        yield loaded.put(i)


def _unit(env, loaded, done, cycles: int, chunks: int, tally: dict, trace):
    for _ in range(chunks):
        i = yield loaded.get()
        trace.log(env.now, "vector", "busy", f"chunk {i}")
        yield env.timeout(cycles)
        tally["compute"] += cycles
        yield done.put(i)


def _storer(env, dram: DramChannel, in_bytes: int, out_bytes: int, chunks: int, done,
            tally: dict):
    base = (in_bytes // (1 << 20) + 1) << 20      # outputs in their own DRAM region
    for _ in range(chunks):
        i = yield done.get()
        start, length = _split(out_bytes, chunks, i)
        yield from dram.transfer([base + start], [length], True, Operand.OUTPUTS,
                                 f"vector out {i}")
    tally["end"] = env.now


def _with_vector_energy(cost, arch: Accelerator, layer: LayerWorkload):
    """Add the vector ops' energy (ops x energy per op) as the ``vector`` component."""
    op_pj = layer.vector_ops * arch.vector.op_energy_pj
    comp = {**dict(cost.energy_by_component), "vector": op_pj}
    oper = {**dict(cost.energy_by_operand), "vector": op_pj}
    comp.pop("mac", None), comp.pop("codebook", None)
    oper.pop("mac", None), oper.pop("codebook", None)
    return replace(cost, energy_pj=sum(comp.values()), energy_by_component=pairs_from(comp),
                   energy_by_operand=pairs_from(oper), macs_effective=0.0)


__all__ = ["simulate_act_matmul", "simulate_vector"]
