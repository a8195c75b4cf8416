"""Atomic file writers: every report file appears whole or not at all.

Each writer renders the content in memory, writes it to a temporary file in the target's
folder and moves it into place with ``os.replace`` (atomic on POSIX and Windows), so a run
killed half-way leaves the previous file or none, never a truncated one.

Example: ``write_text(Path("out/summary.md"), "# run\\n")`` creates ``out/`` if needed and
leaves exactly ``out/summary.md`` behind.
"""
from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

from hwsim.fileio import write_bytes_atomic
from typing import Any, Iterable, Sequence


def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :mod:`hwsim.fileio`)."""
    return write_bytes_atomic(path, data)


def write_text(path: Path, text: str) -> Path:
    """UTF-8 text, atomically."""
    return write_bytes(path, text.encode("utf-8"))


def json_ready(value: Any) -> Any:
    """``value`` with non-finite floats as None (strict JSON has no NaN/Infinity) and tuples
    as lists; e.g. ``{"x": float("inf"), "t": (1, 2)}`` -> ``{"x": None, "t": [1, 2]}``."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return json_ready(value.item())
    return value


def write_json(path: Path, data: Any) -> Path:
    """Strict JSON (indent 1, non-finite numbers as null), atomically."""
    return write_text(path, json.dumps(json_ready(data), indent=1, allow_nan=False) + "\n")


def csv_text(rows: Iterable[dict], columns: Sequence[str]) -> str:
    """CSV with a header row; floats with repr precision, None as an empty cell."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: _cell(row.get(c)) for c in columns})
    return buffer.getvalue()


def write_csv(path: Path, rows: Iterable[dict], columns: Sequence[str]) -> Path:
    return write_text(path, csv_text(rows, columns))


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    return value
