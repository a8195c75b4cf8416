"""Tiled dataflows (systolic, row stationary, tensor cores) as simpy processes.

Three processes share the DRAM channel and the on-chip ports, stepping through the DRAM-level
tile walk (:mod:`hwsim.sim.tiles`):

* **DMA in** loads step ``s``'s new weight / input tiles (and partial sums of a revisited
  output tile) from DRAM into their first on-chip level, in ``dma_chunk_bytes`` requests,
  writing that level's ports as the data arrive. Double buffering: it may run one step ahead
  of the array (two step buffers), then waits (``blocked``).
* **Array** computes step ``s`` once its data are in: the step's share of the layer's compute
  cycles (the analytical array model: folds, fill/drain, skipping, imbalance) while the PE
  side reads and writes the on-chip levels (the analytical nest's on-chip traffic, apportioned
  to the step by its share of the MACs) through their ports; the step lasts as long as the
  slower of the two. It waits (``starved``) for DMA in and (``blocked``) for a free output
  buffer (two, double buffered).
* **DMA out** writes each finished output visit (final outputs or partial sums) from its
  on-chip level to DRAM and frees the output buffer.

The DRAM channel serves DMA in and DMA out in request order, so write-backs and loads contend.

Worked example (one step, 4 KiB of weights at 16 bytes/cycle, 1,000 compute cycles, 64 bytes
of outputs): DMA in 256 cycles, array 1,000, DMA out 4 -> 1,260 cycles: a single tile cannot
overlap anything. The steady-state bound says max(1000, 260) = 1,000; the analytical latency
adds the fill and drain (:mod:`hwsim.cost.pipeline`) and gives 1,260 too.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import simpy

from hwsim.sim.layout import TensorLayout, split_requests
from hwsim.sim.tiles import WALK_DIMS, TileStep, TileWalk
from hwsim.types import Operand


@dataclass(frozen=True)
class Geometry:
    """What the input halo needs: per group C_g, K_g, the input size and conv parameters."""

    c_g: int
    k_g: int
    rs: int
    in_hw: tuple[int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]


@dataclass(frozen=True, kw_only=True)
class TiledPlan:
    """Inputs of :func:`run_tiled`: the walk, DRAM layouts (None for an operand that does not
    move through DRAM), the first on-chip level of each operand, the compute cycles, and the
    PE-side on-chip (read, write) bytes per level for the whole layer."""

    walk: TileWalk
    geometry: Geometry
    layouts: dict
    fill_level: dict
    compute_cycles: float
    port_bytes: dict
    chunk_bytes: int


class ArrayTallies:
    """Cycle tallies of the array and the DMA engines (mutated during the run)."""

    def __init__(self):
        self.compute = 0
        self.wait_input = 0
        self.wait_output = 0
        self.port_bound = 0
        self.dma_in_blocked = 0
        self.array_end = 0
        self.onchip = {}  # (level, operand) -> [read_bytes, write_bytes] moved by DMA

    def add_onchip(self, level: str, operand: str, read: float = 0.0, write: float = 0.0):
        entry = self.onchip.setdefault((level, Operand(operand)), [0.0, 0.0])
        entry[0] += read
        entry[1] += write


def _rng(step: TileStep, dim: str) -> tuple[int, int]:
    i = WALK_DIMS.index(dim)
    return step.lo[i], step.hi[i]


def _halo(lo: int, hi: int, axis: int, geo: Geometry):
    """Input rows (axis 0) or columns (1) that outputs ``lo..hi-1`` touch: a range when they
    are contiguous, else the touched indices (a 1x1 kernel with stride 2 skips every other
    row). Example: outputs 0..3, 1x1, stride 2 -> [0, 2, 4, 6]; 3x3, stride 1, pad 1 -> (0, 5)
    clipped to the input."""
    stride, dil, pad = geo.stride[axis], geo.dilation[axis], geo.padding[axis]
    first = lo * stride - pad
    last = (hi - 1) * stride + (geo.kernel[axis] - 1) * dil - pad
    if (geo.kernel[axis] - 1) * dil + 1 >= stride and (dil == 1 or geo.kernel[axis] == 1):
        return max(0, first), min(geo.in_hw[axis], last + 1)
    pos = (np.arange(lo, hi)[:, None] * stride
           + np.arange(geo.kernel[axis])[None, :] * dil - pad).ravel()
    return np.unique(pos[(pos >= 0) & (pos < geo.in_hw[axis])])


def step_ranges(step: TileStep, operand: str, geo: Geometry) -> tuple:
    """Ranges of ``operand``'s DRAM layout that ``step`` touches (inputs with their halo)."""
    n, k, c = _rng(step, "N"), _rng(step, "K"), _rng(step, "C")
    p, q = _rng(step, "P"), _rng(step, "Q")
    if operand == "weights":
        row0 = step.g * geo.k_g
        return ((row0 + k[0], row0 + k[1]), (c[0] * geo.rs, c[1] * geo.rs))
    if operand == "inputs":
        ch0 = step.g * geo.c_g
        return (n, (ch0 + c[0], ch0 + c[1]), _halo(*p, 0, geo), _halo(*q, 1, geo))
    row0 = step.g * geo.k_g
    return (n, (row0 + k[0], row0 + k[1]), p, q)


class _Carry:
    def __init__(self):
        self.value = 0.0

    def whole(self, exact: float) -> int:
        total = exact + self.value
        whole = int(total + 1e-9)
        self.value = total - whole
        return whole


def _move(env, dram, ports, plan: TiledPlan, operand: str, layout_key: str, step: TileStep,
          write: bool, label: str, tally: ArrayTallies):
    """DMA one operand tile between DRAM and its first on-chip level (both directions)."""
    layout: TensorLayout = plan.layouts[layout_key]
    starts, lengths = layout.segments(step_ranges(step, operand, plan.geometry))
    nbytes = float(lengths.sum())
    level = plan.fill_level.get(operand)
    port = None
    if level is not None:
        if write:
            tally.add_onchip(level, operand, read=nbytes)
        else:
            tally.add_onchip(level, operand, write=nbytes)
        port = env.process(ports[level].use(nbytes, label, "read" if write else "write"))
    for req_starts, req_lengths in split_requests(starts, lengths, plan.chunk_bytes):
        yield from dram.transfer(req_starts, req_lengths, write, operand, label)
    if port is not None:
        yield port


def _dma_in(env, dram, ports, plan: TiledPlan, slots, loaded, tally, trace):
    for s, step in enumerate(plan.walk.steps):
        if slots.level == 0:
            trace.log(env.now, "dma_in", "blocked")
            start = env.now
            yield slots.get(1)
            tally.dma_in_blocked += env.now - start
        else:
            yield slots.get(1)
        trace.log(env.now, "dma_in", "busy", f"step {s}")
        moves = [(op, op) for op in step.fetch if plan.layouts.get(op) is not None]
        if step.psum_read and plan.layouts.get("psums") is not None:
            moves.append(("outputs", "psums"))
        for operand, key in moves:
            yield from _move(env, dram, ports, plan, operand, key, step, False,
                             f"{key} step {s}", tally)
        loaded.put(s)
        trace.log(env.now, "dma_in", "idle")


def _array_port_uses(env, port, read: float, write: float, label: str) -> list:
    """The array's use of one level in one step: one use of read + write bytes on shared
    ports, a read use and a write use side by side on separate ones."""
    if port.level.ports != "separate":
        return [env.process(port.use(read + write, label))]
    return [env.process(port.use(nbytes, label, direction))
            for nbytes, direction in ((read, "read"), (write, "write")) if nbytes > 0]


def _array(env, ports, plan: TiledPlan, slots, loaded, out_slots, writes, tally, trace):
    carry = _Carry()
    total_port = {name: rw for name, rw in plan.port_bytes.items() if sum(rw) > 0}
    for s, step in enumerate(plan.walk.steps):
        start = env.now
        if not loaded.items:
            trace.log(env.now, "array", "starved")
        yield loaded.get()
        tally.wait_input += env.now - start
        new_visit = s == 0 or plan.walk.steps[s - 1].write != ""
        if new_visit:
            start = env.now
            if out_slots.level == 0:
                trace.log(env.now, "array", "blocked")
            yield out_slots.get(1)
            tally.wait_output += env.now - start
        trace.log(env.now, "array", "busy", f"step {s}")
        compute = carry.whole(plan.compute_cycles * step.macs_share)
        work = [env.timeout(compute)]
        for name, (r, w) in total_port.items():
            work += _array_port_uses(env, ports[name], r * step.macs_share,
                                     w * step.macs_share, f"array step {s}")
        began = env.now
        yield env.all_of(work)
        tally.compute += compute
        tally.port_bound += (env.now - began) - compute
        slots.put(1)
        if step.write:
            yield writes.put(s)
    trace.log(env.now, "array", "done")
    tally.array_end = env.now
    yield writes.put(None)


def _dma_out(env, dram, ports, plan: TiledPlan, out_slots, writes, tally, trace):
    while True:
        s = yield writes.get()
        if s is None:
            trace.log(env.now, "dma_out", "idle")
            return
        step = plan.walk.steps[s]
        key = "outputs" if step.write == "final" else "psums"
        if plan.layouts.get(key) is not None:
            trace.log(env.now, "dma_out", "busy", f"{key} step {s}")
            yield from _move(env, dram, ports, plan, "outputs", key, step, True,
                             f"{key} step {s}", tally)
            if not writes.items:
                trace.log(env.now, "dma_out", "idle")
        out_slots.put(1)


def run_tiled(env: simpy.Environment, dram, ports: dict, plan: TiledPlan, trace
              ) -> ArrayTallies:
    """Start the three processes on ``env`` (then ``env.run()``); returns their tallies."""
    tally = ArrayTallies()
    slots = simpy.Container(env, capacity=2, init=2)
    out_slots = simpy.Container(env, capacity=2, init=2)
    loaded, writes = simpy.Store(env), simpy.Store(env)
    env.process(_dma_in(env, dram, ports, plan, slots, loaded, tally, trace))
    env.process(_array(env, ports, plan, slots, loaded, out_slots, writes, tally, trace))
    env.process(_dma_out(env, dram, ports, plan, out_slots, writes, tally, trace))
    return tally
