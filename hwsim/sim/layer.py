"""``simulate_layer``: one layer on one accelerator through the event-driven model.

One ``simpy.Environment`` per call, integer cycles, nothing kept between calls. Steps: the
analytical estimate (the mapping to run and the reference to compare with) -> the engine for
the dataflow (column broadcast: :mod:`hwsim.sim.eie` + :mod:`hwsim.sim.broadcast`; every other
dataflow: :mod:`hwsim.sim.dense` + :mod:`hwsim.sim.tiled`), both sharing a DRAM channel
(:mod:`hwsim.sim.dram`) -> run -> :class:`~hwsim.cost.records.LayerCost` (``model
="simulator"``) -> comparison with the analytical record.

Example::

    result = simulate(layer, load_arch("arch_configs/eie.yaml"), SimOptions(fifo_depth=4))
    result.cost.latency_cycles, result.stats.load_balance_efficiency, result.comparison.causes
"""
from __future__ import annotations

import time
from dataclasses import replace
from typing import Iterable

import simpy

from hwsim.arch.model import Accelerator
from hwsim.cost.energy import level_transfer_cycles
from hwsim.cost.layer import EstimateOptions, estimate_layer
from hwsim.cost.fusion import fused_cost, fused_producer, unfuse_orphans
from hwsim.cost.pinning import layer_pins
from hwsim.cost.records import Imbalance, LayerCost, LayerMapping
from hwsim.cost.residency import plan_residency
from hwsim.errors import UnsupportedLayerError
from hwsim.sim.assemble import RunTotals, dram_stats, layer_cost
from hwsim.sim.broadcast import run_broadcast
from hwsim.sim.compare import compare
from hwsim.sim.dense import port_quantum, setup_tiled
from hwsim.sim.dram import DramChannel
from hwsim.sim.eie import onchip_bytes, setup_broadcast
from hwsim.sim.options import SimOptions
from hwsim.sim.ports import Ports
from hwsim.sim.records import Comparison, SimResult, SimStats
from hwsim.sim import row_stationary as rs_sim
from hwsim.sim.routes import routes
from hwsim.sim.tiled import run_tiled
from hwsim.sim.trace import TraceRecorder
from hwsim.sim.vector import simulate_act_matmul, simulate_vector
from hwsim.types import Dataflow, LayerKind, MemoryKind, Residency
from hwsim.workload.layer import LayerWorkload


def _run(env: simpy.Environment) -> int:
    """Run to completion; the number of events processed."""
    count, step = 0, env.step
    try:
        while True:
            step()
            count += 1
    except simpy.core.EmptySchedule:
        return count


def _level_cycles(arch: Accelerator, onchip: dict) -> dict:
    levels = {l.name: l for l in arch.memories}
    moved: dict = {}
    for (name, _), (r, w) in onchip.items():
        pr, pw = moved.get(name, (0.0, 0.0))
        moved[name] = (pr + r, pw + w)
    return {name: float(level_transfer_cycles(levels[name], r, w))
            for name, (r, w) in moved.items()}


def _broadcast(layer, arch, options, ana, paths, env, dram, trace):
    depth = options.resolve_fifo_depth(arch.sparsity.fifo_depth)
    setup, works = setup_broadcast(layer, arch, depth, options, paths, ana.weights_on_chip)
    tally = run_broadcast(env, dram, setup.plan, trace)
    events = _run(env)
    entries = sum(int(p.entries.sum()) for w in works for p in w.passes)
    nonzeros = sum(int(p.nonzeros.sum()) for w in works for p in w.passes)
    parts = arch.compute.pe_count
    busy = int(tally.busy.sum())
    lost = int(tally.imbalance.sum() + tally.tail.sum() + tally.rate.sum())
    lb_eff = busy / (busy + lost) if busy + lost else 1.0
    onchip = onchip_bytes(setup, arch)
    cycles = {"dram": dram.counters.busy_cycles, **_level_cycles(arch, onchip)}
    compute = tally.pass_cycles + tally.drain_cycles
    imb = Imbalance(efficiency=lb_eff, bound=f"simulated (fifo depth {depth or 'unbounded'})",
                    exact=not works[0].synthesised, ideal_cycles=busy / parts,
                    cycles=tally.pass_cycles)
    totals = RunTotals(int(env.now), compute, float(nonzeros), 0.0, float(entries),
                       float(entries), tuple(cycles.items()), imb, onchip, ("dram",))
    words = sum(int(p.words.sum()) for w in works for p in w.passes)
    counts = (("entries_processed", entries), ("weight_words_read", words),
              ("weight_entries_per_word", setup.entries_per_word),
              ("weight_level", setup.weight_level.name))
    stalls = (("pe_busy", busy), ("pe_starved_imbalance", int(tally.imbalance.sum())),
              ("pe_idle_tail", int(tally.tail.sum())),
              ("pe_starved_input", int(tally.input.sum())),
              ("pe_starved_broadcast_rate", int(tally.rate.sum())),
              ("broadcast_blocked", tally.bcast_blocked),
              ("broadcast_wait_input", tally.bcast_input_wait),
              ("array_drain", tally.drain_cycles),
              ("drain_tail", int(env.now) - tally.array_end))
    stats = SimStats(engine="broadcast", fifo_depth=depth, pe_count=parts, stall_cycles=stalls,
                     load_balance_efficiency=lb_eff,
                     pe_utilization=busy / (parts * env.now) if env.now else 0.0,
                     events=events, mask_synthesised=works[0].synthesised,
                     mask_nnz=works[0].mask_nnz, fillers_processed=entries - nonzeros,
                     broadcasts=tally.broadcasts, seed=options.seed, counts=counts)
    return totals, stats


def _tiled(layer, arch, options, ana, paths, env, dram, trace):
    plan, port = setup_tiled(layer, ana, arch, options, paths)
    level_cycles = dict(ana.transfer_cycles)
    ports = {l.name: Ports(env, l, port_quantum(options.port_quantum_cycles,
                                                level_cycles.get(l.name, 0.0)), trace)
             for l in arch.memories if l.kind is not MemoryKind.DRAM}
    tally = run_tiled(env, dram, ports, plan, trace)
    events = _run(env)
    onchip = {k: [v[0], v[1]] for k, v in port.items()}
    for key, (r, w) in tally.onchip.items():
        entry = onchip.setdefault(key, [0.0, 0.0])
        entry[0] += r
        entry[1] += w
    cycles = {"dram": dram.counters.busy_cycles,
              **{n: float(p.busy_cycles) for n, p in ports.items() if p.busy_cycles}}
    sharing = arch.sparsity.weight_sharing
    lookups = dict(ana.energy_by_component).get("codebook", 0.0) / sharing.lookup_energy_pj \
        if sharing and sharing.lookup_energy_pj else 0.0
    mac_pj = arch.compute.mac_energy_pj
    energy_macs = dict(ana.energy_by_component).get("mac", 0.0) / mac_pj if mac_pj else 0.0
    totals = RunTotals(int(env.now), float(tally.compute), ana.macs_effective, ana.macs_gated,
                       energy_macs, lookups, tuple(cycles.items()), ana.imbalance, onchip,
                       tuple(cycles))
    stalls = [("array_compute", tally.compute), ("array_wait_dram", tally.wait_input),
              ("array_wait_writeback", tally.wait_output),
              ("array_port_bound", tally.port_bound), ("dma_in_blocked", tally.dma_in_blocked),
              ("drain_tail", int(env.now) - tally.array_end)]
    stalls += [(f"port_wait_{n}", p.wait_cycles) for n, p in ports.items() if p.wait_cycles]
    stats = SimStats(engine="tiled", pe_count=arch.compute.pe_count,
                     stall_cycles=tuple(stalls), load_balance_efficiency=1.0,
                     pe_utilization=ana.utilization * tally.compute / env.now if env.now else 0.0,
                     events=events, steps=len(plan.walk.steps), step_batch=plan.walk.batch,
                     seed=options.seed)
    return totals, stats


GPU_SIM_REASON = ("the simulator does not model GPUs (warps, caches, kernel scheduling); "
                  "use the analytical GPU roofline: hwsim estimate")


def simulate(layer: LayerWorkload, arch: Accelerator, options: SimOptions = SimOptions(),
             mapping: LayerMapping | None = None, *,
             weights_resident: bool | None = None) -> SimResult:
    """Simulate ``layer`` on ``arch`` (module docstring); raises UnsupportedLayerError for a
    layer the arch cannot run or hold, ConfigError for bad options (e.g. FIFO depth 0).

    ``weights_resident``: the layer's residency decision (from
    :func:`hwsim.cost.residency.plan_residency` over its network; None: the layer alone under
    the arch's policy), passed to the analytical estimate so both models agree on it."""
    if fused_producer(layer, arch) is not None:  # applied in the producer's output path
        return SimResult(fused_cost(layer, arch, "simulator"), fused_cost(layer, arch),
                         SimStats(engine="fused"), Comparison())
    if arch.gpu is not None:  # GPUs are priced by the roofline model only (docs/GPU.md)
        raise UnsupportedLayerError(layer.name, GPU_SIM_REASON)
    if layer.kind is LayerKind.VECTOR:  # the vector unit (hwsim.sim.vector)
        return simulate_vector(layer, arch, options)
    if layer.kind is LayerKind.ACT_MATMUL:  # the matmul with B streamed, no stored weights
        return simulate_act_matmul(layer, arch, options, simulate)
    if arch.dataflow is Dataflow.COLUMN_BROADCAST:
        arch = _at_fifo_depth(arch, options.resolve_fifo_depth(arch.sparsity.fifo_depth))
    ana = estimate_layer(layer, arch, weights_resident=weights_resident,
                         options=EstimateOptions(mappings=options.mappings))
    if not ana.supported:
        raise UnsupportedLayerError(layer.name, ana.unsupported_reason or "unsupported")
    if mapping is not None:
        ana = _with_mapping(ana, mapping)
    paths = routes(layer, arch, ana.weights_on_chip)
    env = simpy.Environment()
    trace = TraceRecorder(options.trace)
    dram = DramChannel(env, arch.dram, options.row_miss_penalty(arch.compute.clock_hz), trace)
    started = time.perf_counter()
    if arch.dataflow is Dataflow.COLUMN_BROADCAST:
        totals, stats = _broadcast(layer, arch, options, ana, paths, env, dram, trace)
    elif rs_sim.is_row_stationary(ana):
        totals, stats = rs_sim.run_row_stationary(layer, arch, ana, env, dram, trace,
                                                  layer_pins(EstimateOptions(
                                                      mappings=options.mappings), layer))
    else:
        totals, stats = _tiled(layer, arch, options, ana, paths, env, dram, trace)
    wall = time.perf_counter() - started
    stats = _finish(stats, dram, wall)
    cost = layer_cost(ana, arch, totals, dram.counters)
    if rs_sim.is_row_stationary(ana):
        cost = rs_sim.with_noc(cost, ana)
    return SimResult(cost, ana, stats, compare(cost, ana, stats), trace.events())


def _at_fifo_depth(arch: Accelerator, depth: int | None) -> Accelerator:
    """``arch`` with the FIFO depth actually simulated, so the analytical estimate it is
    compared with uses the same depth."""
    if depth == arch.sparsity.fifo_depth:
        return arch
    return replace(arch, sparsity=replace(arch.sparsity, fifo_depth=depth))


def _with_mapping(ana: LayerCost, mapping: LayerMapping) -> LayerCost:
    return replace(ana, mapping=mapping)


def _finish(stats: SimStats, dram: DramChannel, wall: float) -> SimStats:
    return replace(stats, dram=dram_stats(dram.counters), wall_s=wall)


def simulate_layer(layer: LayerWorkload, arch: Accelerator,
                   options: SimOptions = SimOptions()) -> LayerCost:
    """The simulated :class:`LayerCost` of ``layer`` on ``arch`` (``model="simulator"``)."""
    return simulate(layer, arch, options).cost


def unsupported_result(layer: LayerWorkload, arch: Accelerator, reason: str) -> SimResult:
    """A row for a layer the arch cannot run: the analytical unsupported record, relabelled."""
    ana = estimate_layer(layer, arch)
    cost = replace(ana, model="simulator", supported=False, unsupported_reason=reason)
    return SimResult(cost, ana, SimStats(engine="none"), Comparison())


def simulate_network(layers: Iterable[LayerWorkload], arch: Accelerator,
                     options: SimOptions = SimOptions(), *,
                     residency: Residency | str | None = None) -> tuple[SimResult, ...]:
    """:func:`simulate` per layer, with the residency decided over the whole network by
    :func:`hwsim.cost.residency.plan_residency` (the analytical model's decision; ``residency``
    overrides the arch's policy); a layer the arch cannot run or hold becomes an unsupported
    row (``cost.supported`` False, with the reason) instead of stopping the network."""
    layers = tuple(layers)
    plan = plan_residency(layers, arch, residency)
    out = []
    for layer, resident in zip(layers, plan.resident):
        out.append(_simulate_row(layer, arch, options, resident))
    out = unfuse_orphans(layers, out, arch, lambda i, l: _simulate_row(
        l, arch, options, plan.resident[i]))
    return tuple(out)


def _simulate_row(layer: LayerWorkload, arch: Accelerator, options: SimOptions,
                  resident: bool | None) -> SimResult:
    try:
        return simulate(layer, arch, options, weights_resident=resident)
    except UnsupportedLayerError as exc:
        return unsupported_result(layer, arch, exc.reason)
