"""One layer on many accelerator variants at once: the mapping search shared, the numbers
per variant as numpy arrays over a leading variant axis.

A variant's cost of a layer depends on two kinds of inputs. The *structure* (dataflow, array
shape, which levels hold which operands, formats, zero handling, per-PE register sizes,
residency policy) decides the MAC counts, the storage, the compute cycles, the chains, the
loop nest and every candidate's bytes per level. The *numbers* (per level: energies per
access, width, bandwidth, leakage, DRAM burst and row buffer, the size of every level with
one instance; the clock and the MAC energy) only enter as count x number: feasibility
(``need <= capacity``), energy (``bytes / width x energy``), transfer cycles
(``bytes / bandwidth``), leakage (``mW x cycles / clock``). :func:`structure_key` is the
accelerator with those numbers zeroed: variants with equal keys share one
:class:`LayerTemplate` (built from the key itself, so it cannot read a number), and
:func:`search_variants` picks every variant's candidate with array operations over
(variants x candidates): cheap passes (a lower bound, a matrix-product approximation, both
with a 1e-9 safety margin) drop candidates that cannot win, and the rest are scored with
the same IEEE operations, in the same order, as the scalar code of :mod:`hwsim.cost.search`
and :mod:`hwsim.cost.layer`, so the results are bit-identical
(``tests/sweep/test_sweep_bulk.py`` compares stored sweep rows).

Worked example: AlexNet conv2 on 40 systolic variants that differ in SRAM sizes, DRAM preset
and clock (one array shape): one template (nest of 3 x 1 x 1,575 candidates, flow tables),
then per DRAM burst size the bound and the approximation over 40 x 4,725 candidates, exact
energies of the few hundred left, and one argmin per variant.

Not covered here (the caller uses :func:`hwsim.cost.estimate_network` for them): GPUs, row
stationary, the column broadcast, fallback accelerators, vector layers and act x act
matmuls, pinned mappings. What counts as structure: :mod:`hwsim.cost.structure`.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from operator import attrgetter
from typing import Sequence

import numpy as np

from hwsim.arch.model import Accelerator
from hwsim.cost import energy as en
from hwsim.cost.cache import CostCache
from hwsim.cost.compute import MacCounts, mac_counts
from hwsim.cost.cycles import ComputeTime, compute_time
from hwsim.cost.dataflow import inner_orders, spatial_unrolling
from hwsim.cost.layer import _resident_value_bytes
from hwsim.cost.nest import REPRESENTATIVE_ORDERS, LoopBounds, Nest
from hwsim.cost.operands import LayerSizes, layer_sizes
from hwsim.cost.pipeline import candidate_latency_cycles
from hwsim.cost.search import (LATENCY_BAND, SearchInputs, _flows, capacity_bytes, dram_walk,
                               flows_depend_on_keep, full_nest, level_needs, objective_scores,
                               pipelined_dram, walk_tables, whole_bursts)
from hwsim.cost.structure import layer_covered, numeric_size, structure_key
from hwsim.cost.traffic import build_chains
from hwsim.types import MemoryKind, Objective
from hwsim.workload.layer import LayerWorkload


@dataclass(frozen=True)
class LayerTemplate:
    """The structural part of one layer on the variants of one key: MAC counts, sizes,
    compute time, the nest, the search inputs (``fixed_energy_pj`` 0: per variant) and the
    tile bytes each level needs per candidate."""

    layer: LayerWorkload
    key: Accelerator
    resident: bool
    macs: MacCounts
    sizes: LayerSizes
    time: ComputeTime
    nest: Nest
    inp: SearchInputs
    needs: tuple
    walk: tuple  # :func:`hwsim.cost.search.walk_tables` of the nest

    @property
    def stored_bytes(self) -> float:
        return self.sizes.weights.total_bits / 8


def layer_template(layer: LayerWorkload, key: Accelerator, resident: bool,
                   objective: Objective, double_buffering: bool = True,
                   cache: CostCache | None = None) -> LayerTemplate:
    """What :func:`hwsim.cost.layer.estimate_layer` computes before the search, on ``key``."""
    macs = mac_counts(layer, key)
    sizes = layer_sizes(layer, key, macs, cache=cache)
    bounds = LoopBounds.of(layer)
    spatial = spatial_unrolling(key, bounds)
    chains = build_chains(key, resident, spatial)
    time = compute_time(layer, key, macs)
    inp = SearchInputs(bounds, spatial, chains, sizes.obytes,
                       _resident_value_bytes(key, sizes.weights), time.cycles, 0.0,
                       objective, double_buffering, None)
    nest = full_nest(bounds, spatial.slots, inner_orders(key), tuple(REPRESENTATIVE_ORDERS),
                     False, cache=cache)
    return LayerTemplate(layer, key, resident, macs, sizes, time, nest, inp,
                         level_needs(nest, inp), walk_tables(nest))


class Numbers:
    """The per-variant numbers of ``archs`` (variants of one key) as ``(V,)`` arrays."""

    def __init__(self, archs: Sequence[Accelerator]):
        self.count = len(archs)
        self.levels = {}
        for i, level in enumerate(archs[0].memories):
            table = np.array([_LEVEL_NUMBERS(a.memories[i]) for a in archs], np.float64)
            self.levels[level.name] = LevelNumbers(zip(_LEVEL_KEYS, table.T.copy()))
        self.burst = np.array([a.dram.burst_bytes for a in archs], np.int64)
        self.clock = _col(a.compute.clock_hz for a in archs)
        self.leak = _col(en.leakage_power_mw(a) for a in archs)
        self.mac_e = _col(a.compute.mac_energy_pj for a in archs)
        self.gated = _col(a.compute.gated_mac_energy_fraction for a in archs)

    def subset(self, index: np.ndarray) -> "Numbers":
        out = object.__new__(Numbers)
        out.count = len(index)
        out.levels = {n: LevelNumbers({k: v[index] for k, v in d.items()})
                      for n, d in self.levels.items()}
        out.burst = self.burst[index]
        for name in ("clock", "leak", "mac_e", "gated"):
            setattr(out, name, getattr(self, name)[index])
        return out


class LevelNumbers(dict):
    """One level's (V,) columns by key (:data:`_LEVEL_KEYS`); :meth:`shared` folds a column
    (:func:`shared`) once, however many candidates' energies read it."""

    __slots__ = ("_shared",)

    def __init__(self, *args):
        super().__init__(*args)
        self._shared: dict = {}

    def shared(self, key: str) -> np.ndarray:
        column = self._shared.get(key)
        if column is None:
            column = self._shared[key] = shared(self[key])
        return column


_LEVEL_KEYS = ("wb", "re", "we", "rb", "ra", "bw", "size", "total")
_LEVEL_NUMBERS = attrgetter("width_bytes", "read_energy_pj", "write_energy_pj",
                            "row_buffer_bytes", "row_activation_energy_pj",
                            "total_bandwidth_bytes_per_cycle", "size_bytes", "total_size_bytes")
"""A level's numbers, in the order of :data:`_LEVEL_KEYS` (the keys of ``Numbers.levels``)."""


def _col(values) -> np.ndarray:
    return np.fromiter((float(v) for v in values), dtype=np.float64)


def _v(column: np.ndarray) -> np.ndarray:
    """A (V,) column as (V, 1, 1, 1), to broadcast over the nest's (O0, O1, M)."""
    return column.reshape(-1, 1, 1, 1)


def shared(column: np.ndarray) -> np.ndarray:
    """``column`` (V,), or its first value alone (shape (1,)) when every variant has that
    value, bit for bit: an operation on it then runs once per candidate instead of once per
    variant and candidate, and broadcasting gives every variant the same IEEE result.

    Example: a sweep that varies SRAM sizes leaves ofmap_sram's energies and every width
    unchanged: ``bytes / width`` is computed over the candidates only."""
    bits = column.view(np.int64)
    return column[:1] if len(column) > 1 and (bits == bits[0]).all() else column


def level_energy(level, nums: "LevelNumbers", read, write, expand=_v):
    """:func:`hwsim.cost.energy.level_energy_pj` with the per-variant numbers ``nums``."""
    width = expand(nums.shared("wb"))
    energy = read / width * expand(nums.shared("re")) + write / width * expand(nums.shared("we"))
    if level.kind is MemoryKind.DRAM and level.row_buffer_bytes:  # key: row buffer priced
        energy = energy + (read + write) / expand(nums.shared("rb")) * expand(nums.shared("ra"))
    return energy


def transfer(nums: "LevelNumbers", nbytes, expand=_v):
    """:func:`hwsim.cost.energy.transfer_cycles` per variant (0 without bandwidth)."""
    bw = expand(nums.shared("bw"))
    return np.where(bw > 0, nbytes / np.where(bw > 0, bw, 1.0), 0.0 * nbytes)


def feasible(tpl: LayerTemplate, nums: Numbers) -> np.ndarray:
    """(V, M) feasible tilings per variant (:func:`hwsim.cost.search._fits`: each level's
    ``need <= capacity``, all levels together, then one flag per tiling)."""
    size = tpl.nest.shape[2]
    common = np.broadcast_shapes(*(np.shape(n) for _, n, _, _ in tpl.needs)) \
        if tpl.needs else ()
    ok = np.ones((nums.count,) + common, bool)
    for level, need, _, replicated in tpl.needs:
        if numeric_size(level):
            cap = nums.levels[level.name]["size" if replicated else "total"]
        else:
            cap = np.full(nums.count, float(capacity_bytes(level, replicated)))
        ok &= np.asarray(need) <= cap.reshape((-1,) + (1,) * len(common))
    flat = ok.reshape(nums.count, -1)
    if flat.shape[1] == size:
        return flat
    return np.repeat(flat.all(axis=1)[:, None], size, axis=1)


@dataclass(frozen=True)
class Picks:
    """The chosen candidate of every variant: ``flows`` ((level, operand), read (V,), write
    (V,)) useful bytes, ``bus`` the same key's DRAM bytes in whole bursts, ``cycles`` (level,
    (V,)) transfer cycles, ``latch`` weight values read by the MACs (V,), ``dram_steps`` and
    ``output_visits`` the DRAM-level walk (V,) (:func:`hwsim.cost.search.dram_walk`)."""

    flows: tuple
    bus: dict
    cycles: tuple
    latch: np.ndarray
    dram_steps: np.ndarray
    output_visits: np.ndarray


def search_variants(tpl: LayerTemplate, nums: Numbers, keep: np.ndarray,
                    cache: CostCache | None = None) -> Picks:
    """The best feasible candidate of every variant (:func:`hwsim.cost.search.search_mapping`
    on each); ``keep``: :func:`feasible`, every row with at least one candidate."""
    v = nums.count
    order = np.arange(v)
    parts = []
    bursts = nums.burst
    for sub, keep_sub in _flow_groups(tpl, keep, cache):
        for burst in np.unique(bursts[sub]).tolist():
            pick = bursts[sub] == burst
            rows = sub[pick]
            parts.append((rows, _score(tpl, nums.subset(rows), keep_sub[pick], burst, cache)))
    return _merge(parts, v, order)


def _flow_groups(tpl: LayerTemplate, keep: np.ndarray, cache):
    """(variant indices, their keep rows) per distinct flow table (the table depends on the
    feasible set only when a per-PE level sets the next level's floor)."""
    if not flows_depend_on_keep(tpl.inp.chains):
        return [(np.arange(len(keep)), keep)]
    groups: dict = {}
    for i in range(len(keep)):
        _, fkey = _flows(tpl.nest, tpl.inp, keep[i], cache=cache, key_only=True)
        groups.setdefault(fkey, []).append(i)
    return [(np.array(ix), keep[ix]) for ix in groups.values()]


def _score(tpl: LayerTemplate, nums: Numbers, keep: np.ndarray, burst: int, cache) -> Picks:
    """The best candidate per variant. A cheap pass picks the candidates that can still win
    (:func:`_pruned` for the energy objective, :func:`_band` otherwise); their exact scores
    (:func:`_exact`: the scalar code's operations, in its order) decide, ties to the first
    candidate as in the scalar search."""
    nest, inp, key = tpl.nest, tpl.inp, tpl.key
    useful, per_level = _flows(nest, inp, keep[0], cache=cache)
    burst_key = replace(key, memories=(replace(key.dram, burst_bytes=burst),) + key.memories[1:])
    flows, per_level = whole_bursts(burst_key, nest, inp, useful, per_level)
    levels = {l.name: l for l in key.memories}
    flat = _Flat(nest.shape)
    feasible_k = np.broadcast_to(keep[:, None, None, :], (nums.count,) + nest.shape) \
        .reshape(nums.count, -1)
    args = (tpl, nums, flows, per_level, levels, flat, feasible_k)
    energy_only = inp.objective is Objective.ENERGY
    # no leakage: the score is the energy (+ 0.0), the latency is needed at the winner only
    timed = not (energy_only and not np.any(nums.leak))
    if energy_only:
        per_byte = _per_byte(nums, per_level, levels, flat)
        cands = _pruned(*args, per_byte)
        if not timed:
            cands = _near(tpl, nums, flows, flat, feasible_k, per_byte, cands)
    else:
        cands = _band(*args)
    energy, latency, _ = _exact(tpl, nums, flows, per_level, levels, flat.columns(cands),
                                lambda c: c.reshape(-1, 1), timed)
    score = objective_scores(inp.objective, energy, latency, feasible_k[:, cands], axis=1)
    best = np.broadcast_to(score, (nums.count, len(cands))).argmin(axis=1)
    winner = cands[best]
    pick = flat.columns(winner)
    transfers = _transfers(nums, per_level, levels, pick, lambda c: c)

    def at(value):
        if type(value) is np.ndarray and value.ndim == 1 and value.shape[0] == nums.count:
            return value
        picked = pick(np.asarray(value, np.float64))
        return np.full(nums.count, picked) if np.ndim(picked) == 0 else picked

    chosen = tuple((k, at(r), at(w)) for k, (r, w) in useful.bytes.items())
    bus = {k: (at(r), at(w)) for k, (r, w) in flows.bytes.items() if k[0] == key.dram.name}
    cycles = tuple((n, np.broadcast_to(c, (nums.count,)).copy()) for n, c in transfers.items())
    walk = dram_walk(nest, inp.bounds.groups, at, tpl.walk)
    return Picks(chosen, bus, cycles, at(useful.latch_weight_values), walk["dram_steps"],
                 walk["output_visits"])


def _exact(tpl, nums: Numbers, flows, per_level: dict, levels: dict, pick, col,
           timed: bool = True):
    """(energy, latency, transfer cycles per level) of the candidates ``pick`` selects,
    exactly as :func:`hwsim.cost.search.evaluate` computes them; ``col`` shapes a (V,) column
    against the picked values. ``timed`` False (the energy objective without leakage): the
    energy alone, latency 0 and no transfer cycles (``+ 0 x latency`` adds exactly 0)."""
    mac_pj = col(nums.mac_e * (tpl.macs.full + tpl.macs.gated * nums.gated))
    energy = mac_pj + pick(en.codebook_energy_pj(tpl.key, flows.latch_weight_values))
    for name, (r, w) in per_level.items():
        energy = energy + level_energy(levels[name], nums.levels[name], pick(r), pick(w), col)
    if not timed:
        return energy, 0.0, {}
    transfers = _transfers(nums, per_level, levels, pick, col)
    dram = pipelined_dram(tpl.key)
    read, write = per_level.get(dram, (0.0, 0.0))
    walk = dram_walk(tpl.nest, tpl.inp.bounds.groups, pick, tpl.walk)
    latency = candidate_latency_cycles(
        compute_cycles=tpl.inp.compute_cycles, transfers=transfers, dram=dram,
        dram_read_cycles=transfer(nums.levels[dram], pick(read), col) if dram in transfers
        else 0.0,
        dram_write_cycles=transfer(nums.levels[dram], pick(write), col) if dram in transfers
        else 0.0, steps=walk["dram_steps"], output_visits=walk["output_visits"])
    energy = energy + col(nums.leak) * (latency / col(nums.clock)) * en.PJ_PER_MW_S
    return energy, latency, transfers


def _transfers(nums: Numbers, per_level: dict, levels: dict, pick, col) -> dict:
    """Transfer cycles per level of the candidates ``pick`` selects
    (:func:`hwsim.cost.energy.level_transfer_cycles` with the per-variant bandwidths)."""
    return {n: transfer(nums.levels[n], en.port_bytes(levels[n], pick(r), pick(w)), col)
            for n, (r, w) in per_level.items()}


def _per_byte(nums: Numbers, per_level: dict, levels: dict, flat):
    """(counts (K, 2L): each level's read and write bytes per candidate, energies per byte
    (V, 2L)): the energy of the data movement is their product (row activations included)."""
    counts, coefs = [], []
    for name, (r, w) in per_level.items():
        n, level = nums.levels[name], levels[name]
        row = n["ra"] / n["rb"] if level.kind is MemoryKind.DRAM and level.row_buffer_bytes \
            else 0.0
        counts += [flat(r), flat(w)]
        coefs += [n["re"] / n["wb"] + row, n["we"] / n["wb"] + row]
    if not counts:
        return np.zeros((flat.size, 0)), np.zeros((nums.count, 0))
    return np.stack(counts, axis=1), np.stack(coefs, axis=1)


SAFETY = 1e-9
"""Relative margin on bounds and bands (the approximate passes' rounding error is ~1e-15)."""


def _pruned(tpl, nums: Numbers, flows, per_level: dict, levels: dict, flat,
            feasible_k: np.ndarray, per_byte: tuple) -> np.ndarray:
    """Flat indices (ascending) of the candidates that may minimise some variant's energy.

    With ``u`` the batch's median energy per byte of each (level, direction) and ``m_v`` =
    min over them of variant v's / u, every candidate's energy is at least ``mac_v + m_v x
    u . counts`` (energies per byte and counts are >= 0; leakage only adds). A seed (the
    feasible candidate of least ``u . counts``) has an exact energy ``s_v``; a candidate whose
    bound exceeds ``s_v`` cannot win, so only those with ``u . counts <= (s_v - mac_v) / m_v``
    for some variant go on (at least one: the least ``u . counts``).

    Example: AlexNet conv3 on 480 systolic variants: 2,205 candidates, about 630 go on.
    """
    counts, coefs = per_byte
    middle = len(coefs) // 2  # u: the (upper) median; any u > 0 gives a valid bound
    u = np.partition(coefs, middle, axis=0)[middle] if coefs.shape[1] else np.zeros(0)
    weighted = counts @ u if len(u) else np.zeros(flat.size)
    pos = u > 0
    m = (coefs[:, pos] / u[pos]).min(axis=1) if pos.any() else np.zeros(nums.count)
    seed = _seeds(weighted, feasible_k)
    s_v, _, _ = _exact(tpl, nums, flows, per_level, levels, flat.columns(seed), lambda c: c,
                       timed=bool(np.any(nums.leak)))  # the latency only enters by leakage
    mac = nums.mac_e * (tpl.macs.full + tpl.macs.gated * nums.gated)
    with np.errstate(divide="ignore", invalid="ignore"):
        cut = np.where(m > 0, (s_v * (1 + SAFETY) - mac) / (m * (1 - SAFETY)), np.inf)
    cands = np.flatnonzero(weighted * (1 - SAFETY) <= cut.max())
    return cands if len(cands) else np.array([int(np.argmin(weighted))])


def _seeds(weighted: np.ndarray, feasible_k: np.ndarray, head: int = 64) -> np.ndarray:
    """Per variant, a feasible candidate of least ``weighted``, whose exact energy bounds the
    variant's best (any feasible candidate would do; the least gives the tightest bound):
    only the ``head`` least candidates are sorted when every variant has a feasible one
    among them, else all (stable order)."""
    if len(weighted) > head:
        least = np.argpartition(weighted, head)[:head]
        order = least[np.lexsort((least, weighted[least]))]
        first = feasible_k[:, order]
        at = first.argmax(axis=1)
        if first[np.arange(len(at)), at].all():
            return order[at]
    order = np.argsort(weighted, kind="stable")
    return order[_first_feasible(feasible_k, order)]


def _first_feasible(feasible_k: np.ndarray, order: np.ndarray, head: int = 64) -> np.ndarray:
    """Per variant, the position in ``order`` of its first feasible candidate
    (``feasible_k[:, order].argmax(axis=1)``), looking at the first ``head`` candidates of
    ``order`` first: most variants have one there."""
    first = feasible_k[:, order[:head]]
    at = first.argmax(axis=1)
    missing = np.flatnonzero(~first[np.arange(len(at)), at])
    if len(missing) and len(order) > head:
        at[missing] = feasible_k[missing][:, order].argmax(axis=1)
    return at


def _near(tpl, nums: Numbers, flows, flat, feasible_k: np.ndarray, per_byte: tuple,
          cands: np.ndarray) -> np.ndarray:
    """The candidates among ``cands`` (ascending flat indices) whose approximate energy (one
    matrix product of the energies per byte and the byte counts, no leakage) is within
    :data:`SAFETY` of some variant's approximate best: every exact winner and every
    candidate tied with it (the approximation's rounding error is ~1e-15 relative).

    Example: 500 variants x 600 candidates left by :func:`_pruned` -> one (500 x 10) @
    (10 x 600) product, and the exact scores of the ~20 candidates some variant may pick."""
    counts, coefs = per_byte
    mac = nums.mac_e * (tpl.macs.full + tpl.macs.gated * nums.gated)
    moved = coefs @ counts[cands].T  # the energy less the MACs (a constant per variant)
    moved += flat(en.codebook_energy_pj(tpl.key, flows.latch_weight_values))[cands]
    np.copyto(moved, np.inf, where=~feasible_k[:, cands])
    best = moved.min(axis=1)
    margin = best + SAFETY * np.abs(best + mac)
    return cands[(moved <= margin[:, None]).any(axis=0)]


class _Flat:
    """Arrays over the nest's (O0, O1, M) candidates, read by flat candidate index."""

    def __init__(self, shape):
        self.shape = shape
        self.size = int(np.prod(shape))

    def __call__(self, value) -> np.ndarray:
        """The whole (K,) array."""
        return np.broadcast_to(np.asarray(value, np.float64), self.shape).reshape(-1)

    def columns(self, index: np.ndarray):
        """A function reading any array broadcastable to the nest at the flat ``index``
        (without materialising the broadcast); a scalar stays a scalar."""
        full = np.unravel_index(index, self.shape)

        def pick(value):
            if type(value) is not np.ndarray or value.ndim == 0:
                return value
            sub = full[len(self.shape) - value.ndim:]
            return value[tuple(ix if n > 1 else 0 for ix, n in zip(sub, value.shape))]
        return pick


def _band(tpl, nums: Numbers, flows, per_level: dict, levels: dict, flat,
          feasible_k: np.ndarray) -> np.ndarray:
    """Flat indices (ascending) of the candidates whose approximate score (energy as one
    matrix product) is within :data:`SAFETY` of some variant's approximate best."""
    inp = tpl.inp
    counts, coefs = _per_byte(nums, per_level, levels, flat)
    energy = coefs @ counts.T + (nums.mac_e * (tpl.macs.full + tpl.macs.gated * nums.gated)
                                 )[:, None] \
        + flat(en.codebook_energy_pj(tpl.key, flows.latch_weight_values))[None]
    latency = np.float64(max(inp.compute_cycles, 0.0))
    if inp.objective is not Objective.ENERGY or np.any(nums.leak):
        def cycles(name, nbytes):
            bw = nums.levels[name]["bw"][:, None]
            return np.where(bw > 0, flat(nbytes)[None] / np.where(bw > 0, bw, 1.0), 0.0)
        transfers = {n: cycles(n, en.port_bytes(levels[n], r, w))
                     for n, (r, w) in per_level.items()}
        dram = pipelined_dram(tpl.key)
        read, write = per_level.get(dram, (0.0, 0.0))
        walk = dram_walk(tpl.nest, inp.bounds.groups, lambda v: flat(v)[None], tpl.walk)
        latency = candidate_latency_cycles(
            compute_cycles=latency, transfers=transfers, dram=dram,
            dram_read_cycles=cycles(dram, read) if dram in transfers else 0.0,
            dram_write_cycles=cycles(dram, write) if dram in transfers else 0.0,
            steps=walk["dram_steps"], output_visits=walk["output_visits"])
        energy = energy + nums.leak[:, None] * (latency / nums.clock[:, None]) * en.PJ_PER_MW_S
    if inp.objective is Objective.LATENCY:  # every candidate in some variant's band
        lat = np.where(feasible_k, np.broadcast_to(latency, feasible_k.shape), np.inf)
        fastest = lat.min(axis=1, keepdims=True)
        near = lat <= fastest * (1.0 + LATENCY_BAND) * (1.0 + SAFETY)
        return np.flatnonzero(near.any(axis=0))
    score = objective_scores(inp.objective, energy, latency, feasible_k, axis=1)
    best = score.min(axis=1, keepdims=True)
    near = score <= best + SAFETY * np.abs(best)
    return np.flatnonzero(near.any(axis=0))


def _merge(parts, count: int, order) -> Picks:
    """One :class:`Picks` over all variants from the per-group ones (rows in place)."""
    if len(parts) == 1 and np.array_equal(parts[0][0], order):
        return parts[0][1]
    first = parts[0][1]

    def gather(get):
        out = np.empty(count)
        for rows, p in parts:
            out[rows] = get(p)
        return out
    flows = tuple((k, gather(lambda p, i=i: p.flows[i][1]), gather(lambda p, i=i: p.flows[i][2]))
                  for i, (k, _, _) in enumerate(first.flows))
    bus = {k: (gather(lambda p, k=k: p.bus[k][0]), gather(lambda p, k=k: p.bus[k][1]))
           for k in first.bus}
    cycles = tuple((n, gather(lambda p, i=i: p.cycles[i][1]))
                   for i, (n, _) in enumerate(first.cycles))
    return Picks(flows, bus, cycles, gather(lambda p: p.latch),
                 gather(lambda p: p.dram_steps), gather(lambda p: p.output_visits))


__all__ = ["LayerTemplate", "Numbers", "Picks", "feasible", "layer_covered", "layer_template",
           "search_variants", "structure_key"]
