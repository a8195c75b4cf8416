"""Run ``hwsim`` as in a light install (``pip install hwsim``, no extras) inside the full test
venv: a ``sitecustomize`` on ``PYTHONPATH`` (so every child process of a sweep gets it too)
makes importing any installed package outside the core's dependency closure fail exactly as
if it were absent, and logs each attempt.

The closure is computed from ``pyproject.toml``'s core ``dependencies`` (not the installed
metadata, which may predate an edit), then the installed distributions' own requirements
without extras, recursively (markers evaluated), and the top-level import names of those
distributions; the standard library, ``hwsim`` and ``pruning`` stay importable. So an import
of torch, Dask, mlxtend, scikit-learn, pandas, onnx, scipy ... on a core command's path shows.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "torchvision", "dask", "distributed", "mlxtend", "sklearn", "pandas")

SITECUSTOMIZE = '''
import json, os, sys, sysconfig
from importlib.machinery import PathFinder
_ALLOWED = frozenset(json.loads(os.environ["HWSIM_LIGHT_ALLOWED"]))
_LOG = os.environ["HWSIM_LIGHT_LOG"]
_SITE = tuple({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})

class _Absent:
    """Meta-path finder: an installed package outside the core closure is not installed."""
    @staticmethod
    def find_spec(name, path=None, target=None):
        top = name.partition(".")[0]
        if top in _ALLOWED or top in sys.stdlib_module_names or top.startswith("_"):
            return None
        spec = PathFinder.find_spec(top)
        where = (spec.origin or "") if spec else ""
        if spec is not None and spec.submodule_search_locations:
            where = next(iter(spec.submodule_search_locations), where)
        if spec is not None and not where.startswith(_SITE):
            return None  # a local module (tests/report/report_helpers.py): not a package
        with open(_LOG, "a") as log:
            log.write(top + "\\n")
        raise ModuleNotFoundError(f"No module named {top!r}", name=top)

sys.meta_path.insert(0, _Absent)
'''


def core_requirements() -> list[str]:
    """``[project] dependencies`` of pyproject.toml."""
    import tomllib
    with open(ROOT / "pyproject.toml", "rb") as file:
        return tomllib.load(file)["project"]["dependencies"]


def core_distributions() -> set[str]:
    """Normalised names of hwsim's core requirements, recursively (no extras)."""
    seen: set[str] = set()
    todo = [_normalise(Requirement(text).name) for text in core_requirements()]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for text in metadata.requires(name) or ():
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({**default_environment(), "extra": ""}):
                todo.append(_normalise(req.name))
    return seen


def top_level_names(dist_name: str) -> set[str]:
    """Import names a distribution installs (top_level.txt, else its RECORD's first parts)."""
    dist = metadata.distribution(dist_name)
    text = dist.read_text("top_level.txt")
    if text:
        return {line.strip() for line in text.splitlines() if line.strip()}
    names = set()
    for file in dist.files or ():
        first = file.parts[0]
        if first.endswith((".dist-info", ".data", ".pth")) or first == "..":
            continue
        names.add(first.split(".")[0] if len(file.parts) == 1 else first)
    return names


def allowed_modules() -> set[str]:
    names = {"hwsim", "pruning", "sitecustomize", "usercustomize"}
    for dist in core_distributions():
        names |= top_level_names(dist)
    return names


def write_environment(folder: Path) -> dict[str, str]:
    """The environment variables of a light-install run; writes the sitecustomize."""
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE)
    log = folder / "attempts.log"
    log.write_text("")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "COLUMNS")}
    env.update(PYTHONPATH=str(folder), HWSIM_LIGHT_LOG=str(log),
               HWSIM_LIGHT_ALLOWED=json.dumps(sorted(allowed_modules())),
               HWSIM_CACHE_DIR=str(folder / "cache"))
    return env


def run_light(argv, folder: Path, cwd: Path) -> tuple[subprocess.CompletedProcess, list[str]]:
    """``hwsim ARGV`` in a fresh interpreter of the light environment, from ``cwd``;
    returns the process and the packages it tried to import that a light install lacks."""
    env = write_environment(folder)
    code = "import sys; from hwsim.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.run([sys.executable, "-c", code, *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)
    attempts = (folder / "attempts.log").read_text().split()
    return proc, attempts


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
