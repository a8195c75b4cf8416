"""On-chip memory ports: a level's banks and instances as one server of fixed bandwidth.

A level moves ``bandwidth_bytes_per_cycle x instances`` bytes per cycle (the arch builds the
per-instance bandwidth from width x banks). Users (the PE array reading its operands, a DMA
engine filling or draining the level) hold the ports for ``bytes / bandwidth`` cycles, in slices
of ``quantum`` cycles so that concurrent users interleave; the time a user waits for a slice
is *port contention*. Fractional cycles are carried between uses so totals stay exact.

A level with ``ports: separate`` has a read port and a write port, each of the full bandwidth
(TPU1's Weight FIFO is written from Weight Memory while the matrix unit reads it): readers
queue only behind readers and writers behind writers, and the level's busy time is the busier
port's. With ``shared`` ports (default) every use queues on the one port, whatever its direction.

Worked example: 1,000 bytes on a level of 8 bytes/cycle x 4 instances -> 31.25 cycles; with a
quantum of 16 the user holds the ports for 16 + 15 cycles and carries 0.25 to its next use.
"""
from __future__ import annotations

import math

import simpy

from hwsim.arch.model import MemoryLevel


class _Port:
    """One port: a simpy resource, its busy and wait cycles, and the carried fraction."""

    def __init__(self, env: simpy.Environment):
        self.resource = simpy.Resource(env, capacity=1)
        self.busy_cycles = 0
        self.wait_cycles = 0
        self.carry = 0.0


class Ports:
    """The ports of one on-chip level during one run (``use`` is a generator)."""

    def __init__(self, env: simpy.Environment, level: MemoryLevel, quantum: int, trace):
        self.env, self.level, self.trace = env, level, trace
        self.name = level.name
        self.bandwidth = level.total_bandwidth_bytes_per_cycle
        self.quantum = quantum
        shared = _Port(env)
        self._ports = {"read": shared, "write": shared} if level.ports != "separate" \
            else {"read": shared, "write": _Port(env)}

    @property
    def busy_cycles(self) -> int:
        """Busy cycles of the busier port (the one port when shared)."""
        return max(p.busy_cycles for p in self._ports.values())

    @property
    def wait_cycles(self) -> int:
        """Cycles users waited for a slice, over all ports."""
        return sum(p.wait_cycles for p in set(self._ports.values()))

    def cycles_for(self, nbytes: float, direction: str = "read") -> int:
        """Whole cycles for ``nbytes`` with the fraction carried per port (0 bandwidth =
        free); e.g. 100 bytes at 32 bytes/cycle -> 3, carrying 0.125."""
        if self.bandwidth <= 0 or nbytes <= 0:
            return 0
        port = self._ports[direction]
        total = nbytes / self.bandwidth + port.carry
        whole = int(math.floor(total + 1e-9))
        port.carry = total - whole
        return whole

    def use(self, nbytes: float, label: str, direction: str = "read"):
        """Hold the ``direction`` port (``read`` or ``write``) for ``nbytes`` (``yield from``
        or ``env.process`` it)."""
        port = self._ports[direction]
        left = self.cycles_for(nbytes, direction)
        while left > 0:
            slice_ = min(self.quantum, left)
            asked = self.env.now
            with port.resource.request() as req:
                yield req
                port.wait_cycles += self.env.now - asked
                self.trace.log(self.env.now, self.name, "busy", label)
                yield self.env.timeout(slice_)
                port.busy_cycles += slice_
                if not port.resource.queue:
                    self.trace.log(self.env.now, self.name, "idle")
            left -= slice_
