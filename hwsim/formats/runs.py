"""Zero runs and filler entries: relative indices (EIE) and run lengths (Eyeriss RLC).

Convention (EIE, Han et al. 2016, Sec. III / Fig. 2; Eyeriss RLC, Chen et al. JSSC 2017,
Sec. IV-B / Fig. 8 -- the same rule): every stored entry carries the number ``z`` of zeros
between it and the previous stored entry of its sequence, in ``b`` bits, so ``z <= 2**b - 1``.
A gap of ``g`` zeros before a non-zero that does not fit is bridged by *filler* entries: a
stored zero with ``z = 2**b - 1`` that occupies the next zero position itself. Writing
``L = 2**b``, a gap of ``g`` zeros therefore costs ``floor(g / L)`` fillers and the non-zero
is stored with ``z = g mod L``. EIE's own example, 4-bit indices (L = 16): the column
``[0,0,1,2, eighteen zeros, 3]`` stores values ``[1,2,0,3]`` with indices ``[2,0,15,2]``
(gap 18 = 16 + 2: one filler). Eyeriss: a 5-bit run (L = 32), "the next value is inserted
directly as a 16-b level", which is a zero level when the run exceeds 31.
Trailing zeros (after the last non-zero of a sequence) are never stored: the sequence end is
known from the CSC/CSR pointer array or the tensor shape.

Expected fillers for a sequence of ``n`` i.i.d. Bernoulli(``d``) elements, ``q = 1 - d``,
``Q = q**L``: the non-zero at position ``i`` (probability ``d``) follows a gap ``G`` with
``P(G >= r) = q**r`` for ``r <= i`` (and ``G <= i``), so
``E[floor(G/L)] = sum_{k=1..floor(i/L)} P(G >= kL) = sum_{k=1..floor(i/L)} Q**k
= Q (1 - Q**floor(i/L)) / (1 - Q)``. Summing over ``i = 0..n-1`` with ``n = T*L + s``
(``sum_i Q**floor(i/L) = L (1 - Q**T) / (1 - Q) + s Q**T``)::

    E[fillers] = d Q / (1 - Q) * (n - L (1 - Q**T) / (1 - Q) - s Q**T)

Long sequences tend to ``Q / (1 - Q)`` fillers per non-zero; e.g. d = 0.1, b = 4:
Q = 0.9**16 = 0.1853, 0.227 fillers per non-zero. Trailing zeros cost nothing, which is why
only non-zeros appear in the sum.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from hwsim.errors import ConfigError, Problem


def bits_for(count: int) -> int:
    """Bits to tell ``count`` things apart, at least 1: ``max(1, ceil(log2(count)))``.

    Examples: 1 -> 1, 2 -> 1, 16 -> 4, 17 -> 5, 4096 -> 12.
    """
    return max(1, (int(count) - 1).bit_length())


def expected_fillers(length, density: float, run_bits: int):
    """Expected filler entries in a sequence of ``length`` i.i.d. elements (closed form above).

    ``length`` may be an int or a numpy array (elementwise). Example: length 3, d = 0.5,
    b = 1 (L = 2): Q = 0.25, T = 1, s = 1 -> 0.5 * 0.25/0.75 * (3 - 2 * 0.75/0.75 - 0.25)
    = 0.125, which is P([0, 0, 1]) = 1/8 times its one filler.
    """
    n = np.asarray(length, dtype=np.float64)
    if density <= 0.0 or density >= 1.0:
        return np.zeros_like(n) if n.ndim else 0.0
    big_l = 2.0 ** min(int(run_bits), 1000)
    log_q = big_l * np.log1p(-density)
    q_big = np.exp(log_q)
    one_minus = -np.expm1(log_q)
    if one_minus <= 0.0 or q_big == 0.0:
        return np.zeros_like(n) if n.ndim else 0.0
    t = np.floor(n / big_l)
    s = n - t * big_l
    q_t = np.power(q_big, t)
    result = density * q_big / one_minus * (n - big_l * (1.0 - q_t) / one_minus - s * q_t)
    result = np.maximum(result, 0.0)
    return result if result.ndim else float(result)


def sequence_stats(sequences: np.ndarray, run_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Non-zeros and filler entries of every row of a 2-D boolean array (each row a sequence).

    Vectorised: one ``flatnonzero`` pass, gaps from consecutive positions. Example, run_bits 2
    (L = 4), rows ``[0,0,0,0,0,1]`` and ``[1,0,0,0,0,0]``: gaps 5 and 0 -> fillers
    floor(5/4) = 1 and 0 (trailing zeros are free) -> ``([1, 1], [1, 0])``.
    """
    seqs = np.ascontiguousarray(sequences, dtype=bool)
    groups, length = seqs.shape
    flat = np.flatnonzero(seqs)
    if flat.size == 0 or length == 0:
        zeros = np.zeros(groups, dtype=np.int64)
        return zeros, zeros.copy()
    group = flat // length
    gaps = np.diff(flat, prepend=-1) - 1
    starts = np.empty(flat.size, dtype=bool)
    starts[0] = True
    np.not_equal(group[1:], group[:-1], out=starts[1:])
    gaps[starts] = flat[starts] - group[starts] * length
    fillers = gaps >> min(int(run_bits), 62)
    nnz = np.bincount(group, minlength=groups).astype(np.int64)
    filler_count = np.bincount(group, weights=fillers, minlength=groups)
    return nnz, np.rint(filler_count).astype(np.int64)


def column_stats(sequences: np.ndarray, run_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`sequence_stats` of every COLUMN of a 2-D boolean array (each column a sequence).

    Wide arrays (>= 1024 columns) are scanned row by row, carrying the last non-zero row of
    every column, which avoids a transposed copy (AlexNet fc6 over 64 PEs: ~0.2 s); narrow
    ones are transposed. Example, run_bits 2: the single column ``[0,0,0,0,0,1]`` -> ([1], [1]).
    """
    seqs = np.asarray(sequences, dtype=bool)
    length, groups = seqs.shape
    if groups < 1024:
        return sequence_stats(seqs.T, run_bits)
    shift = min(int(run_bits), 31)
    last = np.full(groups, -1, dtype=np.int32)
    fillers = np.zeros(groups, dtype=np.int64)
    gap = np.empty(groups, dtype=np.int32)
    for row_index in range(length):
        row = seqs[row_index]
        np.subtract(row_index - 1, last, out=gap)
        gap >>= shift
        gap *= row
        fillers += gap
        np.copyto(last, row_index, where=row)
    return seqs.sum(axis=0, dtype=np.int64), fillers


def _check_index_bits(index_bits: int) -> None:
    if not isinstance(index_bits, (int, np.integer)) or index_bits < 1:
        raise ConfigError([Problem("index_bits", "must be an integer >= 1", index_bits)])


def encode_csc_column(column: Sequence[float], index_bits: int
                      ) -> tuple[list[float], list[int]]:
    """EIE encoding of one column: (values incl. filler zeros, relative indices).

    Example (EIE paper, 4-bit indices): ``[0,0,1,2] + [0]*18 + [3]`` ->
    ``([1, 2, 0, 3], [2, 0, 15, 2])``.
    """
    _check_index_bits(index_bits)
    limit = 2 ** int(index_bits)
    values: list[float] = []
    indices: list[int] = []
    gap = 0
    for value in column:
        if value == 0:
            gap += 1
            continue
        while gap >= limit:
            values.append(0)
            indices.append(limit - 1)
            gap -= limit
        values.append(value)
        indices.append(gap)
        gap = 0
    return values, indices


def decode_csc_column(values: Sequence[float], relative_indices: Sequence[int],
                      length: int | None = None) -> list[float]:
    """Inverse of :func:`encode_csc_column`; ``length`` restores the trailing zeros.

    Example: ``([1, 2, 0, 3], [2, 0, 15, 2], 23)`` -> ``[0,0,1,2] + [0]*18 + [3]``.
    """
    if len(values) != len(relative_indices):
        raise ConfigError([Problem("relative_indices", f"must have {len(values)} entries "
                                   "(one per value)", len(relative_indices))])
    column: list[float] = []
    for value, gap in zip(values, relative_indices):
        column.extend([0] * int(gap))
        column.append(value)
    if length is not None:
        if length < len(column):
            raise ConfigError([Problem("length", f"must be >= {len(column)} (decoded entries)",
                                       length)])
        column.extend([0] * (length - len(column)))
    return column
