"""``hwsim simulate``: the event-driven model per layer, beside the analytical estimate.

    hwsim simulate --arch FILE --workload NAME|FILE [--profile P] [--batch N] [--layer NAME]
                   [--fifo-depth N] [--seed N] [--trace FILE] [--timeline FILE.png]
                   [--residency streamed|network|per-layer]
                   [--format table|csv|json|md] [--output FILE]

``json`` has the same per-layer fields as ``hwsim estimate`` (``LayerCost.to_dict()``, with
``model: "simulator"``) plus ``analytical`` (its core fields), ``simulation`` (stalls, DRAM
bursts and rows, events, wall time) and ``comparison`` (both values of every shared quantity
and the named causes of each difference). ``--trace`` writes the event log (CSV, or JSON for a
``.json`` name; a ``layer`` column when several layers run); ``--timeline`` draws it (the
first layer, or ``--layer``). A layer the accelerator cannot run or hold is an error with
``--layer`` and an ``unsupported`` row otherwise. Whether a layer's weights stay on chip is
decided over the whole network, as ``hwsim estimate`` decides it
(:mod:`hwsim.cost.residency`), also with ``--layer``.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
from dataclasses import replace

from hwsim.commands import (add_arch_workload_arguments, add_output_arguments,
                            add_residency_argument, bounded_int)
from hwsim.commands.phase import add_phase_arguments, resolve_workload, with_phase
from hwsim.fileio import write_text_atomic
from hwsim.arch import load_arch
from hwsim.cost.network import CORE_FIELDS
from hwsim.cost.residency import plan_residency
from hwsim.cost.totals import total_cost
from hwsim.config.mapping import load_mapping_file
from hwsim.report.layout import markdown_table, terminal_width, text_table, wrap_text
from hwsim.report.units import (UNITS_NOTE, bytes_text, count_text, energy_text, seconds_text,
                                signed_pct_text)
from hwsim.sim import SimOptions, simulate, simulate_network
from hwsim.sim.trace import trace_text

FORMATS = ("table", "csv", "json", "md")


def register(subparsers) -> None:
    """Add the ``simulate`` subcommand."""
    p = subparsers.add_parser("simulate", help="event-driven simulation per layer, checked "
                              "against the analytical model", description=__doc__.splitlines()[0])
    add_arch_workload_arguments(p, "simulate one layer only")
    p.add_argument("--fifo-depth", type=bounded_int(1, 2 ** 16), metavar="N",
                   help="activation FIFO depth per PE (column broadcast; default: the arch's)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of synthesised masks and non-zero inputs (default 0)")
    p.add_argument("--trace", metavar="FILE", help="write the event log (CSV or .json)")
    p.add_argument("--timeline", metavar="FILE", help="draw the event log (PNG, SVG, PDF)")
    p.add_argument("--mapping", metavar="FILE", help="pin mappings or constrain the mapping search (YAML; or an estimate's JSON output): docs/cost_model.md, Mapping files")
    add_residency_argument(p)
    add_phase_arguments(p)
    add_output_arguments(p, FORMATS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    arch = load_arch(args.arch)
    net, phase = resolve_workload(args)
    options = SimOptions(fifo_depth=args.fifo_depth, seed=args.seed,
                         trace=bool(args.trace or args.timeline),
                         mappings=load_mapping_file(args.mapping, arch) if args.mapping else None)
    plan = plan_residency(net.layers, arch, args.residency)
    if args.layer:
        layer = net.layer(args.layer)
        resident = plan.resident[net.layers.index(layer)]
        results = (simulate(layer, arch, options, weights_resident=resident),)
    else:
        results = simulate_network(net.layers, arch, options, residency=args.residency)
    if args.trace:
        write_text_atomic(args.trace, traces_text(results, args.trace))
    if args.timeline:
        draw_timeline(results[0] if args.layer else next(
            (r for r in results if r.cost.supported), results[0]), args.timeline)
    text = render(results, net, arch.name, args.format, args)
    if phase is not None:
        costs = [r.cost for r in results]
        total = total_cost(costs, arch.name, costs[0].clock_hz if costs else 1.0)
        text = with_phase(text, args.format, phase, {"simulated": total})
    if args.output:
        write_text_atomic(args.output, text)
    else:
        print(text, end="" if text.endswith("\n") else "\n")
    return 0



def traces_text(results, path: str) -> str:
    """The event logs of ``results``: one log as is, several with a leading ``layer`` column."""
    fmt = "json" if path.lower().endswith(".json") else "csv"
    runs = [r for r in results if r.cost.supported]
    if len(runs) == 1:
        return trace_text(runs[0].trace, fmt)
    if fmt == "json":
        return json.dumps({r.cost.name: json.loads(trace_text(r.trace, "json"))
                           for r in runs}) + "\n"
    lines = ["layer," + trace_text((), "csv").strip()]
    for r in runs:
        body = trace_text(r.trace, "csv").splitlines()[1:]
        lines += [f"{r.cost.name},{line}" for line in body]
    return "\n".join(lines) + "\n"


def draw_timeline(result, path: str) -> None:
    """Save the timeline of one result (matplotlib's object API; no global state)."""
    from matplotlib.figure import Figure

    from hwsim.fileio import write_with
    from hwsim.sim.plots import plot_timeline
    fig = Figure(figsize=(11, 5), layout="constrained")
    ax = fig.subplots()
    plot_timeline(result.trace, int(result.cost.latency_cycles), ax)
    ax.set_title(f"{result.cost.name} on {result.cost.arch}: simulated timeline")
    fmt = path.rsplit(".", 1)[-1].lower()
    write_with(path, lambda out: fig.savefig(out, format=fmt, dpi=120))


# ---- rendering -----------------------------------------------------------------------------
def result_row(result) -> dict:
    """``LayerCost.to_dict()`` + ``analytical`` core fields + ``simulation`` + ``comparison``."""
    row = result.to_dict()
    ana = result.analytical.to_dict()
    row["analytical"] = {k: ana[k] for k in CORE_FIELDS if k in ana}
    return row


def to_json(results, net, arch_name: str, args=None) -> dict:
    costs = [r.cost for r in results]
    clock = costs[0].clock_hz if costs else 1.0
    total = replace(total_cost(costs, arch_name, clock), model="simulator").to_dict()
    total["unsupported_layers"] = sum(1 for c in costs if not c.supported)
    data = {"network": net.name, "arch": arch_name, "profile": net.profile,
            "model": "simulator", "units": {"energy_pj": "pJ", "latency_cycles":
                                            "cycles at the arch clock", "*_bytes": "bytes"},
            "layers": [result_row(r) for r in results], "total": total}
    if args is not None:
        data["options"] = {"fifo_depth": args.fifo_depth, "seed": args.seed,
                           "batch": args.batch, "layer": args.layer, "workload": args.workload,
                           "residency": args.residency}
    return data


_CSV = ("name", "supported", "latency_cycles", "analytical_latency_cycles", "latency_diff",
        "compute_cycles", "energy_pj", "analytical_energy_pj", "dram_read_bytes",
        "dram_write_bytes", "load_balance_efficiency", "bottleneck", "events", "wall_s",
        "causes")


def _flat(r) -> dict:
    c, a, s = r.cost, r.analytical, r.stats
    diff = (c.latency_cycles / a.latency_cycles - 1.0) if a.latency_cycles else 0.0
    return {"name": c.name, "supported": c.supported, "latency_cycles": c.latency_cycles,
            "analytical_latency_cycles": a.latency_cycles, "latency_diff": diff,
            "compute_cycles": c.compute_cycles, "energy_pj": c.energy_pj,
            "analytical_energy_pj": a.energy_pj, "dram_read_bytes": c.dram_read_bytes,
            "dram_write_bytes": c.dram_write_bytes,
            "load_balance_efficiency": s.load_balance_efficiency, "bottleneck": c.bottleneck,
            "events": s.events, "wall_s": s.wall_s, "causes": " | ".join(r.comparison.causes)}


def to_csv(results) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=_CSV, lineterminator="\n")
    writer.writeheader()
    writer.writerows(_flat(r) for r in results)
    return buf.getvalue()


_HEAD = ("layer", "sim cycles", "ana cycles", "diff", "energy", "DRAM", "lb eff",
         "bottleneck", "events", "wall")


def _cells(r) -> list[str]:
    f = _flat(r)
    if not f["supported"]:
        return [f["name"], "unsupported", *["-"] * (len(_HEAD) - 2)]
    return [f["name"], count_text(f["latency_cycles"]),
            count_text(f["analytical_latency_cycles"]), signed_pct_text(f["latency_diff"]),
            energy_text(f["energy_pj"]),
            bytes_text(f["dram_read_bytes"] + f["dram_write_bytes"]),
            f"{f['load_balance_efficiency']:.3f}", f["bottleneck"], count_text(f["events"]),
            seconds_text(f["wall_s"])]


def to_markdown(results) -> str:
    """A Markdown table, one row per layer; unsupported layers say why below it."""
    rows = [_cells(r) for r in results]
    causes = [f"- {r.cost.name}: " + ("; ".join(c.split(":")[0] for c in r.comparison.causes))
              for r in results if r.cost.supported and r.comparison.causes]
    why = [f"- {r.cost.name}: unsupported: {r.cost.unsupported_reason}" for r in results
           if not r.cost.supported]
    text = markdown_table(_HEAD, rows)
    text += f"\nsim = event-driven simulation, ana = analytical model, lb eff = load balance; " \
            f"{UNITS_NOTE}.\n"
    return text + "".join(line + "\n" for line in why + causes)


def to_table(results, net, arch_name: str, width: int | None = None) -> str:
    """Per layer simulated vs analytical cycles, energy, DRAM, load balance; fits ``width``
    (the terminal's by default); then the named causes of every difference."""
    width = width or terminal_width()
    out = wrap_text(f"{net.name} ({net.profile or 'as given'}) on {arch_name}", width)
    out.append(text_table(_HEAD, [_cells(r) for r in results], width=width,
                          caption="sim = event-driven simulation, ana = analytical model, "
                                  "diff = sim / ana - 1, lb eff = load balance, wall = "
                                  f"simulator run time; {UNITS_NOTE}").rstrip("\n"))
    unsupported: dict[str, list[str]] = {}
    for r in results:
        if not r.cost.supported:
            unsupported.setdefault(r.cost.unsupported_reason or "", []).append(r.cost.name)
    for why, names in unsupported.items():
        out += wrap_text(f"{', '.join(names)}: unsupported: {why}", width)
    notes = [f"{r.cost.name}: {cause}" for r in results if r.cost.supported
             for cause in r.comparison.causes]
    if notes:
        out += ["", "where the models differ (largest first):"]
        for note in notes:
            out += wrap_text(note, width, subsequent="    ")
    return "\n".join(out) + "\n"


def render(results, net, arch_name: str, fmt: str, args=None) -> str:
    """The results in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "json":
        return json.dumps(to_json(results, net, arch_name, args), indent=2,
                          allow_nan=False, default=float) + "\n"
    if fmt == "csv":
        return to_csv(results)
    if fmt == "md":
        return to_markdown(results)
    return to_table(results, net, arch_name)
