"""The sweep spec file: a base accelerator, a grid or seeded random samples over dotted config
keys, crossed with workloads (pydantic, ``extra="forbid"``, frozen).

A spec (paths relative to the spec file)::

    name: glb_vs_array
    base: ../systolic_ws.yaml
    objective: energy                      # energy | latency | edp (mapping search and ranking)
    workloads:
      - {workload: alexnet, profile: han2015}
      - alexnet                            # a bare name: the dense network
    grid:                                  # cartesian product, values in the file's own units
      memories.filter_sram.size_bytes: [64 KiB, 128 KiB, 256 KiB]
      compute:                             # a mapping merges into the section (linked keys)
        - {pe_count: 256, array_rows: 16, array_cols: 16}
        - {pe_count: 1024, array_rows: 32, array_cols: 32}

or, instead of ``grid``, ``random: {samples: 200, seed: 0, parameters: {KEY: [choices] |
{low: 16 KiB, high: 1 MiB, log: true, integer: true}}}``. The pseudo key ``objective`` may be
an axis too (a per-point objective). Key paths are checked against the schema and the base file
by :func:`hwsim.sweep.plan.build_plan`; values are checked per point (an invalid point is
recorded with its reason).
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, ValidationError,
                      model_validator)

from hwsim.config.problems import NOTHING, problems_from_validation_error
from hwsim.config.schema import parse_size
from hwsim.config.base import NoBool, Section
from hwsim.config.yaml_io import parse_yaml, read_text
from hwsim.errors import ConfigError, Problem
from hwsim.types import Objective

OBJECTIVE_KEY = "objective"  # the one axis key that is not an accelerator config key


class _Section(Section):
    """Strict section: no inf/nan, no true/false for a number (:mod:`hwsim.config.base`)."""


def _workload_entry(value):
    """A bare string ``alexnet`` means ``{workload: alexnet}`` (the dense network)."""
    return {"workload": value} if isinstance(value, str) else value


class WorkloadEntry(_Section):
    """One workload: a built-in name or a workload file (relative to the spec), an optional
    sparsity profile and batch; ``label`` names it in tables and plots. A decoder LLM may run
    a ``phase`` (prefill | decode) at ``context_len`` tokens (a list sweeps it: one workload
    per value) with the KV cache at ``kv_bits`` (:mod:`hwsim.workload.llm`)::

        - {workload: llama2_7b, phase: decode, context_len: [128, 512, 2048], profile: nm_2_4}
    """

    workload: Annotated[str, Field(min_length=1)]
    profile: Optional[str] = None
    batch: Optional[Annotated[int, Field(gt=0)]] = None
    label: Optional[Annotated[str, Field(min_length=1)]] = None
    phase: Optional[Literal["prefill", "decode"]] = None
    context_len: Optional[Union[Annotated[int, Field(gt=0)],
                                Annotated[tuple[Annotated[int, Field(gt=0)], ...],
                                          Field(min_length=1)]]] = None
    kv_bits: Optional[Annotated[int, Field(gt=0)]] = None

    @property
    def display_label(self) -> str:
        """``label`` or ``workload[+profile][@bN][:phase@L]``: ``alexnet+han2015``,
        ``llama2_7b:decode@2048``."""
        if self.label:
            return self.label
        text = Path(self.workload).stem if _looks_like_file(self.workload) else self.workload
        text += f"+{self.profile}" if self.profile else ""
        text += f"@b{self.batch}" if self.batch else ""
        if self.is_phase:
            text += f":{self.phase or 'prefill'}@{self.context_len or 'default'}"
            text += f"/kv{self.kv_bits}" if self.kv_bits else ""
        return text

    @property
    def is_phase(self) -> bool:
        """True when a phase key is given (the workload is then a decoder phase)."""
        return any(v is not None for v in (self.phase, self.context_len, self.kv_bits))

    def variants(self) -> tuple["WorkloadEntry", ...]:
        """One entry per context length when ``context_len`` is a list, else itself."""
        if not isinstance(self.context_len, tuple):
            return (self,)
        return tuple(self.model_validate({**self.model_dump(), "context_len": ctx,
                                          "label": f"{self.label}@{ctx}" if self.label
                                          else None}) for ctx in self.context_len)

    def identity(self) -> dict:
        """What names the workload in a point's hash (the label is only a display name);
        the phase keys only when given, so other workloads keep their hashes."""
        out = {"workload": self.workload, "profile": self.profile, "batch": self.batch}
        if self.is_phase:
            out.update(phase=self.phase, context_len=self.context_len, kv_bits=self.kv_bits)
        return out


Workload = Annotated[WorkloadEntry, BeforeValidator(_workload_entry)]


def _looks_like_file(name: str) -> bool:
    return name.endswith((".yaml", ".yml", ".json")) or "/" in name


def _choices_shorthand(value):
    """A bare list ``[a, b]`` means ``{choices: [a, b]}``."""
    return {"choices": value} if isinstance(value, list) else value


class RandomParameter(_Section):
    """One sampled key: ``choices`` (drawn uniformly), or a range: uniform in [low, high],
    log-uniform when ``log``, rounded to an integer when ``integer``. ``low``/``high`` accept
    sizes such as ``"16 KiB"``."""

    choices: Optional[Annotated[tuple[Any, ...], Field(min_length=1)]] = None
    low: Optional[Annotated[float, NoBool, BeforeValidator(parse_size)]] = None
    high: Optional[Annotated[float, NoBool, BeforeValidator(parse_size)]] = None
    log: bool = False
    integer: bool = False

    @model_validator(mode="after")
    def _choices_or_range(self) -> "RandomParameter":
        ranged = self.low is not None or self.high is not None
        if self.choices is not None and ranged:
            raise ValueError("must give either choices or low and high, not both")
        if self.choices is None and (self.low is None or self.high is None):
            raise ValueError("must give choices, or both low and high")
        if ranged and self.high < self.low:
            raise ValueError(f"must have high >= low ({self.low:g})")
        if ranged and self.log and self.low <= 0:
            raise ValueError("must have low > 0 when log is true")
        return self


Choices = Annotated[tuple[Any, ...], Field(min_length=1)]
Parameter = Annotated[RandomParameter, BeforeValidator(_choices_shorthand)]


class RandomSpec(_Section):
    """``samples`` seeded draws; each parameter is a list of choices or a range."""

    samples: Annotated[int, NoBool, Field(gt=0)]
    seed: Annotated[int, NoBool] = 0
    parameters: Annotated[dict[str, Parameter], Field(min_length=1)]


class SweepSpec(_Section):
    """A whole sweep spec file (module docstring). Exactly one of ``grid`` and ``random``."""

    name: str = ""
    description: str = ""
    base: Annotated[str, Field(min_length=1)]
    workloads: Annotated[tuple[Workload, ...], Field(min_length=1)]
    objective: Objective = Objective.ENERGY
    grid: Optional[Annotated[dict[str, Choices], Field(min_length=1)]] = None
    random: Optional[RandomSpec] = None


def load_sweep_spec(path) -> SweepSpec:
    """Read and validate a sweep spec file; raises ConfigError listing every problem."""
    source = str(path)
    data, duplicates = parse_yaml(read_text(path), source)
    return parse_sweep_spec(data, source, duplicates)


def parse_sweep_spec(data, source: str = "<dict>",
                     extra_problems: tuple[Problem, ...] = ()) -> SweepSpec:
    """Validate a parsed mapping: field problems, then "exactly one of grid / random"."""
    if not isinstance(data, dict):
        got = type(data).__name__ if data is not None else NOTHING
        raise ConfigError([*extra_problems, Problem(
            "<root>", "must be a mapping with keys base, workloads and grid or random", got,
            source)])
    problems = list(extra_problems)
    spec = None
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        problems += problems_from_validation_error(exc, SweepSpec, source)
    problems += _grid_or_random(data, source)
    if problems:
        raise ConfigError(problems)
    return spec


def _grid_or_random(data: dict, source: str) -> list[Problem]:
    has_grid, has_random = data.get("grid") is not None, data.get("random") is not None
    if has_grid and has_random:
        return [Problem("random", "must be omitted when grid is given (give one of them)",
                        "random", source)]
    if not has_grid and not has_random:
        return [Problem("grid", "must be given (or random)", NOTHING, source)]
    return []
