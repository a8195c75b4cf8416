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
``fallback_arch``). ``table`` fits the terminal (``COLUMNS``, 100 by default; wide columns
move to a second block); ``json`` is the stable record
of :meth:`hwsim.cost.NetworkComparison.to_dict` (units in every key); ``csv`` has one row per
layer plus ``total``; ``md`` is a Markdown table. ``--output`` writes the file atomically.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
from dataclasses import replace

from hwsim.commands import (add_arch_workload_arguments, add_output_arguments,
                            add_residency_argument)
from hwsim.commands.phase import (add_phase_arguments, resolve_workload,
                                  run_context_sweep, with_phase)
from hwsim.fileio import write_text_atomic
from hwsim.arch import load_arch
from hwsim.config.mapping import load_mapping_file
from hwsim.cost import EstimateOptions, compare_network
from hwsim.cost.network import NetworkComparison
from hwsim.cost.savings import Attribution, Coverage
from hwsim.cost.totals import total_cost
from hwsim.report.layout import (markdown_table, terminal_width, text_table, wrap_lines,
                                 wrap_text)
from hwsim.report.units import (UNITS_NOTE, bytes_text, energy_text, seconds_text,
                                shares_text, times_text)
from hwsim.report.wording import factor_text
from hwsim.types import Objective, Operand

FORMATS = ("table", "csv", "json", "md")


def register(subparsers) -> None:
    """Add the ``estimate`` subcommand."""
    p = subparsers.add_parser(
        "estimate", help="energy, latency and memory per layer, pruned vs dense",
        description="Memory, energy and latency per layer, pruned vs dense, on one "
                    "accelerator (analytical model; see docs/cost_model.md).")
    add_arch_workload_arguments(p, "report one layer only")
    p.add_argument("--baseline-arch", metavar="NAME|FILE",
                   help="also run the dense network on this accelerator, and attribute the "
                        "savings to the change of accelerator and to pruning")
    p.add_argument("--fallback-arch", metavar="NAME|FILE",
                   help="run the layers --arch cannot run on this accelerator (overrides the "
                        "file's fallback_arch), so the totals cover the whole network")
    p.add_argument("--objective", choices=[o.value for o in Objective], default="energy",
                   help="what the mapping search minimises (default energy)")
    p.add_argument("--mapping", metavar="FILE", help="pin mappings or constrain the mapping search (YAML; or an estimate's JSON output): docs/cost_model.md, Mapping files")
    add_residency_argument(p)
    add_phase_arguments(p, sweep=True)
    add_output_arguments(p, FORMATS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    arch = load_arch(args.arch)
    if args.fallback_arch:
        arch = replace(arch, fallback=load_arch(args.fallback_arch))
    base = load_arch(args.baseline_arch) if args.baseline_arch else None
    if args.context_sweep:
        return run_context_sweep(args, arch, EstimateOptions(Objective(args.objective)))
    net, phase = resolve_workload(args)
    if args.layer:
        net.layer(args.layer)  # ConfigError listing the layers when unknown
    mappings = load_mapping_file(args.mapping, arch) if args.mapping else None
    cmp = compare_network(net, arch, base, options=EstimateOptions(Objective(args.objective),
                                                                   mappings=mappings),
                          residency=args.residency)
    if args.layer:
        cmp = only_layer(cmp, args.layer)
    text = with_phase(render(cmp, args.format, args), args.format, phase,
                      {"pruned": cmp.pruned.total, "dense": cmp.dense.total})
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


# ---- table (fits the terminal: hwsim.report.layout) ---------------------------------------
_HEAD = ("layer", "E pruned", "E dense", "E saved", "latency", "lat saved", "DRAM",
         "bound p|d", "on chip")
_LEGEND = ("E = energy per inference (pruned, dense: same accelerator); saved = dense / "
           "pruned; latency, DRAM: the pruned run's; bound p|d = bottleneck pruned|dense (one "
           "when equal); on chip = weights stay on chip; ")


def _bound(p, d) -> str:
    """The pruned run's bottleneck, and the dense run's after a bar when it differs:
    ``compute|dram``."""
    return p.bottleneck if p.bottleneck == d.bottleneck else f"{p.bottleneck}|{d.bottleneck}"


def _cells(p, d, a) -> list[str]:
    """Pruned vs dense on the same accelerator; ``a`` the layer's attribution (None when a
    side is unsupported)."""
    if a is None:
        return [p.name, *["-"] * (len(_HEAD) - 1)]
    s = a.pruning
    return [p.name, energy_text(p.energy_pj), energy_text(d.energy_pj),
            times_text(s.energy), seconds_text(p.latency_s), times_text(s.latency),
            bytes_text(p.dram_bytes), _bound(p, d), "yes" if p.weights_on_chip else "no"]


def _reasons(cmp: NetworkComparison, width: int) -> list[str]:
    reasons: dict[str, list[str]] = {}
    for name, why in cmp.coverage.missing:
        reasons.setdefault(why, []).append(name)
    lines = []
    for why, names in reasons.items():
        lines += wrap_text(f"not in the totals ('-' above): {', '.join(names)}:", width)
        lines += wrap_text(why, width, indent="  ")
    sides = [("pruned", cmp.pruned), ("dense", cmp.dense)]
    if not cmp.same_accelerator:
        sides.append((f"dense on {cmp.baseline.arch}", cmp.baseline))
    notes: dict[str, list[str]] = {}
    for side, net in sides:
        for layer in net.layers:
            for note in layer.notes:
                notes.setdefault(note, []).append(f"{layer.name} ({side})")
    for note, where in notes.items():
        lines += wrap_text(f"{', '.join(where)}: {note}", width)
    return lines


def _words(s) -> str:
    return ", ".join(factor_text(getattr(s, m), m) for m in
                     ("energy", "latency", "memory", "dram_traffic"))


def attribution_lines(cmp: NetworkComparison, width: int | None = None) -> list[str]:
    """What pruning buys on the accelerator, what the change of accelerator buys, both."""
    a, arch, base = cmp.attribution, cmp.pruned.arch, cmp.baseline.arch
    lines = [f"pruning on {arch} (dense -> pruned, same accelerator):"]
    lines += wrap_text(_words(a.pruning), width, indent="  ")
    if not cmp.same_accelerator:
        lines.append(f"accelerator {base} -> {arch} (dense network on both):")
        lines += wrap_text(_words(a.accelerator), width, indent="  ")
        lines.append(f"both (dense on {base} -> pruned on {arch}):")
        lines += wrap_text(_words(a.combined), width, indent="  ")
    return lines


def to_table(cmp: NetworkComparison, width: int | None = None) -> str:
    """Fixed-width table (fits ``width``, the terminal's by default): per layer pruned vs
    dense on the same accelerator, then the totals attributed to pruning and to the
    accelerator, and their coverage."""
    width = width or terminal_width()
    p_net, d_net, b_net = cmp.pruned, cmp.dense, cmp.baseline
    out = wrap_text(f"{p_net.name} ({p_net.profile or 'as given'}) on {p_net.arch}: pruned vs "
                    "dense on the same accelerator", width)
    rows = [_cells(p, d, a) for p, d, a in zip(p_net.layers, d_net.layers,
                                                cmp.layer_attribution)]
    rows.append(_cells(p_net.total, d_net.total, cmp.attribution))
    out.append(text_table(_HEAD, rows, width=width, rule_before_last=True,
                          right=(False, *[True] * 6, False, False),
                          caption=_LEGEND + UNITS_NOTE).rstrip("\n"))
    t, dt = p_net.total, d_net.total
    out += wrap_text(f"totals cover: {cmp.coverage.label()}", width)
    out += attribution_lines(cmp, width)
    fits = {True: "yes", False: "no"}
    lines = [
        f"weights stored: pruned {bytes_text(t.weights.stored_bytes)} "
        f"({bytes_text(t.weights.metadata_bytes)} metadata), dense "
        f"{bytes_text(dt.weights.stored_bytes)}",
        f"  residency {p_net.residency.policy}; whole model fits on chip: "
        f"{fits[bool(p_net.model_fits_on_chip)]} (pruned), "
        f"{fits[bool(d_net.model_fits_on_chip)]} (dense)",
        f"DRAM per inference: {bytes_text(t.dram_bytes)}, of which weights "
        f"{bytes_text(t.dram_bytes_of(Operand.WEIGHTS))}; compulsory "
        f"{bytes_text(t.compulsory_dram_bytes)}",
        f"  resident weights loaded once per model: {bytes_text(t.model_load_dram_bytes)}",
        "energy, pruned: " + shares_text(t.energy_breakdown_pj, t.energy_pj),
        "energy, dense:  " + shares_text(dt.energy_breakdown_pj, dt.energy_pj),
    ]
    if not cmp.same_accelerator:
        bt = b_net.total
        lines.append(f"energy, dense on {b_net.arch}: "
                     + shares_text(bt.energy_breakdown_pj, bt.energy_pj))
    out += wrap_lines(lines, width)
    out += _reasons(cmp, width)
    return "\n".join(out) + "\n"


# ---- csv / markdown ------------------------------------------------------------------------
def to_csv(cmp: NetworkComparison) -> str:
    """One CSV row per layer and a ``total`` row (:meth:`NetworkComparison.to_rows`); units
    in the column names."""
    rows = cmp.to_rows()
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def to_markdown(cmp: NetworkComparison) -> str:
    """A Markdown table: per layer pruned vs dense (same accelerator) energy, latency, DRAM,
    savings from pruning; then the attribution and coverage lines."""
    head = ("layer", "energy pruned", "energy dense", "energy saved", "latency",
            "latency saved", "DRAM", "DRAM saved", "bottleneck", "weights on chip")
    rows = []
    pairs = list(zip(cmp.pruned.layers, cmp.dense.layers,
                     (a.pruning if a else None for a in cmp.layer_attribution)))
    pairs.append((cmp.pruned.total, cmp.dense.total, cmp.attribution.pruning))
    for p, b, s in pairs:
        if s is None:
            why = dict(cmp.coverage.missing).get(p.name, "unsupported")
            rows.append((p.name, f"not in the totals: {why}", *[""] * (len(head) - 2)))
            continue
        rows.append((p.name, energy_text(p.energy_pj), energy_text(b.energy_pj),
                     times_text(s.energy), seconds_text(p.latency_s), times_text(s.latency),
                     bytes_text(p.dram_bytes), times_text(s.dram_traffic), p.bottleneck,
                     "yes" if p.weights_on_chip else "no"))
    lines = [markdown_table(head, rows)]
    lines += [f"{cmp.pruned.name} on {cmp.pruned.arch}, pruned vs dense on the same "
              f"accelerator; {UNITS_NOTE}.", "", f"Totals cover: {cmp.coverage.label()}.", ""]
    lines += [line.strip() for line in attribution_lines(cmp, 10 ** 6)]
    return "\n".join(lines) + "\n"
