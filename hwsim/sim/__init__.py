"""The event-driven simulator (simpy): DRAM channel with bursts, row buffers and banks, DMA
engines with double buffering, on-chip ports, and EIE's column broadcast with per-PE FIFOs.

Entry points: :func:`simulate_layer` (-> :class:`~hwsim.cost.records.LayerCost`,
``model="simulator"``), :func:`simulate` (-> :class:`SimResult` with stalls, the event log
and the comparison with the analytical model), :func:`simulate_network`,
:func:`fifo_study`; figures in :mod:`hwsim.sim.plots`. Design: ``docs/SIMULATOR.md``.
"""
from hwsim.sim.layer import simulate, simulate_layer, simulate_network
from hwsim.sim.options import SimOptions
from hwsim.sim.records import Agreement, Comparison, DramStats, SimResult, SimStats
from hwsim.sim.study import DEPTHS, FifoPoint, fifo_study
from hwsim.sim.trace import Span, TraceEvent, spans, state_cycles, write_trace

__all__ = ["Agreement", "Comparison", "DEPTHS", "DramStats", "FifoPoint", "SimOptions",
           "SimResult", "SimStats", "Span", "TraceEvent", "fifo_study", "simulate",
           "simulate_layer", "simulate_network", "spans", "state_cycles", "write_trace"]
