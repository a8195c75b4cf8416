"""An explicit memo for the cost model, owned by its caller (one per estimate call, or one
per sweep worker), keyed by content, never by object identity.

The cost model's slow parts are pure functions of small frozen records: the loop nest of a
(layer shape, array unrolling), the flow tables of a nest under a chain structure, the
storage of a layer's weights in a format, the structural part of a layer on an accelerator
(:mod:`hwsim.cost.bulk`). A :class:`CostCache` keeps their results between calls so that the
variants of a sweep share them. Keys are built from the records' content (frozen dataclasses
compare by value; a mask enters as its shape, dtype and bytes, :func:`array_key`), so an
edited mask or layer gives a new key, never a stale result.

Thread safety: lookups and inserts hold a lock; a missing value is computed outside it (two
threads may both compute it; they get equal values and the first one stored is kept), so a
Dask worker running tasks on several threads can share one cache.

Example::

    cache = CostCache()
    cache.get("nest", key, lambda: build_the_nest())   # computed once per key
    cache.get("nest", key, lambda: build_the_nest())   # the stored value
"""
from __future__ import annotations

import hashlib
import threading
from dataclasses import fields, is_dataclass
from typing import Any, Callable

import numpy as np

_MISSING = object()  # a stored value may be None
DEFAULT_LIMIT = 8192  # entries per kind; the oldest go first beyond it


class CostCache:
    """A bounded, thread-safe memo of pure results by (kind, content key) (module docstring).

    ``limit``: entries kept per kind (first in, first out beyond it)."""

    def __init__(self, limit: int = DEFAULT_LIMIT):
        self.limit = limit
        self._lock = threading.Lock()
        self._kinds: dict[str, dict] = {}

    def get(self, kind: str, key: Any, compute: Callable[[], Any]) -> Any:
        """The value stored under ``(kind, key)``, computed by ``compute()`` when missing."""
        with self._lock:
            table = self._kinds.setdefault(kind, {})
            value = table.get(key, _MISSING)
            if value is not _MISSING:
                return value
        value = compute()
        with self._lock:
            if key not in table:
                if len(table) >= self.limit:
                    del table[next(iter(table))]
                table[key] = value
            return table[key]

    def size(self, kind: str | None = None) -> int:
        """Entries stored (of one kind, or all)."""
        with self._lock:
            if kind is not None:
                return len(self._kinds.get(kind, {}))
            return sum(len(t) for t in self._kinds.values())

    def clear(self) -> None:
        with self._lock:
            self._kinds.clear()


def array_key(array) -> tuple | None:
    """A content key of a numpy array: (shape, dtype, SHA-256 of its bytes); None for None.

    Example: two equal 2 x 2 boolean masks give equal keys; flipping one element in place
    changes the key (``tests/cost/test_cost_memo.py``)."""
    if array is None:
        return None
    data = np.ascontiguousarray(array)
    return (data.shape, str(data.dtype), hashlib.sha256(data.tobytes()).hexdigest())


def record_key(record) -> tuple:
    """A content key of a frozen dataclass whose fields may hold numpy arrays (a
    :class:`~hwsim.workload.layer.LayerWorkload` with its mask): every field's value, arrays
    by :func:`array_key`. Computed on each call: never memoised on the object, so an array
    edited in place gives a new key."""
    if not is_dataclass(record):
        return (record,)
    return (type(record).__name__,) + tuple(_value_key(getattr(record, f.name))
                                            for f in fields(record))


def _value_key(value):
    """Arrays by content; a lazy mask (:class:`hwsim.workload.masks.LazyMask`) by its packed
    bits, read now; anything else as itself (or its repr when it cannot be hashed)."""
    if isinstance(value, np.ndarray):
        return array_key(value)
    packed = getattr(value, "packed", None)
    if callable(packed):
        return ("packed", tuple(value.shape), array_key(packed()))
    return _hashable(value)


def _hashable(value):
    try:
        hash(value)
        return value
    except TypeError:
        return repr(value)


__all__ = ["CostCache", "array_key", "record_key"]
