"""``hwsim arch check FILE...`` and ``hwsim arch show FILE [--format text|json]``.

``check`` validates each file and prints ``ok FILE``, or every problem of every file
(``eie.yaml: memories.glb.size_bytes must be <= ... Got ... instead.``) and exits 2.
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
from hwsim.errors import ConfigError


def register(subparsers) -> None:
    """Add ``arch`` with its ``check`` and ``show`` subcommands."""
    parser = subparsers.add_parser("arch", help="check and show accelerator description files",
                                   description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="arch_command", metavar="ACTION")
    sub.required = True
    check = sub.add_parser("check", help="validate accelerator files (exit 2 on any problem)")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.set_defaults(func=run_check)
    show = sub.add_parser("show", help="print the resolved accelerator and its energy table")
    show.add_argument("file", metavar="FILE")
    show.add_argument("--format", choices=("text", "json"), default="text")
    show.set_defaults(func=run_show)


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
    """131072 -> '128 KiB'; 1536 -> '1.5 KiB'; 100 -> '100 B'."""
    for unit, scale in (("GiB", 1024 ** 3), ("MiB", 1024 ** 2), ("KiB", 1024)):
        if size >= scale:
            return f"{size / scale:.4g} {unit}"
    return f"{size:g} B"


def format_text(arch: Accelerator) -> str:
    """The human-readable report of ``hwsim arch show``."""
    gpu = [describe_gpu(arch.gpu, arch.compute.clock_hz)] if arch.gpu else []
    parts = [_header(arch), _memories(arch), _compute(arch), _sparsity(arch), *gpu,
             _energy_table(arch), _reference_models(arch)]
    return "\n".join(parts)


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


def _memories(arch: Accelerator) -> str:
    head = (f"{'level':<12} {'kind':<7} {'size':>10} {'x':>5} {'total':>10} {'width':>6} "
            f"{'read pJ':>9} {'write pJ':>9} {'B/cycle':>9} {'leak mW':>8}  holds")
    rows = ["memories (DRAM first, inwards):", head]
    for m in arch.memories:
        holds = ", ".join(sorted(str(o) for o in m.operands)) or "-"
        if m.metadata_for:
            holds += " (metadata of " + ", ".join(sorted(map(str, m.metadata_for))) + ")"
        rows.append(f"{m.name:<12} {m.kind.value:<7} {human_bytes(m.size_bytes):>10} "
                    f"{m.instances:>5} {human_bytes(m.total_size_bytes):>10} "
                    f"{m.width_bits:>6} {m.read_energy_pj:>9.4g} {m.write_energy_pj:>9.4g} "
                    f"{m.bandwidth_bytes_per_cycle:>9.4g} {m.leakage_power_mw:>8.3g}  {holds}")
        if m.kind.value == "dram":
            rows.append(f"{'':<12} burst {m.burst_bytes} B, row buffer {m.row_buffer_bytes} B, "
                        f"row activation {m.row_activation_energy_pj:g} pJ, latency "
                        f"{m.access_latency_cycles} cycles")
    return "\n".join(rows) + "\n"


def _compute(arch: Accelerator) -> str:
    c = arch.compute
    peak = c.peak_macs_per_cycle
    return (f"compute: {c.pe_count} PEs ({c.array_rows} x {c.array_cols}), "
            f"{c.macs_per_pe_per_cycle} MAC/PE/cycle at {c.clock_hz / 1e6:g} MHz: peak {peak} "
            f"MAC/cycle = {peak * c.clock_hz / 1e9:.4g} GMAC/s\n"
            f"  bits: weights {c.weight_bits}, activations {c.activation_bits}, accumulator "
            f"{c.accumulator_bits}; MAC {c.mac_energy_pj:.4g} pJ, gated MAC "
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
                     f"{ws.stored_bits}-bit indices, lookup {ws.lookup_energy_pj:.4g} pJ")
    return "\n".join(lines) + "\n"


def _energy_table(arch: Accelerator) -> str:
    rows = ["energy table (pJ per action):"]
    for entry in arch.energy_table:
        rows.append(f"  {entry.component:<12} {entry.action:<34} {entry.energy_pj:>10.4g}  "
                    f"{entry.source}")
    return "\n".join(rows) + "\n"


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
