"""Cross-field rules of an accelerator file, each returning :class:`~hwsim.errors.Problem`s.

The rules run on :class:`ConfigParts`, the parts of a file that validated on their own, so a
file with a type error in one level still gets every other rule checked (all problems at once).
Each rule skips what it cannot judge. Example::

    memories.glb.size_bytes must be <= 2097152 (memories.dram.size_bytes). Got 4194304 instead.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Iterator, Optional

from pydantic import TypeAdapter, ValidationError

from hwsim.config import tables
from hwsim.config.problems import NOTHING
from hwsim.config.gpu_checks import gpu_problems
from hwsim.config.schema import (ArchConfig, ComputeConfig, DramConfig, FormatConfig,
                                 LevelConfig, SparsityConfig)
from hwsim.errors import ConfigError, Problem
from hwsim.types import Operand, SparseFormat

# Metadata fields each format may carry (the others must be omitted).
FORMAT_FIELDS = {
    SparseFormat.DENSE: (), SparseFormat.BITMAP: (), SparseFormat.RLE: ("run_bits",),
    SparseFormat.CSR: ("index_bits", "pointer_bits"),
    SparseFormat.CSC: ("index_bits", "pointer_bits"), SparseFormat.COO: ("index_bits",),
}
OPERANDS = tuple(Operand)  # iterating the enum class itself is several times slower
REQUIRED_FIELDS = {SparseFormat.CSR: ("index_bits",), SparseFormat.CSC: ("index_bits",),
                   SparseFormat.COO: ("index_bits",), SparseFormat.RLE: ("run_bits",)}


@dataclass(frozen=True)
class ConfigParts:
    """What the rules look at. ``levels``: (name, validated level or None, raw kind)."""

    levels: tuple[tuple[str, Optional[object], Optional[str]], ...]
    compute: Optional[ComputeConfig]
    sparsity: Optional[SparsityConfig]
    residency: Optional[object]
    technology_nm: Optional[float]
    vdd_v: Optional[float]
    energy_reference: Optional[str]
    base_dir: Optional[str] = None
    gpu: Optional[object] = None
    dataflow: Optional[object] = None

    @classmethod
    def from_config(cls, cfg: ArchConfig, base_dir: Optional[str] = None) -> "ConfigParts":
        levels = tuple((name, level, level.kind) for name, level in cfg.memories.items())
        return cls(levels, cfg.compute, cfg.sparsity, cfg.residency, cfg.technology_nm,
                   cfg.vdd_v, cfg.energy_reference, base_dir, cfg.gpu, cfg.dataflow)

    @classmethod
    def from_raw(cls, data: dict, base_dir: Optional[str] = None,
                 bad_paths: tuple[tuple, ...] = ()) -> "ConfigParts":
        """Best effort on a file that failed validation: the values at ``bad_paths`` (dotted
        paths of fields already reported) are dropped, then each part is validated on its
        own, so that e.g. a bad ``mac_energy_pj`` does not hide a wrong ``pe_count``."""
        data = _without(data, bad_paths)
        fields = ArchConfig.model_fields
        memories = data.get("memories")
        levels = ()
        if isinstance(memories, dict):
            levels = tuple((str(name), _try(LevelConfig, raw),
                            raw.get("kind") if isinstance(raw, dict) else None)
                           for name, raw in memories.items())
        part = {name: (_try(fields[name].annotation, data[name]) if name in data
                       else None if fields[name].is_required() else fields[name].get_default())
                for name in ("compute", "sparsity", "residency", "technology_nm",
                             "vdd_v", "energy_reference", "gpu", "dataflow")}
        return cls(levels, base_dir=base_dir, **part)

    def valid_levels(self) -> list[tuple[str, object]]:
        return [(name, level) for name, level, _ in self.levels if level is not None]

    def all_levels_valid(self) -> bool:
        return all(level is not None for _, level, _ in self.levels)


def _without(data: dict, paths: tuple[tuple, ...]) -> dict:
    """A copy of ``data`` with the keys at ``paths`` removed (paths that don't resolve to a
    key in a mapping are ignored)."""
    data = copy.deepcopy(data)
    for path in paths:
        node = data
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and path and path[-1] in node:
            del node[path[-1]]
    return data


def _try(annotation, value):
    try:
        return TypeAdapter(annotation).validate_python(value)
    except (ValidationError, ConfigError):
        return None


def semantic_problems(parts: ConfigParts) -> list[Problem]:
    """Every cross-field problem of a file (an empty list when it is consistent)."""
    rules = (dram_first, capacities_grow_outwards, operand_paths, level_fields, dram_fields,
             compute_fields, sparse_formats, structured_sparsity, weight_sharing,
             technology_and_energy, gpu_problems)
    return [problem for rule in rules for problem in rule(parts)]


def dram_first(parts: ConfigParts) -> Iterator[Problem]:
    """The first level is the (only) DRAM."""
    if not parts.levels:
        return
    first, _, first_kind = parts.levels[0]
    if first_kind != "dram":
        yield Problem(f"memories.{first}.kind", "must be 'dram' (memories run from DRAM, "
                      "listed first, inwards to register files)", first_kind or NOTHING)
    for name, _, kind in parts.levels[1:]:
        if kind == "dram":
            yield Problem(f"memories.{name}.kind", "must be 'sram' or 'regfile' (exactly one "
                          f"DRAM level, listed first: memories.{first})", kind)


def capacities_grow_outwards(parts: ConfigParts) -> Iterator[Problem]:
    """For each operand, every level's total capacity (size x instances) is <= the one
    outside it that also holds that operand."""
    reported = set()
    levels = [(name, level, level.size_bytes * level.instances, level.operands)
              for name, level in parts.valid_levels()]
    for operand in OPERANDS:
        path = [(name, level, total) for name, level, total, held in levels if operand in held]
        for (outer_name, outer, outer_total), (inner_name, inner, inner_total) in \
                zip(path, path[1:]):
            if inner_total <= outer_total or inner_name in reported:
                continue
            reported.add(inner_name)
            yield Problem(f"memories.{inner_name}.size_bytes",
                          _capacity_requirement(outer_name, outer, inner), inner.size_bytes)


def _capacity_requirement(outer_name: str, outer, inner) -> str:
    outer_total = outer.size_bytes * outer.instances
    outer_text = f"memories.{outer_name}.size_bytes"
    if outer.instances > 1:
        outer_text += f" x {outer.instances} instances = {outer_total}"
    if inner.instances == 1:
        return f"must be <= {outer_total} ({outer_text})"
    return (f"must be <= {outer_total // inner.instances} ({outer_text}, shared by "
            f"{inner.instances} instances)")


def operand_paths(parts: ConfigParts) -> Iterator[Problem]:
    """DRAM holds all three operands; at least one on-chip level holds each."""
    levels = parts.valid_levels()
    drams = [(n, lv) for n, lv in levels if isinstance(lv, DramConfig)]
    for name, dram in drams[:1]:
        missing = [op for op in OPERANDS if op not in dram.operands]
        if missing:
            yield Problem(f"memories.{name}.operands", "must include weights, inputs and "
                          "outputs (DRAM holds every tensor)", [str(o) for o in dram.operands])
    if not parts.levels or not parts.all_levels_valid():
        return
    on_chip = [(n, lv) for n, lv in levels if not isinstance(lv, DramConfig)]
    held = {operand for _, lv in on_chip for operand in lv.operands}
    for operand in OPERANDS:
        if operand in held:
            continue
        if operand is Operand.WEIGHTS and _keeps_weights(parts.residency):
            yield Problem("residency.policy", "must be streamed when no on-chip level holds "
                          "weights (resident weights need on-chip weight capacity)",
                          str(parts.residency.policy))
        else:
            yield Problem("memories", f"must include an on-chip level holding {operand} "
                          "(its path from DRAM to the MACs)", [n for n, _ in on_chip])


def _keeps_weights(residency) -> bool:
    return residency is not None and str(residency.policy) != "streamed"


def level_fields(parts: ConfigParts) -> Iterator[Problem]:
    """One way to give each energy and the bandwidth; width fits in the level."""
    for name, level in parts.valid_levels():
        for first, second in _ONE_OF:
            if getattr(level, first) is not None and getattr(level, second) is not None:
                yield Problem(f"memories.{name}.{second}", f"must be omitted when {first} is "
                              "given (give one of them)", getattr(level, second))
        if not level.operands and not level.metadata_for:
            yield Problem(f"memories.{name}.operands", "must list at least one operand (or "
                          "give metadata_for for a level holding only format metadata)", [])
        width = level.width_bits
        if width is not None and width > level.size_bytes * 8:
            yield Problem(f"memories.{name}.width_bits", f"must be <= {level.size_bytes * 8} "
                          f"(memories.{name}.size_bytes x 8 bits)", width)


_ONE_OF = (("read_energy_pj", "read_energy_pj_per_bit"),
           ("write_energy_pj", "write_energy_pj_per_bit"),
           ("bandwidth_bytes_per_cycle", "bandwidth_gb_per_s"))


def dram_fields(parts: ConfigParts) -> Iterator[Problem]:
    """A DRAM names a known preset or gives energy, width and bandwidth itself."""
    presets = tables.dram_presets().presets
    for name, level in parts.valid_levels():
        if not isinstance(level, DramConfig):
            continue
        prefix = f"memories.{name}"
        if level.preset is not None:
            if level.preset not in presets:
                yield Problem(f"{prefix}.preset", f"must be one of {sorted(presets)}",
                              level.preset)
            continue
        needs = (("read_energy_pj_per_bit", level.read_energy_pj is None
                  and level.read_energy_pj_per_bit is None),
                 ("width_bits", level.width_bits is None),
                 ("bandwidth_gb_per_s", level.bandwidth_gb_per_s is None
                  and level.bandwidth_bytes_per_cycle is None))
        for field, missing in needs:
            if missing:
                yield Problem(f"{prefix}.{field}", "must be given when no preset is used "
                              f"(or set preset: one of {sorted(presets)})", NOTHING)


def compute_fields(parts: ConfigParts) -> Iterator[Problem]:
    """pe_count = rows x cols; the accumulator is at least as wide as the operands; weight
    double buffering only on a weight-stationary array."""
    compute = parts.compute
    if compute is None:
        return
    product = compute.array_rows * compute.array_cols
    if compute.pe_count != product:
        yield Problem("compute.pe_count", f"must be {product} (compute.array_rows x "
                      f"compute.array_cols = {compute.array_rows} x {compute.array_cols})",
                      compute.pe_count)
    widest = max(compute.weight_bits, compute.activation_bits)
    if compute.accumulator_bits < widest:
        yield Problem("compute.accumulator_bits", f"must be >= {widest} (the wider of "
                      "weight_bits and activation_bits)", compute.accumulator_bits)
    if compute.weight_double_buffer and parts.dataflow is not None \
            and str(parts.dataflow) != "weight_stationary":
        yield Problem(path="compute.weight_double_buffer", requirement="must be false unless "
                      f"dataflow is weight_stationary (dataflow is {parts.dataflow})",
                      value=True)
    if compute.weight_wavefront and not compute.weight_double_buffer:
        yield Problem(path="compute.weight_wavefront", requirement="must be false unless "
                      "compute.weight_double_buffer is true (the next fold's weights must be "
                      "preloaded)", value=True)


def sparse_formats(parts: ConfigParts) -> Iterator[Problem]:
    """Index / run bits are given exactly for the formats that use them."""
    sparsity = parts.sparsity
    if sparsity is None:
        return
    for operand in ("weight", "activation"):
        spec: FormatConfig = getattr(sparsity, f"{operand}_format")
        prefix = f"sparsity.{operand}_format"
        for field in REQUIRED_FIELDS.get(spec.format, ()):
            if getattr(spec, field) is None:
                yield Problem(f"{prefix}.{field}", f"must be given for format {spec.format} "
                              "(1..32)", NOTHING)
        for field in ("index_bits", "pointer_bits", "run_bits"):
            value = getattr(spec, field)
            if value is not None and field not in FORMAT_FIELDS[spec.format]:
                yield Problem(f"{prefix}.{field}", f"must be omitted for format {spec.format}",
                              value)


def structured_sparsity(parts: ConfigParts) -> Iterator[Problem]:
    """0 < n < m, and enough metadata bits to say which n of m are kept."""
    structured = parts.sparsity.structured if parts.sparsity is not None else None
    if structured is None:
        return
    n, m = structured.n, structured.m
    if n >= m:
        yield Problem("sparsity.structured.n", f"must be < {m} (sparsity.structured.m)", n)
        return
    need = math.ceil(math.ceil(math.log2(math.comb(m, n))) / n)
    if structured.metadata_bits is not None and structured.metadata_bits < need:
        yield Problem("sparsity.structured.metadata_bits", f"must be >= {need} (to encode "
                      f"which {n} of {m} weights are kept)", structured.metadata_bits)


def weight_sharing(parts: ConfigParts) -> Iterator[Problem]:
    """Codebook fits its index width; stored weights are the codebook indices."""
    sparsity = parts.sparsity
    sharing = sparsity.weight_sharing if sparsity is not None else None
    if sharing is None:
        return
    if sharing.codebook_entries > 2 ** sharing.stored_bits:
        yield Problem("sparsity.weight_sharing.codebook_entries",
                      f"must be <= {2 ** sharing.stored_bits} (2 ** "
                      "sparsity.weight_sharing.stored_bits)", sharing.codebook_entries)
    value_bits = sparsity.weight_format.value_bits
    if value_bits is not None and value_bits != sharing.stored_bits:
        yield Problem("sparsity.weight_format.value_bits", f"must be {sharing.stored_bits} "
                      "(sparsity.weight_sharing.stored_bits) or omitted", value_bits)
    if parts.compute is not None and sharing.stored_bits > parts.compute.weight_bits:
        yield Problem("sparsity.weight_sharing.stored_bits", f"must be <= "
                      f"{parts.compute.weight_bits} (compute.weight_bits, the arithmetic "
                      "width the codebook decodes to)", sharing.stored_bits)


def technology_and_energy(parts: ConfigParts) -> Iterator[Problem]:
    """The energy table loads, the node can be scaled to, and it prices the MAC."""
    if parts.energy_reference is None:
        return
    try:
        table = tables.energy_table(parts.energy_reference, parts.base_dir)
    except ConfigError as exc:
        yield from exc.problems
        return
    except OSError as exc:
        yield Problem("energy_reference", "must name a built-in table "
                      f"({tables.DEFAULT_ENERGY_TABLE}) or a readable energy-table file "
                      f"({exc.strerror})", parts.energy_reference)
        return
    yield from _technology(parts, table)
    yield from _mac_energy(parts, table)


def _technology(parts: ConfigParts, table) -> Iterator[Problem]:
    node, vdd = parts.technology_nm, parts.vdd_v
    if node is None or (node == table.technology_nm and vdd in (None, table.vdd_v)):
        return
    nodes = sorted(tables.technology_scaling().nodes)
    if node not in nodes:
        yield Problem("technology_nm", f"must be {table.technology_nm:g} (the energy "
                      f"table's node) or a node the scaling table knows: {nodes}", node)
    if table.technology_nm not in nodes:
        yield Problem("energy_reference", f"must be a table at a node in {nodes} to scale "
                      f"it to {node:g} nm", parts.energy_reference)


def _mac_energy(parts: ConfigParts, table) -> Iterator[Problem]:
    compute = parts.compute
    if compute is None or compute.mac_energy_pj is not None:
        return
    bits = max(compute.weight_bits, compute.activation_bits)
    if tables.mac_widths(table, compute.number_format, bits, compute.accumulator_bits) is None:
        fmt = compute.number_format
        yield Problem("compute.mac_energy_pj", f"must be given: the energy table "
                      f"{table.name} has no {fmt} multiply of >= {bits} bits or add of >= "
                      f"{compute.accumulator_bits} bits (it has mult "
                      f"{tables.arithmetic_widths(table, fmt, 'mult')}, add "
                      f"{tables.arithmetic_widths(table, fmt, 'add')})", NOTHING)

