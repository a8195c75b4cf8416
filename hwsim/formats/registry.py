"""The extension point: one :class:`StorageFormat` subclass per :class:`SparseFormat`.

A format counts, per PE (rows interleaved, row ``i`` in PE ``i mod P``), the stored value
entries, filler zeros and metadata bits of a boolean matrix: exactly from the mask
(:meth:`StorageFormat.exact`) or in expectation from a density (:meth:`StorageFormat.expected`).
New formats register themselves with ``@register``; nothing else changes::

    @register
    class Dense(StorageFormat):
        format = SparseFormat.DENSE
        def exact(self, blocks, rows, layout): ...
        def expected(self, rows, cols, density, layout): ...
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from hwsim.arch.model import FormatSpec
from hwsim.errors import ConfigError, Problem
from hwsim.types import SparseFormat


@dataclass(frozen=True)
class Layout:
    """How a matrix is laid out: the format spec, bits per stored value, PEs (partitions)."""

    spec: FormatSpec
    value_bits: int
    partitions: int = 1


@dataclass(frozen=True)
class PeCounts:
    """Per-PE counts, each an array of length P (ints when exact, floats when expected).

    ``values`` includes ``fillers``; the ``*_bits`` arrays are totals in bits per PE.
    """

    values: np.ndarray
    fillers: np.ndarray
    index_bits: np.ndarray
    pointer_bits: np.ndarray
    bitmap_bits: np.ndarray

    @staticmethod
    def build(values, fillers=0, index_bits=0, pointer_bits=0, bitmap_bits=0) -> "PeCounts":
        """Broadcast scalars to the shape of ``values``; e.g. build([3, 2]) has 0 fillers."""
        values = np.asarray(values)
        def like(x):
            return np.broadcast_to(np.asarray(x), values.shape).copy()
        return PeCounts(values, like(fillers), like(index_bits), like(pointer_bits),
                        like(bitmap_bits))


class StorageFormat(ABC):
    """One storage format. ``blocks`` is the (P, max rows per PE, cols) boolean mask from
    :func:`hwsim.formats.partition.interleave_rows`; ``rows`` the real rows per PE (length P).
    """

    format: ClassVar[SparseFormat]

    @abstractmethod
    def exact(self, blocks: np.ndarray, rows: np.ndarray, layout: Layout) -> PeCounts:
        """Exact counts from the mask."""

    @abstractmethod
    def expected(self, rows: np.ndarray, cols: int, density: float,
                 layout: Layout) -> PeCounts:
        """Expected counts when every element is non-zero independently with ``density``."""


_FORMATS: dict[SparseFormat, StorageFormat] = {}


def register(cls: type[StorageFormat]) -> type[StorageFormat]:
    """Class decorator: make ``cls`` the implementation of ``cls.format``."""
    _FORMATS[SparseFormat(cls.format)] = cls()
    return cls


def storage_format(fmt: SparseFormat | str) -> StorageFormat:
    """The registered implementation of ``fmt``; ConfigError listing the known ones if none."""
    try:
        return _FORMATS[SparseFormat(fmt)]
    except (ValueError, KeyError):
        known = ", ".join(sorted(str(f) for f in _FORMATS))
        raise ConfigError([Problem("format", f"must be one of {known}", fmt)]) from None


def registered_formats() -> tuple[SparseFormat, ...]:
    """Formats with an implementation, in enum order."""
    return tuple(f for f in SparseFormat if f in _FORMATS)
