"""The mapping search: candidate tilings evaluated together with numpy, best one kept.

Candidates: trip counts of the buffer-tile loops (``t0``) for N, K, C, P, Q from
{1, 2, 4, ..., D} (log-spaced, always 1 and D), times the orders of the buffer-tile loops
(three represent all six, see ``nest.REPRESENTATIVE_ORDERS``), times the inner orders the
dataflow allows (:mod:`hwsim.cost.dataflow`). Up to ``TRIP_LIMITS`` values per dim are tried,
all in one vectorised pass. A candidate is feasible when, at every level, the tiles held there
fit: streamed tiles in half the capacity under double buffering
(``EstimateOptions.double_buffering``), resident weights in full; infeasible tilings are
dropped before the orders multiply them. The objective is the total energy (data movement +
MACs + leakage over the latency), the latency, or their product (EDP); ties go to the first
candidate.

Worked example: AlexNet conv1 (K 96, C 3, P = Q = 55) on a 32x32 ws array: 7 x 3 x 5 x 3 =
315 tilings (those that fit) x 6 orders = 1,890 candidates in one pass of a few ms.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
import numpy as np

from hwsim.arch.model import Accelerator
from hwsim.cost import energy as en
from hwsim.cost.dataflow import Spatial, inner_orders
from hwsim.cost.nest import DIMS, REPRESENTATIVE_ORDERS, LoopBounds, Nest, build_nest
from hwsim.cost.records import LayerMapping, LevelTiling
from hwsim.cost.traffic import Flows, operand_flows, tile_bytes
from hwsim.types import Objective

TRIP_LIMITS = {"N": 3, "K": 7, "C": 7, "P": 5, "Q": 3}


@dataclass(frozen=True)
class SearchInputs:
    """Everything the search needs besides the arch: bounds, spatial unrolling, chains, bytes
    per element, resident weight bytes, compute cycles and the mapping-independent energy."""

    bounds: LoopBounds
    spatial: Spatial
    chains: dict
    obytes: dict
    resident_weight_bytes: float
    compute_cycles: float
    fixed_energy_pj: float
    objective: Objective = Objective.ENERGY
    double_buffering: bool = True


@dataclass(frozen=True)
class SearchResult:
    """The chosen mapping and its per-(level, operand) ``(read_bytes, write_bytes)``.

    ``feasible`` is False when no candidate fits; ``problem`` then says where.
    """

    feasible: bool
    mapping: LayerMapping | None = None
    flows: tuple = ()
    latch_weight_values: float = 0.0
    transfer_cycles: tuple = ()
    candidates: int = 0
    problem: str = ""


@lru_cache(maxsize=4096)
def trip_candidates(size: int, limit: int) -> tuple[int, ...]:
    """Trip counts tried for a loop of ``size``: powers of two below it and ``size``, thinned
    log-evenly to ``limit``; e.g. (55, 4) -> (1, 4, 16, 55); (1, 4) -> (1,)."""
    values = sorted({1, size} | {2 ** i for i in range(1, size.bit_length()) if 2 ** i < size})
    if len(values) > limit:
        step = (len(values) - 1) / (limit - 1)
        values = [values[round(i * step)] for i in range(limit)]
    return tuple(dict.fromkeys(values))


@lru_cache(maxsize=1024)
def _grid_axes(sizes: tuple) -> tuple:
    axes = [trip_candidates(size, TRIP_LIMITS[d]) for d, size in zip(TRIP_LIMITS, sizes)]
    mesh = np.meshgrid(*[np.asarray(a, dtype=np.float64) for a in axes], indexing="ij")
    return tuple(m.ravel() for m in mesh)


def _grid(bounds: LoopBounds) -> dict:
    """All combinations of buffer-tile trips (dim -> (M,) arrays)."""
    return dict(zip(TRIP_LIMITS, _grid_axes(tuple(bounds[d] for d in TRIP_LIMITS))))


def _levels_of(chains: dict) -> dict:
    """level name -> (MemoryLevel, [(operand, position on its chain, role)])."""
    out: dict = {}
    for chain in chains.values():
        for idx, role in enumerate(chain.levels):
            out.setdefault(role.level.name, (role.level, []))[1].append(
                (chain.operand, idx, role))
    return out


def _fits(nest: Nest, inp: SearchInputs):
    """(feasible mask (O, M), message for the tightest level) of the buffer-tile sizes.

    Per level: the buffer tiles of the operands it holds at the buffer boundary (first
    on-chip level or a shared staging copy), resident weights at their stored size.
    Replicated inner levels (register files) always fit one element per lane.
    """
    frac = 0.5 if inp.double_buffering else 1.0
    ok, message = True, ""
    for name, (level, entries) in _levels_of(inp.chains).items():
        need, counted = 0.0, False
        for op, idx, role in entries:
            chain = inp.chains[op]
            if chain.resident and idx == 0:
                need = need + inp.resident_weight_bytes / (level.instances if role.replicated
                                                           else 1)
            elif idx == 0 or not role.replicated:
                need = need + tile_bytes(nest, inp.bounds, op, 3, role, inp.obytes[op]) / frac
            else:
                continue
            counted = True
        if not counted:
            continue
        cap = level.size_bytes if entries[0][2].replicated else level.total_size_bytes
        fits = need <= cap
        if not np.any(fits):
            ops = ", ".join(str(e[0]) for e in entries)
            message = (f"memories.{name} must hold the smallest tile of {ops} "
                       f"({float(np.min(need)):.0f} bytes"
                       f"{' with double buffering' if frac < 1 else ''}). Got {cap} bytes")
        ok = ok & fits
    return np.broadcast_to(ok, nest.shape), message


def _shares(chains: dict) -> dict:
    return {name: (level.size_bytes / len(entries)) for name, (level, entries)
            in _levels_of(chains).items()}


def evaluate(arch: Accelerator, nest: Nest, inp: SearchInputs):
    """Flows, energy (O, M), latency (O, M) and per-level transfer cycles of all candidates."""
    flows = Flows()
    shares = _shares(inp.chains)
    for op, chain in inp.chains.items():
        operand_flows(flows, nest, inp.bounds, chain, inp.obytes[op], shares)
    groups = inp.bounds.groups  # the nest is one group's; groups run one after another
    flows.bytes = {k: [r * groups, w * groups] for k, (r, w) in flows.bytes.items()}
    flows.latch_weight_values = flows.latch_weight_values * groups
    levels = {l.name: l for l in arch.memories}
    per_level: dict = {}
    energy = inp.fixed_energy_pj + en.codebook_energy_pj(arch, flows.latch_weight_values)
    for (name, _), (r, w) in flows.bytes.items():
        energy = energy + en.level_energy_pj(levels[name], r, w)
        per_level[name] = per_level.get(name, 0.0) + r + w
    transfers = {n: en.transfer_cycles(levels[n], b) for n, b in per_level.items()}
    latency = np.maximum(inp.compute_cycles, 0.0)
    for cycles in transfers.values():
        latency = np.maximum(latency, cycles)
    energy = energy + en.leakage_energy_pj(arch, latency)
    return flows, energy, latency, transfers


def _objective(objective: Objective, energy, latency):
    if objective is Objective.LATENCY:
        return latency * (1.0 + 1e-9) + 1e-12 * energy  # energy breaks latency ties
    if objective is Objective.EDP:
        return energy * latency
    return energy


def _pick(value, shape, index: tuple) -> float:
    """Element ``index`` of ``value`` broadcast to ``shape`` (without materialising it)."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return float(arr)
    arr = arr.reshape((1,) * (len(shape) - arr.ndim) + arr.shape)
    return float(arr[tuple(i if n > 1 else 0 for i, n in zip(index, arr.shape))])


def _mapping(arch: Accelerator, nest: Nest, index: tuple, inp: SearchInputs,
             count: int) -> LayerMapping:
    def factors(trips):
        picked = ((d, int(round(_pick(trips[d], nest.shape, index)))) for d in DIMS)
        return tuple((d, f) for d, f in picked if f > 1)
    outer = LevelTiling(arch.dram.name, tuple(nest.order0[index[0]]), factors(nest.t0))
    inner = LevelTiling("buffer", tuple(nest.order1[index[1]]), factors(nest.t1))
    return LayerMapping(str(arch.dataflow), inp.spatial.slots, (outer, inner),
                        str(inp.objective), count)


def search_mapping(arch: Accelerator, inp: SearchInputs) -> SearchResult:
    """Evaluate all candidates (module docstring) and return the best feasible one."""
    factors = inp.spatial.factors
    inner = inner_orders(arch)
    grid = _grid(inp.bounds)
    probe = build_nest(inp.bounds, grid, factors, REPRESENTATIVE_ORDERS[:1], inner[:1],
                       loops=False)
    ok, message = _fits(probe, inp)
    keep = np.asarray(ok).reshape(-1)
    if not keep.any():
        return SearchResult(False, candidates=int(keep.size), problem=message)
    grid = {d: v[keep] for d, v in grid.items()}
    nest = build_nest(inp.bounds, grid, factors, REPRESENTATIVE_ORDERS, inner)
    flows, energy, latency, transfers = evaluate(arch, nest, inp)
    score = np.broadcast_to(_objective(inp.objective, energy, latency), nest.shape)
    index = tuple(int(i) for i in np.unravel_index(int(np.argmin(score)), score.shape))
    chosen = tuple((key, _pick(r, nest.shape, index), _pick(w, nest.shape, index))
                   for key, (r, w) in flows.bytes.items())
    cycles = tuple((n, _pick(c, nest.shape, index)) for n, c in transfers.items())
    count = int(np.prod(nest.shape))
    return SearchResult(True, _mapping(arch, nest, index, inp, count), chosen,
                        _pick(flows.latch_weight_values, nest.shape, index), cycles, count)
