"""Pipeline fill and drain of a DRAM-tiled layer: the latency beyond the steady-state bound.

Under double buffering the array computes DRAM step ``s`` while DMA loads step ``s + 1`` and
writes back earlier output tiles, so the steady state is bound by the slower side:
``max(array, DRAM)``. Two stretches overlap nothing: before the first step's data are in
(**fill**) and after the last output tile is computed (**drain**, its write-back); and when
DRAM is the bound, the last step's compute waits for the last load, with the channel idle.
With ``T`` DRAM steps (over all groups), ``A`` array cycles (compute, or an on-chip level's
ports where they are slower), ``R`` / ``W`` DRAM read / write cycles, ``V`` output
write-back visits and ``D`` the DRAM level's cycles (``R + W`` on shared ports)::

    latency = max(A + R / T + W / V,      # array-bound: wait for step 1, then the last write
                  D + A / T)              # DRAM-bound: the channel, then the last step's work

Steps are averaged (the first step may load more, e.g. an input tile reused by every later
step; the simulator walks the real steps, :mod:`hwsim.sim.tiled`), and the DRAM-bound line
is an upper bound by at most one visit's write-back (the one before the last may overlap the
last step's compute). With no DRAM traffic the latency is ``A``, the steady-state bound. The
mapper ranks candidates by this latency (:func:`candidate_latency_cycles`, in
:func:`hwsim.cost.search.evaluate` and the sweep's bulk scoring), and the record says how much
of it lies beyond the steady-state bound (``LayerCost.pipeline_cycles``).

Worked example (BERT-base query projection, seq 16, on systolic_ws with wavefront and separate
ports): T = 4, A = 18,526, R = 21,952, W = 448 (12,288 output bytes at 27.43 bytes/cycle,
written once: V = 1), D = 22,400 -> max(18,526 + 5,488 + 448, 22,400 + 4,631.5) = 27,031.5
cycles (the simulator: 27,032); steady state 22,400.
"""
from __future__ import annotations

import numpy as np


def pipelined_latency_cycles(*, array_cycles, dram_read_cycles, dram_write_cycles,
                             dram_cycles, steps, output_visits):
    """The formula of the module docstring; scalars or arrays (one per variant), the same
    float operations either way so a sweep's bulk rows equal the point-by-point ones.

    Example (one step, A = 1,000, R = 256, W = 4, D = 260): max(1,000 + 256 + 4,
    260 + 1,000) = 1,260 cycles: a single tile overlaps nothing.
    """
    array_bound = array_cycles + dram_read_cycles / steps + dram_write_cycles / output_visits
    return np.maximum(array_bound, dram_cycles + array_cycles / steps)


def candidate_latency_cycles(*, compute_cycles, transfers: dict, dram: str | None,
                             dram_read_cycles=0.0, dram_write_cycles=0.0, steps=1.0,
                             output_visits=1.0):
    """The latency of mapping candidates (scalars or arrays): the steady-state bound
    ``max(compute, transfers)`` when ``dram`` is None or moves nothing (``transfers`` has no
    entry for it), else :func:`pipelined_latency_cycles` with the array side ``A = max(compute,
    the other levels' transfers)``. Example: compute 11, transfers {dram: 6, buf: 3.75},
    R 5, W 1, one step -> max(11 + 5 + 1, 6 + 11) = 17; without ``dram`` -> 11."""
    if dram is None or dram not in transfers:
        latency = np.maximum(compute_cycles, 0.0)
        for cycles in transfers.values():
            latency = np.maximum(latency, cycles)
        return latency
    array = np.maximum(compute_cycles, 0.0)
    for name, cycles in transfers.items():
        if name != dram:
            array = np.maximum(array, cycles)
    return pipelined_latency_cycles(
        array_cycles=array, dram_read_cycles=dram_read_cycles,
        dram_write_cycles=dram_write_cycles, dram_cycles=transfers[dram], steps=steps,
        output_visits=output_visits)


def dram_bytes(flows, dram: str):
    """(read, write) bytes of level ``dram`` summed over ``flows`` ((level, operand), read,
    write) in order, left to right (the order the search sums them for its cycles)."""
    read, write = 0.0, 0.0
    for (level, _), r, w in flows:
        if level == dram:
            read, write = read + r, write + w
    return read, write


__all__ = ["candidate_latency_cycles", "dram_bytes", "pipelined_latency_cycles"]
