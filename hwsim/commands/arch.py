"""``hwsim arch list``, ``hwsim arch check FILE...``, ``hwsim arch show FILE [--format ...]``.

``list`` prints the shipped accelerators, which every command accepts by name (``--arch eie``)
from any folder; FILE is such a name or a path. ``check`` validates each file and prints
``ok FILE``, or every problem of every file (``eie.yaml: memories.glb.size_bytes must be <=
... Got ... instead.``) and exits 2.
``show`` prints the resolved accelerator in hwsim's units: memory levels with sizes,
energies per access and bandwidths, the MAC array, sparsity support, dataflow and the
energy table with the source of every number.
"""
from __future__ import annotations

import argparse
import dataclasses
import enum
import json
import sys

from hwsim.arch import Accelerator, load_arch
from hwsim.arch.gpu import describe_gpu
from hwsim.config import tables
from hwsim.config.loader import load_arch_config, shipped_arch_dir, shipped_arch_names
from hwsim.errors import ConfigError
from hwsim.report.layout import terminal_width, text_table, wrap_lines
from hwsim.report.units import UNITS_NOTE, bytes_text, energy_text, power_text


def register(subparsers) -> None:
    """Add ``arch`` with its ``check`` and ``show`` subcommands."""
    parser = subparsers.add_parser("arch", help="check and show accelerator description files",
                                   description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="arch_command", metavar="ACTION")
    sub.required = True
    listing = sub.add_parser("list", help="the shipped accelerators (use their names as FILE)")
    listing.set_defaults(func=run_list)
    check = sub.add_parser("check", help="validate accelerator files (exit 2 on any problem)")
    check.add_argument("files", nargs="+", metavar="FILE", help="YAML file or shipped name")
    check.set_defaults(func=run_check)
    show = sub.add_parser("show", help="print the resolved accelerator and its energy table")
    show.add_argument("file", metavar="FILE", help="YAML file or shipped name (hwsim arch list)")
    show.add_argument("--format", choices=("text", "json"), default="text")
    show.set_defaults(func=run_show)


def run_list(args: argparse.Namespace) -> int:
    """One line per shipped accelerator: name and the start of its description."""
    print(format_list(), end="")
    return 0


def format_list(width: int = 100) -> str:
    """``hwsim arch list``: the shipped folder, then ``name  description`` cut to ``width``.

    Example line: ``eie                 EIE: 64 PEs at 800 MHz, CSC-compressed 4-bit ...``.
    """
    lines = [f"shipped accelerators ({shipped_arch_dir()}); name one with --arch NAME:"]
    for name in shipped_arch_names():
        description = " ".join(load_arch_config(name).description.split())
        line = f"  {name:<20} {description}"
        lines.append(line if len(line) <= width else line[:width - 3] + "...")
    return "\n".join(lines) + "\n"


def run_check(args: argparse.Namespace) -> int:
    """Check every file, report all problems of all files, exit 2 if any file failed."""
    failed = False
    for path in args.files:
        try:
            load_arch(path)
        except ConfigError as exc:
            print(exc, file=sys.stderr)
            failed = True
        except OSError as exc:
            print(f"{path}: <file> must be a readable file. Got {exc.strerror!r} instead.",
                  file=sys.stderr)
            failed = True
        else:
            print(f"ok {path}")
    return 2 if failed else 0


def run_show(args: argparse.Namespace) -> int:
    arch = load_arch(args.file)
    if args.format == "json":
        print(json.dumps(accelerator_record(arch), indent=2))
    else:
        print(format_text(arch), end="")
    return 0


def accelerator_record(arch: Accelerator) -> dict:
    """The accelerator as plain JSON types (sets -> sorted lists, enums -> values)."""
    record = _plain(arch)
    record["peak_macs_per_cycle"] = arch.compute.peak_macs_per_cycle
    return record


def _plain(value):
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def human_bytes(size: float) -> str:
    """Bytes, binary prefixes (:func:`hwsim.report.units.bytes_text`): 131072 -> '128 KiB'."""
    return bytes_text(size)


def format_text(arch: Accelerator, width: int | None = None) -> str:
    """The human-readable report of ``hwsim arch show``; fits ``width`` (``COLUMNS``, 100 by
    default): tables through :func:`hwsim.report.layout.text_table`, other lines wrapped."""
    width = width or terminal_width()
    gpu = [describe_gpu(arch.gpu, arch.compute.clock_hz)] if arch.gpu else []
    parts = [_header(arch), _memories(arch, width), _compute(arch), _sparsity(arch), *gpu,
             _energy_table(arch, width), _reference_models(arch)]
    lines = "\n".join(parts).split("\n")
    return "\n".join(line if len(line) <= width else "\n".join(wrap_lines([line], width))
                     for line in lines)


def _header(arch: Accelerator) -> str:
    lines = [f"{arch.name}  ({arch.source_file or '<dict>'})"]
    if arch.meta.get("description"):
        lines.append(f"  {arch.meta['description']}")
    lines.append(f"technology: {arch.technology_nm:g} nm; energy reference "
                 f"{arch.meta.get('energy_reference', '?')}, scale factor "
                 f"{arch.meta.get('energy_scale_factor', '1')}")
    lines.append(f"dataflow: {arch.dataflow}; weight residency: {arch.residency}"
                 + (f" ({arch.residency_source})" if arch.residency_source else ""))
    if arch.fallback is not None:
        lines.append(f"fallback for layers it cannot run: {arch.fallback.name} "
                     f"({arch.fallback.source_file})")
    return "\n".join(lines) + "\n"


_MEMORY_HEAD = ("level", "kind", "size", "x", "total", "width", "read", "write", "B/cycle",
                "leakage", "holds")


def _memories(arch: Accelerator, width: int) -> str:
    rows, notes = [], []
    for m in arch.memories:
        holds = ", ".join(sorted(str(o) for o in m.operands)) or "-"
        if m.metadata_for:
            holds += " (metadata of " + ", ".join(sorted(map(str, m.metadata_for))) + ")"
        rows.append((m.name, m.kind.value, bytes_text(m.size_bytes), str(m.instances),
                     bytes_text(m.total_size_bytes), f"{m.width_bits} b",
                     energy_text(m.read_energy_pj), energy_text(m.write_energy_pj),
                     f"{m.bandwidth_bytes_per_cycle:.4g}", power_text(m.leakage_power_mw),
                     holds))
        if m.kind.value == "dram":
            notes.append(f"{m.name}: burst {m.burst_bytes} B, row buffer {m.row_buffer_bytes} B, "
                         f"row activation {energy_text(m.row_activation_energy_pj)}, latency "
                         f"{m.access_latency_cycles} cycles")
    right = [False, False, *[True] * 8, False]
    table = text_table(_MEMORY_HEAD, rows, right=right, width=width, wrap_last=True,
                       caption="memories (DRAM first, inwards); size per instance, x instances; "
                               "read / write energy per access; " + UNITS_NOTE)
    return table + "".join(f"{line}\n" for line in wrap_lines(notes, width))


def _compute(arch: Accelerator) -> str:
    c = arch.compute
    peak = c.peak_macs_per_cycle
    return (f"compute: {c.pe_count} PEs ({c.array_rows} x {c.array_cols}), "
            f"{c.macs_per_pe_per_cycle} MAC/PE/cycle at {c.clock_hz / 1e6:g} MHz: peak {peak} "
            f"MAC/cycle = {peak * c.clock_hz / 1e9:.4g} GMAC/s\n"
            f"  bits: weights {c.weight_bits}, activations {c.activation_bits}, accumulator "
            f"{c.accumulator_bits}; MAC {energy_text(c.mac_energy_pj)}, gated MAC "
            f"{c.gated_mac_energy_fraction:g} x MAC\n")


def _format_spec(spec) -> str:
    extra = [f"value {spec.value_bits} b"]
    for name in ("index_bits", "pointer_bits", "run_bits"):
        if getattr(spec, name):
            extra.append(f"{name.split('_')[0]} {getattr(spec, name)} b")
    if spec.format.value in ("csr", "csc"):
        extra.append("relative indices" if spec.relative_index else "absolute indices")
    return f"{spec.format.value} ({', '.join(extra)})"


def _sparsity(arch: Accelerator) -> str:
    s = arch.sparsity
    lines = ["sparsity:",
             f"  weights: {_format_spec(s.weight_format)}; zeros: {s.weight_zeros}",
             f"  activations: {_format_spec(s.activation_format)}; zeros: {s.activation_zeros}",
             f"  distribution: {s.distribution}; FIFO depth: "
             f"{s.fifo_depth if s.fifo_depth is not None else 'unbounded'}"]
    if s.structured is not None:
        st = s.structured
        lines.append(f"  structured: {st.n}:{st.m}, {st.metadata_bits} metadata bits per kept "
                     "weight")
    if s.weight_sharing is not None:
        ws = s.weight_sharing
        lines.append(f"  weight sharing: {ws.codebook_entries}-entry codebook, "
                     f"{ws.stored_bits}-bit indices, lookup {energy_text(ws.lookup_energy_pj)}")
    return "\n".join(lines) + "\n"


def _energy_table(arch: Accelerator, width: int) -> str:
    rows = [(e.component, e.action, energy_text(e.energy_pj), e.source)
            for e in arch.energy_table]
    return text_table(("component", "action", "energy", "source"), rows,
                      right=(False, False, True, False), width=width, wrap_last=True,
                      caption="energy table (energy per action):")


def _reference_models(arch: Accelerator) -> str:
    table = tables.energy_table(arch.meta.get("energy_reference", tables.DEFAULT_ENERGY_TABLE))
    fit = tables.fit_sram_model(table.sram_model)
    errors = ", ".join(f"{p.size_bytes // 1024} KiB {e:+.1%}"
                       for p, e in zip(table.sram_model.points, fit.relative_errors))
    arithmetic = [f"  {fmt} {op}: " + ", ".join(
        f"{bits} b {entry.energy_pj:g} pJ" + (f" ({entry.provenance})"
                                             if entry.provenance == "derived" else "")
        for bits, entry in sorted(widths.items()))
        for fmt, ops in table.arithmetic.items() for op, widths in ops.items()]
    return (f"reference table ({table.name}, {table.technology_nm:g} nm, {table.vdd_v:g} V; "
            "multiply by the scale factor for this accelerator):\n"
            + "\n".join(arithmetic) + "\n"
            f"  SRAM: E = {fit.coefficient_pj:.4g} pJ x (size/KiB)^{fit.exponent:.4g} x "
            f"width/{fit.reference_width_bits} b; fit errors {errors}\n"
            f"  register file: {table.register_file.energy_pj_per_bit:g} pJ/bit "
            f"({table.register_file.source})\n"
            f"  technology scaling: Stillmaker & Baas 2017, x "
            f"{arch.meta.get('energy_scale_factor', '1')} to {arch.technology_nm:g} nm\n")
