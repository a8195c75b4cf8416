"""Binary sidecars for large weight masks: one ``.npz`` beside the workload file.

A workload file keeps its YAML/JSON description; a mask of at least
:data:`SIDECAR_MIN_WEIGHTS` weights is stored as packed bits (the same bytes as
``packbits_base64``, see :mod:`hwsim.workload.masks`) in an uncompressed numpy ``.npz``
(a zip of ``.npy`` arrays, readable with ``numpy.load``), one 1-D uint8 array per layer::

    mask_sidecar: {path: llama2_7b.masks.npz, sha256: 3f2a...}     # top of the workload file
    layers:
      - name: blocks.0.mlp.up
        weight_mask: {shape: [11008, 4096], sidecar_key: blocks.0.mlp.up}

The path is relative to the workload file's folder and must stay inside it; the SHA-256 is of
the whole sidecar and is checked on load, with each array's header (dtype, length): a missing
file, a wrong hash, a missing array or a length that does not match the shape is a
:class:`~hwsim.errors.Problem` naming the file and the dotted key. Masks are then read lazily
(:class:`SidecarMask`), one layer at a time, when a computation needs them.

Why npz and not safetensors: numpy alone writes and reads it (no new dependency), it can be
written one array at a time (``zipfile``), and ``numpy.load(path)["key"]`` reads one array.
Sizes: Llama-2-7B's 224 pruned linear layers hold 6.48e9 weights -> 810 MB packed.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from dataclasses import dataclass
from math import prod
from pathlib import Path

import numpy as np

from hwsim.errors import ConfigError, Problem
from hwsim.workload.masks import LazyMask, pack_mask

# Masks of at least 2**20 = 1,048,576 weights (128 KiB packed, 175 KB of base64 text) go into
# the sidecar; smaller ones stay inline in base64. LeNet-300's fc1 (235,200) stays inline,
# AlexNet's fc6 (37.7 M) and every Llama linear layer (>= 16.8 M) go to the sidecar.
SIDECAR_MIN_WEIGHTS = 2**20
SIDECAR_SUFFIX = ".masks.npz"
_CHUNK_BYTES = 1 << 22


def sidecar_path_for(workload_path: str | os.PathLike) -> Path:
    """The sidecar written beside a workload file: ``out/net.yaml`` -> ``out/net.masks.npz``."""
    path = Path(workload_path)
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def wants_sidecar(mask) -> bool:
    """Whether :func:`hwsim.workload.save_network` puts ``mask`` in the sidecar (by size)."""
    return mask is not None and prod(np.shape(mask) if not isinstance(mask, LazyMask)
                                     else mask.shape) >= SIDECAR_MIN_WEIGHTS


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 (hex) of a file, read in 4 MiB chunks (memory stays flat for a 1 GB file)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True, repr=False, eq=False)
class SidecarMask(LazyMask):
    """A mask stored as array ``key`` of the sidecar ``file``; read on each use, never kept.

    ``offset``: where the array's bytes start in the file when the archive stores it
    uncompressed (as :class:`SidecarWriter` does): one read, no zip CRC pass (the whole file's
    SHA-256 was checked on load); None: read through ``zipfile``."""

    shape: tuple[int, ...]
    file: Path
    key: str
    offset: int | None = None

    def packed(self) -> np.ndarray:
        count = (self.size + 7) // 8
        if self.offset is None:
            with zipfile.ZipFile(self.file) as archive, \
                    archive.open(self.key + ".npy") as member:
                data = np.lib.format.read_array(member, allow_pickle=False)
        else:
            data = np.fromfile(self.file, dtype=np.uint8, count=count, offset=self.offset)
        if data.shape != (count,):
            raise ConfigError([Problem("mask_sidecar", f"must still hold array {self.key!r} "
                                       f"of {count} bytes (the file changed after loading)",
                                       str(self.file))])
        return data


class SidecarWriter:
    """Streams packed masks into a new ``.npz`` one array at a time, atomically.

    The archive is written to a temporary name in the target folder and renamed over
    ``path`` by :meth:`close`, which returns the SHA-256. Example::

        with SidecarWriter("out/net.masks.npz") as writer:
            writer.add("fc1", mask)            # a bool array or a LazyMask
        writer.sha256                          # hex digest of the file written
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp",
                                        dir=self.path.parent)
        os.close(handle)
        self._temp = Path(temp)
        self._archive = zipfile.ZipFile(self._temp, "w", zipfile.ZIP_STORED, allowZip64=True)
        self._keys: set[str] = set()
        self.sha256: str | None = None

    def add(self, key: str, mask) -> None:
        """Pack ``mask`` (read or generated now, dropped after) and store it as ``key``."""
        if key in self._keys:
            raise ValueError(f"sidecar key {key!r} written twice")
        self._keys.add(key)
        packed = pack_mask(mask)
        with self._archive.open(key + ".npy", "w", force_zip64=True) as member:
            np.lib.format.write_array(member, packed, allow_pickle=False)

    def close(self) -> str:
        """Finish the archive, move it to :attr:`path`; returns its SHA-256."""
        self._archive.close()
        with open(self._temp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(self._temp, 0o644)
        os.replace(self._temp, self.path)
        self.sha256 = file_sha256(self.path)
        return self.sha256

    def abort(self) -> None:
        self._archive.close()
        self._temp.unlink(missing_ok=True)

    def __enter__(self) -> "SidecarWriter":
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


@dataclass(frozen=True)
class OpenSidecar:
    """A validated sidecar: its absolute path, the name the file gave, and each array's
    (dtype, shape) from its ``.npy`` header (no array is read)."""

    file: Path
    given: str
    arrays: dict

    def mask(self, key: str, shape: tuple[int, ...], path: str,
             source: str | None) -> tuple[SidecarMask | None, list[Problem]]:
        """The lazy mask ``key`` of ``shape``, or (None, problems at ``path``)."""
        if key not in self.arrays:
            names = ", ".join(sorted(self.arrays)[:5]) + (", ..." if len(self.arrays) > 5 else "")
            return None, [Problem(f"{path}.sidecar_key", f"must name an array of {self.given} "
                                  f"({len(self.arrays)} arrays: {names})", key, source)]
        dtype, stored, offset = self.arrays[key]
        if dtype != np.uint8 or len(stored) != 1:
            return None, [Problem(f"{path}.sidecar_key", f"must name a 1-D uint8 array of "
                                  f"packed bits in {self.given}", f"{dtype} {list(stored)}",
                                  source)]
        if stored[0] != (prod(shape) + 7) // 8:
            return None, [Problem(f"{path}.shape", f"must match the {stored[0]:,} packed bytes "
                                  f"of array {key!r} in {self.given} (ceil(weights / 8))",
                                  list(shape), source)]
        return SidecarMask(tuple(shape), self.file, key, offset), []


def open_sidecar(given: str, sha256: str, folder: Path,
                 source: str | None) -> tuple[OpenSidecar | None, list[Problem]]:
    """Check the sidecar ``given`` (relative to ``folder``): inside the folder, present, of
    hash ``sha256``, a readable npz; then index its arrays' headers."""
    if Path(given).is_absolute():
        return None, [Problem("mask_sidecar.path", "must be a path relative to the workload "
                              "file's folder", given, source)]
    root = folder.resolve()
    file = (root / given).resolve()
    if not file.is_relative_to(root):
        return None, [Problem("mask_sidecar.path", "must stay inside the workload file's "
                              f"folder ({root})", given, source)]
    if not file.is_file():
        return None, [Problem("mask_sidecar.path", f"must name an existing file (looked for "
                              f"{file})", given, source)]
    actual = file_sha256(file)
    if actual != sha256:
        return None, [Problem("mask_sidecar.sha256", f"must equal the SHA-256 of {given} "
                              f"({actual}): the sidecar changed since the file was written",
                              sha256, source)]
    try:
        arrays = _array_headers(file)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        return None, [Problem("mask_sidecar.path", "must be a numpy .npz archive of packed "
                              "masks", f"{given} ({' '.join(str(exc).split())[:80]})", source)]
    return OpenSidecar(file, given, arrays), []


def _array_headers(file: Path) -> dict:
    """``{key: (dtype, shape, offset)}`` of every ``.npy`` member, from the headers only;
    ``offset`` is where a stored (uncompressed) array's bytes start in the file, else None."""
    arrays = {}
    with zipfile.ZipFile(file) as archive, open(file, "rb") as raw:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                continue
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                        else np.lib.format.read_array_header_2_0)
                shape, _, dtype = read(member)
                header_bytes = member.tell()
            offset = None
            if info.compress_type == zipfile.ZIP_STORED:
                raw.seek(info.header_offset)
                local = raw.read(30)                     # the local file header
                offset = (info.header_offset + 30 + int.from_bytes(local[26:28], "little")
                          + int.from_bytes(local[28:30], "little") + header_bytes)
            arrays[info.filename[:-4]] = (np.dtype(dtype), tuple(shape), offset)
    return arrays
