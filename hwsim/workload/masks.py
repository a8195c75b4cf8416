"""Torch-free boolean weight masks for workload files: packed bits, inline or read on demand.

**Packing.** A mask is the row-major (C-order) flattened mask packed with
``numpy.packbits(..., bitorder="little")`` (element ``8*i + j`` is bit j, counted from the
least significant bit, of byte i; pad bits are 0). A small mask is written inline as
``{"shape": [...], "packbits_base64": "..."}``; a large one goes into a binary sidecar
(:mod:`hwsim.workload.sidecar`) with the same packed bytes.

Worked example: ``[[1, 0, 1], [1, 0, 0]]`` -> bits 1 0 1 1 0 0 -> byte 1 + 4 + 8 = 13 = 0x0d
-> base64 ``"DQ=="``.

**Lazy masks.** A :class:`LazyMask` stands in a :class:`~hwsim.workload.LayerWorkload` for a
mask that is read (or generated) only when a computation needs it, and is not kept afterwards:
a Llama-2-7B-shaped model holds 6.5 G weights, 6.5 GB as numpy bools, so the layers of a loaded
file keep only where their mask is. It answers the read-only numpy calls the cost model makes
(``np.asarray``, ``reshape``, ``sum``, ``shape``); each call reads the mask afresh.
"""
from __future__ import annotations

import base64
import binascii
from abc import ABC, abstractmethod
from dataclasses import dataclass
from math import prod
from typing import Callable

import numpy as np

from hwsim.errors import Problem


def pack_mask(mask) -> np.ndarray:
    """The packed bytes (uint8, ``ceil(size / 8)``) of a boolean array or a :class:`LazyMask`.

    Example: ``pack_mask(np.array([[1, 0, 1], [1, 0, 0]], bool)).tolist() == [13]``.
    """
    if isinstance(mask, LazyMask):
        return mask.packed()
    array = np.asarray(mask).astype(bool, copy=False)
    return np.packbits(array.ravel(order="C"), bitorder="little")


def unpack_mask(packed: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The read-only boolean mask of ``shape`` held in ``packed`` (inverse of :func:`pack_mask`).

    Example: ``unpack_mask(np.array([13], np.uint8), (2, 3)).astype(int).tolist()
    == [[1, 0, 1], [1, 0, 0]]``.
    """
    bits = np.unpackbits(np.asarray(packed, dtype=np.uint8), count=prod(shape),
                         bitorder="little")
    mask = bits.view(bool).reshape(shape)
    mask.setflags(write=False)
    return mask


def encode_mask(mask) -> dict:
    """``{"shape": [...], "packbits_base64": "..."}`` for a boolean (or 0/1) array."""
    shape = mask.shape if isinstance(mask, LazyMask) else np.shape(mask)
    return {"shape": [int(size) for size in shape],
            "packbits_base64": base64.b64encode(pack_mask(mask).tobytes()).decode("ascii")}


def decode_mask(shape: tuple[int, ...], packbits_base64: str, path: str = "weight_mask",
                file: str | None = None) -> tuple[np.ndarray | None, list[Problem]]:
    """The boolean mask of ``shape`` encoded in ``packbits_base64``, or (None, problems).

    The byte count is checked before the mask (8 x the bytes) is allocated.
    Example: ``decode_mask((2, 3), "DQ==")[0].astype(int).tolist() == [[1, 0, 1], [1, 0, 0]]``.
    """
    if any(size < 0 for size in shape):
        return None, [Problem(f"{path}.shape", "must hold sizes >= 0", list(shape), file)]
    count = prod(shape)
    expected = (count + 7) // 8
    try:
        raw = base64.b64decode(packbits_base64.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None, [Problem(f"{path}.packbits_base64", "must be valid base64",
                              _abbreviate(packbits_base64), file)]
    if len(raw) != expected:
        return None, [_length_problem(path, count, shape, f"{len(raw)} bytes", file)]
    return unpack_mask(np.frombuffer(raw, dtype=np.uint8), tuple(shape)), []


def _length_problem(path: str, count: int, shape, got: str, file: str | None) -> Problem:
    return Problem(f"{path}.packbits_base64", f"must decode to ceil({count} / 8) = "
                   f"{(count + 7) // 8} bytes for shape {list(shape)}", got, file)


def _abbreviate(text: str, keep: int = 24) -> str:
    return text if len(text) <= keep else text[:keep] + "..."


class LazyMask(ABC):
    """A read-only boolean mask of :attr:`shape` whose bits are fetched on each use.

    Subclasses implement :meth:`packed` (the bits, see the module docstring) and keep
    :attr:`shape`. Nothing is cached: two calls read twice, and the full mask exists only while
    the caller holds the array it got. Example::

        lazy = GeneratedMask((2, 3), lambda: np.array([[1, 0, 1], [1, 0, 0]], bool))
        lazy.sum() == 3; np.asarray(lazy).shape == (2, 3); lazy.sum(axis=1).tolist() == [2, 1]
    """

    shape: tuple[int, ...]
    dtype = np.dtype(bool)

    @abstractmethod
    def packed(self) -> np.ndarray:
        """The packed bits: uint8, ``ceil(size / 8)`` bytes, little-endian bit order."""

    def with_shape(self, shape: tuple[int, ...]) -> "LazyMask":
        """The same bits read as another shape of the same size (row-major)."""
        return ReshapedMask(tuple(int(s) for s in shape), self)

    @property
    def size(self) -> int:
        return prod(self.shape)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def load(self) -> np.ndarray:
        """The mask as a read-only numpy bool array (read now, not kept)."""
        return unpack_mask(self.packed(), self.shape)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        mask = self.load()
        return mask if dtype is None or np.dtype(dtype) == bool else mask.astype(dtype)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, index) -> np.ndarray:
        return self.load()[index]

    def reshape(self, *shape) -> np.ndarray:
        return self.load().reshape(*shape)

    def ravel(self, order: str = "C") -> np.ndarray:
        return self.load().ravel(order)

    def astype(self, dtype, copy: bool = True) -> np.ndarray:
        return self.load().astype(dtype, copy=copy)

    def tobytes(self) -> bytes:
        return self.load().tobytes()

    def any(self, axis=None):
        return self.load().any(axis=axis)

    def mean(self, axis=None):
        return self.sum(axis) / (self.size if axis is None else self.shape[axis])

    def sum(self, axis=None, dtype=None):
        """Non-zeros (``axis`` None: counted on the packed bytes, no unpacking)."""
        if axis is None:
            packed = self.packed()
            spare = len(packed) * 8 - self.size          # pad bits of the last byte
            total = int(np.bitwise_count(packed).sum(dtype=np.int64))
            return total - (int(np.bitwise_count(packed[-1] >> (8 - spare))) if spare else 0)
        return self.load().sum(axis=axis, dtype=dtype)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(shape={self.shape})"


@dataclass(frozen=True, repr=False, eq=False)
class GeneratedMask(LazyMask):
    """A mask computed by ``make()`` (a boolean array of ``shape``) each time it is needed:
    lets a writer stream masks one layer at a time (benchmarks/bench_llm_7b.py)."""

    shape: tuple[int, ...]
    make: Callable[[], np.ndarray]

    def packed(self) -> np.ndarray:
        mask = np.asarray(self.make())
        if mask.size != self.size:
            raise ValueError(f"generated mask has {mask.size} elements, not {self.size}")
        return pack_mask(mask)


@dataclass(frozen=True, repr=False, eq=False)
class ReshapedMask(LazyMask):
    """``source``'s bits under another shape of the same size (see :meth:`with_shape`)."""

    shape: tuple[int, ...]
    source: LazyMask

    def packed(self) -> np.ndarray:
        return self.source.packed()
