"""The FIFO-depth study: load-balance efficiency of the column broadcast vs FIFO depth.

For each layer a mask is fixed first (the layer's own, or one synthesised at its density with
the seed, :func:`hwsim.sim.work.synthesise_mask`), so every depth sees the same weights and the
same non-zero inputs; then the layer is simulated at each depth and, for comparison, estimated
analytically (the cost model's finite-FIFO rule from the exact depth-1 and unbounded
bounds of the same mask).

Worked example::

    rows = fifo_study([alexnet.layer("fc6")], load_arch("arch_configs/eie.yaml"), [1, 8])
    rows[0].load_balance_efficiency   # ~0.57 at depth 1
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from hwsim.arch.model import Accelerator
from hwsim.cost.layer import estimate_layer
from hwsim.sim.layer import simulate
from hwsim.sim.options import SimOptions
from hwsim.sim.work import synthesise_mask
from hwsim.workload.layer import LayerWorkload

DEPTHS = (1, 2, 4, 8, 16, 32, 64, 128, 256)


@dataclass(frozen=True)
class FifoPoint:
    """One (layer, depth) of the study: simulated cycles and efficiency, PE starvation share,
    the analytical bound's cycles and efficiency, and the run's events and wall time."""

    network: str
    layer: str
    depth: int
    cycles: int
    load_balance_efficiency: float
    pe_utilization: float
    starved_share: float
    analytical_cycles: float
    analytical_efficiency: float
    mask: str
    events: int
    wall_s: float

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def with_mask(layer: LayerWorkload, seed: int) -> tuple[LayerWorkload, str]:
    """``layer`` with a weight mask: its own ("given") or a synthesised one ("synthesised,
    seed N"), drawn exactly as the simulator would draw it."""
    if layer.has_mask:
        return layer, "given"
    rng = np.random.default_rng(seed)
    mask = synthesise_mask(layer.matrix_shape, layer.effective_weight_density, rng)
    masked = dataclasses.replace(layer, weight_mask=mask.reshape(layer.weight_shape),
                                 row_nnz=None, col_nnz=None, effective_macs=None)
    return masked, f"synthesised, seed {seed}"


def _at_depth(arch: Accelerator, depth: int) -> Accelerator:
    return dataclasses.replace(arch, sparsity=dataclasses.replace(arch.sparsity,
                                                                  fifo_depth=depth))


def fifo_study(layers: Iterable[LayerWorkload], arch: Accelerator,
               depths: Sequence[int] = DEPTHS, seed: int = 0, network: str = "",
               progress=None) -> tuple[FifoPoint, ...]:
    """Simulate every layer at every depth (module docstring). ``progress(text)`` is called
    after each run when given."""
    rows = []
    for layer in layers:
        masked, how = with_mask(layer, seed)
        for depth in depths:
            result = simulate(masked, arch, SimOptions(fifo_depth=depth, seed=seed))
            ana = estimate_layer(masked, _at_depth(arch, depth))
            st = result.stats.stalls
            parts = max(result.stats.pe_count, 1)
            pass_time = st.get("pe_busy", 0) + st.get("pe_starved_imbalance", 0) + \
                st.get("pe_idle_tail", 0) + st.get("pe_starved_broadcast_rate", 0)
            starved = 1.0 - st.get("pe_busy", 0) / pass_time if pass_time else 0.0
            rows.append(FifoPoint(network, layer.name, depth, int(result.cost.latency_cycles),
                                  result.stats.load_balance_efficiency,
                                  result.stats.pe_utilization, starved,
                                  ana.compute_cycles, ana.imbalance.efficiency, how,
                                  result.stats.events, result.stats.wall_s))
            if progress is not None:
                progress(f"{network} {layer.name} depth {depth}: efficiency "
                         f"{rows[-1].load_balance_efficiency:.3f} ({parts} PEs, "
                         f"{result.stats.wall_s:.1f} s)")
    return tuple(rows)
