"""DRAM channel: bandwidth, burst granularity, access latency and an open-row buffer per bank.

A request is a list of byte segments (``starts``, ``lengths``). It is served as whole bursts:
segment ``[a, a + n)`` touches bursts ``a // B .. (a + n - 1) // B`` (``B = burst_bytes``), and
consecutive requests for the same burst are merged, so an index-driven gather pays for every
burst it touches (*burst waste* = burst bytes - requested bytes). The bus moves one burst in
``tau = B / bandwidth`` cycles.

Row buffer (when ``row_buffer_bytes`` > 0): DRAM row ``r = address // row_buffer_bytes`` lives
in bank ``r mod banks``; an access to a bank whose open row differs is a *row miss* (one
activation: ``row_activation_energy_pj`` and ``row_miss_cycles`` of bank time). Banks work in
parallel, the bus is shared, so a request takes ``max(n tau, max_b (n_b tau + m_b x miss))``
cycles: misses spread over banks hide behind the bus (sequential streams), misses piling up in
one bank (*bank conflicts*) do not. The access latency delays the requester but not the bus
(requests are pipelined).

Worked example (B = 32, 16 bytes/cycle, 2 KiB rows, 1 bank, miss 22 cycles): a 4 KiB read
from address 0 = 128 bursts x 2 cycles = 256 bus cycles; 2 rows -> 2 misses -> one bank
needs 256 + 44 = 300 cycles, so the request takes 300 cycles (44 conflict cycles). With 8 banks
the two rows sit in two banks: max(256, 128 + 22) = 256 cycles, the misses are hidden.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import simpy

from hwsim.arch.model import MemoryLevel
from hwsim.errors import ConfigError, Problem


@dataclass(frozen=True)
class BurstService:
    """One request's bursts and timing: ``cycles`` (float) = max(bus, busiest bank)."""

    requested_bytes: int
    bursts: int
    burst_bytes_moved: int
    row_misses: int
    row_hits: int
    bus_cycles: float
    cycles: float

    @property
    def conflict_cycles(self) -> float:
        """Cycles the busiest bank adds beyond the bus time (row misses it cannot hide)."""
        return self.cycles - self.bus_cycles


def burst_indices(starts: np.ndarray, lengths: np.ndarray, burst_bytes: int) -> np.ndarray:
    """Burst numbers touched by the segments, in request order, consecutive repeats merged.

    Example: segments [0, 40) and [40, 8) with 32-byte bursts -> bursts [0, 1] (the second
    segment lies in burst 1, already being fetched).
    """
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    keep = lengths > 0
    starts, lengths = starts[keep], lengths[keep]
    if starts.size == 0:
        return np.zeros(0, dtype=np.int64)
    first = starts // burst_bytes
    counts = (starts + lengths - 1) // burst_bytes - first + 1
    offsets = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(
        np.cumsum(counts) - counts, counts)
    bursts = np.repeat(first, counts) + offsets
    merged = np.ones(bursts.size, dtype=bool)
    merged[1:] = bursts[1:] != bursts[:-1]
    return bursts[merged]


def burst_count(starts, lengths, burst_bytes: int) -> int:
    """``len(burst_indices(...))`` for segments in address order, without building the array.

    Example: segments [0, 40) and [40, 48) with 32-byte bursts -> 2.
    """
    if len(starts) == 1:
        start, length = int(starts[0]), int(lengths[0])
        return 0 if length <= 0 else (start + length - 1) // burst_bytes - start // burst_bytes + 1
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    keep = lengths > 0
    starts, lengths = starts[keep], lengths[keep]
    first = starts // burst_bytes
    last = (starts + lengths - 1) // burst_bytes
    return int((last - first + 1).sum() - np.count_nonzero(first[1:] == last[:-1]))


def burst_service(starts, lengths, burst_bytes: int, bytes_per_cycle: float, row_bytes: int,
                  banks: int, open_rows: np.ndarray, miss_cycles: int
                  ) -> tuple[BurstService, np.ndarray]:
    """Timing of one request (module docstring) and the banks' open rows after it.

    ``open_rows`` (one entry per bank, -1 = closed) is not modified; an updated copy is
    returned. Without a row buffer model only the burst count matters (fast path).
    """
    requested = int(sum(int(n) for n in lengths if n > 0)) if len(lengths) < 8 else \
        int(np.asarray(lengths, dtype=np.int64).clip(min=0).sum())
    tau = burst_bytes / bytes_per_cycle
    if row_bytes <= 0:
        count = burst_count(starts, lengths, burst_bytes)
        bus = count * tau
        return BurstService(requested, count, count * burst_bytes, 0, count, bus, bus), \
            open_rows
    bursts = burst_indices(starts, lengths, burst_bytes)
    bus = bursts.size * tau
    rows_after = open_rows.copy()
    if bursts.size == 0:
        return BurstService(requested, 0, 0, 0, 0, 0.0, 0.0), rows_after
    row = bursts * burst_bytes // row_bytes
    bank, bank_row = row % banks, row // banks
    order = np.argsort(bank, kind="stable")
    b_sorted, r_sorted = bank[order], bank_row[order]
    first = np.ones(b_sorted.size, dtype=bool)
    first[1:] = b_sorted[1:] != b_sorted[:-1]
    prev = np.empty_like(r_sorted)
    prev[1:] = r_sorted[:-1]
    prev[first] = open_rows[b_sorted[first]]
    miss = r_sorted != prev
    per_bank = np.bincount(b_sorted, minlength=banks)
    miss_bank = np.bincount(b_sorted, weights=miss, minlength=banks)
    busiest = float((per_bank * tau + miss_bank * miss_cycles).max())
    last = np.ones(b_sorted.size, dtype=bool)
    last[:-1] = b_sorted[1:] != b_sorted[:-1]
    rows_after[b_sorted[last]] = r_sorted[last]
    misses = int(miss.sum())
    return BurstService(requested, int(bursts.size), int(bursts.size) * burst_bytes, misses,
                        int(bursts.size) - misses, bus, max(bus, busiest)), rows_after


class DramCounters:
    """Mutable tallies of one run's DRAM channel (read out into frozen records at the end)."""

    def __init__(self):
        self.requested = {}  # (operand, "read"|"write") -> bytes
        self.moved = {}      # (operand, "read"|"write") -> burst bytes
        self.misses = {}     # operand -> row misses (activations)
        self.bursts = 0
        self.row_misses = 0
        self.row_hits = 0
        self.busy_cycles = 0.0
        self.conflict_cycles = 0.0
        self.requests = 0

    def add(self, operand, direction: str, service: BurstService) -> None:
        key = (operand, direction)
        self.requested[key] = self.requested.get(key, 0) + service.requested_bytes
        self.moved[key] = self.moved.get(key, 0) + service.burst_bytes_moved
        self.misses[operand] = self.misses.get(operand, 0) + service.row_misses
        self.bursts += service.bursts
        self.row_misses += service.row_misses
        self.row_hits += service.row_hits
        self.busy_cycles += service.cycles
        self.conflict_cycles += service.conflict_cycles
        self.requests += 1


class DramChannel:
    """The DRAM level as one simpy-served channel (all instances pooled: bandwidth x instances,
    banks x instances). ``transfer`` is a generator for ``yield from`` in a process."""

    def __init__(self, env: simpy.Environment, level: MemoryLevel, miss_cycles: int, trace,
                 name: str = "dram"):
        bandwidth = level.total_bandwidth_bytes_per_cycle
        if bandwidth <= 0:
            raise ConfigError([Problem(f"memories.{level.name}.bandwidth_bytes_per_cycle",
                                       "must be > 0 to simulate transfers", bandwidth)])
        self.env, self.level, self.trace, self.name = env, level, trace, name
        self.bus = simpy.Resource(env, capacity=1)
        self.bandwidth = bandwidth
        self.burst_bytes = max(1, int(level.burst_bytes or level.width_bits // 8 or 1))
        self.banks = max(1, level.banks * level.instances)
        self.open_rows = np.full(self.banks, -1, dtype=np.int64)
        self.miss_cycles = miss_cycles
        self.counters = DramCounters()
        self._carry = 0.0

    def _cycles(self, exact: float) -> int:
        """Integer cycles for ``exact``, carrying the fraction so totals stay exact."""
        total = exact + self._carry
        whole = int(np.floor(total + 1e-9))
        self._carry = total - whole
        return whole

    def transfer(self, starts, lengths, write: bool, operand, label: str):
        """Serve one request (``yield from`` it): wait for the bus, move the bursts, then the
        access latency. Returns the :class:`BurstService`."""
        with self.bus.request() as req:
            yield req
            service, self.open_rows = burst_service(
                starts, lengths, self.burst_bytes, self.bandwidth, self.level.row_buffer_bytes,
                self.banks, self.open_rows, self.miss_cycles)
            self.counters.add(operand, "write" if write else "read", service)
            self.trace.log(self.env.now, self.name, "busy", label)
            yield self.env.timeout(self._cycles(service.cycles))
            if not self.bus.queue:
                self.trace.log(self.env.now, self.name, "idle")
        if self.level.access_latency_cycles:
            yield self.env.timeout(self.level.access_latency_cycles)
        return service
