"""Atomic file writes shared by every hwsim writer (reports, sweeps, workload files, CLI), and
the check of an output path before the work that fills it runs.

A file is written to a unique temporary name in the same folder (``tempfile.mkstemp``),
flushed and fsynced, given ordinary permissions (0644 less the process umask, read from
``/proc/self/status`` where available so that the process-wide umask is never changed) and
renamed over the target with ``os.replace``: a reader, or a run killed half-way, sees the old
file or the whole new one, never a part. A failure names the path the caller gave, never the
temporary file.

Example: ``write_text_atomic("out/results.csv", "a,b\\n1,2\\n")`` creates ``out/`` if needed;
``check_output_file("t.xyz", "--timeline", (".png", ".svg", ".pdf"))`` raises ``--timeline
must end in .png, .svg or .pdf. Got 't.xyz' instead.`` before a simulation runs.
"""
from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Callable, Optional, Sequence

from hwsim.errors import ConfigError, HwsimError, Problem


def _umask() -> int:
    """The process umask without changing it (``os.umask`` sets it process-wide, a race with
    other threads); 0o022 where the kernel does not report it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def write_with(path, write: Callable[[io.BufferedWriter], None]) -> Path:
    """Call ``write(handle)`` on a temporary file next to ``path``, then rename it over ``path``
    (atomic); ``write`` may be ``torch.save``, ``np.save``, ``fig.savefig`` bound to a format.
    Raises :class:`HwsimError` naming ``path`` when it cannot be written."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644 & ~_umask())
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise _cannot_write(path, exc) from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def write_bytes_atomic(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path."""
    return write_with(path, lambda out: out.write(data))


def write_text_atomic(path, text: str) -> Path:
    """UTF-8 ``text`` to ``path`` atomically (newlines written as given)."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def _cannot_write(path: Path, exc: OSError) -> HwsimError:
    why = "it is a folder" if path.is_dir() else (exc.strerror or type(exc).__name__).lower()
    return HwsimError(f"cannot write {path}: {why}")


# ---- output paths checked before the work ------------------------------------------------------
def check_output_file(path, flag: str, suffixes: Optional[Sequence[str]] = None) -> Path:
    """``path`` can become a file: right suffix, not a folder, in a folder that exists or can
    be made, and that accepts a new file. Raises :class:`ConfigError` naming ``flag`` and the
    path as given."""
    given = str(path)
    path = Path(path)
    if suffixes and path.suffix.lower() not in suffixes:
        raise ConfigError([Problem(flag, f"must end in {_either(suffixes)}", given)])
    if path.is_dir():
        raise ConfigError([Problem(flag, "must be a file path, not a folder", given)])
    _probe_folder(path.parent, flag, given)
    return path


def check_output_folder(path, flag: str) -> Path:
    """``path`` is a folder, or can be made one, that accepts new files (ConfigError naming
    ``flag`` and the path as given otherwise). Nothing is created."""
    given = str(path)
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ConfigError([Problem(flag, "must be a folder (or a path where one can be made), "
                                         "not a file", given)])
    _probe_folder(path, flag, given)
    return path


def _probe_folder(folder: Path, flag: str, given: str) -> None:
    """The nearest existing folder at or above ``folder`` is a folder that accepts a new file
    (a uniquely named file is created there and removed; nothing else is made)."""
    existing = next((p for p in (folder, *folder.parents) if p.exists()), Path("."))
    if not existing.is_dir():
        raise ConfigError([Problem(flag, f"must be under a folder ({existing} is a file)",
                                   given)])
    try:
        handle, temp = tempfile.mkstemp(prefix=".hwsim-write-test.", dir=existing)
        os.close(handle)
        os.unlink(temp)
    except OSError as exc:
        why = (exc.strerror or type(exc).__name__).lower()
        raise ConfigError([Problem(flag, f"must be in a folder hwsim can write to "
                                         f"({existing}: {why})", given)]) from None


def _either(suffixes: Sequence[str]) -> str:
    items = list(suffixes)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


OUTPUT_FILE_FLAGS = {"output": None, "trace": (".csv", ".json"),
                     "timeline": (".png", ".svg", ".pdf")}
"""CLI options naming a file to write, with the suffixes each accepts (None: any)."""
OUTPUT_FOLDER_FLAGS = ("out",)


def check_output_arguments(args) -> None:
    """Check every output option of a parsed command line (``--output``, ``--trace``,
    ``--timeline``: files; ``--out``: a folder) before the command runs."""
    for dest, suffixes in OUTPUT_FILE_FLAGS.items():
        value = getattr(args, dest, None)
        if isinstance(value, str) and value:
            check_output_file(value, f"--{dest}", suffixes)
    for dest in OUTPUT_FOLDER_FLAGS:
        value = getattr(args, dest, None)
        if isinstance(value, (str, os.PathLike)) and str(value):
            check_output_folder(value, f"--{dest}")
