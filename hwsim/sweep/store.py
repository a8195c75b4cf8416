"""The results table: JSON Lines, one line per finished point, keyed by the point's id.

Crash safety: rows are appended as complete lines with one ``write`` on an ``O_APPEND``
descriptor, then fsync'd (one fsync per finished chunk: a group commit). A sweep killed at any
moment leaves at most one torn last line; :meth:`ResultStore.open` cuts it off before anything
is appended, so a restarted sweep neither loses a finished point nor writes one twice.

Rows with ``status: error`` (an unexpected exception, not an invalid config) do not count as
done: a rerun retries them and the newest row of an id wins.

``write_csv`` writes a whole table atomically (temp file in the same folder + ``os.replace``).
"""
from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

from hwsim.fileio import write_text_atomic
from typing import Iterable, Optional, Sequence

from hwsim.errors import HwsimError

RESULTS_FILE = "results.jsonl"


class ResultStore:
    """An append-only JSONL file of result rows, plus the rows already in it by id."""

    def __init__(self, path: Path, rows: dict[str, dict]):
        self.path = Path(path)
        self.rows = rows

    @classmethod
    def open(cls, path, restart: bool = False) -> "ResultStore":
        """Open (creating folders) ``path``; ``restart`` discards earlier rows."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if restart and path.exists():
            path.unlink()
        return cls(path, read_rows(path, repair=True))

    def is_done(self, point_id: str) -> bool:
        row = self.rows.get(point_id)
        return row is not None and row.get("status") != "error"

    def append(self, rows: Sequence[dict], lines: Optional[bytes] = None) -> int:
        """Append the rows not done yet as one write + fsync; returns how many were written.

        ``lines``: :func:`encode_rows` of ``rows`` when the caller has it already (a worker
        encodes its chunk, so the main process only writes); used when every row is new."""
        new = [row for row in rows if not self.is_done(row["id"])]
        if not new:
            return 0
        data = lines if lines is not None and len(new) == len(rows) else encode_rows(new)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        for row in new:
            self.rows[row["id"]] = row
        return len(new)


def encode_rows(rows: Sequence[dict]) -> bytes:
    """The JSONL text of ``rows``: one compact JSON object per line (anything not JSON, such
    as a date, as its str)."""
    return b"".join(_line(row) for row in rows)


_ENCODER = json.JSONEncoder(separators=(",", ":"), default=str)
"""``json.dumps(row, separators=(",", ":"), default=str)``, without making an encoder per row."""


def _line(row: dict) -> bytes:
    return (_ENCODER.encode(row) + "\n").encode()


def read_rows(path, repair: bool = False) -> dict[str, dict]:
    """Rows by id from a JSONL results file (empty when missing).

    A torn last line (no newline at the end) is ignored, and cut off the file when ``repair``;
    a bad line anywhere else is a :class:`HwsimError` naming the line.
    """
    path = Path(path)
    if not path.exists():
        return {}
    data = path.read_bytes()
    complete = data.rfind(b"\n") + 1
    if repair and complete < len(data):
        with open(path, "r+b") as handle:
            handle.truncate(complete)
            handle.flush()
            os.fsync(handle.fileno())
    rows: dict[str, dict] = {}
    for number, line in enumerate(data[:complete].splitlines(), start=1):
        if not line.strip():
            continue
        row = _parse(line, path, number)
        if row["id"] not in rows or rows[row["id"]].get("status") == "error":
            rows[row["id"]] = row
    return rows


def _parse(line: bytes, path: Path, number: int) -> dict:
    try:
        row = json.loads(line)
    except ValueError:
        row = None
    if not isinstance(row, dict) or "id" not in row:
        raise HwsimError(f"{path}: line {number} must be a JSON object with an 'id' (a result "
                         f"row). Got {line[:80]!r} instead.")
    return row


def write_csv(path, rows: Iterable[dict], columns: Sequence[str]) -> Path:
    """Write ``rows`` (missing keys -> empty cells) atomically; returns the path."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return write_text_atomic(path, buffer.getvalue())
