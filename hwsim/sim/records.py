"""Result records of the simulator. ``simulate_layer`` returns the shared
:class:`~hwsim.cost.records.LayerCost` (``model="simulator"``); :class:`SimResult` wraps it
with what only the simulator knows: stall breakdown, DRAM behaviour, the event log and the
comparison with the analytical model.

Worked example: a broadcast run with 64 PEs over 1,000 pass cycles where the PEs were busy
56,000 PE-cycles and starved 8,000 behind full FIFOs has
``load_balance_efficiency = 56000 / (56000 + 8000) = 0.875``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from hwsim.cost.records import LayerCost
from hwsim.sim.trace import TraceEvent


@dataclass(frozen=True, kw_only=True)
class DramStats:
    """What the DRAM channel did: bytes asked for vs moved in whole bursts (all, and the
    writes alone), row buffer behaviour and busy time. ``burst_waste_bytes = moved -
    requested``."""

    requested_bytes: int = 0
    moved_bytes: int = 0
    bursts: int = 0
    requests: int = 0
    row_hits: int = 0
    row_misses: int = 0
    busy_cycles: float = 0.0
    conflict_cycles: float = 0.0
    requested_write_bytes: int = 0
    moved_write_bytes: int = 0

    @property
    def burst_waste_bytes(self) -> int:
        return self.moved_bytes - self.requested_bytes

    @property
    def write_waste_bytes(self) -> int:
        return self.moved_write_bytes - self.requested_write_bytes

    @property
    def read_waste_bytes(self) -> int:
        return self.burst_waste_bytes - self.write_waste_bytes

    def to_dict(self) -> dict:
        return {"requested_bytes": self.requested_bytes, "moved_bytes": self.moved_bytes,
                "burst_waste_bytes": self.burst_waste_bytes, "bursts": self.bursts,
                "requests": self.requests, "row_hits": self.row_hits,
                "row_misses": self.row_misses, "busy_cycles": self.busy_cycles,
                "conflict_cycles": self.conflict_cycles,
                "requested_write_bytes": self.requested_write_bytes,
                "moved_write_bytes": self.moved_write_bytes}


@dataclass(frozen=True, kw_only=True)
class SimStats:
    """Where the cycles went.

    ``engine``: ``broadcast`` (column broadcast, per-PE FIFOs) or ``tiled``;
    ``stall_cycles``: (cause, cycles) pairs -- PE-cycles summed over PEs for the broadcast
    engine (``pe_busy``, ``pe_starved_imbalance``, ``pe_starved_input``,
    ``pe_starved_broadcast_rate``, ``pe_idle_tail``, ``broadcast_blocked``, ...), array cycles
    for the tiled engine (``array_compute``, ``array_wait_dram``, ``array_wait_writeback``,
    ``array_port_bound``, ``dma_in_blocked``, ``port_wait_<level>``);
    ``load_balance_efficiency``: busy / (busy + imbalance bubbles), 1 for the tiled engine;
    ``events``: simpy events processed; ``wall_s``: seconds the run took; ``counts``: other
    (name, value) tallies of the engine (e.g. ``weight_words_read``).
    """

    engine: str
    fifo_depth: int | None = None
    pe_count: int = 0
    stall_cycles: tuple[tuple[str, float], ...] = ()
    load_balance_efficiency: float = 1.0
    pe_utilization: float = 0.0
    dram: DramStats = DramStats()
    events: int = 0
    wall_s: float = 0.0
    steps: int = 0
    step_batch: int = 1
    mask_synthesised: bool = False
    mask_nnz: int = 0
    fillers_processed: int = 0
    broadcasts: int = 0
    seed: int = 0
    counts: tuple[tuple[str, object], ...] = ()

    @property
    def stalls(self) -> dict[str, float]:
        return dict(self.stall_cycles)

    def to_dict(self) -> dict:
        return {"engine": self.engine, "fifo_depth": self.fifo_depth, "pe_count": self.pe_count,
                "stall_cycles": dict(self.stall_cycles),
                "load_balance_efficiency": self.load_balance_efficiency,
                "pe_utilization": self.pe_utilization, "dram": self.dram.to_dict(),
                "events": self.events, "wall_s": self.wall_s, "steps": self.steps,
                "step_batch": self.step_batch, "mask_synthesised": self.mask_synthesised,
                "mask_nnz": self.mask_nnz, "fillers_processed": self.fillers_processed,
                "broadcasts": self.broadcasts, "seed": self.seed, "counts": dict(self.counts)}


@dataclass(frozen=True)
class Agreement:
    """One quantity both models report: values and relative difference (sim / analytical - 1;
    0 when both are 0, infinite -- None in JSON -- when only the simulation has it)."""

    quantity: str
    analytical: float
    simulated: float

    @property
    def rel_diff(self) -> float:
        if self.analytical == 0:
            return 0.0 if self.simulated == 0 else float("inf")
        return self.simulated / self.analytical - 1.0

    def to_dict(self) -> dict:
        diff = self.rel_diff
        return {"quantity": self.quantity, "analytical": self.analytical,
                "simulated": self.simulated, "rel_diff": None if diff == float("inf") else diff}


@dataclass(frozen=True)
class Comparison:
    """Simulator vs analytical model: the shared quantities and the named causes of every
    difference above the tolerance (e.g. ``"fifo starvation: ..."``, ``"burst waste: ..."``)."""

    rows: tuple[Agreement, ...] = ()
    causes: tuple[str, ...] = ()
    tolerance: float = 0.02

    def row(self, quantity: str) -> Agreement:
        for r in self.rows:
            if r.quantity == quantity:
                return r
        raise KeyError(quantity)

    def agrees(self, quantity: str) -> bool:
        return abs(self.row(quantity).rel_diff) <= self.tolerance

    def to_dict(self) -> dict:
        return {"tolerance": self.tolerance, "rows": [r.to_dict() for r in self.rows],
                "causes": list(self.causes)}


@dataclass(frozen=True)
class SimResult:
    """One simulated layer: the shared cost record, the analytical estimate it was checked
    against, the stall breakdown, the comparison and (when traced) the event log."""

    cost: LayerCost
    analytical: LayerCost
    stats: SimStats
    comparison: Comparison
    trace: tuple[TraceEvent, ...] = field(default=(), repr=False)

    def to_dict(self) -> dict:
        """``cost.to_dict()`` (the same fields as ``hwsim estimate``) plus a ``simulation``
        section and the analytical comparison."""
        row = self.cost.to_dict()
        row["simulation"] = self.stats.to_dict()
        row["comparison"] = self.comparison.to_dict()
        return row
