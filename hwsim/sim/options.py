"""Knobs of the event-driven simulator, validated at the boundary (every problem at once).

The defaults are design choices of the model, not published numbers, except the DRAM row-miss
penalty, which comes from a JEDEC speed bin (below). Worked example::

    SimOptions(fifo_depth=4, seed=1)            # override the arch's FIFO depth, reseed
    SimOptions(fifo_depth=0)                    # ConfigError: fifo_depth must be >= 1 ...
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

from hwsim.cost.broadcast import DMA_CHUNK_BYTES
from hwsim.cost.imbalance import BROADCASTS_PER_CYCLE
from hwsim.errors import ConfigError, Problem

# DDR4-2400R (16-16-16) speed bin, JEDEC JESD79-4: tRP = tRCD = 13.32 ns. A row miss closes the
# open row (precharge, tRP) and opens the new one (activate, tRCD) before the column access.
ROW_MISS_NS = 13.32 + 13.32

UNBOUNDED = None


@dataclass(frozen=True)
class SimOptions:
    """Options of one simulation run.

    * ``fifo_depth``: activation FIFO depth per PE (column broadcast); ``None`` keeps the arch's
      ``sparsity.fifo_depth`` (itself ``None`` = unbounded). Use :meth:`with_unbounded_fifo`
      for an explicit unbounded override.
    * ``seed``: seeds the numpy Generator that synthesises a weight mask at the layer's density
      when none is given, and which input activations are non-zero.
    * ``trace``: record the event log (state changes) for plots and ``--trace``.
    * ``dma_chunk_bytes``: a DMA transfer is split into DRAM requests of about this size, so
      reads and write-backs interleave on the channel (2 KiB: one LPDDR4/DDR4 x16 page).
    * ``port_quantum_cycles``: the PE array's on-chip reads hold a level's ports in slices of
      this many cycles, so DMA fills of the same level interleave with them.
    * ``row_miss_cycles``: DRAM row-miss penalty; ``None`` -> ceil(26.64 ns x clock)
      (:data:`ROW_MISS_NS`). Only used when the DRAM level has ``row_buffer_bytes``.
    * ``broadcasts_per_cycle``: the column broadcast bus issues at most this many columns per
      cycle (EIE's leading-non-zero detector feeds one activation per cycle).
    * ``max_tile_steps``: tiled dataflows walk at most about this many DRAM-level steps (the
      innermost loop is batched beyond it, see :mod:`hwsim.sim.tiles`).
    """

    fifo_depth: int | None = None
    unbounded_fifo: bool = False
    seed: int = 0
    trace: bool = False
    dma_chunk_bytes: int = DMA_CHUNK_BYTES
    port_quantum_cycles: int = 256
    row_miss_cycles: int | None = None
    broadcasts_per_cycle: int = BROADCASTS_PER_CYCLE
    max_tile_steps: int = 4096
    mappings: object = None
    """A :class:`hwsim.config.mapping.MappingFile` (``--mapping``): the analytical estimate
    the simulator runs and compares with uses its pinned mappings and constraints."""

    def __post_init__(self) -> None:
        problems = []
        if self.fifo_depth is not None and (not _is_int(self.fifo_depth) or self.fifo_depth < 1):
            problems.append(Problem("fifo_depth", "must be an integer >= 1 (or None: the "
                                    "arch's depth)", self.fifo_depth))
        for name in ("dma_chunk_bytes", "port_quantum_cycles", "broadcasts_per_cycle",
                     "max_tile_steps"):
            value = getattr(self, name)
            if not _is_int(value) or value < 1:
                problems.append(Problem(name, "must be an integer >= 1", value))
        if self.row_miss_cycles is not None and (not _is_int(self.row_miss_cycles)
                                                 or self.row_miss_cycles < 0):
            problems.append(Problem("row_miss_cycles", "must be an integer >= 0 (or None)",
                                    self.row_miss_cycles))
        if not _is_int(self.seed) or self.seed < 0:
            problems.append(Problem("seed", "must be an integer >= 0", self.seed))
        if problems:
            raise ConfigError(problems)

    def with_unbounded_fifo(self) -> "SimOptions":
        """A copy whose FIFOs never fill (the arch's depth is ignored)."""
        return replace(self, fifo_depth=None, unbounded_fifo=True)

    def resolve_fifo_depth(self, arch_depth: int | None) -> int | None:
        """The depth to simulate: override, else the arch's; None = unbounded.

        Example: ``SimOptions(fifo_depth=2).resolve_fifo_depth(8) == 2``; an arch depth of 0
        raises (a FIFO of depth 0 could never accept a broadcast).
        """
        if self.unbounded_fifo:
            return None
        depth = self.fifo_depth if self.fifo_depth is not None else arch_depth
        if depth is not None and (not _is_int(depth) or depth < 1):
            raise ConfigError([Problem("sparsity.fifo_depth", "must be an integer >= 1 (a FIFO "
                                       "of depth 0 never accepts a broadcast)", depth)])
        return depth

    def row_miss_penalty(self, clock_hz: float) -> int:
        """Row-miss cycles at ``clock_hz``; e.g. 800 MHz -> ceil(26.64 x 0.8) = 22."""
        if self.row_miss_cycles is not None:
            return self.row_miss_cycles
        return math.ceil(ROW_MISS_NS * 1e-9 * clock_hz - 1e-9)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
