"""Where each operand lives in DRAM, and the byte segments a tile occupies.

Row-major layouts (one base address per operand, aligned to 4 KiB and to the DRAM row):

* weights: the (K, C_g R S) matrix view per group, groups one after the other;
* inputs: N x C x H x W (NCHW); outputs: N x K x P x Q.

An operand stored in a compressed format moves ``bytes_per_element`` (its stored bytes / dense
elements, possibly fractional) per element; a segment ``[start, end)`` is rounded outwards to
whole bytes. Contiguous segments are merged.

Worked example (inputs 1 x 2 x 4 x 4 at 2 bytes, tile c 0..2, rows 1..3, cols 0..4): rows are
full width, so rows 1-2 of channel 0 are one segment of 16 bytes at offset 8 and rows 1-2 of
channel 1 one of 16 bytes at offset 40.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ALIGN_BYTES = 4096


@dataclass(frozen=True)
class TensorLayout:
    """A dense row-major tensor of ``shape`` at ``base`` with ``bytes_per_element``."""

    base: int
    shape: tuple[int, ...]
    bytes_per_element: float

    @property
    def size_bytes(self) -> int:
        return int(np.ceil(np.prod(self.shape, dtype=np.float64) * self.bytes_per_element))

    def segments(self, ranges: tuple) -> tuple[np.ndarray, np.ndarray]:
        """(starts, lengths) of the sub-block ``ranges``, merged.

        Each axis takes a ``(lo, hi)`` range or an array of indices (e.g. the input rows a
        strided tile touches). Each run along the last axis is one segment; e.g. shape (2, 4),
        ranges ((0, 2), (1, 3)) at 1 byte -> starts [1, 5], lengths [2, 2]; ranges ((0, 1),
        [0, 2]) -> starts [0, 2], lengths [1, 1] (two separate elements).
        """
        axes = [_indices(r) for r in ranges]
        if any(a.size == 0 for a in axes):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        shape = np.array(self.shape, dtype=np.int64)
        strides = np.ones(len(shape), dtype=np.int64)
        for axis in range(len(shape) - 2, -1, -1):
            strides[axis] = strides[axis + 1] * shape[axis + 1]
        offsets = np.zeros(1, dtype=np.int64)
        for axis in range(len(shape) - 1):
            offsets = (offsets[:, None] + axes[axis][None, :] * strides[axis]).ravel()
        last = axes[-1]
        if isinstance(ranges[-1], tuple) or np.all(np.diff(last) == 1):
            first, count = offsets + last[0], np.full(offsets.size, last.size)
        else:
            first = (offsets[:, None] + last[None, :]).ravel()
            count = np.ones(first.size, dtype=np.int64)
        bpe = self.bytes_per_element
        starts = self.base + np.floor(first * bpe).astype(np.int64)
        ends = self.base + np.ceil((first + count) * bpe).astype(np.int64)
        return merge_segments(starts, ends - starts)


def _indices(spec) -> np.ndarray:
    if isinstance(spec, tuple):
        return np.arange(spec[0], spec[1], dtype=np.int64)
    return np.asarray(spec, dtype=np.int64)


def merge_segments(starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge segments that touch or overlap their predecessor (input in address order).

    Example: [0, 4, 10] with lengths [4, 4, 2] -> starts [0, 10], lengths [8, 2].
    """
    if starts.size <= 1:
        return starts, lengths
    ends = starts + lengths
    run_end = np.maximum.accumulate(ends)
    new = np.ones(starts.size, dtype=bool)
    new[1:] = starts[1:] > run_end[:-1]
    group = np.cumsum(new) - 1
    merged_starts = starts[new]
    merged_ends = np.zeros(merged_starts.size, dtype=np.int64)
    np.maximum.at(merged_ends, group, ends)
    return merged_starts, merged_ends - merged_starts


def split_requests(starts: np.ndarray, lengths: np.ndarray, chunk: int
                   ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Group segments into DRAM requests of about ``chunk`` bytes (long segments are cut).

    Example: one 5,000-byte segment at 0 with chunk 2,048 -> requests [0, 2048), [2048,
    4096), [4096, 5000).
    """
    if starts.size == 0:
        return []
    if starts.size == 1 and lengths[0] <= chunk:
        return [(starts, lengths)]
    pieces = np.maximum((lengths + chunk - 1) // chunk, 1)
    seg = np.repeat(np.arange(starts.size), pieces)
    k = np.arange(seg.size) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    p_starts = starts[seg] + k * chunk
    p_lengths = np.minimum(chunk, lengths[seg] - k * chunk)
    before = np.cumsum(p_lengths) - p_lengths
    req = before // chunk
    edges = [0, *(np.flatnonzero(req[1:] != req[:-1]) + 1).tolist(), int(req.size)]
    return [(p_starts[a:b], p_lengths[a:b]) for a, b in zip(edges[:-1], edges[1:])]


def allocate(sizes: dict, row_bytes: int = 0) -> dict:
    """Base addresses for ``{name: size_bytes}``, in order, each aligned to
    max(4 KiB, DRAM row). Example: {"w": 5000, "x": 10} -> {"w": 0, "x": 8192}."""
    align = max(ALIGN_BYTES, int(row_bytes or 0))
    bases, cursor = {}, 0
    for name, size in sizes.items():
        bases[name] = cursor
        cursor += -(-int(size) // align) * align
    return bases
