"""EIE's column broadcast as simpy processes: input DMA, broadcast bus, per-PE FIFOs, PEs,
output write-back.

* **Input DMA** loads each image's input vector from DRAM (when the inputs live there) in
  ``dma_chunk_bytes`` requests; a column can be broadcast once its chunk has arrived. The next
  image is loaded while the current one is being broadcast (double buffering).
* **Broadcast** (EIE's central control with the leading-non-zero detector): sends the non-zero
  inputs in column order, at most ``broadcasts_per_cycle`` per cycle, each to every PE's FIFO at
  once; it stalls (``blocked``) while any FIFO is full.
* **FIFO** of depth ``D`` per PE: an entry stays at the head while its PE works through that
  column (the multiplier reads the activation from the head every cycle) and frees its slot
  when the PE finishes it. So column ``i`` can be broadcast once every PE has finished column
  ``i - D``: ``D = 1`` makes every column wait for its slowest PE (sum of column maxima),
  ``D = None`` never blocks (max of PE totals): the two exact limits of
  :mod:`hwsim.cost.imbalance`.
* **PE** ``p`` takes ``entries[p, i]`` cycles for column ``i`` (one stored entry per cycle,
  fillers included); it is ``starved`` while its FIFO is empty. The wait is split by what the
  broadcast did meanwhile: its rate slot (the broadcast rate), waiting for input data
  (memory), blocked on another PE's full FIFO (load imbalance).
* **Passes and write-back**: at the end of a pass the PEs copy their accumulated rows to the
  activation SRAM (``drain_cycles``) and a write DMA stores them in DRAM in the background.

Events: one timeout per (PE, column) with work, one per broadcast, a wake-up per starvation;
AlexNet fc6 at 9 % / 34 % on 64 PEs is ~210k events. Without a trace, a pass is computed
column block by column block instead (:mod:`hwsim.sim.broadcast_fast`: the same cycles and
tallies, tested against these processes), which takes BERT-base's 72 fc layers on EIE from
over 10 minutes to seconds.

Worked example (2 PEs, D = 1, columns with work [[3, 1], [1, 2]]): column 0 at cycle 0, PE 0
busy until 3, PE 1 until 1; column 1 waits for PE 0, goes out at 3; PE 0 ends at 4, PE 1 at 5.
Total 5 = max(3, 1) + max(1, 2) cycles; 7 busy of 10 PE-cycles -> efficiency 0.7.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import simpy

from hwsim.sim.broadcast_fast import fast_pass
from hwsim.sim.work import BroadcastWork


@dataclass(frozen=True, kw_only=True)
class BroadcastPlan:
    """Inputs of :func:`run_broadcast` besides the environment and the channel."""

    works: tuple[BroadcastWork, ...]
    depth: int | None
    broadcasts_per_cycle: int
    input_bytes_per_col: float
    inputs_from_dram: bool
    output_bytes_per_row: float
    outputs_to_dram: bool
    chunk_bytes: int
    drain_cycles: tuple[int, ...]
    input_base: int = 0
    output_base: int = 0
    pe_events: bool = False
    """Run every PE as a simpy process even without a trace (the reference the column-block
    engine, :mod:`hwsim.sim.broadcast_fast`, is tested against)."""


class PeTallies:
    """Per-PE cycle tallies of one run (numpy int64 vectors, mutated by the processes)."""

    def __init__(self, parts: int):
        self.busy = np.zeros(parts, dtype=np.int64)
        self.imbalance = np.zeros(parts, dtype=np.int64)
        self.input = np.zeros(parts, dtype=np.int64)
        self.rate = np.zeros(parts, dtype=np.int64)
        self.tail = np.zeros(parts, dtype=np.int64)
        self.bcast_blocked = 0
        self.bcast_input_wait = 0
        self.pass_cycles = 0
        self.drain_cycles = 0
        self.broadcasts = 0
        self.array_end = 0


class _Pass:
    """Shared state of one pass: columns sent, per-column completions, sleeping processes."""

    def __init__(self, env: simpy.Environment, parts: int, columns: int):
        self.env = env
        self.parts = parts
        self.sent = 0
        self.completions = [0] * columns
        self.reached = [0] * columns   # R(i): the broadcast reached column i
        self.arrived = [0] * columns   # A(i): ... and had its input
        self.sleepers: list[tuple[int, simpy.Event]] = []
        self.blocked_on = -1
        self.unblock: simpy.Event | None = None


def _pe(env, p: int, work: list, cols: np.ndarray, st: _Pass, tally: PeTallies, trace):
    name = f"pe{p}"
    logging = trace.enabled
    timeout = env.timeout
    completions = st.completions
    parts = st.parts
    busy = 0
    for i, cycles in enumerate(work):
        if st.sent <= i:
            ev = env.event()
            st.sleepers.append((p, ev))
            start = env.now
            trace.log(start, name, "starved")
            yield ev
            _split_wait(tally, p, start, env.now, st.reached[i], st.arrived[i])
        if cycles:
            if logging:
                trace.log(env.now, name, "busy", f"col {cols[i]}")
            yield timeout(cycles)
            busy += cycles
        done = completions[i] + 1
        completions[i] = done
        if done == parts and st.blocked_on == i:
            st.blocked_on = -1
            st.unblock.succeed()
    tally.busy[p] += busy
    trace.log(env.now, name, "done")
    return env.now


def _split_wait(tally: PeTallies, p: int, start: int, sent: int, reached: int,
                arrived: int) -> None:
    """PE ``p``'s wait ``[start, sent)`` by what the broadcast did meanwhile: its rate slot
    (before ``reached``), waiting for input (to ``arrived``), blocked on a full FIFO (after):
    independent of the order simpy runs same-cycle events in."""
    tally.rate[p] += max(0, min(sent, reached) - start)
    tally.input[p] += max(0, min(sent, arrived) - max(start, reached))
    tally.imbalance[p] += max(0, sent - max(start, arrived))


def _broadcaster(env, st: _Pass, cols: np.ndarray, depth, per_cycle: int, ready, tally,
                 trace):
    for i, col in enumerate(cols):
        st.reached[i] = env.now
        gate = ready(int(col))
        if gate is not None and not gate.triggered:
            trace.log(env.now, "bcast", "starved")
            start = env.now
            yield gate
            tally.bcast_input_wait += env.now - start
        st.arrived[i] = env.now
        if depth is not None and i >= depth and st.completions[i - depth] < st.parts:
            st.blocked_on = i - depth
            st.unblock = env.event()
            trace.log(env.now, "bcast", "blocked")
            start = env.now
            yield st.unblock
            tally.bcast_blocked += env.now - start
        trace.log(env.now, "bcast", "busy", f"col {col}")
        st.sent = i + 1
        tally.broadcasts += 1
        sleepers, st.sleepers = st.sleepers, []
        for _, ev in sleepers:
            ev.succeed()
        if (i + 1) % per_cycle == 0:
            yield env.timeout(1)
    trace.log(env.now, "bcast", "idle")


def _run_pass(env, work_rows, cols, plan: BroadcastPlan, ready, tally, trace):
    parts = len(work_rows)
    st = _Pass(env, parts, len(cols))
    start = env.now
    env.process(_broadcaster(env, st, cols, plan.depth, plan.broadcasts_per_cycle, ready,
                             tally, trace))
    pes = [env.process(_pe(env, p, work_rows[p], cols, st, tally, trace))
           for p in range(parts)]
    finished = yield env.all_of(pes)
    end = env.now
    for p, proc in enumerate(pes):
        tally.tail[p] += end - finished[proc]
    tally.pass_cycles += end - start


def _chunks(base: int, nbytes: int, chunk: int) -> list[tuple[int, int]]:
    return [(base + s, min(chunk, nbytes - s)) for s in range(0, nbytes, chunk)]


def _input_loader(env, dram, plan: BroadcastPlan, loaded: list, started: list):
    for n, work in enumerate(plan.works):
        if n > 0:
            yield started[n - 1]
        nbytes = int(np.ceil(work.cols * plan.input_bytes_per_col))
        base = plan.input_base + n * nbytes
        for k, (addr, size) in enumerate(_chunks(base, nbytes, plan.chunk_bytes)):
            yield from dram.transfer([addr], [size], False, "inputs", f"inputs img {n} "
                                     f"chunk {k}")
            loaded[n][k].succeed()


def _writer(env, dram, plan: BroadcastPlan, blocks: simpy.Store, trace):
    offset = plan.output_base
    while True:
        item = yield blocks.get()
        if item is None:
            return
        label, rows = item
        nbytes = int(np.ceil(rows * plan.output_bytes_per_row))
        trace.log(env.now, "dma_out", "busy", label)
        for addr, size in _chunks(offset, nbytes, plan.chunk_bytes):
            yield from dram.transfer([addr], [size], True, "outputs", label)
        offset += nbytes
        if not blocks.items:
            trace.log(env.now, "dma_out", "idle")


def _array(env, plan: BroadcastPlan, loaded: list, started: list, blocks, tally, trace):
    memo: dict = {}  # passes already computed in this run (hwsim.sim.broadcast_fast)
    for n, work in enumerate(plan.works):
        nbytes_col = plan.input_bytes_per_col
        gates = loaded[n]

        def ready(col, gates=gates):
            if not plan.inputs_from_dram:
                return None
            return gates[int(col * nbytes_col) // plan.chunk_bytes]

        for k, pw in enumerate(work.passes):
            if k == 0 and n < len(started):
                started[n].succeed()
            if trace.enabled or plan.pe_events:
                rows = [list(map(int, r)) for r in pw.entries]
                yield from _run_pass(env, rows, work.active, plan, ready, tally, trace)
            else:
                yield from fast_pass(env, pw.entries, work.active, plan, ready, tally, memo)
            if plan.drain_cycles[k]:
                trace.log(env.now, "array", "busy", f"drain img {n} pass {k}")
                yield env.timeout(plan.drain_cycles[k])
                tally.drain_cycles += plan.drain_cycles[k]
                trace.log(env.now, "array", "idle")
            if plan.outputs_to_dram:
                yield blocks.put((f"outputs img {n} pass {k}", pw.rows[1] - pw.rows[0]))
    tally.array_end = env.now
    yield blocks.put(None)


def run_broadcast(env: simpy.Environment, dram, plan: BroadcastPlan, trace) -> PeTallies:
    """Start every process of the plan on ``env``; run ``env.run()`` afterwards. Returns the
    tallies the processes fill in."""
    parts = plan.works[0].parts
    tally = PeTallies(parts)
    loaded = [[env.event() for _ in _chunks(0, int(np.ceil(w.cols * plan.input_bytes_per_col)),
                                            plan.chunk_bytes)] for w in plan.works]
    started = [env.event() for _ in plan.works]
    blocks = simpy.Store(env)
    if plan.inputs_from_dram:
        env.process(_input_loader(env, dram, plan, loaded, started))
    if plan.outputs_to_dram:
        env.process(_writer(env, dram, plan, blocks, trace))
    env.process(_array(env, plan, loaded, started, blocks, tally, trace))
    return tally
