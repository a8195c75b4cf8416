"""A validated spec -> the plan: the base accelerator's mapping, the resolved workloads and
every point (overrides x workload x objective), each with a stable id.

A point's id hashes its overrides (sorted by key), its workload (name, profile, batch), its
objective, and digests of the base file's content and of the resolved network, so a rerun of
the same spec finds the points already done, and an edited base file or workload file gives
new ids (nothing stale is reused).

Grid order: the cartesian product in axis order (last axis fastest), then workloads, so one
accelerator variant's points sit next to each other (a chunk builds each variant once).
Example: ``grid: {a: [1, 2], b: [x, y]}`` x workloads ``[w1, w2]`` -> 8 points, ``(a=1, b=x,
w1), (a=1, b=x, w2), (a=1, b=y, w1), ...``.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from hwsim import __version__
from hwsim.config.loader import load_arch_config, shipped_arch_path
from hwsim.config.yaml_io import parse_yaml, read_text
from hwsim.errors import ConfigError, Problem
from hwsim.sweep.keys import key_problems
from hwsim.sweep.spec import (OBJECTIVE_KEY, RandomParameter, SweepSpec, WorkloadEntry,
                              _looks_like_file, load_sweep_spec)
from hwsim.types import Objective
from hwsim.workload import Network, resolve_network


@dataclass(frozen=True)
class Axis:
    """One swept key and its values, in spec order."""

    key: str
    values: tuple


@dataclass(frozen=True)
class SweepPoint:
    """One evaluation: ``overrides`` ((dotted key, value) in axis order) on the base, one
    workload (by label) and the mapping objective."""

    id: str
    overrides: tuple[tuple[str, Any], ...]
    workload: str
    objective: str

    @property
    def arch_overrides(self) -> tuple[tuple[str, Any], ...]:
        """The overrides that change the accelerator (all but the ``objective`` axis)."""
        return tuple((k, v) for k, v in self.overrides if k != OBJECTIVE_KEY)


@dataclass(frozen=True)
class ResolvedWorkload:
    label: str
    entry: WorkloadEntry
    network: Network
    digest: str


@dataclass(frozen=True, kw_only=True)
class SweepPlan:
    """Everything a sweep needs, already validated (see :func:`build_plan`)."""

    name: str
    kind: str                       # "grid" or "random"
    base_path: str
    base_data: dict
    base_digest: str
    workloads: tuple[ResolvedWorkload, ...]
    axes: tuple[Axis, ...]
    objective: str
    points: tuple[SweepPoint, ...]
    duplicates_dropped: int = 0
    mappings: Any = None
    """A :class:`hwsim.config.mapping.MappingFile` (``hwsim sweep --mapping``) every point
    is estimated under; see :func:`with_mappings`."""

    @property
    def base_dir(self) -> str:
        return str(Path(self.base_path).parent)

    @property
    def networks(self) -> dict[str, Network]:
        return {w.label: w.network for w in self.workloads}


def load_plan(spec_path) -> SweepPlan:
    """Read a spec file and build its plan (ConfigError lists every problem)."""
    return build_plan(load_sweep_spec(spec_path), spec_path)


def build_plan(spec: SweepSpec, spec_path) -> SweepPlan:
    """Resolve the base file and workloads (relative to the spec file), check every key path
    against the schema and the base, and expand the points."""
    source = str(spec_path)
    spec_dir = Path(spec_path).parent
    base_path = Path(os.path.normpath(spec_dir / spec.base))
    base_path = base_path if base_path.is_file() else shipped_arch_path(spec.base) or base_path
    problems: list[Problem] = []
    base_data = _base_data(base_path, source, problems)
    workloads = _workloads(spec, spec_dir, source, problems)
    axes = _axes(spec)
    where = "grid" if spec.grid is not None else "random.parameters"
    for axis in axes:
        problems += _axis_problems(axis, base_data, f"{where}.{axis.key}", source)
    problems += _size_problems(spec, axes, max(len(workloads), 1), source)
    if problems:
        raise ConfigError(problems)
    combos, dropped = _combinations(spec, axes)
    digest = _digest(base_data)
    points = tuple(_point(combo, w, spec.objective, digest)
                   for combo in combos for w in workloads)
    return SweepPlan(name=spec.name or Path(spec_path).stem,
                     kind="grid" if spec.grid else "random", base_path=str(base_path),
                     base_data=base_data, base_digest=digest, workloads=workloads, axes=axes,
                     objective=str(spec.objective), points=points, duplicates_dropped=dropped)


MAX_POINTS = 10_000_000
"""The most points a plan expands to (each point is a record in memory and a row on disk;
design-space studies run 1e5-1e6). Counted from the spec before anything is expanded."""


def _size_problems(spec: SweepSpec, axes: tuple[Axis, ...], workloads: int,
                   source: str) -> list[Problem]:
    """A sweep of more than :data:`MAX_POINTS` points, refused before it is expanded.

    Example: a grid of three 1,000-value axes x 1 workload = 1,000,000,000 points -> refused.
    """
    if spec.grid is not None:
        sizes = [len(a.values) for a in axes]
        where, what = "grid", " x ".join(f"{n:,}" for n in sizes) + " values"
    else:
        sizes = [spec.random.samples]
        where, what = "random.samples", f"{spec.random.samples:,} samples"
    total = math.prod(sizes) * workloads
    if total <= MAX_POINTS:
        return []
    return [Problem(where, f"must expand to at most {MAX_POINTS:,} points ({what} x "
                    f"{workloads} workload{'s' if workloads != 1 else ''}; split the sweep "
                    "or sample it with random:)", f"{total:,} points", source)]


def _base_data(path: Path, source: str, problems: list) -> dict:
    """The base file's raw mapping (variants are rebuilt from it); it must validate itself."""
    try:
        data, _ = parse_yaml(read_text(path), str(path))
        load_arch_config(path)
        return data
    except OSError as exc:
        problems.append(Problem("base", f"must be a readable accelerator file ({exc.strerror})",
                                str(path), source))
    except ConfigError as exc:
        problems.extend(exc.problems)
    return {}


def _workloads(spec: SweepSpec, spec_dir: Path, source: str, problems: list
               ) -> tuple[ResolvedWorkload, ...]:
    out, labels = [], set()
    for index, entry in ((i, v) for i, e in enumerate(spec.workloads) for v in e.variants()):
        label = entry.display_label
        if label in labels:
            problems.append(Problem(f"workloads.{index}.label", "must be unique (give a label)",
                                    label, source))
        labels.add(label)
        name = spec_dir / entry.workload if _looks_like_file(entry.workload) else entry.workload
        try:
            net = _network(name, entry)
        except (ConfigError, OSError) as exc:
            problems.append(Problem(f"workloads.{index}", f"must resolve to a network ({exc})",
                                    entry.identity(), source))
            continue
        out.append(ResolvedWorkload(label, entry, net, network_digest(net)))
    return tuple(out)


def _network(name, entry) -> Network:
    """The entry's network: a decoder phase when it gives phase keys, else as resolved."""
    if not entry.is_phase:
        return resolve_network(name, profile=entry.profile, batch=entry.batch)
    from hwsim.workload.decoder import DEFAULT_CONTEXT_LEN, PhaseConfig
    from hwsim.workload.llm import phase_network
    phase = PhaseConfig(phase=entry.phase or "prefill",
                        context_len=entry.context_len or DEFAULT_CONTEXT_LEN,
                        batch=entry.batch or 1, kv_bits=entry.kv_bits)
    return phase_network(name, phase, profile=entry.profile)


def _axes(spec: SweepSpec) -> tuple[Axis, ...]:
    if spec.grid is not None:
        return tuple(Axis(k, tuple(v)) for k, v in spec.grid.items())
    return tuple(Axis(k, tuple(p.choices or ())) for k, p in spec.random.parameters.items())


def _axis_problems(axis: Axis, base: dict, where: str, source: str) -> list[Problem]:
    if axis.key != OBJECTIVE_KEY:
        return key_problems(axis.key, axis.values, base, where, source) if base else []
    allowed = [str(o) for o in Objective]
    if not axis.values:
        return [Problem(where, f"must be a list of choices among {', '.join(allowed)} (not a "
                        "range)", "range", source)]
    return [Problem(f"{where}.{i}", f"must be one of {', '.join(allowed)}", v, source)
            for i, v in enumerate(axis.values) if v not in allowed]


def _combinations(spec: SweepSpec, axes: tuple[Axis, ...]) -> tuple[list[tuple], int]:
    """Override tuples in plan order, and how many repeats (same overrides twice) were dropped."""
    if spec.grid is not None:
        keys = [a.key for a in axes]
        combos = [tuple(zip(keys, values))
                  for values in itertools.product(*(a.values for a in axes))]
    else:
        rng = np.random.default_rng(spec.random.seed)
        params = spec.random.parameters
        combos = [tuple((key, draw(param, rng)) for key, param in params.items())
                  for _ in range(spec.random.samples)]
    seen: set[str] = set()
    kept = []
    for combo in combos:
        ident = canonical_json(combo)
        if ident not in seen:
            seen.add(ident)
            kept.append(combo)
    return kept, len(combos) - len(kept)


def draw(param: RandomParameter, rng: np.random.Generator) -> Any:
    """One seeded draw: a choice, or a value in [low, high] (log-uniform when ``log``).

    Example: ``low: 1, high: 100, log: true`` and a uniform draw u = 0.5 gives
    exp(ln 1 + 0.5 (ln 100 - ln 1)) = 10.
    """
    if param.choices is not None:
        return param.choices[int(rng.integers(len(param.choices)))]
    u = float(rng.random())
    if param.log:
        lo, hi = math.log(param.low), math.log(param.high)
        value = math.exp(lo + u * (hi - lo))
    else:
        value = param.low + u * (param.high - param.low)
    return int(round(value)) if param.integer else value


def _point(combo: tuple, workload: ResolvedWorkload, default_objective: Objective,
           base_digest: str) -> SweepPoint:
    objective = str(dict(combo).get(OBJECTIVE_KEY, default_objective))
    ident = {"overrides": sorted([list(kv) for kv in combo], key=lambda kv: kv[0]),
             "workload": workload.entry.identity(), "objective": objective,
             "base": base_digest, "network": workload.digest, "hwsim": __version__}
    return SweepPoint(_digest(ident)[:20], combo, workload.label, objective)


def with_mappings(plan: SweepPlan, mappings) -> SweepPlan:
    """``plan`` with every point estimated under the mapping file ``mappings``; the points'
    ids include the file's content, so results computed without it (or with another) are not
    reused."""
    digest = _digest({"mappings": mappings.config.model_dump(mode="json")})
    points = tuple(SweepPoint(_digest({"point": p.id, "mappings": digest})[:20], p.overrides,
                              p.workload, p.objective) for p in plan.points)
    return SweepPlan(**{**{f.name: getattr(plan, f.name) for f in fields(plan)},
                        "points": points, "mappings": mappings})


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces; anything not JSON (dates) as its str."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _digest(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


def network_digest(network: Network) -> str:
    """A digest of every layer's shape, densities and exact data (masks included)."""
    h = hashlib.sha256(network.name.encode())
    for layer in network.layers:
        for f in fields(layer):
            value = getattr(layer, f.name)
            if isinstance(value, np.ndarray):
                h.update(np.ascontiguousarray(value).tobytes())
                h.update(str(value.shape).encode())
            else:
                h.update(repr(value).encode())
    return h.hexdigest()

