"""Public entry points: storage of weights (a layer or a matrix) and of activations.

Exact when a mask is given, expected (i.i.d. density) otherwise. Weight sharing stores each
value as a ``stored_bits`` codebook index and adds the codebook, ``codebook_entries x
arithmetic_bits``, once per layer (default arithmetic width 16 bits: EIE's 16-bit fixed point,
Han et al. 2016, ``eie2016_architecture.arith_bits_fixed_point`` in the reference file).
N:M structured sparsity replaces the format when the weights satisfy it (exact: the mask
passes :func:`satisfies_n_m`, a layer's mask in its (R, S, C) group order, see
:mod:`hwsim.formats.structured`; expected: density <= n/m); otherwise the spec's format is used
(the hardware runs that tensor unstructured or dense) and ``StorageCost.structured`` is None.

Worked example: LeNet-300-100 fc1 (300 x 784) at 8 % density in EIE's format (4-bit
codebook index, 4-bit relative CSC index, 16-bit pointers, P = 64, 16-entry codebook):
see ``tests/formats/test_api.py::test_lenet_fc1_eie``.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from hwsim.arch.model import FormatSpec, StructuredSparsity, WeightSharing
from hwsim.errors import ConfigError, Problem
from hwsim.formats import builtin  # noqa: F401  (registers the built-in formats)
from hwsim.formats.partition import (csc_entries_per_pe_column,
                                     expected_csc_entries_per_pe_column, interleave_rows,
                                     rows_per_pe)
from hwsim.formats.record import StorageCost
from hwsim.formats.registry import Layout, PeCounts, storage_format
from hwsim.formats.structured import fits_expected, layer_n_m, n_m_counts, satisfies_n_m
from hwsim.types import SparseFormat
from hwsim.workload.layer import LayerWorkload

DEFAULT_ARITHMETIC_BITS = 16  # EIE 16-bit fixed point (Han et al. 2016; reference file)


def _int_problem(path: str, value, minimum: int) -> Problem | None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        return Problem(path, f"must be an integer >= {minimum}", value)
    return None


def _validate(spec: FormatSpec, partitions: int, sharing: WeightSharing | None,
              arithmetic_bits: int) -> None:
    checks = [("format.value_bits", spec.value_bits, 1), ("format.index_bits", spec.index_bits, 0),
              ("format.pointer_bits", spec.pointer_bits, 0), ("format.run_bits", spec.run_bits, 0),
              ("row_partitions", partitions, 1), ("arithmetic_bits", arithmetic_bits, 1)]
    if sharing is not None:
        checks += [("weight_sharing.codebook_entries", sharing.codebook_entries, 1),
                   ("weight_sharing.stored_bits", sharing.stored_bits, 1)]
    problems = [p for p in (_int_problem(*c) for c in checks) if p is not None]
    if (sharing is not None and not problems
            and sharing.codebook_entries > 2 ** sharing.stored_bits):
        problems.append(Problem("weight_sharing.codebook_entries",
                                f"must be <= 2**stored_bits = {2 ** sharing.stored_bits}",
                                sharing.codebook_entries))
    if problems:
        raise ConfigError(problems)


def _source(source) -> tuple[np.ndarray | None, tuple[int, int], float]:
    """(mask or None, shape, density) from a mask or a ((rows, cols), density) pair."""
    if isinstance(source, np.ndarray):
        mask = np.asarray(source, dtype=bool)
        if mask.ndim != 2:
            raise ConfigError([Problem("mask", "must be 2-D (rows, cols)", mask.shape)])
        return mask, mask.shape, np.count_nonzero(mask) / mask.size if mask.size else 0.0
    shape, density = source
    rows, cols = (int(v) for v in shape)
    problems = [p for p in (_int_problem("shape[0]", rows, 1), _int_problem("shape[1]", cols, 1))
                if p is not None]
    if not 0.0 <= float(density) <= 1.0:
        problems.append(Problem("density", "must be in [0, 1]", density))
    if problems:
        raise ConfigError(problems)
    return None, (rows, cols), float(density)


def _pe_counts(source, spec: FormatSpec, partitions: int,
               structured: StructuredSparsity | None, value_bits: int,
               applies: bool | None = None):
    """(PeCounts, exact, structured applied) for a matrix source; ``applies``: whether N:M
    holds, when the caller checked it (a layer, in its group order), else checked here."""
    mask, (rows, cols), density = _source(source)
    n_p = rows_per_pe(rows, partitions)
    layout = Layout(spec, value_bits, partitions)
    if mask is not None:
        blocks = interleave_rows(mask, partitions)
        if applies is None:
            applies = structured is not None and satisfies_n_m(mask, structured.n, structured.m)
        if structured is not None and applies:
            nnz = np.count_nonzero(blocks, axis=(1, 2)).astype(np.int64)   # 10x sum's speed
            return n_m_counts(nnz, n_p, cols, structured), True, structured
        return storage_format(spec.format).exact(blocks, n_p, layout), True, None
    if structured is not None and fits_expected(cols, density, structured):
        return n_m_counts(n_p * cols * density, n_p, cols, structured), False, structured
    return storage_format(spec.format).expected(n_p, cols, density, layout), False, None


def _number(x, exact: bool):
    return int(x) if exact else float(x)


def _record(counts: PeCounts, index, spec, exact, value_bits, codebook_bits, structured):
    """StorageCost of PE ``index`` (an int) or of all PEs (index None: sums)."""
    pick = (lambda a: a.sum()) if index is None else (lambda a: a[index])
    return StorageCost(
        format=SparseFormat(spec.format), exact=exact,
        values=_number(pick(counts.values), exact),
        filler_zeros=_number(pick(counts.fillers), exact), value_bits=value_bits,
        index_bits_total=_number(pick(counts.index_bits), exact),
        pointer_bits_total=_number(pick(counts.pointer_bits), exact),
        bitmap_bits_total=_number(pick(counts.bitmap_bits), exact),
        codebook_bits=codebook_bits, structured=structured)


def _value_and_codebook_bits(spec, sharing, arithmetic_bits) -> tuple[int, int]:
    if sharing is None:
        return spec.value_bits, 0
    return sharing.stored_bits, sharing.codebook_entries * arithmetic_bits


def matrix_storage(source, spec: FormatSpec, *, row_partitions: int = 1,
                   sharing: WeightSharing | None = None,
                   structured: StructuredSparsity | None = None,
                   arithmetic_bits: int = DEFAULT_ARITHMETIC_BITS,
                   n_m_applies: bool | None = None) -> StorageCost:
    """Storage of a (rows, cols) matrix: ``source`` is a boolean mask (exact) or a
    ``((rows, cols), density)`` pair (expected). Rows are interleaved over ``row_partitions``
    PEs, each storing its rows as its own matrix (own pointers, own relative indices).

    Example: ``matrix_storage(((4, 4), 0.25), FormatSpec(SparseFormat.BITMAP, value_bits=8))``
    -> 4 values x 8 bits + 16 bitmap bits = 48 bits. ``n_m_applies``: the caller's N:M
    verdict for a mask (a layer checks its own group order), else the matrix's columns are
    the groups' order.
    """
    _validate(spec, row_partitions, sharing, arithmetic_bits)
    value_bits, codebook_bits = _value_and_codebook_bits(spec, sharing, arithmetic_bits)
    counts, exact, applied = _pe_counts(source, spec, row_partitions, structured, value_bits,
                                        n_m_applies)
    return _record(counts, None, spec, exact, value_bits, codebook_bits, applied)


def matrix_storage_per_pe(source, spec: FormatSpec, *, row_partitions: int = 1,
                          sharing: WeightSharing | None = None,
                          structured: StructuredSparsity | None = None,
                          arithmetic_bits: int = DEFAULT_ARITHMETIC_BITS,
                          n_m_applies: bool | None = None) -> tuple[StorageCost, ...]:
    """One :class:`StorageCost` per PE (same arguments as :func:`matrix_storage`); they sum to
    it, except the codebook, which each PE record leaves out (``codebook_bits = 0``)."""
    _validate(spec, row_partitions, sharing, arithmetic_bits)
    value_bits, _ = _value_and_codebook_bits(spec, sharing, arithmetic_bits)
    counts, exact, applied = _pe_counts(source, spec, row_partitions, structured, value_bits,
                                        n_m_applies)
    return tuple(_record(counts, p, spec, exact, value_bits, 0, applied)
                 for p in range(row_partitions))


def _layer_source(layer: LayerWorkload):
    mask = layer.matrix_mask()
    return mask if mask is not None else (layer.matrix_shape, layer.effective_weight_density)


def _layer_n_m(layer: LayerWorkload, structured: StructuredSparsity | None) -> bool | None:
    """The exact N:M verdict of a masked layer in its group order (None without a mask)."""
    if structured is None or layer.weight_mask is None:
        return None
    return layer_n_m(layer, structured).applies


def weight_storage(layer: LayerWorkload, spec: FormatSpec, *, row_partitions: int = 1,
                   sharing: WeightSharing | None = None,
                   structured: StructuredSparsity | None = None,
                   arithmetic_bits: int = DEFAULT_ARITHMETIC_BITS) -> StorageCost:
    """Storage of a layer's weights (matrix view K x C_g*R*S): exact from
    ``layer.matrix_mask()`` when present, else expected from ``layer.effective_weight_density``.

    Example: a dense 300 x 784 linear layer in FormatSpec() (dense, 16-bit) -> 235,200 values,
    3,763,200 bits = 470,400 bytes. Under N:M (2:4, 2 metadata bits, 16-bit values) a
    300 x 784 layer pruned 2:4 -> 117,600 values x 16 + 117,600 x 2 = 2,116,800 bits
    = 264,600 bytes (0.5625 of dense).
    """
    return matrix_storage(_layer_source(layer), spec, row_partitions=row_partitions,
                          sharing=sharing, structured=structured,
                          arithmetic_bits=arithmetic_bits,
                          n_m_applies=_layer_n_m(layer, structured))


def weight_storage_per_pe(layer: LayerWorkload, spec: FormatSpec, *, row_partitions: int = 1,
                          sharing: WeightSharing | None = None,
                          structured: StructuredSparsity | None = None,
                          arithmetic_bits: int = DEFAULT_ARITHMETIC_BITS
                          ) -> tuple[StorageCost, ...]:
    """Per-PE :func:`weight_storage` (codebook left out of each PE record)."""
    return matrix_storage_per_pe(_layer_source(layer), spec, row_partitions=row_partitions,
                                 sharing=sharing, structured=structured,
                                 arithmetic_bits=arithmetic_bits,
                                 n_m_applies=_layer_n_m(layer, structured))


def stored_entries_per_pe_column(layer: LayerWorkload, spec: FormatSpec,
                                 partitions: int) -> np.ndarray:
    """Stored CSC entries (non-zeros + fillers) per PE and input column, shape (P, cols):
    exact (int) from the mask, else expected (float). Absolute indices (or index width 0)
    need no fillers. This is EIE's work of PE p for input column j."""
    index_bits = spec.index_bits if spec.relative_index else 0
    mask = layer.matrix_mask()
    if mask is not None:
        return csc_entries_per_pe_column(mask, partitions, index_bits)
    return expected_csc_entries_per_pe_column(layer.matrix_shape, layer.effective_weight_density,
                                              partitions, index_bits)


def activation_storage(count: int, density: float, spec: FormatSpec, *,
                       data: np.ndarray | None = None,
                       shape: Sequence[int] | None = None) -> StorageCost:
    """Storage of ``count`` activations: expected from ``density``, or exact from ``data``
    (any array; its non-zeros count, ``count`` and ``density`` are then ignored).

    A vector (no ``shape``, or 1-D ``data``) is one sequence: a single column for csc / rle /
    others, a single row for csr. ``shape`` (rows, cols) or 2-D ``data`` gives a matrix.
    Example: 1000 activations at 30 % in RLE (5-bit run, 16-bit values, Eyeriss):
    Q = 0.7**32 = 1.1e-5, so E[fillers] = 0.0032 and 300.0032 entries x 21 bits = 6300.07 bits.
    """
    if data is not None:
        array = np.asarray(data)
        mask = array != 0
        matrix = mask if mask.ndim == 2 else _vector(mask.reshape(-1), spec)
        return matrix_storage(matrix, spec)
    problem = _int_problem("count", count, 1)
    if problem is not None:
        raise ConfigError([problem])
    if shape is not None:
        rows, cols = (int(v) for v in shape)
        if rows * cols != count:
            raise ConfigError([Problem("shape", f"must have {count} elements (count)",
                                       tuple(shape))])
    else:
        rows, cols = (1, count) if SparseFormat(spec.format) is SparseFormat.CSR else (count, 1)
    return matrix_storage(((rows, cols), density), spec)


def _vector(mask: np.ndarray, spec: FormatSpec) -> np.ndarray:
    return mask[None, :] if SparseFormat(spec.format) is SparseFormat.CSR else mask[:, None]
