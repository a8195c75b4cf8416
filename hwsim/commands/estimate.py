"""``hwsim estimate``: memory, energy and latency per layer, pruned vs dense, on one accelerator.

    hwsim estimate --arch FILE --workload NAME|FILE [--profile han2015] [--batch N]
                   [--layer NAME] [--baseline-arch FILE] [--fallback-arch FILE]
                   [--objective energy|latency|edp] [--residency streamed|network|per-layer]
                   [--format table|csv|json|md] [--output FILE]

The dense network is the same network with every density 1 (no mask). The table leads with
what pruning buys on the accelerator itself (dense -> pruned, same accelerator); with
``--baseline-arch`` B it adds what moving the dense network from B to the accelerator buys,
and both together (:class:`hwsim.cost.savings.Attribution`). Totals say which layers they
cover (EIE runs no conv layer: "partial: 3 of 8 layers, ..." unless the arch names a
``fallback_arch``). ``table`` fits an 80-column terminal; ``json`` is the stable record
of :meth:`hwsim.cost.NetworkComparison.to_dict` (units in every key); ``csv`` has one row per
layer plus ``total``; ``md`` is a Markdown table. ``--output`` writes the file atomically.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import math
from dataclasses import replace

from hwsim.commands import (add_arch_workload_arguments, add_output_arguments,
                            add_residency_argument)
from hwsim.fileio import write_text_atomic
from hwsim.arch import load_arch
from hwsim.config.mapping import load_mapping_file
from hwsim.cost import EstimateOptions, compare_network
from hwsim.cost.network import NetworkComparison
from hwsim.cost.savings import Attribution, Coverage
from hwsim.cost.totals import total_cost
from hwsim.report.wording import factor_text
from hwsim.types import Objective, Operand
from hwsim.workload import resolve_network

FORMATS = ("table", "csv", "json", "md")


def register(subparsers) -> None:
    """Add the ``estimate`` subcommand."""
    p = subparsers.add_parser(
        "estimate", help="energy, latency and memory per layer, pruned vs dense",
        description="Memory, energy and latency per layer, pruned vs dense, on one "
                    "accelerator (analytical model; see docs/cost_model.md).")
    add_arch_workload_arguments(p, "report one layer only")
    p.add_argument("--baseline-arch", metavar="FILE",
                   help="also run the dense network on this accelerator, and attribute the "
                        "savings to the change of accelerator and to pruning")
    p.add_argument("--fallback-arch", metavar="FILE",
                   help="run the layers --arch cannot run on this accelerator (overrides the "
                        "file's fallback_arch), so the totals cover the whole network")
    p.add_argument("--objective", choices=[o.value for o in Objective], default="energy",
                   help="what the mapping search minimises (default energy)")
    p.add_argument("--mapping", metavar="FILE", help="pin mappings or constrain the mapping search (YAML; or an estimate's JSON output): docs/cost_model.md, Mapping files")
    add_residency_argument(p)
    add_output_arguments(p, FORMATS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    arch = load_arch(args.arch)
    if args.fallback_arch:
        arch = replace(arch, fallback=load_arch(args.fallback_arch))
    base = load_arch(args.baseline_arch) if args.baseline_arch else None
    net = resolve_network(args.workload, profile=args.profile, batch=args.batch)
    if args.layer:
        net.layer(args.layer)  # ConfigError listing the layers when unknown
    mappings = load_mapping_file(args.mapping, arch) if args.mapping else None
    cmp = compare_network(net, arch, base, options=EstimateOptions(Objective(args.objective),
                                                                   mappings=mappings),
                          residency=args.residency)
    if args.layer:
        cmp = only_layer(cmp, args.layer)
    text = render(cmp, args.format, args)
    if args.output:
        write_text_atomic(args.output, text)
    else:
        print(text, end="" if text.endswith("\n") else "\n")
    return 0


def only_layer(cmp: NetworkComparison, name: str) -> NetworkComparison:
    """The comparison restricted to one layer (its totals are that layer's; its residency is
    the one decided for the whole network)."""
    i = next(i for i, l in enumerate(cmp.pruned.layers) if l.name == name)
    a = cmp.layer_attribution[i]
    ok = a is not None
    missing = () if ok else ((name, next(c.unsupported_reason for c in
                                         (cmp.pruned.layers[i], cmp.dense.layers[i],
                                          cmp.baseline.layers[i]) if not c.supported)),)
    fraction = 1.0 if ok else 0.0
    coverage = Coverage(1, (name,) if ok else (), tuple(n for n in cmp.coverage.fallback
                                                        if n == name), missing,
                        fraction, fraction, fraction)

    def one(net):
        cost = net.layers[i]
        plan = replace(net.residency, resident=(net.residency.resident[i],),
                       reasons=(net.residency.reasons[i],))
        return replace(net, layers=(cost,), residency=plan, coverage=coverage,
                       total=total_cost([cost] if ok else [], net.arch, cost.clock_hz))

    pruned, dense = one(cmp.pruned), one(cmp.dense)
    baseline = dense if cmp.same_accelerator else one(cmp.baseline)
    attribution = a or Attribution.of(pruned.total, dense.total, baseline.total)
    return NetworkComparison(pruned, dense, baseline, attribution, (a,), coverage)


def render(cmp: NetworkComparison, fmt: str, args=None) -> str:
    """The comparison in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "json":
        data = cmp.to_dict()
        if args is not None:
            data["options"] = {"objective": args.objective, "batch": args.batch,
                               "layer": args.layer, "workload": args.workload,
                               "residency": args.residency}
        return json.dumps(data, indent=2, allow_nan=False) + "\n"
    if fmt == "csv":
        return to_csv(cmp)
    if fmt == "md":
        return to_markdown(cmp)
    return to_table(cmp)


# ---- number formatting ---------------------------------------------------------------------
def si(value: float, unit: str = "", base: float = 1000.0) -> str:
    """Compact number with k/M/G/T suffix: si(1536) -> '1.5k', si(2e6, 'B') -> '2.0MB'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    for suffix in ("", "k", "M", "G", "T"):
        if abs(value) < base or suffix == "T":
            return f"{value:.0f}{suffix}{unit}" if suffix == "" and value == int(value) \
                else f"{value:.1f}{suffix}{unit}"
        value /= base
    return f"{value:.1f}{unit}"


def energy(pj: float) -> str:
    """pJ in the largest fitting unit: 12.5e6 pJ -> '12.5uJ'; 3.4e9 -> '3.40mJ'."""
    for unit, scale in (("J", 1e12), ("mJ", 1e9), ("uJ", 1e6), ("nJ", 1e3)):
        if pj >= scale:
            return f"{pj / scale:.3g}{unit}"
    return f"{pj:.3g}pJ"


def seconds(s: float) -> str:
    """Seconds in s/ms/us/ns: 3.5e-5 -> '35.0us'."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g}{unit}"
    return f"{s / 1e-9:.3g}ns"


def times(x: float | None) -> str:
    """A savings factor: 2.345 -> '2.3x', None/inf -> 'inf'."""
    if x is None or math.isinf(x):
        return "inf"
    return f"{x:.1f}x" if x < 100 else f"{x:.0f}x"


# ---- table (80 columns) --------------------------------------------------------------------
_ROW = "{:<10.10} {:>8} {:>8} {:>6} {:>8} {:>7} {:>7} {:<14.14} {:>3}"
_HEAD = ("layer", "E pruned", "E dense", "E save", "latency", "lat x", "DRAM",
         "bound p|d", "on")


def _bound(p, d) -> str:
    """The pruned run's bottleneck, and the dense run's after a bar when it differs:
    ``compute|dram``."""
    return p.bottleneck if p.bottleneck == d.bottleneck else f"{p.bottleneck}|{d.bottleneck}"


def _row(p, d, a) -> str:
    """Pruned vs dense on the same accelerator; ``a`` the layer's attribution (None when a
    side is unsupported)."""
    if a is None:
        return f"{p.name:<10.10} not in the totals, see below"
    s = a.pruning
    return _ROW.format(p.name, energy(p.energy_pj), energy(d.energy_pj), times(s.energy),
                       seconds(p.latency_s), times(s.latency), si(p.dram_bytes, "B"),
                       _bound(p, d), "yes" if p.weights_on_chip else "no")


def _reasons(cmp: NetworkComparison) -> list[str]:
    reasons: dict[str, list[str]] = {}
    for name, why in cmp.coverage.missing:
        reasons.setdefault(why, []).append(name)
    lines = []
    for why, names in reasons.items():
        lines += _wrap(f"left out of the totals: {', '.join(names)}:")
        lines += _wrap(why, indent="  ")
    sides = [("pruned", cmp.pruned), ("dense", cmp.dense)]
    if not cmp.same_accelerator:
        sides.append((f"dense on {cmp.baseline.arch}", cmp.baseline))
    notes: dict[str, list[str]] = {}
    for side, net in sides:
        for layer in net.layers:
            for note in layer.notes:
                notes.setdefault(note, []).append(f"{layer.name} ({side})")
    for note, where in notes.items():
        lines += _wrap(f"{', '.join(where)}: {note}")
    return lines


def _wrap(text: str, width: int = 79, indent: str = "") -> list[str]:
    """``text`` in lines of at most ``width``, each starting with ``indent``, later ones
    indented two more spaces."""
    lines, line = [], indent
    for w in text.split():
        if line.strip() and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = indent + "  " + w
        else:
            line = f"{line} {w}" if line.strip() else line + w
    return lines + ([line] if line.strip() else [])


def _words(s) -> str:
    return ", ".join(factor_text(getattr(s, m), m) for m in
                     ("energy", "latency", "memory", "dram_traffic"))


def attribution_lines(cmp: NetworkComparison) -> list[str]:
    """What pruning buys on the accelerator, what the change of accelerator buys, both."""
    a, arch, base = cmp.attribution, cmp.pruned.arch, cmp.baseline.arch
    lines = [f"pruning on {arch} (dense -> pruned, same accelerator):"]
    lines += _wrap(_words(a.pruning), indent="  ")
    if not cmp.same_accelerator:
        lines.append(f"accelerator {base} -> {arch} (dense network on both):")
        lines += _wrap(_words(a.accelerator), indent="  ")
        lines.append(f"both (dense on {base} -> pruned on {arch}):")
        lines += _wrap(_words(a.combined), indent="  ")
    return lines


def to_table(cmp: NetworkComparison) -> str:
    """Fixed-width table (<= 80 columns): per layer pruned vs dense on the same accelerator,
    then the totals attributed to pruning and to the accelerator, and their coverage."""
    p_net, d_net, b_net = cmp.pruned, cmp.dense, cmp.baseline
    out = _wrap(f"{p_net.name} ({p_net.profile or 'as given'}) on {p_net.arch}: pruned vs "
                "dense on the same accelerator")
    out += _wrap("E = energy; latency and DRAM bytes of the pruned run; bound p|d = bottleneck "
                 "of the pruned run (|dense run's, when it differs); on = weights kept on chip")
    out += [
            _ROW.format(*_HEAD), "-" * 79]
    out += [_row(p, d, a) for p, d, a in zip(p_net.layers, d_net.layers,
                                             cmp.layer_attribution)]
    out.append("-" * 79)
    out.append(_row(p_net.total, d_net.total, cmp.attribution))
    t, dt = p_net.total, d_net.total
    out += _wrap(f"totals cover: {cmp.coverage.label()}")
    out += attribution_lines(cmp)
    out += [
        f"weights stored: pruned {si(t.weights.stored_bytes, 'B')} "
        f"({si(t.weights.metadata_bytes, 'B')} metadata), dense "
        f"{si(dt.weights.stored_bytes, 'B')}",
        f"  residency {p_net.residency.policy}; whole model fits on chip: "
        f"{'yes' if p_net.model_fits_on_chip else 'no'} (pruned), "
        f"{'yes' if d_net.model_fits_on_chip else 'no'} (dense)",
        f"DRAM per inference: {si(t.dram_bytes, 'B')}, of which weights "
        f"{si(t.dram_bytes_of(Operand.WEIGHTS), 'B')}; compulsory "
        f"{si(t.compulsory_dram_bytes, 'B')}",
        f"  resident weights loaded once per model: {si(t.model_load_dram_bytes, 'B')}",
        "energy, pruned: " + _shares(t.energy_breakdown_pj, t.energy_pj),
        "energy, dense:  " + _shares(dt.energy_breakdown_pj, dt.energy_pj),
    ]
    if not cmp.same_accelerator:
        bt = b_net.total
        out += _wrap(f"energy, dense on {b_net.arch}: "
                     + _shares(bt.energy_breakdown_pj, bt.energy_pj))
    out += _reasons(cmp)
    return "\n".join(line[:80] for line in out) + "\n"


def _shares(parts: dict, total: float) -> str:
    top = sorted(((v, k) for k, v in parts.items() if v > 0), reverse=True)[:4]
    return ", ".join(f"{k} {100 * v / total:.0f}%" for v, k in top) if total else "-"


# ---- csv / markdown ------------------------------------------------------------------------
_CSV_CORE = ("name", "supported", "macs_dense", "macs_effective", "weight_count", "weight_nnz",
             "weight_bytes_dense", "weight_bytes_stored", "weights_on_chip", "dram_read_bytes",
             "dram_write_bytes", "dram_weight_bytes", "energy_pj", "latency_cycles",
             "latency_s", "bottleneck")


def _csv_row(row: dict, components: list[str]) -> dict:
    out = {k: row[k] for k in _CSV_CORE}
    out.update({f"energy_{c}_pj": row["energy_breakdown_pj"].get(c, 0.0) for c in components})
    for side in ("dense", "baseline"):
        out.update({f"{side}_{k}": row[side][k] for k in _CSV_CORE if k in row[side]})
    savings = row["savings"] or {}
    out.update({f"savings_{k}": savings.get(k) for k in SAVINGS_KEYS})
    attribution = row["attribution"] or {}
    for part in ("pruning", "accelerator", "combined"):
        values = attribution.get(part) or {}
        out.update({f"{part}_{k}": values.get(k) for k in SAVINGS_KEYS})
    out["notes"] = "; ".join(row.get("notes") or ())
    return out


SAVINGS_KEYS = ("energy_x", "latency_x", "memory_x", "dram_traffic_x")


def to_csv(cmp: NetworkComparison) -> str:
    """One CSV row per layer and a ``total`` row; units in the column names."""
    data = cmp.to_dict()
    rows = data["layers"] + [data["total"]]
    components = list(dict.fromkeys(c for r in rows for c in r["energy_breakdown_pj"]))
    flat = [_csv_row(r, components) for r in rows]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(flat[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(flat)
    return buf.getvalue()


def to_markdown(cmp: NetworkComparison) -> str:
    """A Markdown table: per layer pruned vs dense (same accelerator) energy, latency, DRAM,
    savings from pruning; then the attribution and coverage lines."""
    head = ("layer", "energy pruned (uJ)", "energy dense (uJ)", "energy x", "latency (us)",
            "latency x", "DRAM (kB)", "DRAM x", "bottleneck", "weights on chip")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    pairs = list(zip(cmp.pruned.layers, cmp.dense.layers,
                     (a.pruning if a else None for a in cmp.layer_attribution)))
    pairs.append((cmp.pruned.total, cmp.dense.total, cmp.attribution.pruning))
    for p, b, s in pairs:
        if s is None:
            why = dict(cmp.coverage.missing).get(p.name, "unsupported")
            lines.append(f"| {p.name} | not in the totals: {why}" + " |" * (len(head) - 1))
            continue
        cells = (p.name, f"{p.energy_pj / 1e6:.3f}", f"{b.energy_pj / 1e6:.3f}", times(s.energy),
                 f"{p.latency_s * 1e6:.2f}", times(s.latency), f"{p.dram_bytes / 1e3:.1f}",
                 times(s.dram_traffic), p.bottleneck, "yes" if p.weights_on_chip else "no")
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", f"Totals cover: {cmp.coverage.label()}.", ""]
    lines += [line.strip() for line in attribution_lines(cmp)]
    return "\n".join(lines) + "\n"
