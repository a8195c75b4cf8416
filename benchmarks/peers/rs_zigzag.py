"""hwsim's row-stationary mapping of a conv layer as a ZigZag 3.9.1 mapping entry (pure, no zigzag).

hwsim prints a row-stationary layer's mapping as ``dram[...] > glb[...] > pe[...] >
spatial[R P C K]`` (:class:`hwsim.cost.records.LayerMapping`). ZigZag's mapping file takes a
spatial unrolling per array dimension and a complete temporal ordering, innermost loop first
(then it allocates the loops to its memories bottom-up itself). The translation:

* **Spatial.** ZigZag's ``eyeriss_like`` array is D1 = 14 columns x D2 = 12 rows, hwsim's
  12 rows x 14 columns. An Eyeriss PE set puts filter rows (R -> FY) and channel sets (r -> C)
  on the rows and output rows (e -> OY) and filter sets (t -> K) on the columns. A set cut into
  ``strips`` (hwsim's note ``/2 strips``) puts e / strips output rows on the columns and the
  strips on the rows. ZigZag 3.9.1 keeps one unrolling per layer dimension (OY on D1 and D2:
  its spatial-mapping conversion drops one), so the strips become filter sets on the rows
  (the same PEs and passes, filters instead of output rows shared): ``D1: OY ceil(e /
  strips), K t``; ``D2: FY R, C r, K strips``.
* **Padding.** ZigZag turns a spatial factor that does not divide its dimension into two
  mappings (a fractional and an integer one, 55 / 14 -> 13.75 and 13), and the second no
  longer matches the pinned ordering, so it searches instead. The layer's dimension is padded
  to a multiple of the spatial factor (what the row-stationary passes compute anyway: conv1
  55 -> 56 output rows, +1.8 % MACs), listed in ``padded``.
* **Temporal.** hwsim's levels from the innermost: pe, glb, dram, each in its printed order
  (outer > inner); a dimension group (``NPQ``, ``CRS``) is expanded innermost Q, P, N and S, R,
  C. Names: N -> B, K -> K, C -> C, P -> OY, Q -> OX, R -> FY, S -> FX, G -> G.
* **Exact products.** ZigZag pins the ordering only when, per dimension, the loop factors
  multiply to exactly ``ceil(size / spatial)`` (its ``LayerTemporalOrdering.is_complete``);
  otherwise it silently searches. hwsim tiles with ceilings (AlexNet conv1: Q 28 x 2 for
  55 columns). So each factor, innermost first, becomes the largest divisor of what is left
  that does not exceed it, and the outermost loop of a dimension takes the rest; every change
  is listed in ``adjusted``.

Worked example (AlexNet conv1 at batch 1, hwsim's ``dram[P4 Q2 K6] > glb[C3] > pe[K16 Q28
S11] > spatial[R11 P14]``): D1 = OY 14, D2 = FY 11; OY padded 55 -> 56; temporal OY 4, OX 55,
K 96, C 3, FX 11. Innermost first: FX 11, K 16, OX 28 -> 11 (the largest divisor of 55 <= 28),
C 3, OY 4, OX 2 -> 5 (the rest of 55 / 11), K 6: products FX 11, K 96, OX 55, C 3, OY 4.
"""
from __future__ import annotations

import math
import re

HWSIM_TO_ZIGZAG = {"N": "B", "K": "K", "C": "C", "P": "OY", "Q": "OX", "R": "FY", "S": "FX",
                   "G": "G"}
GROUP_INNER_FIRST = {"NPQ": ("Q", "P", "N"), "CRS": ("S", "R", "C")}
LINKS = {"O": "O", "W": "I2", "I": "I1"}


def strips_of(note: str) -> int:
    """The number of strips in hwsim's row-stationary note (``set 10x27/2 strips``), else 1."""
    found = re.search(r"/(\d+) strips", note)
    return int(found.group(1)) if found else 1


def spatial_unrolling(spatial: dict[str, int], strips: int) -> dict[str, dict[str, int]]:
    """ZigZag spatial mapping {D1: {dim: factor}, D2: {...}} from hwsim's spatial factors.

    >>> spatial_unrolling({"R": 5, "P": 27}, 2)
    {'D1': {'OY': 14}, 'D2': {'FY': 5, 'K': 2}}
    """
    d1 = {"OY": math.ceil(spatial.get("P", 1) / strips), "K": spatial.get("K", 1)}
    d2 = {"FY": spatial.get("R", 1), "C": spatial.get("C", 1), "K": strips}
    if d1["K"] > 1 and strips > 1:  # both on K: one unrolling per dimension, the product
        d1["K"], d2["K"] = d1["K"] * strips, 1
    return {name: {dim: f for dim, f in dims.items() if f > 1}
            for name, dims in (("D1", d1), ("D2", d2))}


def padded_sizes(sizes: dict[str, int], unrolled: dict[str, dict[str, int]]) -> dict[str, int]:
    """``sizes`` with every spatially unrolled dimension rounded up to a multiple of its
    unrolling (conv1: OY 55 unrolled 14 -> 56)."""
    out = dict(sizes)
    for dims in unrolled.values():
        for dim, f in dims.items():
            out[dim] = math.ceil(out[dim] / f) * f
    return out


def temporal_sizes(sizes: dict[str, int], unrolled: dict[str, dict[str, int]]) -> dict[str, int]:
    """What ZigZag must see temporally per dimension: ceil(size / spatial), one per array dim
    in turn (its ``LomaEngine.get_temporal_loops``); dimensions of 1 dropped."""
    left = dict(sizes)
    for dims in unrolled.values():
        for dim, f in dims.items():
            if dim in left:
                left[dim] = math.ceil(left[dim] / f)
                if left[dim] == 1:
                    del left[dim]
    return {d: s for d, s in left.items() if s > 1}


def hwsim_loops(levels) -> list[tuple[str, int]]:
    """hwsim's temporal loops as (ZigZag dim, factor), innermost first (pe, glb, dram)."""
    loops: list[tuple[str, int]] = []
    for level in reversed(levels):
        factors = dict(level.factors)
        for group in reversed(level.order):
            for dim in GROUP_INNER_FIRST.get(group, tuple(group)):
                if factors.get(dim, 1) > 1:
                    loops.append((HWSIM_TO_ZIGZAG[dim], int(factors[dim])))
    return loops


def exact_ordering(loops: list[tuple[str, int]], need: dict[str, int], insert_at: int = 0):
    """Loops whose factors multiply to exactly ``need`` per dim; returns (ordering, adjusted).

    A dimension hwsim never tiled temporally (the strips' second pass over output rows) is
    inserted after the first ``insert_at`` loops (the PE level's).
    """
    left = dict(need)
    last = {dim: i for i, (dim, _) in enumerate(loops)}
    ordering: list[list] = []
    adjusted: list[str] = []
    for i, (dim, f) in enumerate(loops):
        have = left.get(dim, 1)
        if last[dim] == i:
            g = have
        else:
            g = max(d for d in range(1, min(f, have) + 1) if have % d == 0)
        if g != f:
            adjusted.append(f"{dim} {f} -> {g}")
        left[dim] = have // g
        if g > 1:
            ordering.append([dim, g])
    at = sum(1 for dim, f in loops[:insert_at] if f > 1 and dim in need)
    for dim, rest in left.items():  # a dimension hwsim never tiled temporally
        if rest > 1:
            ordering.insert(min(at, len(ordering)), [dim, rest])
            adjusted.append(f"{dim} {rest} added above the PE loops")
    return ordering, adjusted


def zigzag_entry(name: str, sizes: dict[str, int], mapping, note: str) -> dict:
    """One ZigZag mapping-file entry for layer ``name`` (ZigZag ``loop_sizes`` by dim) pinning
    hwsim's row-stationary ``mapping`` (a LayerMapping) and its ``note``; ``adjusted`` lists
    the factors changed to make the products exact and ``padded`` the dimensions padded
    {dim: [size, padded]} (both for the report, not part of ZigZag's mapping input)."""
    unrolled = spatial_unrolling(dict(mapping.spatial), strips_of(note))
    padded = padded_sizes(sizes, unrolled)
    need = temporal_sizes(padded, unrolled)
    pe_loops = len(hwsim_loops(mapping.levels[-1:]))
    ordering, adjusted = exact_ordering(hwsim_loops(mapping.levels), need, pe_loops)
    return {"name": name,
            "spatial_mapping": {d: [f"{dim}, {f}" for dim, f in dims.items()]
                                for d, dims in unrolled.items() if dims},
            "temporal_ordering": ordering, "memory_operand_links": dict(LINKS),
            "adjusted": adjusted,
            "padded": {d: [sizes[d], padded[d]] for d in sizes if padded[d] != sizes[d]}}
