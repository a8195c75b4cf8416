"""N:M structured sparsity: the one definition of a group, its check, and its storage.

**Groups.** A weight tensor is read as its (K, C_g*R*S) matrix view, one row per output channel,
with the reduction walked in (R, S, C) order: :func:`reduction_order`. A group is ``m``
consecutive columns of one row (the last, partial group of ``r < m`` columns too). This is the
implicit-GEMM order of NHWC convolutions that NVIDIA's sparse tensor cores and SCALE-Sim's sparse
mode use (SCALE-Sim's conv window index is ``(r * S + s) * C + c``), so a group runs along input
channels when C is a multiple of m. A linear layer's row is its input features. The pruning
method (:class:`pruning.methods.NMSparsity`), the export check (:mod:`pruning.nm`) and hwsim's
cost model all call :func:`reduction_matrix` / :func:`check_n_m`; there is no second definition.

**Check.** A group satisfies N:M when it holds at most ``n`` non-zeros (a partial group too: the
hardware pads it with zeros). :func:`check_n_m` counts the groups that break the pattern.

**Storage.** The compressed tensor stores exactly ``n`` value slots per group (NVIDIA's 2:4
format: Mishra et al. 2021, "Accelerating Sparse Deep Neural Networks", arXiv:2104.08378) plus
``metadata_bits`` per slot giving its position in the group (2 bits for 2:4). A group with fewer
than ``n`` non-zeros stores explicit zeros in the free slots (``filler_zeros``); for a mask
pruned to exactly N:M, slots == kept weights.

Worked example: one row of 8 columns, 2:4, mask ``[1,0,0,1, 0,0,1,0]``: 2 groups -> 4 slots,
3 kept, 1 filler; metadata 4 x 2 = 8 bits; at 16-bit values 4 x 16 + 8 = 72 bits = 9 bytes,
against 8 x 16 = 128 bits dense.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwsim.arch.model import StructuredSparsity
from hwsim.errors import ConfigError, Problem
from hwsim.formats.registry import PeCounts
from hwsim.workload.layer import LayerWorkload


def _check(n: int, m: int) -> None:
    problems = []
    if not isinstance(m, (int, np.integer)) or m < 1:
        problems.append(Problem("structured.m", "must be an integer >= 1", m))
    if not isinstance(n, (int, np.integer)) or n < 1 or (isinstance(m, int) and n > m):
        problems.append(Problem("structured.n", f"must be an integer in [1, m={m}]", n))
    if problems:
        raise ConfigError(problems)


def reduction_order(shape: tuple[int, ...]) -> np.ndarray:
    """Column permutation from the row-major (K, C*R*S) flattening to the (R, S, C) reduction
    order: ``weight.reshape(K, -1)[:, reduction_order(weight.shape)]`` is the grouped view.

    Example: shape (1, 2, 1, 2) (C = 2, S = 2): flat columns are (c0 s0, c0 s1, c1 s0, c1 s1)
    = 0, 1, 2, 3; in (S, C) order they are s0 c0, s0 c1, s1 c0, s1 c1 -> [0, 2, 1, 3].
    Tensors other than 4-D keep their order (a linear layer's row is its input features).
    """
    shape = tuple(int(d) for d in shape)
    cols = int(np.prod(shape[1:])) if len(shape) > 1 else (shape[0] if shape else 0)
    if len(shape) != 4:
        order = np.arange(cols)
    else:
        _, c, r, s = shape
        order = np.arange(cols).reshape(c, r, s).transpose(1, 2, 0).reshape(-1)
    order.setflags(write=False)
    return order


def reduction_matrix(mask: np.ndarray) -> np.ndarray:
    """The mask as (rows, reduction) in group order (:func:`reduction_order`); 1-D is one row.

    Example: a conv mask of shape (K, C, R, S) -> (K, R*S*C) with C running fastest.
    """
    mask = np.asarray(mask)
    if mask.ndim == 1:
        return mask[None, :]
    if mask.ndim != 4:   # already in group order: a view, no copy (a 7B layer is 45M weights)
        return mask.reshape(mask.shape[0], -1)
    return mask.reshape(mask.shape[0], -1)[:, reduction_order(mask.shape)]


@dataclass(frozen=True)
class NMCheck:
    """Result of checking a mask against N:M: ``groups`` in all, ``violating`` of them hold more
    than ``n`` non-zeros; ``rows_violating`` rows hold at least one such group."""

    n: int
    m: int
    groups: int
    violating: int
    rows_violating: int = 0

    @property
    def ok(self) -> bool:
        """True when no group breaks the pattern."""
        return self.violating == 0

    @property
    def fraction(self) -> float:
        """``violating / groups`` (0 for an empty tensor)."""
        return self.violating / self.groups if self.groups else 0.0

    def describe(self) -> str:
        """Plain words, e.g. ``12 of 1,200 4-weight groups break the 2:4 pattern``."""
        verb = "breaks" if self.violating == 1 else "break"
        return (f"{self.violating:,} of {self.groups:,} {self.m}-weight groups {verb} the "
                f"{self.n}:{self.m} pattern")

    def to_dict(self) -> dict:
        return {"pattern": f"{self.n}:{self.m}", "groups": self.groups,
                "violating_groups": self.violating, "rows_violating": self.rows_violating}


def check_n_m(mask: np.ndarray, n: int, m: int) -> NMCheck:
    """Count the groups of ``mask`` (weight-shaped, or a matrix) with more than ``n`` non-zeros.

    Example: ``[[1,1,1,0, 1,0]]`` at 2:4 -> 2 groups (one partial), 1 violating, 1 row.
    """
    _check(n, m)
    if _packed_fields(mask, m):
        return _check_packed(mask, n, m)
    matrix = reduction_matrix(np.asarray(mask, dtype=bool))
    rows, cols = matrix.shape
    pad = (-cols) % m
    padded = np.pad(matrix, ((0, 0), (0, pad))) if pad else matrix
    counts = _group_counts(np.ascontiguousarray(padded).view(np.uint8).reshape(rows, -1, m))
    bad = counts > n
    return NMCheck(int(n), int(m), int(counts.size), int(bad.sum()), int(bad.any(axis=1).sum()))


def _packed_fields(mask, m: int) -> bool:
    """Whether ``mask`` is a lazy mask (:class:`hwsim.workload.masks.LazyMask`: ``packed()``)
    whose bytes hold whole groups: 2-D (a matrix's group order is its column order), rows a
    multiple of 8 bits, m dividing 8."""
    shape = getattr(mask, "shape", ())
    return (callable(getattr(mask, "packed", None)) and len(shape) == 2 and 8 % m == 0
            and shape[1] % 8 == 0)


def _check_packed(mask, n: int, m: int) -> NMCheck:
    """:func:`check_n_m` on the packed bits, without unpacking (8x less data): group g of a
    row is bit field g % (8 / m) (m bits, little-endian) of byte g // (8 / m), counted with a
    popcount. Example: 2:4, byte 0b0111_0011 holds groups of 2 and 3 ones -> 1 violating."""
    rows, cols = mask.shape
    data = np.asarray(mask.packed(), dtype=np.uint8).reshape(rows, cols // 8)
    violating, bad_rows = 0, np.zeros(rows, dtype=bool)
    for field in range(8 // m):
        bad = np.bitwise_count(data & np.uint8(((1 << m) - 1) << (field * m))) > n
        violating += int(np.count_nonzero(bad))
        bad_rows |= bad.any(axis=1)
    return NMCheck(int(n), int(m), rows * (cols // m), violating,
                   int(np.count_nonzero(bad_rows)))


def _group_counts(groups: np.ndarray) -> np.ndarray:
    """Non-zeros per group of a (rows, groups, m) 0/1 uint8 array: m strided adds, ~15x faster
    than ``sum(axis=2)`` on a 45M-weight mask. Example: ``[[[1, 0, 1, 1]]]`` -> ``[[3]]``."""
    m = groups.shape[2]
    counts = groups[..., 0].astype(np.uint8 if m < 256 else np.int64)
    for j in range(1, m):
        counts += groups[..., j]
    return counts


def satisfies_n_m(mask: np.ndarray, n: int, m: int) -> bool:
    """True when every group of ``mask`` holds <= ``n`` non-zeros (:func:`check_n_m`).

    Example: ``[[1,1,0,0, 0,1,0,1]]`` is 2:4 -> True; ``[[1,1,1,0]]`` is not -> False.
    """
    return check_n_m(mask, n, m).ok


def slots_per_row(cols: int, structured: StructuredSparsity) -> int:
    """Value slots one row needs: ``(cols // m) * n + min(n, cols % m)``; e.g. 10 cols 2:4 -> 6."""
    n, m = structured.n, structured.m
    return (cols // m) * n + min(n, cols % m)


def fits_expected(cols: int, density: float, structured: StructuredSparsity) -> bool:
    """Whether a density can be N:M (``density <= slots_per_row / cols``); e.g. 0.5 for 2:4."""
    return density <= slots_per_row(cols, structured) / cols + 1e-12


def n_m_counts(nnz: np.ndarray, rows: np.ndarray, cols: int,
               structured: StructuredSparsity) -> PeCounts:
    """Per-PE counts: ``rows * slots_per_row`` slots, ``slots - nnz`` fillers, metadata bits
    (``slots * metadata_bits``, kept in ``index_bits``).

    Example (2:4, 2 bits): 3 rows of 8 columns with 11 kept -> 12 slots, 1 filler, 24 bits.
    """
    _check(structured.n, structured.m)
    if structured.metadata_bits < 0:
        raise ConfigError([Problem("structured.metadata_bits", "must be >= 0",
                                   structured.metadata_bits)])
    slots = rows * slots_per_row(cols, structured)
    return PeCounts.build(slots, slots - nnz, slots * structured.metadata_bits)


# ---- a layer on an N:M datapath -----------------------------------------------------------

@dataclass(frozen=True)
class NMUse:
    """Whether a layer runs N:M compressed on an arch with ``structured`` support: exact from
    its mask (``check`` set) or from its density when it has none (``check`` None)."""

    applies: bool
    check: NMCheck | None = None

    def note(self, layer: LayerWorkload, structured: StructuredSparsity) -> str | None:
        """A plain-language remark when the layer runs dense, else None; e.g. ``runs dense:
        12 of 1,200 4-weight groups break the 2:4 pattern``."""
        if self.applies:
            return None
        if self.check is not None:
            return f"runs dense: {self.check.describe()}"
        n, m = structured.n, structured.m
        return (f"runs dense: weight density {layer.effective_weight_density:.1%} is above "
                f"{n}:{m} ({n / m:.0%}) and the layer has no mask to check")


def layer_n_m(layer: LayerWorkload, structured: StructuredSparsity | None) -> NMUse:
    """:class:`NMUse` of ``layer``: the exact :func:`check_n_m` of its mask when it has one,
    else whether its weight density fits N:M (:func:`fits_expected`). Computed from the mask
    on every call (no memo keyed by the mask's identity: a mask edited in place is read again).

    Example: a 2:4 arch, a mask with one 3-in-4 group -> applies False (runs dense).
    """
    if structured is None:
        return NMUse(False)
    if layer.weight_mask is not None:
        check = check_n_m(layer.weight_mask, structured.n, structured.m)
        return NMUse(check.ok, check)
    return NMUse(fits_expected(layer.matrix_shape[1], layer.effective_weight_density,
                               structured))

