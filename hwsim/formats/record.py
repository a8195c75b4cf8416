"""The storage record every format returns.

Worked example (EIE-style CSC, one 4-row x 1-column matrix ``[0, 0, 1, 2]`` with 4-bit relative
indices, 4-bit values and 16-bit pointers): 2 stored entries, no filler, so
``StorageCost(SparseFormat.CSC, True, values=2, filler_zeros=0, value_bits=4,
index_bits_total=8, pointer_bits_total=32)`` has ``total_bits = 2*4 + 8 + 32 = 48``
and ``total_bytes = 6``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from hwsim.arch.model import StructuredSparsity
from hwsim.types import SparseFormat


@dataclass(frozen=True)
class StorageCost:
    """Bits needed to store one tensor (or one PE's share of it) in one format.

    ``values``: stored value entries, filler zeros included (N:M: every kept-weight slot);
    ``filler_zeros``: the explicitly stored zeros among them (relative-index or run-length
    overflow fillers, empty N:M slots); ``value_bits``: width in bits of ONE stored value (the
    codebook index width under weight sharing); ``index_bits_total``: relative/absolute
    indices, RLE run lengths, COO coordinates and N:M metadata; ``pointer_bits_total``: CSC/CSR
    pointer arrays; ``bitmap_bits_total``: bitmap format's one bit per element;
    ``codebook_bits``: the weight-sharing codebook (entries x arithmetic bits), once per layer.
    ``exact`` is True when counted from a mask, False for an expectation from a density (then
    the counts may be fractional). ``structured`` is set when the tensor is stored N:M
    compressed (``format`` is then the fallback format of the spec, unused).
    """

    format: SparseFormat
    exact: bool
    values: float
    filler_zeros: float
    value_bits: int
    index_bits_total: float = 0
    pointer_bits_total: float = 0
    bitmap_bits_total: float = 0
    codebook_bits: int = 0
    structured: StructuredSparsity | None = None

    @property
    def nonzeros(self) -> float:
        """Stored non-zero values: ``values - filler_zeros``."""
        return self.values - self.filler_zeros

    @property
    def value_bits_total(self) -> float:
        """``values * value_bits``."""
        return self.values * self.value_bits

    @property
    def metadata_bits(self) -> float:
        """Everything except the values: index + pointer + bitmap + codebook bits."""
        return (self.index_bits_total + self.pointer_bits_total + self.bitmap_bits_total
                + self.codebook_bits)

    @property
    def total_bits(self) -> float:
        """``value_bits_total + metadata_bits``."""
        return self.value_bits_total + self.metadata_bits

    @property
    def total_bytes(self) -> int:
        """``ceil(total_bits / 8)``; e.g. 48 bits -> 6 bytes, 49 bits -> 7 bytes."""
        bits = self.total_bits
        if isinstance(bits, int):
            return -(-bits // 8)
        return math.ceil(bits / 8 - 1e-9)  # tolerate float round-off in expected counts

    @property
    def metadata_bytes(self) -> float:
        """``metadata_bits / 8`` (not rounded, so value_bytes + metadata_bytes = bits / 8)."""
        return self.metadata_bits / 8

    @property
    def value_bytes(self) -> float:
        """``value_bits_total / 8`` (not rounded)."""
        return self.value_bits_total / 8

    @property
    def metadata_fraction(self) -> float:
        """``metadata_bits / total_bits`` (0 for an empty tensor)."""
        total = self.total_bits
        return self.metadata_bits / total if total else 0.0
