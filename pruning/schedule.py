"""Pruning schedules in YAML (as Distiller and SparseML recipes): validated, frozen, all problems at once.

A schedule is dense training, then iterations of prune -> retrain. Every key has a default
except ``name`` and the pruning steps. The shipped ones live in ``pruning/schedules/``::

    name: han2015_lenet300
    seed: 0
    train:   {epochs: 30, lr: 0.05, lr_schedule: cosine, regularization: {kind: l2, strength: 1.0e-4}}
    retrain: {epochs: 10, lr_fraction: 0.1}          # Han et al. 2015: 1/10 of the LR for LeNet
    pruning:
      method: han_threshold                        # han_threshold | sparsity | global_magnitude
      iterations:                                  #   | l1_structured | n_m
        - quality: {default: 1.0, fc3: 0.5}        # threshold = quality x std of the layer
        - quality: 1.2

Per-layer values (``quality``, ``sparsity``, ``pattern``, ``final_sparsity``) are one value for
every pruned layer, or a mapping ``{layer: value, default: value}``; a layer that is neither
listed nor covered by ``default`` is left alone in that step. Sparsities are *cumulative*
targets; a float is a fraction, an int a count of weights (``1`` vs ``1.0``, as torch).
``quality: auto`` picks each layer's quality from the sensitivity analysis (largest quality whose
accuracy drop without retraining is within ``sensitivity.tolerance_pp``, on a validation split).
Write floats with a dot (``1.0e-4``): YAML reads ``1e-4`` as a string (pydantic converts it).
"""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hwsim.config.problems import indexed, problems_from_validation_error
from hwsim.errors import ConfigError, Problem
from pruning.hw_config import HardwareAwareConfig

SCHEDULE_PACKAGE = "pruning.schedules"
DEFAULT_KEY = "default"
Method = Literal["han_threshold", "sparsity", "global_magnitude", "l1_structured", "n_m"]
# Which iteration key each method reads.
METHOD_PARAMETER = {"han_threshold": "quality", "sparsity": "sparsity",
                    "global_magnitude": "sparsity", "l1_structured": "sparsity",
                    "n_m": "pattern"}
STRUCTURE_DIM = {"filters": 0, "neurons": 0, "channels": 1}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RegularizationConfig(_Section):
    """Penalty on Conv2d/Linear weights (biases are not penalised).

    l2: strength/2 x sum(w^2) (gradient strength x w, as SGD weight decay); l1: strength x
    sum(|w|). Default 5e-4 is Caffe's LeNet ``weight_decay`` (examples/mnist/lenet_solver.prototxt).
    """

    kind: Literal["none", "l1", "l2"] = "l2"
    strength: float = Field(5.0e-4, ge=0)


class TrainConfig(_Section):
    """Dense training: SGD with momentum. Defaults: Caffe's LeNet solver (lr 0.01, momentum
    0.9, batch 64; examples/mnist/lenet_solver.prototxt and lenet_train_test.prototxt)."""

    epochs: int = Field(20, ge=0)
    batch_size: int = Field(64, ge=1)
    lr: float = Field(0.01, gt=0)
    momentum: float = Field(0.9, ge=0, lt=1)
    lr_schedule: Literal["constant", "cosine"] = "constant"
    regularization: RegularizationConfig = RegularizationConfig()
    dropout: Optional[float] = Field(None, ge=0, lt=1)


class RetrainConfig(_Section):
    """Retraining after each pruning step at ``lr_fraction`` x the initial learning rate
    (Han et al. 2015: 1/10 for LeNet, 1/100 for AlexNet; HAN15_T). ``regularization`` None
    keeps the dense training's. ``adjust_dropout``: D_r = D_o x sqrt(C_ir / C_io) (Eq. 2)."""

    epochs: int = Field(10, ge=0)
    lr_fraction: float = Field(0.1, gt=0, le=1)
    lr_schedule: Literal["constant", "cosine"] = "constant"
    regularization: Optional[RegularizationConfig] = None
    adjust_dropout: bool = True


class IterationConfig(_Section):
    """One prune -> retrain step; set the key that ``pruning.method`` reads."""

    quality: Optional[dict[str, Any]] = None
    sparsity: Optional[dict[str, Any]] = None
    pattern: Optional[dict[str, tuple[int, int]]] = None
    retrain_epochs: Optional[int] = Field(None, ge=0)

    @field_validator("quality", mode="before")
    @classmethod
    def _quality(cls, value):
        return _per_layer(value, _quality_value)

    @field_validator("sparsity", mode="before")
    @classmethod
    def _sparsity(cls, value):
        return _per_layer(value, _sparsity_value)

    @field_validator("pattern", mode="before")
    @classmethod
    def _pattern(cls, value):
        return _per_layer(value, _pattern_value)


class GradualConfig(_Section):
    """Gradual pruning (Zhu & Gupta 2017): s_t = s_f + (s_i - s_f)(1 - t/(steps-1))^exponent.

    Example: initial 0.5, final 0.9, 3 steps, exponent 3 -> 0.5, 0.85, 0.9.
    """

    initial_sparsity: float = Field(0.5, ge=0, le=1)
    final_sparsity: dict[str, Any]
    steps: int = Field(ge=1)
    exponent: float = Field(3.0, gt=0)

    @field_validator("final_sparsity", mode="before")
    @classmethod
    def _final(cls, value):
        return _per_layer(value, _fraction_value)

    def iterations(self) -> tuple[IterationConfig, ...]:
        """The expanded prune steps, one sparsity mapping per step."""
        return tuple(IterationConfig(sparsity={layer: self.target(final, t)
                                               for layer, final in self.final_sparsity.items()})
                     for t in range(self.steps))

    def target(self, final: float, t: int) -> float:
        """Sparsity at step t (0-based) towards ``final``."""
        if self.steps == 1:
            return float(final)
        progress = 1.0 - t / (self.steps - 1)
        return float(final + (self.initial_sparsity - final) * progress ** self.exponent)


class PruningConfig(_Section):
    """What is pruned, how, and in which phases."""

    method: Method = "han_threshold"
    layers: Optional[tuple[str, ...]] = None
    exclude: tuple[str, ...] = ()
    phases: Literal["together", "conv_then_fc", "fc_then_conv"] = "together"
    iterations: tuple[IterationConfig, ...] = ()
    gradual: Optional[GradualConfig] = None
    structure: Literal["filters", "neurons", "channels"] = "filters"
    remove_dead_neurons: bool = True

    def steps(self) -> tuple[IterationConfig, ...]:
        """``iterations``, or the gradual schedule expanded into iterations."""
        return self.gradual.iterations() if self.gradual is not None else self.iterations


class SensitivityConfig(_Section):
    """Per-layer accuracy vs pruning without retraining (Han et al. 2015, Figure 6)."""

    qualities: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)
    sparsities: tuple[float, ...] = (0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98)
    tolerance_pp: float = Field(0.5, ge=0)
    validation_fraction: float = Field(0.1, gt=0, lt=1)


class ExportConfig(_Section):
    """Measurement of activation densities and effective MACs on the first test images.

    ``compact``: also write the compacted network (fully pruned channels / neurons removed,
    :mod:`pruning.compact`) to ``compacted_workload_file``; the main job then estimates it."""

    samples: int = Field(1000, ge=1)
    workload_file: str = "workload.yaml"
    compact: bool = False
    compacted_workload_file: str = "workload_compacted.yaml"

    @field_validator("workload_file", "compacted_workload_file")
    @classmethod
    def _suffix(cls, value: str) -> str:
        if not value.endswith((".yaml", ".yml", ".json")):
            raise ValueError("must end in .yaml, .yml or .json")
        return value


class ScheduleConfig(_Section):
    """A whole schedule file (see the module docstring)."""

    name: str = Field(min_length=1)
    description: str = ""
    model: Optional[str] = None
    seed: int = 0
    train: TrainConfig = TrainConfig()
    retrain: RetrainConfig = RetrainConfig()
    pruning: PruningConfig
    sensitivity: SensitivityConfig = SensitivityConfig()
    export: ExportConfig = ExportConfig()
    hardware: Optional[HardwareAwareConfig] = None     # prune for an accelerator (hw_aware.py)

    @property
    def retrain_regularization(self) -> RegularizationConfig:
        return self.retrain.regularization or self.train.regularization


# ---- loading ------------------------------------------------------------------------------------

def list_schedules() -> tuple[str, ...]:
    """Names of the schedules shipped in ``pruning/schedules/``."""
    folder = resources.files(SCHEDULE_PACKAGE)
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml")))


def load_schedule(name_or_path: str | os.PathLike) -> ScheduleConfig:
    """A shipped schedule by name (``han2015_lenet300``) or a YAML file path."""
    path = Path(name_or_path)
    if not path.is_file():
        if str(name_or_path) not in list_schedules():
            raise ConfigError([Problem("--schedule", "must be a YAML file or one of "
                                       + ", ".join(list_schedules()), str(name_or_path))])
        path = Path(str(resources.files(SCHEDULE_PACKAGE) / f"{name_or_path}.yaml"))
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError([Problem("", "must be valid YAML", str(exc).splitlines()[0],
                                   str(path))]) from None
    return parse_schedule(data, source=str(path))


def parse_schedule(data: Any, source: str | None = None) -> ScheduleConfig:
    """Validate a schedule mapping; every problem (with file, dotted path, value) at once."""
    if not isinstance(data, dict):
        raise ConfigError([Problem("", "must be a mapping with keys "
                                   + ", ".join(ScheduleConfig.model_fields),
                                   type(data).__name__, source)])
    try:
        schedule = ScheduleConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(problems_from_validation_error(
            exc, ScheduleConfig, source, location=indexed, bare_choices=True)) from None
    problems = schedule_problems(schedule, source)
    if problems:
        raise ConfigError(problems)
    return schedule


def schedule_problems(schedule: ScheduleConfig, source: str | None = None) -> list[Problem]:
    """Cross-field rules: one kind of steps, and the parameter each method reads."""
    pruning, problems = schedule.pruning, []
    if schedule.hardware is not None:       # the hardware-aware search replaces the steps
        problems += [Problem(f"hardware.{path}", rule, value, source)
                     for path, rule, value in schedule.hardware.problems()]
    elif bool(pruning.iterations) == (pruning.gradual is not None):
        problems.append(Problem("pruning", "must have exactly one of iterations and gradual",
                                sorted(k for k in ("iterations", "gradual")
                                       if getattr(pruning, k)), source))
    wanted = METHOD_PARAMETER[pruning.method]
    if pruning.gradual is not None and wanted != "sparsity":
        problems.append(Problem("pruning.gradual", "must be used with a sparsity method "
                                "(sparsity, global_magnitude, l1_structured)", pruning.method,
                                source))
    for index, step in enumerate(pruning.iterations):
        problems += _iteration_problems(step, f"pruning.iterations[{index}]", pruning.method,
                                        source)
    return problems


def _iteration_problems(step: IterationConfig, path: str, method: str,
                        source: str | None) -> list[Problem]:
    wanted = METHOD_PARAMETER[method]
    problems = [Problem(f"{path}.{key}", f"must not be set with method {method} "
                        f"(it reads {wanted})", getattr(step, key), source)
                for key in ("quality", "sparsity", "pattern")
                if key != wanted and getattr(step, key) is not None]
    value = getattr(step, wanted)
    if value is None:
        problems.append(Problem(f"{path}.{wanted}", f"must be given with method {method}",
                                None, source))
    elif method == "global_magnitude" and set(value) != {DEFAULT_KEY}:
        problems.append(Problem(f"{path}.sparsity", "must be one value (not per layer) with "
                                "method global_magnitude", value, source))
    return problems


def layer_name_problems(schedule: ScheduleConfig, layers: list[str],
                        source: str | None = None) -> list[Problem]:
    """Layer names in the schedule that the model does not have (checked at run time)."""
    known, problems = set(layers), []
    allowed = f"must be a Conv2d/Linear layer of the model (one of {', '.join(layers)})"
    for key in ("layers", "exclude"):
        for name in getattr(schedule.pruning, key) or ():
            if name not in known:
                problems.append(Problem(f"pruning.{key}", allowed, name, source))
    steps = [(f"pruning.iterations[{i}]", s) for i, s in enumerate(schedule.pruning.iterations)]
    for path, step in steps:
        for key in ("quality", "sparsity", "pattern"):
            for name in (getattr(step, key) or {}):
                if name != DEFAULT_KEY and name not in known:
                    problems.append(Problem(f"{path}.{key}.{name}", allowed, name, source))
    if schedule.pruning.gradual is not None:
        for name in schedule.pruning.gradual.final_sparsity:
            if name != DEFAULT_KEY and name not in known:
                problems.append(Problem(f"pruning.gradual.final_sparsity.{name}", allowed,
                                        name, source))
    return problems


def value_for(values: dict[str, Any] | None, layer: str):
    """The layer's value in a per-layer mapping (its own key, else ``default``, else None)."""
    if values is None:
        return None
    return values.get(layer, values.get(DEFAULT_KEY))


# ---- per-layer value parsing (pydantic "before" validators) ----------------------------------

def _per_layer(value, parse) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, dict):
        bad = [k for k in value if not isinstance(k, str)]
        if bad:
            raise ValueError(f"must map layer names (strings) to values, not {bad!r}")
        return {layer: parse(item, f"{layer}: ") for layer, item in value.items()}
    return {DEFAULT_KEY: parse(value, "")}


def _quality_value(value, where: str):
    if value == "auto":
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"must be a number >= 0 or 'auto' ({where}got {value!r})")
    return float(value)


def _sparsity_value(value, where: str):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"must be a fraction in [0, 1] or a count ({where}got {value!r})")
    if isinstance(value, int) and value < 0 or isinstance(value, float) and not 0 <= value <= 1:
        raise ValueError(f"must be a float fraction in [0, 1] or an int count >= 0 "
                         f"({where}got {value!r})")
    return value


def _fraction_value(value, where: str):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"must be a fraction in [0, 1] ({where}got {value!r})")
    return float(value)


def _pattern_value(value, where: str) -> tuple[int, int]:
    if isinstance(value, (tuple, list)) and len(value) == 2:       # a dumped (n, m)
        value = f"{value[0]}:{value[1]}"
    parts = str(value).split(":")
    if len(parts) == 2 and all(p.strip().isdigit() for p in parts):
        n, m = int(parts[0]), int(parts[1])
        if 1 <= n <= m:
            return (n, m)
    raise ValueError(f"must be 'N:M' with 1 <= N <= M, e.g. '2:4' ({where}got {value!r})")
