"""Entry points: YAML file or dict -> validated :class:`~hwsim.config.schema.ArchConfig`.

Every problem of a file is reported at once (pydantic's field errors, duplicate keys and the
cross-field rules of :mod:`hwsim.config.checks` together), each with file, dotted path and the
bad value::

    >>> load_arch_config("arch_configs/eie.yaml").compute.pe_count
    64
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


def load_arch_config(path) -> ArchConfig:
    """Read and validate an accelerator YAML file; raises ConfigError listing every problem.

    Relative ``energy_reference`` paths are resolved against the file's folder.
    """
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
