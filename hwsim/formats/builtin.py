"""The six built-in formats. Notation: a PE holds ``n_p`` rows and ``c`` columns, ``nnz_p``
non-zeros; ``v`` value bits, ``b`` index bits, ``w`` pointer bits (``FormatSpec`` fields).

Width 0 in a spec means "just wide enough": index ``bits_for(rows or cols addressed)``,
pointer ``bits_for(max entries per PE + 1)``, run ``bits_for(stream length)`` (then no filler
is ever needed).

* dense:  ``n_p c`` values.
* bitmap: ``nnz_p`` values + ``n_p c`` bitmap bits.
* csc:    (non-zeros + fillers) values and b-bit row indices + ``(c + 1) w`` pointer bits per
  PE (EIE). Relative indices: fillers per sub-column (see ``runs``); absolute: none.
* csr:    as csc along rows: column indices, ``(n_p + 1) w`` pointer bits per PE.
* rle:    each PE's rows flattened row-major into one stream; every stored entry carries its
  zero run in ``run_bits`` (Eyeriss RLC: 5-bit run + 16-bit level). Fillers as in ``runs``.
  Eyeriss packs 3 pairs and a last-word flag into 64 bits; the flag (1 bit per 3 pairs, +1.6 %
  at 21-bit pairs) and word padding are not counted.
* coo:    ``nnz_p`` values + a full coordinate each: ``bits_for(n_p) + bits_for(c)``, or
  ``2 b`` when ``index_bits`` is given.

Worked example (csc, 4-bit relative, v = 8, w = 16, P = 1): the 23 x 1 column
``[0,0,1,2] + [0]*18 + [3]`` -> 4 values (1 filler) x (8 + 4) bits + 2 pointers x 16 = 80 bits.
"""
from __future__ import annotations

import math

import numpy as np

from hwsim.errors import ConfigError, Problem
from hwsim.formats.registry import Layout, PeCounts, StorageFormat, register
from hwsim.formats.partition import pe_columns, pe_rows
from hwsim.formats.runs import bits_for, column_stats, expected_fillers, sequence_stats
from hwsim.types import SparseFormat

NO_FILLERS = 62  # a run width no int64 gap can exceed


def _pointer_bits(layout: Layout, entries: np.ndarray) -> int:
    """Pointer width: the spec's, else enough for the largest per-PE pointer (its entries)."""
    if layout.spec.pointer_bits:
        return layout.spec.pointer_bits
    largest = math.ceil(float(np.max(entries))) if entries.size else 0
    return bits_for(largest + 1)


def _index_bits(layout: Layout, addressed: int, where: str) -> tuple[int, int]:
    """(index width, run width for fillers) of a CSC/CSR index addressing ``addressed`` slots."""
    spec = layout.spec
    width = spec.index_bits or bits_for(max(addressed, 1))
    if spec.relative_index:
        return width, width
    if spec.index_bits and 2 ** spec.index_bits < addressed:
        raise ConfigError([Problem("format.index_bits", f"must be >= {bits_for(addressed)} "
                                   f"for absolute indices over {addressed} {where}",
                                   spec.index_bits)])
    return width, NO_FILLERS


def _compressed(nnz, fillers, index_width: int, pointers, layout: Layout) -> PeCounts:
    entries = nnz + fillers
    width = _pointer_bits(layout, entries)
    return PeCounts.build(entries, fillers, entries * index_width, pointers * width)


@register
class Dense(StorageFormat):
    format = SparseFormat.DENSE

    def exact(self, blocks, rows, layout):
        return PeCounts.build(rows * blocks.shape[2])

    def expected(self, rows, cols, density, layout):
        return PeCounts.build((rows * cols).astype(np.float64))


@register
class Bitmap(StorageFormat):
    format = SparseFormat.BITMAP

    def exact(self, blocks, rows, layout):
        nnz = blocks.sum(axis=(1, 2), dtype=np.int64)
        return PeCounts.build(nnz, bitmap_bits=rows * blocks.shape[2])

    def expected(self, rows, cols, density, layout):
        return PeCounts.build(rows * cols * density, bitmap_bits=(rows * cols).astype(float))


@register
class Csc(StorageFormat):
    format = SparseFormat.CSC

    def exact(self, blocks, rows, layout):
        parts, local, cols = blocks.shape
        width, run = _index_bits(layout, local, "rows per PE")
        nnz, fillers = column_stats(pe_columns(blocks), run)
        nnz = nnz.reshape(parts, cols).sum(axis=1)
        fillers = fillers.reshape(parts, cols).sum(axis=1)
        return _compressed(nnz, fillers, width, (rows > 0) * (cols + 1), layout)

    def expected(self, rows, cols, density, layout):
        width, run = _index_bits(layout, int(rows.max(initial=0)), "rows per PE")
        fillers = cols * expected_fillers(rows, density, run)
        return _compressed(rows * cols * density, fillers, width, (rows > 0) * (cols + 1),
                           layout)


@register
class Csr(StorageFormat):
    format = SparseFormat.CSR

    def exact(self, blocks, rows, layout):
        parts, local, cols = blocks.shape
        width, run = _index_bits(layout, cols, "columns")
        nnz, fillers = sequence_stats(pe_rows(blocks), run)
        pe_of_row = np.arange(parts * local) % parts
        nnz = np.bincount(pe_of_row, weights=nnz, minlength=parts).astype(np.int64)
        fillers = np.bincount(pe_of_row, weights=fillers, minlength=parts).astype(np.int64)
        return _compressed(nnz, fillers, width, (rows > 0) * (rows + 1), layout)

    def expected(self, rows, cols, density, layout):
        width, run = _index_bits(layout, cols, "columns")
        fillers = rows * expected_fillers(cols, density, run)
        return _compressed(rows * cols * density, fillers, width, (rows > 0) * (rows + 1),
                           layout)


def _run_bits(layout: Layout, stream_length: int) -> int:
    return layout.spec.run_bits or bits_for(max(stream_length, 1))


@register
class Rle(StorageFormat):
    format = SparseFormat.RLE

    def exact(self, blocks, rows, layout):
        parts, local, cols = blocks.shape
        run = _run_bits(layout, local * cols)
        nnz, fillers = sequence_stats(blocks.reshape(parts, local * cols), run)
        entries = nnz + fillers
        return PeCounts.build(entries, fillers, entries * run)

    def expected(self, rows, cols, density, layout):
        run = _run_bits(layout, int(rows.max(initial=0)) * cols)
        fillers = expected_fillers(rows * cols, density, run)
        entries = rows * cols * density + fillers
        return PeCounts.build(entries, fillers, entries * run)


def _coordinate_bits(layout: Layout, local: int, cols: int) -> int:
    if layout.spec.index_bits:
        return 2 * layout.spec.index_bits
    return bits_for(max(local, 1)) + bits_for(max(cols, 1))


@register
class Coo(StorageFormat):
    format = SparseFormat.COO

    def exact(self, blocks, rows, layout):
        parts, local, cols = blocks.shape
        nnz = blocks.sum(axis=(1, 2), dtype=np.int64)
        return PeCounts.build(nnz, index_bits=nnz * _coordinate_bits(layout, local, cols))

    def expected(self, rows, cols, density, layout):
        nnz = rows * cols * density
        width = _coordinate_bits(layout, int(rows.max(initial=0)), cols)
        return PeCounts.build(nnz, index_bits=nnz * width)
