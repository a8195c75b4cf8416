"""Atomic file writes shared by every hwsim writer (reports, sweeps, workload files, CLI).

A file is written to a temporary name in the same folder, flushed and fsynced, given ordinary
permissions (0644 less the umask) and renamed over the target with ``os.replace``: a reader, or
a run killed half-way, sees the old file or the whole new one, never a part.

Example: ``write_text_atomic("out/results.csv", "a,b\\n1,2\\n")`` creates ``out/`` if needed.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes_atomic(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644 & ~_umask())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path, text: str) -> Path:
    """UTF-8 ``text`` to ``path`` atomically (newlines written as given)."""
    return write_bytes_atomic(path, text.encode("utf-8"))
