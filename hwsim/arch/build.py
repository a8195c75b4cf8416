"""Validated config -> :class:`~hwsim.arch.model.Accelerator` in bytes, pJ and cycles.

Resolves DRAM presets, per-bit energies, the SRAM model, bandwidths in GB/s and technology
scaling, and records every per-action energy (with where it came from) in
``Accelerator.energy_table``.

Worked examples (hand-checked in tests/arch/test_build.py):

* DRAM ``read_energy_pj_per_bit: 4`` at ``width_bits: 64`` -> 4 x 64 = 256 pJ per access.
* ``bandwidth_gb_per_s: 12.8`` at ``clock_hz: 800e6`` -> 12.8e9 / 800e6 = 16 bytes per cycle.
* SRAM 128 KiB, 64 bits wide, no energy given, 45 nm table -> 37.7 pJ per access.

A caller that builds many variants of one file (a sweep worker) passes a
:class:`BuildMemo`, an explicit cache it owns: the parts that take time to build (a memory
level, the SRAM model's fit, the MAC energy, the vector unit, the sparsity support) are kept
by the content they are built from, so a variant that changes one SRAM's size rebuilds that
level only. The memo never changes a result: ``build_accelerator(cfg, memo=m) ==
build_accelerator(cfg)`` (tests/arch/test_build_memo.py).
"""
from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Optional

from hwsim.arch.model import (Accelerator, ComputeArray, EnergyEntry, FormatSpec, MemoryLevel,
                              SparsitySupport, StructuredSparsity, WeightSharing)
from hwsim.arch.gpu import build_gpu
from hwsim.config import tables
from hwsim.config.loader import load_arch_config, parse_arch_config, resolve_arch_path
from hwsim.config.schema import (ArchConfig, ComputeConfig, DramConfig, FormatConfig,
                                 OnChipLevelConfig, SparsityConfig)
from hwsim.errors import ConfigError, Problem
from hwsim.types import MemoryKind, SparseFormat

DEFAULT_POINTER_BITS = 32  # CSR/CSC pointer width when a file gives none (4 G entries)

MEMO_LIMIT = 4096  # parts kept per energy table and scale


class BuildMemo:
    """Built parts of accelerators, owned by the caller, keyed by content.

    Parts are grouped by the energy table and technology scale they were built under (a
    table is found by equality, which is immediate when it is the same record, as it is for
    every variant of one file); within a group, a part is keyed by the hashable configs it
    reads: a level by its name and its validated config (a bandwidth that depends on the
    clock, GB/s or a DRAM preset, is set per build); the sparsity support by its section
    and the arithmetic widths; a config object already found by content is then found by
    identity (``get``'s ``same``). At most :data:`MEMO_LIMIT` parts per group (a full group
    is emptied: the parts that repeat are rebuilt once). Safe to share between threads: two
    threads may build the same part and store equal values.

    Example: 10,000 variants of systolic_ws.yaml that change the filter and ifmap SRAMs and
    the clock reuse the ofmap SRAM, the weight register, the DRAM level (its bandwidth set
    per clock) and the SRAM model's fit.
    """

    def __init__(self, limit: int = MEMO_LIMIT):
        self.limit = limit
        self._groups: list[tuple[tables.EnergyTable, float, dict]] = []

    def get(self, table: tables.EnergyTable, scale: float, key: Any,
            compute: Callable[[], Any], same: tuple | None = None) -> Any:
        """The part stored under ``key`` for (``table``, ``scale``), built when missing.

        ``same``: (the config object in ``key``, ``key`` with ``id(object)`` in its place).
        Hashing a config hashes every field each time; once a part is found by ``key``,
        later calls with that very object find it by the id (the base file's levels in a
        sweep). The entry holds the object, so its id is not reused while it is there."""
        parts = self._parts(table, scale)
        ident = None
        if same is not None:
            config, ident = same
            found = parts.get(ident)
            if found is not None and found[0] is config:
                return found[1]
        value = parts.get(key)
        if value is None:
            value = compute()
            if len(parts) >= self.limit:
                parts.clear()
            parts[key] = value
        elif ident is not None:  # seen before: likely again (a part every variant shares)
            parts[ident] = (same[0], value)
        return value

    def _parts(self, table: tables.EnergyTable, scale: float) -> dict:
        for known, known_scale, parts in self._groups:
            if known_scale == scale and (known is table or known == table):
                return parts
        parts: dict = {}
        self._groups = [*self._groups[-7:], (table, scale, parts)]
        return parts


def load_arch(path, _chain: tuple[str, ...] = ()) -> Accelerator:
    """Read, validate and build an accelerator file: ``load_arch("arch_configs/eie.yaml")``,
    or a shipped one by name from any folder: ``load_arch("eie")`` (``resolve_arch_path``).

    A ``fallback_arch`` named in the file (relative to its folder, or a shipped name) is
    loaded too and attached
    as ``Accelerator.fallback``; a missing or invalid fallback file, or a chain of fallbacks
    that comes back to a file already in it, is reported at ``fallback_arch``.
    """
    path = resolve_arch_path(path)
    config = load_arch_config(path)
    base_dir = str(Path(path).parent)
    arch = build_accelerator(config, base_dir=base_dir, source_file=str(path))
    return _with_fallback(arch, config.fallback_arch, base_dir, str(path),
                          (*_chain, str(Path(path).resolve())))


def _with_fallback(arch: Accelerator, fallback: Optional[str], base_dir: Optional[str],
                   source: str, chain: tuple[str, ...]) -> Accelerator:
    if fallback is None:
        return arch
    path = resolve_arch_path(fallback, base_dir or ".", key="fallback_arch", source=source)
    if str(path.resolve()) in chain:
        raise ConfigError([Problem("fallback_arch", "must not lead back to a file already in "
                                   "the chain of fallbacks", fallback, source)])
    if not path.is_file():
        raise ConfigError([Problem("fallback_arch", f"must name an accelerator file (looked "
                                   f"for {path})", fallback, source)])
    try:
        return replace(arch, fallback=load_arch(path, chain))
    except ConfigError as exc:
        raise ConfigError([Problem("fallback_arch", "must name a valid accelerator file; "
                                   f"{path} has {len(exc.problems)} problem(s)", fallback,
                                   source), *exc.problems]) from None


def arch_from_dict(data: dict, source: str = "<dict>", base_dir: Optional[str] = None
                   ) -> Accelerator:
    """Validate a mapping (e.g. a sweep variant) and build it (with its ``fallback_arch``,
    relative to ``base_dir``); raises ConfigError."""
    config = parse_arch_config(data, source, base_dir)
    return _with_fallback(build_accelerator(config, base_dir=base_dir), config.fallback_arch,
                          base_dir, source, ())


def build_accelerator(cfg: ArchConfig, base_dir: Optional[str] = None,
                      source_file: Optional[str] = None, memo: Optional[BuildMemo] = None
                      ) -> Accelerator:
    """Resolve a validated config into an :class:`Accelerator` (pure function); ``memo``:
    the caller's cache of built parts (module docstring), None to build everything."""
    table = tables.energy_table(cfg.energy_reference, base_dir)
    vdd = cfg.vdd_v if cfg.vdd_v is not None else table.vdd_v
    scale = tables.energy_scale_factor(table.technology_nm, table.vdd_v, cfg.technology_nm, vdd)
    ctx = _Context(table, scale, cfg.compute.clock_hz, memo)
    built = [_level_memo(name, level, ctx) for name, level in cfg.memories.items()]
    memories = tuple(level for level, _ in built)
    memory_rows = tuple(row for _, rows in built for row in rows)
    compute = _compute(cfg.compute, ctx)
    sparsity = _sparsity_memo(cfg.sparsity, cfg.compute, ctx)
    meta = {"description": cfg.description,
            "energy_reference": tables.resolve_reference(cfg.energy_reference, base_dir),
            "energy_table_name": table.name,
            "energy_scale_factor": f"{scale:.6g}", **cfg.meta}
    return Accelerator(
        name=cfg.name, memories=memories, compute=compute, dataflow=cfg.dataflow,
        **_vector_memo(cfg, ctx),
        sparsity=sparsity, energy_table=memory_rows + _compute_rows(compute, sparsity),
        technology_nm=cfg.technology_nm, residency=cfg.residency.policy,
        residency_source=cfg.residency.source,
        source_file=source_file, meta=meta, gpu=build_gpu(cfg.gpu, cfg.compute.clock_hz),
        row_stationary=cfg.row_stationary)


def _vector_memo(cfg: ArchConfig, ctx: "_Context") -> dict:
    """:func:`_vector_fields`, kept in ``ctx.memo`` (:class:`BuildMemo`) by what it reads."""
    if ctx.memo is None:
        return _vector_fields(cfg, ctx.table, ctx.scale)
    compute = cfg.compute
    key = ("vector", cfg.vector, cfg.dataflow, compute.runs, compute.number_format,
           compute.accumulator_bits, compute.output_activations)
    return ctx.memo.get(ctx.table, ctx.scale, key,
                        lambda: _vector_fields(cfg, ctx.table, ctx.scale))


def _level_memo(name: str, level, ctx: "_Context"):
    """:func:`_memory_level`, kept in ``ctx.memo`` (:class:`BuildMemo`) by the level's name
    and config; a bandwidth that depends on the clock (GB/s, a DRAM preset) is set per
    build (the energy rows do not depend on it)."""
    if ctx.memo is None:
        return _memory_level(name, level, ctx)
    built, rows = ctx.memo.get(ctx.table, ctx.scale, ("level", name, level),
                               lambda: _memory_level(name, level, ctx),
                               same=(level, ("same level", name, id(level))))
    bandwidth = _level_bandwidth(level, ctx.clock_hz)
    if bandwidth != built.bandwidth_bytes_per_cycle:
        built = replace(built, bandwidth_bytes_per_cycle=bandwidth)
    return built, rows


def _sparsity_memo(cfg: SparsityConfig, compute: ComputeConfig, ctx: "_Context"
                   ) -> SparsitySupport:
    """:func:`_sparsity`, kept in ``ctx.memo`` (:class:`BuildMemo`)."""
    if ctx.memo is None:
        return _sparsity(cfg, compute, ctx)
    key = ("sparsity", cfg, compute.weight_bits, compute.activation_bits)
    same = (cfg, ("same sparsity", id(cfg), compute.weight_bits, compute.activation_bits))
    return ctx.memo.get(ctx.table, ctx.scale, key, lambda: _sparsity(cfg, compute, ctx), same)


def _vector_fields(cfg: ArchConfig, table, scale: float) -> dict:
    """``vector`` and ``runs`` of the Accelerator (:mod:`hwsim.arch.vector`)."""
    from hwsim.arch.vector import build_vector_unit
    vector, runs = build_vector_unit(cfg, table, scale)
    return {"vector": vector, "runs": runs,
            "output_activations": tuple(cfg.compute.output_activations)}


class _Context:
    """The reference table, the technology scale factor and the clock, for one build (and
    the caller's memo, if any)."""

    def __init__(self, table: tables.EnergyTable, scale: float, clock_hz: float,
                 memo: Optional[BuildMemo] = None):
        self.table, self.scale, self.clock_hz, self.memo = table, scale, clock_hz, memo

    def sram_energy_pj(self, size_bytes: int, width_bits: int) -> float:
        """:func:`hwsim.config.tables.sram_energy_pj`, the table's fit kept in the memo."""
        if self.memo is None:
            return tables.sram_energy_pj(size_bytes, width_bits, self.table)
        fit = self.memo.get(self.table, self.scale, "sram_fit",
                            lambda: tables.fit_sram_model(self.table.sram_model))
        return fit.energy_pj(size_bytes, width_bits)

    @property
    def scale_note(self) -> str:
        return "" if self.scale == 1 else f" x {self.scale:.4g} (technology scaling)"


def _memory_level(name: str, level, ctx: _Context
                  ) -> tuple[MemoryLevel, tuple[EnergyEntry, ...]]:
    """The level in internal units plus its energy-table rows (with derivations)."""
    if isinstance(level, DramConfig):
        return _dram_level(name, level, ctx)
    return _on_chip_level(name, level, ctx)


def bytes_per_cycle(gb_per_s: float, clock_hz: float) -> float:
    """GB/s (1e9 bytes/s) at ``clock_hz`` -> bytes per cycle: 12.8 GB/s at 800 MHz -> 16.0."""
    return gb_per_s * 1e9 / clock_hz


def _level_bandwidth(level, clock_hz: float) -> float:
    """Bytes per cycle of one instance: given, GB/s at ``clock_hz``, else a DRAM preset's
    GB/s at ``clock_hz`` or an on-chip level's width x banks per cycle."""
    if isinstance(level, DramConfig):
        preset = tables.dram_presets().presets[level.preset] if level.preset else None
        return _bandwidth(level, clock_hz, bytes_per_cycle(preset.bandwidth_gb_per_s, clock_hz)
                          if preset else 0.0)
    return _bandwidth(level, clock_hz, level.width_bits / 8 * level.banks)


def _bandwidth(level, clock_hz: float, default: float) -> float:
    if level.bandwidth_bytes_per_cycle is not None:
        return level.bandwidth_bytes_per_cycle
    if level.bandwidth_gb_per_s is not None:
        return bytes_per_cycle(level.bandwidth_gb_per_s, clock_hz)
    return default


def _energy(level, action: str, width_bits: int, default: tuple[float, str]
            ) -> tuple[float, str]:
    """Per-access energy: explicit pJ, else pJ/bit x width, else ``default``."""
    per_access = getattr(level, f"{action}_energy_pj")
    per_bit = getattr(level, f"{action}_energy_pj_per_bit")
    if per_access is not None:
        return per_access, "given"
    if per_bit is not None:
        return per_bit * width_bits, f"given {per_bit} pJ/bit x {width_bits} bits"
    return default


def _dram_level(name: str, level: DramConfig, ctx: _Context):
    preset = tables.dram_presets().presets[level.preset] if level.preset else None
    width = level.width_bits or preset.width_bits
    default = ((preset.energy_pj_per_bit * width,
                f"preset {level.preset}: {preset.energy_pj_per_bit} pJ/bit x {width} bits "
                f"({preset.energy_source}, {preset.energy_provenance})") if preset else None)
    read = _energy(level, "read", width, default)
    write = _energy(level, "write", width, (read[0], "= read"))
    built = MemoryLevel(
        name=name, kind=MemoryKind.DRAM, size_bytes=level.size_bytes,
        instances=level.instances, width_bits=width, read_energy_pj=read[0],
        write_energy_pj=write[0], bandwidth_bytes_per_cycle=_level_bandwidth(level, ctx.clock_hz),
        operands=frozenset(level.operands), leakage_power_mw=level.leakage_power_mw,
        burst_bytes=level.burst_bytes or (preset.burst_bytes if preset else width // 8),
        row_buffer_bytes=level.row_buffer_bytes,
        row_activation_energy_pj=level.row_activation_energy_pj,
        access_latency_cycles=level.access_latency_cycles,
        source=_join(level.source, f"read: {read[1]}"),
        metadata_for=frozenset(level.metadata_for))
    return built, _level_rows(built, write[1])


def _on_chip_level(name: str, level: OnChipLevelConfig, ctx: _Context):
    width = level.width_bits
    if level.kind == "regfile":
        per_bit = ctx.table.register_file.energy_pj_per_bit
        model = (per_bit * width * ctx.scale,
                 f"{ctx.table.name} register file {per_bit} pJ/bit x {width} bits"
                 f"{ctx.scale_note} ({ctx.table.register_file.source})")
    else:
        energy = ctx.sram_energy_pj(level.size_bytes, width)
        model = (energy * ctx.scale,
                 f"{ctx.table.name} SRAM model at {level.size_bytes} B x {width} bits = "
                 f"{energy:.4g} pJ{ctx.scale_note} ({ctx.table.sram_model.source})")
    read = _energy(level, "read", width, model)
    write = _energy(level, "write", width, (read[0], "= read"))
    built = MemoryLevel(
        name=name, kind=MemoryKind(level.kind), size_bytes=level.size_bytes,
        instances=level.instances, width_bits=width, read_energy_pj=read[0],
        write_energy_pj=write[0],
        bandwidth_bytes_per_cycle=_level_bandwidth(level, ctx.clock_hz),
        operands=frozenset(level.operands), leakage_power_mw=level.leakage_power_mw,
        banks=level.banks, access_latency_cycles=level.access_latency_cycles,
        source=_join(level.source, f"read: {read[1]}"),
        metadata_for=frozenset(level.metadata_for), ports=level.ports)
    return built, _level_rows(built, write[1])


def _mac_energy(cfg: ComputeConfig, ctx: _Context) -> tuple[float, str]:
    """(pJ per MAC, where it came from): given, or the table's at the arithmetic widths."""
    if cfg.mac_energy_pj is not None:
        return cfg.mac_energy_pj, "given"
    bits = max(cfg.weight_bits, cfg.activation_bits)
    energy, how = tables.mac_energy_pj(ctx.table, cfg.number_format, bits,
                                       cfg.accumulator_bits)
    return energy * ctx.scale, how + ctx.scale_note


def _compute(cfg: ComputeConfig, ctx: _Context) -> ComputeArray:
    if ctx.memo is None:
        mac, how = _mac_energy(cfg, ctx)
    else:
        key = ("mac", cfg.mac_energy_pj, cfg.number_format,
               max(cfg.weight_bits, cfg.activation_bits), cfg.accumulator_bits)
        mac, how = ctx.memo.get(ctx.table, ctx.scale, key, lambda: _mac_energy(cfg, ctx))
    return ComputeArray(
        pe_count=cfg.pe_count, array_rows=cfg.array_rows, array_cols=cfg.array_cols,
        macs_per_pe_per_cycle=cfg.macs_per_pe_per_cycle, clock_hz=cfg.clock_hz,
        weight_bits=cfg.weight_bits, activation_bits=cfg.activation_bits,
        accumulator_bits=cfg.accumulator_bits, mac_energy_pj=mac,
        gated_mac_energy_fraction=cfg.gated_mac_energy_fraction,
        weight_double_buffer=cfg.weight_double_buffer, weight_wavefront=cfg.weight_wavefront,
        source=_join(cfg.source, f"MAC: {how}"))


def _format(spec: FormatConfig, value_bits: int) -> FormatSpec:
    pointer = spec.pointer_bits
    if pointer is None and spec.format in (SparseFormat.CSR, SparseFormat.CSC):
        pointer = DEFAULT_POINTER_BITS
    return FormatSpec(format=spec.format, value_bits=spec.value_bits or value_bits,
                      index_bits=spec.index_bits or 0, pointer_bits=pointer or 0,
                      run_bits=spec.run_bits or 0, relative_index=spec.relative_index)


def _sparsity(cfg: SparsityConfig, compute: ComputeConfig, ctx: _Context) -> SparsitySupport:
    sharing = None
    if cfg.weight_sharing is not None:
        ws = cfg.weight_sharing
        lookup = ws.lookup_energy_pj
        if lookup is None:
            lookup = (ctx.table.register_file.energy_pj_per_bit * compute.weight_bits
                      * ctx.scale)
        sharing = WeightSharing(ws.codebook_entries, ws.stored_bits, lookup)
    structured = None
    if cfg.structured is not None:
        st = cfg.structured
        metadata = st.metadata_bits or math.ceil(math.log2(st.m))
        structured = StructuredSparsity(st.n, st.m, metadata)
    weight_bits = sharing.stored_bits if sharing else compute.weight_bits
    return SparsitySupport(
        weight_format=_format(cfg.weight_format, weight_bits),
        activation_format=_format(cfg.activation_format, compute.activation_bits),
        weight_zeros=cfg.weight_zeros, activation_zeros=cfg.activation_zeros,
        structured=structured, distribution=cfg.distribution, fifo_depth=cfg.fifo_depth,
        weight_sharing=sharing)


def _level_rows(level: MemoryLevel, write_how: str
                ) -> tuple[EnergyEntry, ...]:
    rows = [EnergyEntry(level.name, f"read ({level.width_bits} b)", level.read_energy_pj,
                        level.source),
            EnergyEntry(level.name, f"write ({level.width_bits} b)", level.write_energy_pj,
                        write_how)]
    if level.row_activation_energy_pj:
        rows.append(EnergyEntry(level.name, "row activation", level.row_activation_energy_pj,
                                "given"))
    return tuple(rows)


def _compute_rows(compute: ComputeArray, sparsity: SparsitySupport
                  ) -> tuple[EnergyEntry, ...]:
    rows = []
    bits = max(compute.weight_bits, compute.activation_bits)
    rows.append(EnergyEntry("mac", f"MAC ({bits} b x {bits} b + {compute.accumulator_bits} b)",
                            compute.mac_energy_pj, compute.source))
    fraction = compute.gated_mac_energy_fraction
    rows.append(EnergyEntry("mac", "gated MAC (zero operand)", compute.mac_energy_pj * fraction,
                            f"MAC x gated_mac_energy_fraction {fraction:g}"))
    if sparsity.weight_sharing is not None:
        ws = sparsity.weight_sharing
        rows.append(EnergyEntry("codebook", f"lookup ({ws.codebook_entries} entries)",
                                ws.lookup_energy_pj, "register-file read of the arithmetic "
                                "width unless given"))
    return tuple(rows)


def _join(*parts: str) -> str:
    return "; ".join(part for part in parts if part)
