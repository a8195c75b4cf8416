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

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from hwsim.arch import Accelerator
from hwsim.cost import energy as en
from hwsim.cost.bulk import (Numbers, feasible, layer_covered, layer_template, level_energy,
                             search_variants, transfer)
from hwsim.cost.pipeline import candidate_latency_cycles, dram_bytes
from hwsim.cost.search import pipelined_dram
from hwsim.cost.cache import CostCache, record_key
from hwsim.cost.layer import weight_capacity_bytes
from hwsim.cost.operands import layer_weight_storage
from hwsim.cost.savings import Coverage
from hwsim.types import MemoryKind, Objective, Operand, Residency
from hwsim.workload import Network


PLAIN_SUM = sum([1e100, 1.0, -1e100]) == 0.0
"""True when the builtin ``sum`` of floats adds left to right (CPython before 3.12); then a
running numpy ``+`` over the layers is the same arithmetic. Later Pythons compensate the
rounding, and :func:`_psum` calls ``sum`` per variant instead."""


def _psum(columns: Sequence) -> np.ndarray:
    """``sum(...)`` over the layers (or terms) of each variant: ``columns`` in order, each a
    (V,) array or a scalar."""
    if PLAIN_SUM:
        total = 0
        for column in columns:
            total = total + column
        return np.asarray(total, np.float64)
    arrays = np.broadcast_arrays(*(np.asarray(c, np.float64) for c in columns))
    return np.array([sum(v) for v in zip(*(a.tolist() for a in arrays))])


@dataclass
class LayerColumns:
    """One layer's results over a set of variants (``rows``: their indices in the group)."""

    rows: np.ndarray
    energy: np.ndarray
    comp: dict
    latency: np.ndarray
    bottleneck: np.ndarray  # object array of names
    dram: list               # ((level, op), read (V,), write (V,)) in traffic order
    utilization: float
    stored: float
    issued: float
    load: float


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
    failed = np.zeros(count, bool)
    w_dram = key.dram.holds(Operand.WEIGHTS)
    columns: dict = {}
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
            columns[(j, resident)] = _layer_columns(tpl, key, sub, keep, rows, load, cache)
    coverage = Coverage.of(layers, [True] * len(layers), [None] * len(layers),
                           [False] * len(layers))
    out: list = [None] * count
    patterns: dict = {}
    for i in np.flatnonzero(~failed):
        patterns.setdefault(flags[i].tobytes(), []).append(i)
    for members in patterns.values():
        members = np.array(members)
        parts = [_gather(columns[(j, bool(flags[members[0], j]))], members)
                 for j in range(len(layers))]
        for i, row in zip(members, _totals(parts, nums.clock[members], fits[members],
                                           coverage)):
            out[i] = row
    return out


def _gather(col: LayerColumns, members: np.ndarray) -> LayerColumns:
    """``col`` restricted to the variants ``members`` (all of them in ``col.rows``)."""
    at = np.searchsorted(col.rows, members)
    return LayerColumns(members, col.energy[at], {k: v[at] for k, v in col.comp.items()},
                        col.latency[at], col.bottleneck[at],
                        [(k, r[at], w[at]) for k, r, w in col.dram], col.utilization,
                        col.stored, col.issued, col.load)


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


def _layer_columns(tpl, key: Accelerator, nums: Numbers, keep: np.ndarray, rows: np.ndarray,
                   load: float, cache) -> LayerColumns:
    """What :func:`hwsim.cost.layer.estimate_layer` reports of the layer on each variant:
    traffic energies by component (:func:`hwsim.cost.energy.energy_split`), their sum,
    latency = max(compute, transfers), the bottleneck, the DRAM bytes."""
    picks = search_variants(tpl, nums, keep, cache)
    levels = {l.name: l for l in key.memories}
    comp: dict = {}
    dram = []
    for (name, op), r, w in picks.flows:
        level = levels[name]
        br, bw = picks.bus.get((name, op), (r, w))
        energy = level_energy(level, nums.levels[name], br, bw, expand=lambda c: c)
        part = "dram" if level.kind is MemoryKind.DRAM else name
        comp[part] = comp.get(part, 0.0) + energy
        if level.kind is MemoryKind.DRAM:
            dram.append(((name, op), r, w))
    cycles = tpl.time.cycles
    steady = np.full(nums.count, cycles)
    for _, c in picks.cycles:
        steady = np.maximum(steady, c)
    names = np.array(["compute"] + [_dram_name(levels[n]) for n, _ in picks.cycles], object)
    slowest = (np.stack([c for _, c in picks.cycles]).argmax(axis=0) + 1 if picks.cycles
               else np.zeros(nums.count, int))
    bottleneck = names[np.where(steady <= cycles, 0, slowest)]
    latency = _pipelined(key, nums, picks, cycles)
    leak = nums.leak * (latency / nums.clock) * en.PJ_PER_MW_S
    book = en.codebook_energy_pj(key, picks.latch) + np.zeros(nums.count)
    comp.update({"mac": nums.mac_e * (tpl.macs.full + tpl.macs.gated * nums.gated),
                 "codebook": book, "leakage": leak})
    comp = {k: np.broadcast_to(v, (nums.count,)).astype(np.float64) for k, v in comp.items()}
    return LayerColumns(rows, _psum(list(comp.values())), comp, latency, bottleneck, dram,
                        tpl.time.utilization, tpl.stored_bytes, tpl.macs.issued, load)


def _pipelined(key: Accelerator, nums: Numbers, picks, compute_cycles: float) -> np.ndarray:
    """Per variant, the latency of its chosen candidate as :func:`hwsim.cost.layer.estimate_layer`
    computes it: the steady-state bound plus the DRAM pipeline's fill and drain
    (:mod:`hwsim.cost.pipeline`), the same float operations."""
    dram = pipelined_dram(key)
    cycles = dict(picks.cycles)
    read, write = dram_bytes(((k, r, w) for k, (r, w) in picks.bus.items()), dram) \
        if dram else (0.0, 0.0)
    moved = dram in cycles
    return candidate_latency_cycles(
        compute_cycles=np.full(nums.count, compute_cycles), transfers=cycles, dram=dram,
        dram_read_cycles=transfer(nums.levels[dram], read, lambda c: c) if moved else 0.0,
        dram_write_cycles=transfer(nums.levels[dram], write, lambda c: c) if moved else 0.0,
        steps=picks.dram_steps, output_visits=picks.output_visits)


def _dram_name(level) -> str:
    return "dram" if level.kind is MemoryKind.DRAM else level.name


def _totals(parts: list[LayerColumns], clock: np.ndarray, fits: np.ndarray,
            coverage: Coverage) -> list[dict]:
    """:func:`hwsim.sweep.evaluate.network_metrics` of :func:`hwsim.cost.totals.total_cost`
    over the layers ``parts`` (one residency pattern: the same rows in the same order), for
    every variant at once; then one row dict per variant."""
    at = clock / clock
    cycles = _psum([p.latency * at for p in parts])
    issued = _psum([p.utilization * p.latency * at for p in parts])
    energy = _psum([p.energy for p in parts])
    merged: dict = {}
    for p in parts:
        for k, r, w in p.dram:
            if k in merged:
                merged[k] = (merged[k][0] + r, merged[k][1] + w)
            else:
                merged[k] = (r, w)
    dram = _psum([r for r, _ in merged.values()]) + _psum([w for _, w in merged.values()])
    breakdown: dict = {}
    for p in parts:
        for name, column in p.comp.items():
            breakdown[name] = breakdown.get(name, 0.0) + column
    latency_s = cycles / clock
    utilization = np.where(cycles != 0, issued / np.where(cycles != 0, cycles, 1.0), 0.0)
    fixed = {"stored": sum(p.stored for p in parts), "load": sum(p.load for p in parts),
             "issued": sum(p.issued for p in parts)}
    cols = [c.tolist() for c in (energy, cycles, latency_s, energy * latency_s, dram,
                                 utilization)]
    names = list(breakdown)
    shares = _bottlenecks(parts, clock)
    values = np.stack([breakdown[n] for n in names], axis=1).tolist()
    label, fraction = coverage.label(), coverage.macs_fraction
    return [{"status": "ok", "reason": None, "coverage": label,
             "macs_covered_fraction": fraction, "energy_pj": e, "latency_cycles": c,
             "latency_s": s, "edp_pj_s": edp, "dram_bytes": d,
             "weight_bytes_stored": fixed["stored"], "model_load_dram_bytes": fixed["load"],
             "macs_effective": fixed["issued"], "utilization": u, "bottleneck": b,
             "model_fits_on_chip": bool(f), "supported_layers": len(parts),
             "layers": len(parts), "energy_breakdown_pj": dict(zip(names, v))}
            for e, c, s, edp, d, u, b, f, v in zip(*cols, shares, fits, values)]


def _bottlenecks(parts: list[LayerColumns], clock: np.ndarray) -> list[str]:
    """Per variant, the bottleneck with the largest share of the latency in seconds, ties
    to the first one met in layer order (``max`` over an insertion-ordered dict)."""
    names = sorted({n for p in parts for n in p.bottleneck.tolist()})
    code = {n: i for i, n in enumerate(names)}
    v = len(clock)
    share = np.zeros((v, len(names)))
    first = np.full((v, len(names)), len(parts))
    rows = np.arange(v)
    for j, p in enumerate(parts):
        idx = np.array([code[n] for n in p.bottleneck.tolist()])
        share[rows, idx] = share[rows, idx] + p.latency / clock
        first[rows, idx] = np.minimum(first[rows, idx], j)
    seen = first < len(parts)
    masked = np.where(seen, share, -np.inf)
    top = masked == masked.max(axis=1, keepdims=True)
    pick = np.where(top, first, len(parts) + 1).argmin(axis=1)
    return [names[i] for i in pick]


def covers(signature: tuple, key: Accelerator, network: Network, label: str,
           memo: dict) -> bool:
    """True when the bulk path covers every layer of the workload ``label`` on the variants
    of ``key`` (``signature`` names it); ``memo`` keeps the answer within a chunk."""
    if (signature, label) not in memo:
        memo[(signature, label)] = all(layer_covered(l, key) and l.kind.has_weights
                                       for l in network.layers)
    return memo[(signature, label)]


__all__ = ["covers", "network_rows"]
