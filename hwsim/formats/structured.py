"""N:M structured sparsity along the reduction dimension (columns of the matrix view).

Each row is cut into groups of ``m`` consecutive columns (a last partial group of ``r < m``
columns holds at most ``min(n, r)``). The compressed tensor stores exactly ``n`` value slots per
group (NVIDIA's 2:4 sparse tensor-core format: Mishra et al. 2021, "Accelerating Sparse Deep
Neural Networks", arXiv:2104.08378) plus ``metadata_bits`` per slot giving its position in the
group (2 bits for 2:4). A group with fewer than ``n`` non-zeros stores explicit zeros in the
free slots (``filler_zeros``); for a mask pruned to exactly N:M, slots == kept weights.

Worked example: one row of 8 columns, 2:4, mask ``[1,0,0,1, 0,0,1,0]``: 2 groups -> 4 slots,
3 kept, 1 filler; metadata 4 x 2 = 8 bits; at 16-bit values 4 x 16 + 8 = 72 bits.
"""
from __future__ import annotations

import numpy as np

from hwsim.arch.model import StructuredSparsity
from hwsim.errors import ConfigError, Problem
from hwsim.formats.registry import PeCounts


def _as_matrix(mask: np.ndarray) -> np.ndarray:
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim == 1:
        return mask[None, :]
    return mask.reshape(mask.shape[0], -1)


def _check(n: int, m: int) -> None:
    problems = []
    if not isinstance(m, (int, np.integer)) or m < 1:
        problems.append(Problem("structured.m", "must be an integer >= 1", m))
    if not isinstance(n, (int, np.integer)) or n < 1 or (isinstance(m, int) and n > m):
        problems.append(Problem("structured.n", f"must be an integer in [1, m={m}]", n))
    if problems:
        raise ConfigError(problems)


def satisfies_n_m(mask: np.ndarray, n: int, m: int) -> bool:
    """True when every group of ``m`` consecutive reduction-dim elements has <= ``n`` non-zeros.

    ``mask``: the matrix view (rows, reduction); N-D masks are flattened to (shape[0], -1)
    (conv weights (K, C, R, S) -> groups run along S, then R, then C), 1-D is one row.
    Example: ``[[1,1,0,0, 0,1,0,1]]`` is 2:4 -> True; ``[[1,1,1,0]]`` is not -> False.
    """
    _check(n, m)
    matrix = _as_matrix(mask)
    rows, cols = matrix.shape
    full = cols - cols % m
    counts = matrix[:, :full].reshape(rows, -1, m).sum(axis=2)
    tail = matrix[:, full:].sum(axis=1)
    return bool((counts <= n).all() and (tail <= n).all())


def slots_per_row(cols: int, structured: StructuredSparsity) -> int:
    """Value slots one row needs: ``(cols // m) * n + min(n, cols % m)``; e.g. 10 cols 2:4 -> 6."""
    n, m = structured.n, structured.m
    return (cols // m) * n + min(n, cols % m)


def fits_expected(cols: int, density: float, structured: StructuredSparsity) -> bool:
    """Whether a density can be N:M (``density <= slots_per_row / cols``); e.g. 0.5 for 2:4."""
    return density <= slots_per_row(cols, structured) / cols + 1e-12


def n_m_counts(nnz: np.ndarray, rows: np.ndarray, cols: int,
               structured: StructuredSparsity) -> PeCounts:
    """Per-PE counts: ``rows * slots_per_row`` slots, ``slots - nnz`` fillers, metadata bits."""
    _check(structured.n, structured.m)
    if structured.metadata_bits < 0:
        raise ConfigError([Problem("structured.metadata_bits", "must be >= 0",
                                   structured.metadata_bits)])
    slots = rows * slots_per_row(cols, structured)
    return PeCounts.build(slots, slots - nnz, slots * structured.metadata_bits)
