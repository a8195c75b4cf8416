"""Shared plumbing of the peer comparisons: peer venvs, cached peer runs, tables.

Each peer lives in its own venv under ``benchmarks/.peer-venvs/<name>`` (git-ignored), created
on demand with the peer's pinned packages; hwsim never imports a peer. A peer run is done by a
runner script (``scalesim_runner.py``, ``zigzag_runner.py``) executed by the peer's Python; it
writes per-layer raw results with their wall time to ``benchmarks/results/peers/*.json``
(git-ignored), which the comparison scripts reuse unless ``--fresh`` is given.

Example::

    python = ensure_venv(SCALESIM)             # creates the venv the first time (a minute)
    run_peer(python, "scalesim_runner.py", ["--config", ...], fresh=False)
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

PEERS_DIR = Path(__file__).resolve().parent
BENCH_DIR = PEERS_DIR.parent
INPUTS_DIR = PEERS_DIR / "inputs"
VENVS_DIR = BENCH_DIR / ".peer-venvs"
RESULTS_DIR = BENCH_DIR / "results" / "peers"


@dataclass(frozen=True)
class PeerTool:
    """A peer: its venv name, the pip requirements that pin it, and its version string."""

    name: str
    version: str
    requirements: tuple[str, ...]


# numpy 2.4 crashes SCALE-Sim 3.0.0 at the end of the first layer (peers README);
# ZigZag 3.9.1 imports six without declaring it.
SCALESIM = PeerTool("scalesim", "3.0.0", ("scalesim==3.0.0", "numpy==2.3.5"))
ZIGZAG = PeerTool("zigzag", "3.9.1", ("zigzag-dse==3.9.1", "six"))


def venv_python(tool: PeerTool) -> Path:
    return VENVS_DIR / tool.name / "bin" / "python"


def ensure_venv(tool: PeerTool) -> Path:
    """The peer venv's Python, creating the venv and installing the peer if it is missing."""
    python = venv_python(tool)
    if python.exists() and _installed(python, tool):
        return python
    print(f"[{tool.name}] installing {' '.join(tool.requirements)} into {python.parent.parent}",
          file=sys.stderr)
    if not python.exists():
        venv.EnvBuilder(with_pip=True).create(python.parent.parent)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *tool.requirements], check=True)
    return python


def _installed(python: Path, tool: PeerTool) -> bool:
    dist = tool.requirements[0].split("==")[0]
    probe = ("import importlib.metadata as m, sys; "
             f"sys.exit(m.version({dist!r}) != {tool.version!r})")
    return subprocess.run([str(python), "-c", probe], capture_output=True).returncode == 0


def run_peer(python: Path, runner: str, args: Sequence[str], fresh: bool) -> None:
    """Run a runner script with the peer's Python (niced: the peers are CPU-heavy).

    The runner skips layers already in its ``--out`` JSON unless ``fresh``.
    """
    cmd = [str(python), str(PEERS_DIR / runner), *args] + (["--fresh"] if fresh else [])
    if hasattr(os, "nice"):
        cmd = ["nice", "-n", "10", *cmd]
    subprocess.run(cmd, check=True)


def running_pid(out: Path) -> int | None:
    """The pid of a live runner writing ``out`` (its ``<out>.lock``), or None."""
    lock = Path(f"{out}.lock")
    try:
        pid = int(lock.read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def load_json(path: Path) -> dict | None:
    """The cached peer result at ``path``, or None when there is none."""
    if not path.exists():
        return None
    with open(path) as handle:
        return json.load(handle)


def rel_diff_pct(ours: float, peer: float) -> float:
    """(hwsim - peer) / peer in percent; e.g. (670, 669) -> 0.149. 0 when both are 0."""
    if peer == 0:
        return 0.0 if ours == 0 else float("inf")
    return 100.0 * (ours - peer) / peer


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain right-aligned text table: integral floats as integers, other floats with 4
    significant digits, columns whose header contains 'diff' with a sign."""
    def cell(value, header):
        if isinstance(value, float):
            if "diff" in header:
                return f"{value:+.2f}"
            if value.is_integer() and abs(value) < 1e12:
                return f"{value:.0f}"
            return f"{value:.4g}" if abs(value) < 1e5 else f"{value:.4e}"
        return str(value)
    text = [[cell(v, h) for v, h in zip(row, headers)] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in text)) if text else len(h)
              for i, h in enumerate(headers)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in text]
    return "\n".join(lines)


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        json.dump(data, handle, indent=1)


def save_layers(result: dict, out: str) -> None:
    """(Runs inside a peer venv: stdlib only.) Write ``result`` atomically, keeping layers another process saved meanwhile (``result``
    itself is not changed: its layers are the ones this run has, or has reused)."""
    saved = {}
    if os.path.exists(out):
        with open(out) as handle:
            saved = json.load(handle).get("layers", {})
    tmp_out = f"{out}.{os.getpid()}.tmp"
    with open(tmp_out, "w") as handle:
        json.dump({**result, "layers": {**saved, **result["layers"]}}, handle, indent=1)
    os.replace(tmp_out, out)


def take_lock(out: str) -> str:
    """Mark ``out`` as being written by this process (``<out>.lock`` holds the pid), so that
    a comparison started meanwhile shows the cached layers instead of running the peer twice."""
    lock = out + ".lock"
    with open(lock, "w") as handle:
        handle.write(str(os.getpid()))
    return lock
