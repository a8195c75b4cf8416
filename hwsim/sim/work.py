"""The work the column broadcast moves: per-PE, per-column stored entries and which inputs are
non-zero (pure numpy; the simpy processes in :mod:`hwsim.sim.broadcast` consume it).

* With a weight mask the work is exact: row ``i`` of the (K, C_g R S) matrix view goes to
  PE ``i mod P`` (EIE), and PE ``p`` works through its stored CSC entries of column ``j``
  (non-zeros + relative-index fillers), :func:`hwsim.formats.csc_entries_per_pe_column`.
* Without a mask (han2015 densities only) a mask is synthesised, i.i.d. Bernoulli(d_w), with
  ``numpy.random.default_rng(seed)``, 256 rows at a time (the same seed gives the same mask),
  so the per-PE imbalance is real rather than averaged away.
* Non-zero inputs: ``round(d_a x cols)`` columns drawn without replacement from the same
  generator and broadcast in column order (EIE's leading-non-zero detector scans in order).
  When activation zeros are not skipped every column is broadcast.
* Passes: a PE accumulates its rows in its output register file; when the file holds fewer
  rows than the PE owns, the matrix is worked in passes of that many local rows, each pass a
  full sweep of the non-zero inputs (EIE: 64 destination registers per PE).

Worked example (P = 2, a 4 x 2 mask [[1,0],[1,1],[0,0],[1,1]], 16-bit indices, all inputs
non-zero): PE 0 owns rows 0, 2 -> entries [1, 0]; PE 1 owns rows 1, 3 -> [2, 2].
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwsim.formats.partition import interleave_rows, pe_columns
from hwsim.formats.runs import bits_for, column_stats

ROW_CHUNK = 256


@dataclass(frozen=True)
class PassWork:
    """One pass: ``entries``/``nonzeros`` (P, n_active) int over the broadcast columns and the
    spmat words each PE reads for them (``words``, P-vector)."""

    rows: tuple[int, int]
    entries: np.ndarray
    nonzeros: np.ndarray
    words: np.ndarray

    @property
    def fillers(self) -> int:
        return int(self.entries.sum() - self.nonzeros.sum())


@dataclass(frozen=True)
class BroadcastWork:
    """Everything the broadcast simulation needs for one input vector (one image)."""

    parts: int
    cols: int
    active: np.ndarray
    passes: tuple[PassWork, ...]
    mask_nnz: int
    synthesised: bool
    stored_entries_per_pe: np.ndarray

    @property
    def entries_total(self) -> int:
        return int(sum(int(p.entries.sum()) for p in self.passes))


def synthesise_mask(shape: tuple[int, int], density: float, rng: np.random.Generator
                    ) -> np.ndarray:
    """An i.i.d. Bernoulli(``density``) boolean mask, drawn 256 rows at a time.

    Example: ``synthesise_mask((2, 3), 1.0, rng)`` is all True; density 0 is all False.
    """
    rows, cols = shape
    mask = np.empty((rows, cols), dtype=bool)
    for start in range(0, rows, ROW_CHUNK):
        stop = min(rows, start + ROW_CHUNK)
        mask[start:stop] = rng.random((stop - start, cols), dtype=np.float32) < density
    return mask


def active_columns(cols: int, density: float, rng: np.random.Generator,
                   skip_zeros: bool) -> np.ndarray:
    """Sorted indices of the non-zero inputs: ``round(density x cols)`` of them (all when zeros
    are not skipped). Example: 10 columns at 0.3 -> 3 sorted distinct indices."""
    if not skip_zeros or density >= 1.0:
        return np.arange(cols, dtype=np.int64)
    count = int(round(density * cols))
    return np.sort(rng.choice(cols, size=count, replace=False)).astype(np.int64)


def pe_column_counts(mask: np.ndarray, parts: int, index_bits: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(stored entries, non-zeros), each (P, cols), of a (rows, cols) mask interleaved over
    ``parts`` PEs; ``index_bits`` 0 = absolute indices (no fillers)."""
    blocks = interleave_rows(mask, parts)
    local, cols = blocks.shape[1], blocks.shape[2]
    run_bits = index_bits if index_bits else bits_for(max(local, 1))
    nnz, fillers = column_stats(pe_columns(blocks), run_bits)
    nnz = nnz.reshape(parts, cols)
    return nnz + fillers.reshape(parts, cols), nnz


def spmat_words(entries_all: np.ndarray, active: np.ndarray, entries_per_word: int
                ) -> np.ndarray:
    """64-bit (or ``entries_per_word``-entry) words each PE reads for the active columns.

    A PE's entries are stored column after column; column ``j`` starts at entry ``o`` (the sum
    of earlier columns) and a non-empty column touches words ``o // W .. (o + e - 1) // W``.
    Example: entries [[3, 6]], W = 8, both active -> words 1 (0..2) + 2 (3..8 spans 0 and 1).
    """
    offsets = np.cumsum(entries_all, axis=1) - entries_all
    e = entries_all[:, active]
    o = offsets[:, active]
    words = np.where(e > 0, (o + e - 1) // entries_per_word - o // entries_per_word + 1, 0)
    return words.sum(axis=1)


@dataclass(frozen=True)
class PassMatrix:
    """One pass over all columns: matrix rows ``rows`` and its (P, cols) stored entries and
    non-zeros per PE and column."""

    rows: tuple[int, int]
    entries: np.ndarray
    nonzeros: np.ndarray


def pass_matrices(mask: np.ndarray, parts: int, index_bits: int, rows_per_pass: int,
                  skip_weight_zeros: bool) -> tuple[PassMatrix, ...]:
    """Split the (rows, cols) ``mask`` into passes of ``rows_per_pass`` local rows per PE
    (rows ``[k R P, (k+1) R P)`` of the matrix form pass ``k``); each pass is stored as its own
    CSC (fillers restart per pass). Dense storage (zeros not skipped) stores every weight."""
    rows, _ = mask.shape
    if not skip_weight_zeros:
        mask = np.ones_like(mask)
    local = -(-rows // parts)
    out = []
    for first in range(0, local, rows_per_pass):
        lo, hi = first * parts, min(rows, (first + rows_per_pass) * parts)
        entries, nnz = pe_column_counts(mask[lo:hi], parts, index_bits)
        out.append(PassMatrix((lo, hi), entries, nnz))
    return tuple(out)


def broadcast_work(passes: tuple[PassMatrix, ...], active: np.ndarray, entries_per_word: int,
                   mask_nnz: int, synthesised: bool) -> BroadcastWork:
    """The work of one input vector whose non-zero inputs are ``active``: each pass's entries
    on those columns and the spmat words read for them."""
    parts, cols = passes[0].entries.shape
    works = tuple(PassWork(pm.rows, pm.entries[:, active].astype(np.int64),
                           pm.nonzeros[:, active].astype(np.int64),
                           spmat_words(pm.entries, active, entries_per_word))
                  for pm in passes)
    stored = np.sum([pm.entries.sum(axis=1) for pm in passes], axis=0)
    return BroadcastWork(parts, cols, active, works, mask_nnz, synthesised, stored)
