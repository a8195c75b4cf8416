"""Mapping files (``--mapping FILE`` on estimate, simulate and sweep): user-pinned mappings and
constraints on the mapping search, as Timeloop and ZigZag users write them.

A pinned mapping is written exactly as hwsim prints it (``hwsim estimate --format json``:
``layers[].mapping``), so a printed mapping fed back reproduces the same numbers; an estimate's
whole JSON output is accepted as a mapping file too (every layer pinned). Entries match a layer
by ``layer`` name, by ``shape`` (loop bounds; any subset of N G K C P Q R S and ``stride``), or
both; the first matching entry wins. Example::

    mappings:
      - layer: conv1
        mapping:
          dataflow: row_stationary
          spatial: [[R, 11], [P, 7], [K, 2]]          # Eyeriss: set rows, e, r (C), t (K)
          levels:
            - {level: dram, order: [NPQ, K], factors: {N: 4, P: 8, K: 3}}
            - {level: glb, order: [K, CRS, NPQ], factors: {C: 3}}
            - {level: pe, order: [NPQ, K, CRS], factors: {K: 16, Q: 55, S: 11}}
      - shape: {K: 4096, C: 9216}
        mapping:                                     # a generic (loop-nest) mapping
          dataflow: row_stationary
          spatial: [[C, 12], [K, 14]]
          levels:
            - {level: dram, order: [NPQ, K, CRS], factors: {K: 16, C: 96}}
            - {level: buffer, order: [NPQ, K, CRS]}
    constraints:
      - layer: conv2                                 # no layer/shape: every layer
        row_stationary: {q: 2, n: 1}                 # fix some of e r t p q n
        orders: {dram: [NPQ, K, CRS]}                # fix a level's loop order (generic search)
        spatial: [[C, 12], [K, 14]]                  # fix the spatial unrolling (generic search)
        bypass: {glb: [weights]}                     # an operand skips a level (generic search)

Every problem is reported at once with its dotted path (``mappings.0.mapping.levels.1.order``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hwsim.config.base import MAX_COUNT, NoBool, Section
from hwsim.config.problems import problems_from_validation_error
from hwsim.config.yaml_io import load_json_text, load_yaml_text, read_text
from hwsim.errors import ConfigError, Problem
from hwsim.types import Operand

DIM_NAMES = ("N", "G", "K", "C", "P", "Q", "R", "S")
GROUPS = ("NPQ", "K", "CRS")
RS_KEYS = ("e", "r", "t", "p", "q", "n")


class _Section(Section):
    """Strict section (:class:`hwsim.config.base.Section`)."""


Dim = Literal["N", "G", "K", "C", "P", "Q", "R", "S"]
Group = Literal["NPQ", "K", "CRS"]
Pos = Annotated[int, NoBool, Field(gt=0, le=MAX_COUNT)]
Factor = Annotated[float, NoBool, Field(gt=0, le=MAX_COUNT)]


def _order(value: tuple) -> tuple:
    if len(set(value)) != len(value):
        raise ValueError("must not repeat a loop group")
    return value


class LevelPin(_Section):
    """One level of a printed mapping: its loop order (outer -> inner groups) and trips."""

    level: Annotated[str, Field(min_length=1)]
    order: tuple[Group, ...] = ()
    factors: dict[Dim, Pos] = {}

    _check_order = field_validator("order")(classmethod(lambda cls, v: _order(v)))


class MappingPin(_Section):
    """A whole mapping as printed (``LayerMapping.to_dict()``; extra printed keys allowed)."""

    model_config = ConfigDict(extra="ignore", frozen=True, allow_inf_nan=False)

    dataflow: str
    spatial: tuple[tuple[Dim, Factor], ...] = ()
    levels: tuple[LevelPin, ...]


class ShapeMatch(_Section):
    """Loop bounds a layer must have (any subset)."""

    N: Optional[Pos] = None
    G: Optional[Pos] = None
    K: Optional[Pos] = None
    C: Optional[Pos] = None
    P: Optional[Pos] = None
    Q: Optional[Pos] = None
    R: Optional[Pos] = None
    S: Optional[Pos] = None
    stride: Optional[Pos] = None


class RsFixed(_Section):
    """Row-stationary parameters held fixed (Eyeriss notation: e output rows per set, r / t
    channel / filter sets, p filters, q channels, n images per PE)."""

    e: Optional[Pos] = None
    r: Optional[Pos] = None
    t: Optional[Pos] = None
    p: Optional[Pos] = None
    q: Optional[Pos] = None
    n: Optional[Pos] = None


class MappingEntry(_Section):
    layer: Optional[str] = None
    shape: Optional[ShapeMatch] = None
    mapping: MappingPin


class ConstraintEntry(_Section):
    layer: Optional[str] = None
    shape: Optional[ShapeMatch] = None
    row_stationary: Optional[RsFixed] = None
    orders: dict[str, tuple[Group, ...]] = {}
    spatial: Optional[tuple[tuple[Dim, Factor], ...]] = None
    bypass: dict[str, tuple[Operand, ...]] = {}


class MappingFileConfig(_Section):
    mappings: tuple[MappingEntry, ...] = ()
    constraints: tuple[ConstraintEntry, ...] = ()


@dataclass(frozen=True)
class LayerPins:
    """What a mapping file says about one layer: the pinned mapping (or None) and the
    constraints that apply (merged: later entries add to earlier ones)."""

    mapping: MappingPin | None = None
    rs_fixed: tuple[tuple[str, int], ...] = ()
    orders: tuple[tuple[str, tuple[str, ...]], ...] = ()
    spatial: tuple[tuple[str, float], ...] | None = None
    bypass: tuple[tuple[str, str], ...] = ()

    @property
    def empty(self) -> bool:
        return (self.mapping is None and not self.rs_fixed and not self.orders
                and self.spatial is None and not self.bypass)


def _bounds(layer) -> dict:
    from hwsim.cost.nest import LoopBounds
    b = LoopBounds.of(layer)
    out = {d: b[d] for d in ("N", "K", "C", "P", "Q", "R", "S")}
    out["G"] = layer.groups
    out["stride"] = layer.stride[0]
    return out


def _matches(entry, layer, bounds: dict) -> bool:
    if entry.layer is not None and entry.layer != layer.name:
        return False
    if entry.shape is not None:
        for key, value in entry.shape.model_dump(exclude_none=True).items():
            if bounds.get(key) != value:
                return False
    return True


@dataclass(frozen=True)
class MappingFile:
    """A validated mapping file; :meth:`pins` gives what applies to a layer."""

    config: MappingFileConfig
    source: str = "<mapping>"

    def pins(self, layer) -> LayerPins:
        bounds = _bounds(layer)
        mapping = next((e.mapping for e in self.config.mappings
                        if _matches(e, layer, bounds)), None)
        fixed: dict = {}
        orders: dict = {}
        spatial = None
        bypass: list = []
        for c in self.config.constraints:
            if not _matches(c, layer, bounds):
                continue
            if c.row_stationary is not None:
                fixed.update(c.row_stationary.model_dump(exclude_none=True))
            orders.update(c.orders)
            spatial = c.spatial if c.spatial is not None else spatial
            bypass += [(lvl, str(op)) for lvl, ops in c.bypass.items() for op in ops]
        return LayerPins(mapping, tuple(fixed.items()), tuple(orders.items()), spatial,
                         tuple(bypass))

    def __hash__(self) -> int:
        return hash(self.source) ^ hash(json.dumps(self.config.model_dump(mode="json"),
                                                   sort_keys=True))


def _from_estimate_json(data: dict) -> dict:
    """An estimate's JSON output -> a mapping file pinning every layer by name."""
    layers = data.get("layers", [])
    out = []
    for row in layers:
        side = row.get("pruned", row) if isinstance(row, dict) else {}
        mapping = side.get("mapping") if isinstance(side, dict) else None
        name = side.get("name", row.get("name")) if isinstance(side, dict) else None
        if mapping:
            out.append({"layer": name, "mapping": mapping})
    return {"mappings": out}


def parse_mapping_file(data, source: str = "<mapping>", arch=None) -> MappingFile:
    """Validate ``data`` (a parsed mapping file, or an estimate's JSON output); raises
    ConfigError with every problem and its dotted path. With ``arch``, level names are checked
    against its memories too."""
    if isinstance(data, dict) and "layers" in data and "mappings" not in data:
        data = _from_estimate_json(data)
    if not isinstance(data, dict):
        raise ConfigError([Problem("mapping file", "must be a mapping with 'mappings' and/or "
                                   "'constraints'", type(data).__name__, source)])
    try:
        config = MappingFileConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(list(problems_from_validation_error(exc, MappingFileConfig,
                                                              source))) from None
    if arch is not None:
        check_levels(config, arch, source)
    return MappingFile(config, source)


def check_levels(config: MappingFileConfig, arch, source: str = "<mapping>") -> None:
    """Level names in pins, orders and bypasses must be the arch's (or ``buffer`` / ``pe``,
    the generic model's inner tile and the row-stationary PE level)."""
    names = {l.name for l in arch.memories} | {"buffer", "pe", "glb"}
    problems = []
    for i, entry in enumerate(config.mappings):
        for j, level in enumerate(entry.mapping.levels):
            if level.level not in names:
                problems.append(Problem(f"mappings.{i}.mapping.levels.{j}.level",
                                        f"must be one of {', '.join(sorted(names))}",
                                        level.level, source))
    for i, c in enumerate(config.constraints):
        for key in list(c.orders) + list(c.bypass):
            if key not in names:
                where = "orders" if key in c.orders else "bypass"
                problems.append(Problem(f"constraints.{i}.{where}.{key}",
                                        f"must name a level: one of {', '.join(sorted(names))}",
                                        key, source))
    if problems:
        raise ConfigError(problems)


def load_mapping_file(path, arch=None) -> MappingFile:
    """Read and validate a mapping file (YAML or JSON); raises ConfigError."""
    text = read_text(path)
    parse = load_json_text if str(path).lower().endswith(".json") else load_yaml_text
    data = parse(text, str(path))
    return parse_mapping_file(data, str(path), arch)
