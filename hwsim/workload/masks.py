"""Torch-free encoding of boolean weight masks for workload files.

A mask is stored as ``{"shape": [...], "packbits_base64": "..."}``: the row-major (C-order)
flattened mask packed with ``numpy.packbits(..., bitorder="little")`` (element ``8*i + j`` is
bit j, counted from the least significant bit, of byte i; pad bits are 0), then base64.

Worked example: ``[[1, 0, 1], [1, 0, 0]]`` -> bits 1 0 1 1 0 0 -> byte 1 + 4 + 8 = 13 = 0x0d
-> base64 ``"DQ=="``.
"""
from __future__ import annotations

import base64
import binascii
from math import prod

import numpy as np

from hwsim.errors import Problem


def encode_mask(mask: np.ndarray) -> dict:
    """``{"shape": [...], "packbits_base64": "..."}`` for a boolean (or 0/1) array."""
    array = np.asarray(mask).astype(bool, copy=False)
    packed = np.packbits(array.ravel(order="C"), bitorder="little")
    return {"shape": [int(size) for size in array.shape],
            "packbits_base64": base64.b64encode(packed.tobytes()).decode("ascii")}


def decode_mask(shape: tuple[int, ...], packbits_base64: str, path: str = "weight_mask",
                file: str | None = None) -> tuple[np.ndarray | None, list[Problem]]:
    """The boolean mask of ``shape`` encoded in ``packbits_base64``, or (None, problems).

    Example: ``decode_mask((2, 3), "DQ==")[0].astype(int).tolist() == [[1, 0, 1], [1, 0, 0]]``.
    """
    if any(size < 0 for size in shape):
        return None, [Problem(f"{path}.shape", "must hold sizes >= 0", list(shape), file)]
    count = prod(shape)
    try:
        raw = base64.b64decode(packbits_base64.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None, [Problem(f"{path}.packbits_base64", "must be valid base64",
                              _abbreviate(packbits_base64), file)]
    if len(raw) != (count + 7) // 8:
        return None, [Problem(f"{path}.packbits_base64",
                              f"must decode to ceil({count} / 8) = {(count + 7) // 8} bytes "
                              f"for shape {list(shape)}", f"{len(raw)} bytes", file)]
    bits = np.unpackbits(np.frombuffer(raw, dtype=np.uint8), count=count, bitorder="little")
    return bits.astype(bool).reshape(shape), []


def _abbreviate(text: str, keep: int = 24) -> str:
    return text if len(text) <= keep else text[:keep] + "..."
