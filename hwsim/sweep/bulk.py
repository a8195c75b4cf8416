"""Sweep points in bulk: the variants of a chunk that share an accelerator structure and a
workload are evaluated together, layer by layer, by :mod:`hwsim.cost.bulk` (one mapping
search per layer and structure, energies and latencies as arrays over the variants), and
their rows are assembled here with the same arithmetic as
:func:`hwsim.cost.totals.total_cost` and :func:`hwsim.sweep.evaluate.network_metrics`:
every sum is Python's ``sum`` over the layers in network order, every running total the
same ``+`` in the same order, so a row is bit-identical to the one
:func:`hwsim.cost.estimate_network` gives (``tests/sweep/test_sweep_bulk.py``).

Points the bulk path does not cover (see :mod:`hwsim.cost.bulk`: GPUs, row stationary, the
column broadcast, fallback accelerators, vector layers, mapping files, invalid variants, a
layer with no feasible tiling) go through :func:`hwsim.sweep.evaluate.evaluate_point`.

Example: 512 variants of systolic_ws.yaml x AlexNet in a chunk, 6 array shapes -> 6 groups;
each group runs 8 layer templates (shared by every later chunk of the worker through the
cache) and 8 array searches over its ~85 variants.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from hwsim.arch import Accelerator
from hwsim.cost import energy as en
from hwsim.cost.bulk import (Numbers, feasible, layer_covered, layer_template, level_energy,
                             search_variants, structure_key)
from hwsim.cost.cache import CostCache, record_key
from hwsim.cost.layer import weight_capacity_bytes
from hwsim.cost.operands import layer_weight_storage
from hwsim.cost.records import sum_pairs
from hwsim.cost.savings import Coverage
from hwsim.types import MemoryKind, Objective, Operand, Residency
from hwsim.workload import Network


def _same(column):
    return column


def network_rows(network: Network, key: Accelerator, archs: Sequence[Accelerator],
                 objective: str, cache: CostCache) -> list[dict | None]:
    """The metrics of ``network`` on each of ``archs`` (variants of ``key``), as
    :func:`hwsim.sweep.evaluate.network_metrics` gives them; None for a variant with a layer
    that has no feasible tiling (the caller estimates it alone)."""
    nums = Numbers(archs)
    count, layers = len(archs), network.layers
    stored = [layer_weight_storage(l, key, cache).total_bits / 8 for l in layers]
    flags, fits = _residency(key.residency, stored,
                             np.array([float(weight_capacity_bytes(a)) for a in archs]))
    per_layer: list[list] = [[None] * len(layers) for _ in range(count)]
    failed = np.zeros(count, bool)
    w_dram = key.dram.holds(Operand.WEIGHTS)
    for j, layer in enumerate(layers):
        lkey = record_key(layer)
        for resident in (False, True):
            rows = np.flatnonzero((flags[:, j] == resident) & ~failed)
            if not len(rows):
                continue
            tpl = cache.get("template", (key, lkey, resident, objective), lambda: layer_template(
                layer, key, resident, Objective(objective), cache=cache))
            sub = nums.subset(rows)
            keep = feasible(tpl, sub)
            ok = keep.any(axis=1)
            failed[rows[~ok]] = True
            if not ok.all():
                rows, keep, sub = rows[ok], keep[ok], sub.subset(np.flatnonzero(ok))
                if not len(rows):
                    continue
            load = stored[j] if (resident and w_dram) else 0.0
            for i, result in zip(rows, _layer_results(tpl, key, sub, keep, load, cache)):
                per_layer[i][j] = result
    coverage = Coverage.of(layers, [True] * len(layers), [None] * len(layers),
                           [False] * len(layers))
    return [None if failed[i] else _metrics(per_layer[i], archs[i].compute.clock_hz,
                                            bool(fits[i]), coverage) for i in range(count)]


def _residency(policy: Residency, stored: list[float], capacity: np.ndarray):
    """(V, layers) resident flags and (V,) model-fits flags: the decisions of
    :func:`hwsim.cost.residency.plan_residency` (every layer supported and with weights)."""
    used = np.zeros(len(capacity))
    flags = np.zeros((len(capacity), len(stored)), bool)
    total = 0.0
    for j, size in enumerate(stored):
        total += size
        if policy is Residency.STREAMED:
            continue
        keep = (size <= capacity) if policy is Residency.PER_LAYER else (used + size <= capacity)
        if policy is Residency.NETWORK:
            used = used + np.where(keep, size, 0.0)
        flags[:, j] = keep
    return flags, total <= capacity


def _layer_results(tpl, key: Accelerator, nums: Numbers, keep: np.ndarray, load: float,
                   cache) -> list[tuple]:
    """Per variant: (energy_pj, component pairs, latency cycles, bottleneck, utilization,
    stored bytes, issued MACs, model-load bytes, DRAM rows ((level, op), read, write))."""
    picks = search_variants(tpl, nums, keep, cache)
    levels = {l.name: l for l in key.memories}
    comp: dict = {}
    dram_rows = []
    for (name, op), r, w in picks.flows:
        level = levels[name]
        br, bw = picks.bus.get((name, op), (r, w))
        energy = level_energy(level, nums.levels[name], br, bw, expand=_same)
        part = "dram" if level.kind is MemoryKind.DRAM else name
        comp[part] = comp.get(part, 0.0) + energy
        if level.kind is MemoryKind.DRAM:
            dram_rows.append(((name, op), r.tolist(), w.tolist()))
    cycles = tpl.time.cycles
    latency = np.full(nums.count, cycles)
    for _, c in picks.cycles:
        latency = np.maximum(latency, c)
    names = [n for n, _ in picks.cycles]
    slowest = (np.stack([c for _, c in picks.cycles]).argmax(axis=0) if names
               else np.zeros(nums.count, int))
    leak = nums.leak * (latency / nums.clock) * en.PJ_PER_MW_S
    book = en.codebook_energy_pj(key, picks.latch)
    comp.update({"mac": nums.mac_e * (tpl.macs.full + tpl.macs.gated * nums.gated),
                 "codebook": book + np.zeros(nums.count), "leakage": leak})
    parts = list(comp)
    values = np.stack([comp[p] for p in parts], axis=1).tolist()
    lat = latency.tolist()
    out = []
    for i, vals in enumerate(values):
        bottleneck = "compute" if lat[i] <= cycles else _dram_name(levels[names[slowest[i]]])
        out.append((sum(vals), tuple(zip(parts, vals)), lat[i], bottleneck,
                    tpl.time.utilization, tpl.stored_bytes, tpl.macs.issued, load,
                    [(k, r[i], w[i]) for k, r, w in dram_rows]))
    return out


def _dram_name(level) -> str:
    return "dram" if level.kind is MemoryKind.DRAM else level.name


def _metrics(layers: list[tuple], clock_hz: float, fits: bool, coverage: Coverage) -> dict:
    """:func:`hwsim.sweep.evaluate.network_metrics` of the total
    (:func:`hwsim.cost.totals.total_cost`) of the per-layer results ``layers``."""
    at = clock_hz / clock_hz
    share: dict[str, float] = {}
    for c in layers:
        share[c[3]] = share.get(c[3], 0.0) + c[2] / clock_hz
    cycles = sum(c[2] * at for c in layers)
    issued = sum(c[4] * c[2] * at for c in layers)
    energy = sum(c[0] for c in layers)
    merged: dict = {}
    for c in layers:
        for k, r, w in c[8]:
            sums = merged.get(k)
            if sums is None:
                merged[k] = [r, w]
            else:
                sums[0] += r
                sums[1] += w
    dram = sum(r for r, _ in merged.values()) + sum(w for _, w in merged.values())
    latency_s = cycles / clock_hz
    return {
        "status": "ok", "reason": None,
        "coverage": coverage.label(), "macs_covered_fraction": coverage.macs_fraction,
        "energy_pj": energy, "latency_cycles": cycles, "latency_s": latency_s,
        "edp_pj_s": energy * latency_s, "dram_bytes": dram,
        "weight_bytes_stored": sum(c[5] for c in layers),
        "model_load_dram_bytes": sum(c[7] for c in layers),
        "macs_effective": sum(c[6] for c in layers),
        "utilization": issued / cycles if cycles else 0.0,
        "bottleneck": max(share, key=share.get) if share else "compute",
        "model_fits_on_chip": fits, "supported_layers": len(layers), "layers": len(layers),
        "energy_breakdown_pj": dict(sum_pairs(c[1] for c in layers)),
    }


def covers(signature: tuple, key: Accelerator, network: Network, label: str,
           memo: dict) -> bool:
    """True when the bulk path covers every layer of the workload ``label`` on the variants
    of ``key`` (``signature`` names it); ``memo`` keeps the answer within a chunk."""
    if (signature, label) not in memo:
        memo[(signature, label)] = all(layer_covered(l, key) and l.kind.has_weights
                                       for l in network.layers)
    return memo[(signature, label)]


__all__ = ["covers", "network_rows"]
