"""Reference data as validated records: the energy table, DRAM presets, technology scaling.

The numbers live in ``hwsim/data/*.yaml`` (each with its source); this module only reads,
validates and combines them. Pure functions of immutable data.

Caching: the three packaged files (``dram_presets.yaml``, ``technology_scaling.yaml``, the
built-in energy tables) are read once per process and kept by a module-level
``lru_cache``. This is the one kind of module-level cache hwsim keeps, and why it is safe:
the key is the name of a file inside the installed package, whose content cannot change
while the process runs (package data, read-only), and the value is a frozen pydantic record
that no caller can mutate; without it every accelerator variant of a sweep would parse the
YAML again (a few ms each). A user's table file (``energy_reference: my_table.yaml``) is not
package data: see :func:`_file_table`.

Worked example (SRAM model, 45 nm): a 128 KiB SRAM read 64 bits wide costs
``3.80 * (131072 / 1024) ** 0.473 * 64 / 64 = 37.7 pJ`` (:func:`sram_energy_pj`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hwsim.config.base import NoBool, Section
from hwsim.config.yaml_io import load_yaml_file, load_yaml_text
from hwsim.errors import ConfigError, Problem

DEFAULT_ENERGY_TABLE = "horowitz_45nm"
_BUILTIN_TABLES = {"horowitz_45nm": "energy_45nm.yaml"}


class _Record(Section):
    """A record of a reference-data file (strict as the arch file's sections)."""


class EntryRecord(_Record):
    """One per-action energy with its source key and provenance mark."""

    energy_pj: Annotated[float, NoBool, Field(ge=0)]
    source: str
    provenance: str = ""
    note: str = ""


class RegisterFileRecord(_Record):
    energy_pj_per_bit: Annotated[float, NoBool, Field(ge=0)]
    source: str
    provenance: str = ""
    note: str = ""


class SramPointRecord(_Record):
    size_bytes: Annotated[int, NoBool, Field(gt=0)]
    energy_pj: Annotated[float, NoBool, Field(gt=0)]
    source: str
    provenance: str = ""


class SramModelRecord(_Record):
    reference_width_bits: Annotated[int, NoBool, Field(gt=0)]
    max_relative_error: Annotated[float, NoBool, Field(ge=0)]
    source: str
    provenance: str = ""
    points: Annotated[tuple[SramPointRecord, ...], Field(min_length=2)]


Arithmetic = dict[Literal["int", "float"], dict[Literal["mult", "add"], dict[int, EntryRecord]]]


class EnergyTable(_Record):
    """The energy reference table (``hwsim/data/energy_45nm.yaml`` by default)."""

    name: str
    technology_nm: Annotated[float, NoBool, Field(gt=0)]
    vdd_v: Annotated[float, NoBool, Field(gt=0)]
    sources: dict[str, str] = {}
    arithmetic: Arithmetic
    register_file: RegisterFileRecord
    sram_model: SramModelRecord


class DramPreset(_Record):
    energy_pj_per_bit: Annotated[float, NoBool, Field(ge=0)]
    energy_source: str
    energy_provenance: str = ""
    energy_note: str = ""
    bandwidth_gb_per_s: Annotated[float, NoBool, Field(gt=0)]
    width_bits: Annotated[int, NoBool, Field(gt=0)]
    burst_bytes: Annotated[int, NoBool, Field(gt=0)]
    bandwidth_source: str


class DramPresets(_Record):
    sources: dict[str, str]
    presets: dict[str, DramPreset]


class ScalingTable(_Record):
    source: str
    provenance: str = ""
    sources: dict[str, str]
    nodes: dict[int, tuple[float, float, float]]


def _data_text(filename: str) -> str:
    return resources.files("hwsim").joinpath("data", filename).read_text(encoding="utf-8")


def _validated(model: type[BaseModel], data, source: str):
    from hwsim.config.problems import problems_from_validation_error
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(problems_from_validation_error(exc, model, source)) from None


@lru_cache(maxsize=None)
def dram_presets() -> DramPresets:
    """The DRAM technology presets shipped in ``hwsim/data/dram_presets.yaml``."""
    name = "dram_presets.yaml"
    return _validated(DramPresets, load_yaml_text(_data_text(name), name), name)


@lru_cache(maxsize=None)
def technology_scaling() -> ScalingTable:
    """Stillmaker & Baas 2017 energy polynomials per node (``technology_scaling.yaml``)."""
    name = "technology_scaling.yaml"
    return _validated(ScalingTable, load_yaml_text(_data_text(name), name), name)


def resolve_reference(reference: str, base_dir: Optional[str] = None) -> str:
    """A built-in table's name unchanged, or a table file's absolute path (a relative path
    is taken from ``base_dir``, the arch file's folder)."""
    if reference in _BUILTIN_TABLES:
        return reference
    path = Path(reference)
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    return str(path.resolve())


TABLE_SUFFIXES = (".yaml", ".yml", ".json")
_TABLE_KEYS = tuple(name for name, field in EnergyTable.model_fields.items()
                    if field.is_required())


def energy_table(reference: str = DEFAULT_ENERGY_TABLE,
                 base_dir: Optional[str] = None) -> EnergyTable:
    """A built-in table by name (``horowitz_45nm``) or a YAML file path (see
    :func:`resolve_reference`).

    A file must lie inside ``base_dir``'s folder tree (the arch file's folder; the current
    folder when ``base_dir`` is None), have a YAML/JSON suffix and hold the table's keys;
    otherwise one ``energy_reference`` problem is raised that says why without showing the
    file's content (a path such as ``../../etc/passwd`` is refused before it is read).
    """
    if reference in _BUILTIN_TABLES:
        return _builtin_table(reference)
    path = Path(resolve_reference(reference, base_dir))
    root = Path(base_dir if base_dir is not None else ".").resolve()
    why = _refusal(path, root)
    if why is None:
        try:
            data = load_yaml_file(path)
        except ConfigError as exc:  # not text, not YAML: say so without quoting the file
            first = exc.problems[0]
            data, why = None, (f"must name a YAML energy-table file ({path.name}: "
                               f"{first.path} {first.requirement})")
        if why is None and (not isinstance(data, dict)
                            or not any(key in data for key in _TABLE_KEYS)):
            why = (f"must name an energy-table file (keys {', '.join(_TABLE_KEYS)}); "
                   f"{path.name} has none of them")
    if why is not None:
        raise ConfigError([Problem("energy_reference", why, reference)])
    return _file_table(str(path), path.stat().st_mtime_ns)


def _refusal(path: Path, root: Path) -> Optional[str]:
    """Why ``path`` cannot be an energy-table file (None: it may be one)."""
    builtin = f"must name a built-in table ({', '.join(_BUILTIN_TABLES)}) or"
    if not path.is_relative_to(root):
        return f"{builtin} a table file inside {root} (the arch file's folder tree)"
    if path.suffix.lower() not in TABLE_SUFFIXES:
        return f"{builtin} a YAML/JSON energy-table file ({', '.join(TABLE_SUFFIXES)})"
    if not path.is_file():
        return (f"{builtin} an energy-table file "
                f"({'a folder' if path.is_dir() else 'no such file'}: {path})")
    return None


@lru_cache(maxsize=None)
def _builtin_table(name: str) -> EnergyTable:
    filename = _BUILTIN_TABLES[name]
    return _validated(EnergyTable, load_yaml_text(_data_text(filename), filename), filename)


@lru_cache(maxsize=32)
def _file_table(path: str, _mtime_ns: int) -> EnergyTable:
    """The validated table at ``path`` (cached per modification time, so an edited file is
    read again)."""
    return _validated(EnergyTable, load_yaml_file(path), path)


def energy_scale_factor(from_nm: float, from_vdd_v: float, to_nm: float, to_vdd_v: float,
                        table: Optional[ScalingTable] = None) -> float:
    """Factor turning an energy at (from_nm, from_vdd_v) into one at (to_nm, to_vdd_v).

    ``f_N(V) = a V^2 + b V + c`` per node (Stillmaker & Baas 2017); factor = f_to / f_from.
    Example: 45 nm 0.9 V -> 7 nm 0.9 V: 0.086453 / 0.84433 = 0.1024. Same node and supply: 1.
    Raises KeyError for a node that is not tabulated.
    """
    nodes = (table or technology_scaling()).nodes

    def poly(node: float, vdd: float) -> float:
        a, b, c = nodes[int(node)] if float(node).is_integer() else nodes[node]
        return a * vdd * vdd + b * vdd + c

    if from_nm == to_nm and from_vdd_v == to_vdd_v:
        return 1.0
    return poly(to_nm, to_vdd_v) / poly(from_nm, from_vdd_v)


@dataclass(frozen=True)
class SramFit:
    """``E(size, width) = coefficient_pj * (size_bytes/1024)**exponent * width/reference_width``.

    ``relative_errors`` are (fit - published) / published at each fitted point.
    """

    coefficient_pj: float
    exponent: float
    reference_width_bits: int
    relative_errors: tuple[float, ...]

    def energy_pj(self, size_bytes: float, width_bits: float) -> float:
        return (self.coefficient_pj * (size_bytes / 1024) ** self.exponent
                * width_bits / self.reference_width_bits)


def fit_sram_model(model: SramModelRecord) -> SramFit:
    """Least squares of log E on log size through the published points.

    With Horowitz's 64-bit points (8 KB 10 pJ, 32 KB 20 pJ, 1 MB 100 pJ): x = ln(KiB) =
    (2.079, 3.466, 6.931), y = ln(pJ) = (2.303, 2.996, 4.605); slope = exponent = 0.4726,
    coefficient = exp(mean y - slope mean x) = 3.802 pJ; errors +1.6 %, -2.2 %, +0.6 %.
    """
    xs = [math.log(p.size_bytes / 1024) for p in model.points]
    ys = [math.log(p.energy_pj) for p in model.points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    exponent = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sxx
    coefficient = math.exp(mean_y - exponent * mean_x)
    fit = SramFit(coefficient, exponent, model.reference_width_bits, ())
    errors = tuple(fit.energy_pj(p.size_bytes, model.reference_width_bits) / p.energy_pj - 1
                   for p in model.points)
    return SramFit(coefficient, exponent, model.reference_width_bits, errors)


def sram_energy_pj(size_bytes: float, width_bits: float, table: EnergyTable) -> float:
    """Energy of one ``width_bits`` access to an SRAM of ``size_bytes`` at the table's node.

    Example (45 nm table): 8 KiB x 64 bit -> 10.16 pJ; 128 KiB x 64 bit -> 37.7 pJ.
    """
    return fit_sram_model(table.sram_model).energy_pj(size_bytes, width_bits)


def _round_up_width(widths, bits: int) -> Optional[int]:
    larger = sorted(w for w in widths if w >= bits)
    return larger[0] if larger else None


def mac_widths(table: EnergyTable, number_format: str, operand_bits: int,
               accumulator_bits: int) -> Optional[tuple[int, int]]:
    """(mult width, add width) the table prices a MAC at: the operand and accumulator widths
    rounded up to tabulated ones; None when it has no wide enough entry. Example (45 nm,
    int): 8-bit operands, 32-bit accumulator -> (8, 32)."""
    ops = table.arithmetic.get(number_format, {})
    mult_bits = _round_up_width(ops.get("mult", {}), operand_bits)
    add_bits = _round_up_width(ops.get("add", {}), accumulator_bits)
    return None if mult_bits is None or add_bits is None else (mult_bits, add_bits)


def mac_energy_pj(table: EnergyTable, number_format: str, operand_bits: int,
                  accumulator_bits: int) -> Optional[tuple[float, str]]:
    """mult(operand_bits) + add(accumulator_bits), widths rounded up to the table's.

    Returns ``(energy_pj, source)`` or None when the table has no wide enough entry.
    Example (45 nm, int): 16-bit operands, 16-bit accumulator: 0.62 + 0.05 = 0.67 pJ;
    8-bit operands, 32-bit accumulator: 0.2 + 0.1 = 0.3 pJ.
    """
    widths = mac_widths(table, number_format, operand_bits, accumulator_bits)
    if widths is None:
        return None
    ops = table.arithmetic[number_format]
    mult_bits, add_bits = widths
    mult, add = ops["mult"][mult_bits], ops["add"][add_bits]
    source = (f"{table.name}: {number_format}{mult_bits} mult {mult.energy_pj} pJ "
              f"({mult.source}, {mult.provenance}) + {number_format}{add_bits} add "
              f"{add.energy_pj} pJ ({add.source}, {add.provenance})")
    return mult.energy_pj + add.energy_pj, source


def arithmetic_widths(table: EnergyTable, number_format: str, op: str) -> tuple[int, ...]:
    """Tabulated widths of one operation, e.g. (8, 16, 32) for int mult."""
    return tuple(sorted(table.arithmetic.get(number_format, {}).get(op, {})))
