"""The total row of a network: one :class:`~hwsim.cost.records.NetworkTotal` (named ``total``;
its own type, so a total is never taken for a layer).

Sums of counts, traffic and energies; latencies add up (layers run one after another) in
seconds, so layers that ran on a fallback accelerator with another clock count at their own
clock: the total's cycles are at the clock of the accelerator it is reported for
(``cycles = sum of latency_s x clock_hz``). Peak activation bytes take the max; the
bottleneck is the one that accounts for most of the latency.

Worked example: a layer of 800 cycles at 800 MHz (1 us) and a fallback layer of 700 cycles at
700 MHz (1 us), reported at 800 MHz: 2 us = 1,600 cycles (``tests/cost/test_cost_network.py``).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Sequence

from hwsim.cost.records import (Imbalance, LayerCost, LevelTraffic, NetworkTotal, WeightMemory,
                                sum_pairs)


def _merge_traffic(costs: Iterable[LayerCost]) -> tuple[LevelTraffic, ...]:
    merged: dict = {}
    for cost in costs:
        for t in cost.traffic:
            key = (t.level, t.operand)
            sums = merged.get(key)
            if sums is None:
                merged[key] = [t, t.reads, t.writes, t.read_bytes, t.write_bytes, t.energy_pj]
            else:
                sums[1] += t.reads
                sums[2] += t.writes
                sums[3] += t.read_bytes
                sums[4] += t.write_bytes
                sums[5] += t.energy_pj
    return tuple(replace(first, reads=r, writes=w, read_bytes=rb, write_bytes=wb, energy_pj=e)
                 for first, r, w, rb, wb, e in merged.values())


def _scaled_pairs(costs: Sequence[LayerCost], attr: str, clock_hz: float):
    """Cycle pairs of every cost converted to ``clock_hz``."""
    return sum_pairs(tuple((k, v * clock_hz / c.clock_hz) for k, v in getattr(c, attr))
                     for c in costs)


def _weights(ok: Sequence[LayerCost]) -> WeightMemory:
    sums = {f: sum(getattr(c.weights, f) for c in ok)
            for f in ("dense_bytes", "stored_bytes", "metadata_bytes", "value_bytes")}
    return WeightMemory(**sums, exact=all(c.weights.exact for c in ok),
                        format=ok[0].weights.format if ok else "dense")


def total_cost(costs: Sequence[LayerCost], arch_name: str, clock_hz: float) -> NetworkTotal:
    """Sum of the supported ``costs`` (module docstring), reported for the accelerator
    ``arch_name`` clocked at ``clock_hz``; an all-unsupported network gives a zero total."""
    ok = [c for c in costs if c.supported]
    at = {id(c): clock_hz / c.clock_hz for c in ok}
    share: dict[str, float] = {}
    for c in ok:
        share[c.bottleneck] = share.get(c.bottleneck, 0.0) + c.latency_s
    cycles = sum(c.latency_cycles * at[id(c)] for c in ok)
    issued = sum(c.utilization * c.latency_cycles * at[id(c)] for c in ok)
    ideal = sum(c.imbalance.ideal_cycles * at[id(c)] for c in ok)
    modelled = sum(c.imbalance.cycles * at[id(c)] for c in ok)
    return NetworkTotal(
        arch=arch_name, supported=bool(ok), layers_counted=len(ok),
        unsupported_reason=None if ok else "no layer is supported",
        batch=ok[0].batch if ok else 1, macs_dense=sum(c.macs_dense for c in ok),
        macs_effective=sum(c.macs_effective for c in ok),
        macs_gated=sum(c.macs_gated for c in ok),
        weight_count=sum(c.weight_count for c in ok), weight_nnz=sum(c.weight_nnz for c in ok),
        weights=_weights(ok), traffic=_merge_traffic(ok),
        energy_pj=sum(c.energy_pj for c in ok),
        energy_by_component=sum_pairs(c.energy_by_component for c in ok),
        energy_by_operand=sum_pairs(c.energy_by_operand for c in ok), latency_cycles=cycles,
        compute_cycles=sum(c.compute_cycles * at[id(c)] for c in ok),
        transfer_cycles=_scaled_pairs(ok, "transfer_cycles", clock_hz),
        bottleneck=max(share, key=share.get) if share else "compute",
        clock_hz=clock_hz,
        compulsory_dram_bytes=sum(c.compulsory_dram_bytes for c in ok),
        weights_on_chip=_all_weighted(ok, "weights_on_chip"),
        weights_fit_on_chip=_all_weighted(ok, "weights_fit_on_chip"),
        model_load_dram_bytes=sum(c.model_load_dram_bytes for c in ok),
        kv_cache_read_bytes=sum(c.kv_cache_read_bytes for c in ok),
        kv_cache_write_bytes=sum(c.kv_cache_write_bytes for c in ok),
        pipeline_cycles=sum(c.pipeline_cycles * at[id(c)] for c in ok),
        peak_activation_bytes=max((c.peak_activation_bytes for c in ok), default=0.0),
        utilization=issued / cycles if cycles else 0.0,
        imbalance=Imbalance(efficiency=ideal / modelled if modelled else 1.0,
                            bound="sum over layers",
                            exact=all(c.imbalance.exact for c in ok), ideal_cycles=ideal,
                            cycles=modelled))


def _all_weighted(costs, flag: str) -> bool:
    """``flag`` holds for every row with stored weights (vector, act x act and fused rows
    store none and do not count), and there is at least one such row."""
    weighted = [c for c in costs if c.weight_count]
    return bool(weighted) and all(getattr(c, flag) for c in weighted)


__all__ = ["total_cost"]

