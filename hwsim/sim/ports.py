"""On-chip memory ports: a level's banks and instances as one server of fixed bandwidth.

A level moves ``bandwidth_bytes_per_cycle x instances`` bytes per cycle (the arch builds the
per-instance bandwidth from width x banks). Users (the PE array reading its operands, a DMA
engine filling or draining the level) hold the ports for ``bytes / bandwidth`` cycles, in slices
of ``quantum`` cycles so that concurrent users interleave; the time a user waits for a slice
is *port contention*. Fractional cycles are carried between uses so totals stay exact.

Worked example: 1,000 bytes on a level of 8 bytes/cycle x 4 instances -> 31.25 cycles; with a
quantum of 16 the user holds the ports for 16 + 15 cycles and carries 0.25 to its next use.
"""
from __future__ import annotations

import math

import simpy

from hwsim.arch.model import MemoryLevel


class Ports:
    """The ports of one on-chip level during one run (``use`` is a generator)."""

    def __init__(self, env: simpy.Environment, level: MemoryLevel, quantum: int, trace):
        self.env, self.level, self.trace = env, level, trace
        self.name = level.name
        self.bandwidth = level.total_bandwidth_bytes_per_cycle
        self.quantum = quantum
        self.resource = simpy.Resource(env, capacity=1)
        self.busy_cycles = 0
        self.wait_cycles = 0
        self._carry = 0.0

    def cycles_for(self, nbytes: float) -> int:
        """Whole cycles for ``nbytes`` with the fraction carried (0 bandwidth = free)."""
        if self.bandwidth <= 0 or nbytes <= 0:
            return 0
        total = nbytes / self.bandwidth + self._carry
        whole = int(math.floor(total + 1e-9))
        self._carry = total - whole
        return whole

    def use(self, nbytes: float, label: str):
        """Hold the ports for ``nbytes`` (``yield from`` or ``env.process`` it)."""
        left = self.cycles_for(nbytes)
        while left > 0:
            slice_ = min(self.quantum, left)
            asked = self.env.now
            with self.resource.request() as req:
                yield req
                self.wait_cycles += self.env.now - asked
                self.trace.log(self.env.now, self.name, "busy", label)
                yield self.env.timeout(slice_)
                self.busy_cycles += slice_
                if not self.resource.queue:
                    self.trace.log(self.env.now, self.name, "idle")
            left -= slice_
