"""Rows interleaved over processing elements (EIE): row ``i`` lives in PE ``i mod P``.

Each PE stores its own rows as an independent matrix: for CSC its sub-columns have their own
relative indices (counted in that PE's local row numbers) and their own pointer array of
``cols + 1`` entries (EIE, Han et al. 2016, Sec. III-B, Fig. 3). The work of PE ``p`` for
input column ``j`` is its stored entries (non-zeros + fillers) of column ``j``, which
:func:`csc_entries_per_pe_column` counts exactly and
:func:`expected_csc_entries_per_pe_column` estimates from a density.

Worked example: 5 rows over P = 2 PEs -> PE 0 holds rows 0, 2, 4 (local 0, 1, 2) and PE 1
holds rows 1, 3 (local 0, 1); :func:`rows_per_pe` gives ``[3, 2]``.
"""
from __future__ import annotations

import numpy as np

from hwsim.errors import ConfigError, Problem
from hwsim.formats.runs import bits_for, column_stats, expected_fillers


def rows_per_pe(rows: int, partitions: int) -> np.ndarray:
    """Rows each PE holds: ``rows // P + (p < rows % P)``; e.g. (5, 2) -> [3, 2]."""
    base, extra = divmod(int(rows), int(partitions))
    return base + (np.arange(partitions) < extra).astype(np.int64)


def interleave_rows(mask: np.ndarray, partitions: int) -> np.ndarray:
    """(P, ceil(rows/P), cols) view: block ``p`` is PE p's rows in local order, zero-padded.

    The padding rows come last in a PE's block, so they only add trailing zeros (never
    stored). Example: rows r0..r4, P = 2 -> block 0 = [r0, r2, r4], block 1 = [r1, r3, 0].
    """
    mask = np.asarray(mask, dtype=bool)
    rows, cols = mask.shape
    local = -(-rows // partitions) if rows else 0
    if local * partitions != rows:
        padded = np.zeros((local * partitions, cols), dtype=bool)
        padded[:rows] = mask
        mask = padded
    return mask.reshape(local, partitions, cols).transpose(1, 0, 2)


def _check(partitions: int, index_bits: int) -> None:
    problems = []
    if not isinstance(partitions, (int, np.integer)) or partitions < 1:
        problems.append(Problem("partitions", "must be an integer >= 1", partitions))
    if not isinstance(index_bits, (int, np.integer)) or index_bits < 0:
        problems.append(Problem("index_bits", "must be an integer >= 0 (0: wide enough for "
                                "any gap)", index_bits))
    if problems:
        raise ConfigError(problems)


def csc_entries_per_pe_column(matrix_mask: np.ndarray, partitions: int,
                              index_bits: int) -> np.ndarray:
    """Stored CSC entries (non-zeros + fillers) per PE and column: int64 array (P, cols).

    ``index_bits`` is the relative index width; 0 means wide enough that no filler is ever
    needed (absolute indices). Example: the 1-column mask ``[0,0,1,1] + [0]*18 + [1]`` with
    4-bit indices, P = 1 -> [[4]] (3 non-zeros + 1 filler); with P = 2, PE 0 holds rows
    0, 2, .., 22 (non-zeros at local 1 and 11) and PE 1 holds row 3 -> [[2], [1]].
    AlexNet fc6 (4096 x 9216, 9 % dense, P = 64) takes about 0.2 s.
    """
    _check(partitions, index_bits)
    mask = np.asarray(matrix_mask, dtype=bool)
    if mask.ndim != 2:
        raise ConfigError([Problem("matrix_mask", "must be 2-D (rows, cols)", mask.shape)])
    rows, cols = mask.shape
    blocks = interleave_rows(mask, partitions)
    local = blocks.shape[1]
    run_bits = index_bits if index_bits else bits_for(max(local, 1))
    nnz, fillers = column_stats(pe_columns(blocks), run_bits)
    return (nnz + fillers).reshape(partitions, cols)


def pe_columns(blocks: np.ndarray) -> np.ndarray:
    """(max rows per PE, P * cols) view of :func:`interleave_rows` blocks: column
    ``p * cols + j`` is PE p's sub-column j (no copy when ``blocks`` came from interleave_rows).
    """
    parts, local, cols = blocks.shape
    return blocks.transpose(1, 0, 2).reshape(local, parts * cols)


def expected_csc_entries_per_pe_column(shape: tuple[int, int], density: float, partitions: int,
                                       index_bits: int) -> np.ndarray:
    """Expected :func:`csc_entries_per_pe_column` under i.i.d. density: float array (P, cols).

    Entry (p, j) = n_p * d + E[fillers](n_p, d, index_bits), the same for every column, with
    n_p = :func:`rows_per_pe`. Example: 4096 rows, P = 64, d = 0.09, 4-bit indices ->
    n_p = 64, 5.76 non-zeros + E[fillers] ~= 1.11 (see ``runs.expected_fillers``).
    """
    _check(partitions, index_bits)
    rows, cols = (int(v) for v in shape)
    if not 0.0 <= density <= 1.0:
        raise ConfigError([Problem("density", "must be in [0, 1]", density)])
    n_p = rows_per_pe(rows, partitions)
    local = -(-rows // partitions) if rows else 0
    run_bits = index_bits if index_bits else bits_for(max(local, 1))
    per_pe = n_p * density + expected_fillers(n_p, density, run_bits)
    return np.repeat(per_pe[:, None].astype(np.float64), cols, axis=1)


def pe_rows(blocks: np.ndarray) -> np.ndarray:
    """(P * max rows per PE, cols) view of :func:`interleave_rows` blocks in the original row
    order (padded): row ``i`` belongs to PE ``i mod P``. No copy for interleave_rows blocks."""
    parts, local, cols = blocks.shape
    return blocks.transpose(1, 0, 2).reshape(local * parts, cols)
