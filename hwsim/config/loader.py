"""Entry points: YAML file or dict -> validated :class:`~hwsim.config.schema.ArchConfig`.

Every problem of a file is reported at once (pydantic's field errors, duplicate keys and the
cross-field rules of :mod:`hwsim.config.checks` together), each with file, dotted path and the
bad value::

    >>> load_arch_config("arch_configs/eie.yaml").compute.pe_count
    64

Shipped accelerators can be named from any folder: ``load_arch_config("eie")`` reads the
installed copy of ``arch_configs/eie.yaml`` (see :func:`resolve_arch_path`).
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Optional

from pydantic import ValidationError

from hwsim.config.checks import ConfigParts, semantic_problems
from hwsim.config.problems import NOTHING, error_path, problems_from_validation_error
from hwsim.config.schema import ArchConfig
from hwsim.config.yaml_io import parse_yaml, read_text
from hwsim.errors import ConfigError, Problem


ARCH_FOLDER = "arch_configs"
_PACKAGE_DIR = Path(__file__).resolve().parents[1]


def shipped_arch_dir() -> Path:
    """The folder of the shipped accelerators: ``hwsim/arch_configs/`` in an installed wheel
    (setup.py maps the top-level ``arch_configs/`` folder onto that package), else the source
    checkout's ``arch_configs/`` (editable installs and a plain checkout)."""
    installed = _PACKAGE_DIR / ARCH_FOLDER
    return installed if installed.is_dir() else _PACKAGE_DIR.parent / ARCH_FOLDER


def shipped_arch_names() -> tuple[str, ...]:
    """Names of the shipped accelerators, sorted: ``("a100_sxm", "eie", ...)``."""
    return tuple(sorted(p.stem for p in shipped_arch_dir().glob("*.yaml")))


def shipped_arch_path(name: str) -> Optional[Path]:
    """The shipped file for ``name`` (``eie``, ``eie.yaml`` or ``arch_configs/eie.yaml``),
    or None when ``name`` is not one of :func:`shipped_arch_names`."""
    parts = Path(name).parts
    if len(parts) == 2 and parts[0] == ARCH_FOLDER:
        parts = parts[1:]
    if len(parts) != 1:
        return None
    stem = parts[0][:-len(".yaml")] if parts[0].endswith(".yaml") else parts[0]
    return shipped_arch_dir() / f"{stem}.yaml" if stem in shipped_arch_names() else None


def resolve_arch_path(value, base_dir=None, key: str = "arch",
                      source: Optional[str] = None) -> Path:
    """The accelerator file ``value`` names; one rule for every command and config.

    1. an existing file: ``value`` itself if absolute, else relative to ``base_dir`` (the
       folder of the file that names it; the current folder when None);
    2. a shipped accelerator: ``eie``, ``eie.yaml`` or ``arch_configs/eie.yaml`` from any
       folder (:func:`shipped_arch_dir`);
    3. otherwise the path as given (relative to ``base_dir``), so that reading it raises
       FileNotFoundError naming it; but a bare name (no folder, no suffix) that is neither
       raises :class:`ConfigError` at ``key`` listing the shipped names.

    Example: ``resolve_arch_path("eie")`` -> ``.../arch_configs/eie.yaml``;
    ``resolve_arch_path("fast", key="--arch")`` raises ``--arch must be an accelerator YAML
    file or a shipped accelerator (a100_sxm, eie, ...). Got 'fast' instead.``
    """
    path = Path(value).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    if path.is_file():
        return path
    shipped = shipped_arch_path(str(value))
    if shipped is not None:
        return shipped
    if not Path(value).suffix and len(Path(value).parts) == 1:
        raise ConfigError([Problem(key, "must be an accelerator YAML file or a shipped "
                                   f"accelerator ({', '.join(shipped_arch_names())})",
                                   str(value), source)])
    return path


def load_arch_config(path) -> ArchConfig:
    """Read and validate an accelerator YAML file; raises ConfigError listing every problem.

    ``path`` may name a shipped accelerator (``"eie"``; :func:`resolve_arch_path`). Relative
    ``energy_reference`` paths are resolved against the file's folder.
    """
    path = resolve_arch_path(path)
    source = str(path)
    data, duplicates = parse_yaml(read_text(path), source)
    return parse_arch_config(data, source, base_dir=str(Path(path).parent),
                             extra_problems=duplicates)


def parse_arch_config(data: dict, source: str = "<dict>", base_dir: Optional[str] = None,
                      extra_problems: tuple[Problem, ...] = ()) -> ArchConfig:
    """Validate an already-parsed mapping (sweeps rebuild variants through here).

    ``source`` names the input in messages; ``extra_problems`` (e.g. duplicate YAML keys)
    are reported together with the ones found here.
    """
    if not isinstance(data, dict):
        raise ConfigError([*extra_problems, Problem(
            "<root>", "must be a mapping with keys such as name, memories, compute",
            type(data).__name__ if data is not None else NOTHING, source)])
    context = {"source": source, "base_dir": base_dir}
    try:
        config = ArchConfig.model_validate(data, context=context)
    except ValidationError as exc:
        problems = problems_from_validation_error(exc, ArchConfig, source)
        bad_paths = tuple(error_path(e["loc"], ArchConfig) for e in exc.errors())
        partial = semantic_problems(ConfigParts.from_raw(data, base_dir, bad_paths))
        reported = {p.path for p in problems}
        problems += [_located(p, source) for p in partial if p.path not in reported]
        raise ConfigError(_unique([*extra_problems, *problems])) from None
    except ConfigError as exc:
        raise ConfigError(_unique([*extra_problems, *exc.problems])) from None
    if extra_problems:
        raise ConfigError(extra_problems)
    return config


def _located(problem: Problem, source: str) -> Problem:
    return problem if problem.file else replace(problem, file=source)


def _unique(problems) -> list[Problem]:
    seen, out = set(), []
    for problem in problems:
        key = str(problem)
        if key not in seen:
            seen.add(key)
            out.append(problem)
    return out
