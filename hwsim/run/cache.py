"""The model cache: trained and pruned models keyed by a hash of what produced them.

An entry is a folder ``<cache root>/runs/<key>/`` holding what :func:`pruning.run_schedule`
writes (``dense.pt``, ``pruned.pt``, the workload file, ``summary.json``), the main job's
``extras.json`` (weight histograms, sensitivity curves) and ``key.json`` (the hashed material,
readable). It is built in a temporary sibling folder and published with one ``os.replace``, so
a killed run never leaves a half-written entry, and a reader never sees one.

The key is the SHA-256 of the canonical JSON of: the model (name, or the file's SHA-256), the
data config, the schedule as written (shipped name -> the file's parsed YAML), the extras
asked for, and a fingerprint of the code that trains (the ``pruning`` package's sources, the
torch version). Computing it never imports torch, so a cache hit skips torch entirely.

Worked example: the default run's key material is ``{"model": "lenet300", "data": {"source":
"embedded", "seed": 0, ...}, "schedule": {"name": "han2015_lenet300", ...}, ...}``; any change
to one of its values (e.g. ``seed: 1``) gives another folder.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

KEY_FILE = "key.json"
RUNS_FOLDER = "runs"


def cache_root(configured: str | None = None) -> Path:
    """``configured``, else ``$HWSIM_CACHE_DIR``, else ``~/.cache/hwsim``."""
    if configured:
        return Path(configured).expanduser()
    env = os.environ.get("HWSIM_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "hwsim"


def file_digest(path: str | os.PathLike) -> str:
    """SHA-256 hex digest of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def code_fingerprint() -> dict[str, str]:
    """What trains the model: SHA-256 over the ``pruning`` package's ``.py`` files, and the
    torch version (read from package metadata, without importing torch)."""
    spec = importlib.util.find_spec("pruning")
    digest = hashlib.sha256()
    if spec is not None and spec.submodule_search_locations:
        root = Path(list(spec.submodule_search_locations)[0])
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    try:
        torch_version = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        torch_version = "absent"
    return {"pruning_sources_sha256": digest.hexdigest(), "torch": torch_version}


def cache_key(material: dict[str, Any]) -> str:
    """First 20 hex digits of the SHA-256 of ``material`` as canonical (sorted-key) JSON."""
    text = json.dumps(material, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def entry_dir(root: Path, key: str) -> Path:
    return root / RUNS_FOLDER / key


def lookup(root: Path, key: str, required: tuple[str, ...]) -> Path | None:
    """The entry folder if it exists and holds every ``required`` file, else None."""
    folder = entry_dir(root, key)
    if folder.is_dir() and all((folder / name).is_file() for name in required):
        return folder
    return None


def new_staging_dir(root: Path, key: str) -> Path:
    """A fresh temporary folder next to the entries (same file system, so publishing is a
    rename)."""
    parent = root / RUNS_FOLDER
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".tmp-{key}-", dir=parent))


def publish(staging: Path, root: Path, key: str, material: dict[str, Any]) -> Path:
    """Write ``key.json`` into ``staging`` and rename it to the entry folder.

    If another process published the same key first, its entry is kept and ``staging`` is
    removed (both hold the same result).
    """
    (staging / KEY_FILE).write_text(json.dumps(material, indent=1, sort_keys=True, default=str))
    final = entry_dir(root, key)
    try:
        os.replace(staging, final)
    except OSError:
        if not final.is_dir():
            raise
        shutil.rmtree(staging, ignore_errors=True)
    return final


def discard(staging: Path) -> None:
    """Remove a staging folder after a failed or interrupted run."""
    shutil.rmtree(staging, ignore_errors=True)
