"""``hwsim workload list|show|export|import``: built-in networks, what a workload contains.

``hwsim workload show alexnet --profile han2015`` prints, per layer and in total, the weight
count, the kept (non-zero) weights, the three densities and the dense and effective MACs, and
the total compression (weight_count / weight_nnz): 61.0M -> 6.80M weights, 9.0x.
Formats: ``table`` (fits ``COLUMNS``, 100 by default; k/M/G suffixes), ``json``, ``csv``, ``md``.
"""
from __future__ import annotations

import argparse
import csv
import io
import json

from hwsim.report.layout import markdown_table, text_table, wrap_lines
from hwsim.report.units import count_text
from hwsim.workload import (builtin_aliases, builtin_description, builtin_network,
                            list_builtin_networks, list_profiles, profile_networks,
                            resolve_network, save_network, summarize_network)
from hwsim.workload.summary import SUMMARY_FIELDS, LayerSummary, NetworkSummary

FORMATS = ("table", "json", "csv", "md")
# (header, right-aligned) of the table and markdown columns, in SUMMARY_FIELDS order
_COLUMNS = (("layer", False), ("kind", False), ("weights", True), ("nnz", True),
            ("w_den", True), ("in_den", True), ("out_den", True), ("MACs", True),
            ("eff_MACs", True))


def register(subparsers) -> None:
    """Add ``workload`` with its ``list``, ``show`` and ``export`` subcommands."""
    parser = subparsers.add_parser("workload", help="built-in networks and workload files",
                                   description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="workload_command", metavar="ACTION")
    sub.required = True
    listing = sub.add_parser("list", help="list the built-in networks")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    listing.set_defaults(func=run_list)
    show = sub.add_parser("show", help="per-layer weights, densities and MACs of a workload")
    _add_network_arguments(show)
    show.add_argument("--format", choices=FORMATS, default="table")
    show.set_defaults(func=run_show)
    export = sub.add_parser("export", help="write a workload as a YAML/JSON workload file")
    _add_network_arguments(export)
    export.add_argument("-o", "--output", required=True,
                        help="file to write (.yaml, .yml or .json)")
    export.set_defaults(func=run_export)
    onnx_in = sub.add_parser("import", help="read an ONNX model (weights' zeros as densities)")
    onnx_in.add_argument("model", metavar="MODEL.onnx", help="ONNX file, e.g. from "
                         "torch.onnx.export")
    onnx_in.add_argument("-o", "--output", help="workload file to write (.yaml, .yml, .json)")
    onnx_in.add_argument("--name", help="network name (default: the file's stem)")
    onnx_in.set_defaults(func=run_import)


def _add_network_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("network", metavar="NAME|FILE",
                        help=f"built-in ({', '.join(list_builtin_networks())}) or workload file")
    parser.add_argument("--profile", help=f"sparsity profile ({', '.join(list_profiles())})")
    parser.add_argument("--batch", type=int, help="images per inference (default: as given)")


def run_show(args: argparse.Namespace) -> int:
    network = resolve_network(args.network, profile=args.profile, batch=args.batch)
    print(format_summary(summarize_network(network), args.format), end="")
    return 0


def run_export(args: argparse.Namespace) -> int:
    network = resolve_network(args.network, profile=args.profile, batch=args.batch)
    path = save_network(network, args.output)
    print(f"wrote {path} ({len(network.layers)} layers)")
    return 0


def run_import(args: argparse.Namespace) -> int:
    """Import an ONNX model, say how its nodes were modelled, write it with ``-o``."""
    from hwsim.workload.onnx_import import import_onnx
    result = import_onnx(args.model, args.name)
    roles = ", ".join(f"{n} {role}" for role, n in result.roles)
    lines = [f"{args.model}: {len(result.network.layers)} layers ({roles})"]
    lines += [f"  not modelled: {node} ({op}): {reason}"
              for node, op, reason in result.unsupported]
    if args.output:
        lines.append(f"wrote {save_network(result.network, args.output)}")
    print("\n".join(wrap_lines(lines)))
    return 0


def run_list(args: argparse.Namespace) -> int:
    rows = [_builtin_row(name) for name in list_builtin_networks()]
    if args.format == "json":
        print(json.dumps(rows, indent=1))
        return 0
    header = ("name", "aliases", "layers", "weights", "MACs", "profiles")
    cells = [(r["name"], ", ".join(r["aliases"]) or "-", str(r["layers"]),
              human(r["weight_count"]), human(r["macs_dense"]), ", ".join(r["profiles"]) or "-")
             for r in rows]
    print(_aligned(header, cells, (False, False, True, True, True, False)), end="")
    return 0


def _builtin_row(name: str) -> dict:
    network = builtin_network(name)
    profiles = [p for p in list_profiles() if name in profile_networks(p)]
    return {"name": name, "aliases": list(builtin_aliases(name)), "layers": len(network.layers),
            "weight_count": sum(layer.stored_weight_count for layer in network.layers),
            "macs_dense": sum(layer.macs_dense for layer in network.layers),
            "profiles": profiles, "description": builtin_description(name)}


# ---- formatting (pure: summary -> text) ----------------------------------------------------
def format_summary(summary: NetworkSummary, fmt: str = "table") -> str:
    """The summary as ``table``, ``json``, ``csv`` or ``md`` text (ends with a newline)."""
    if fmt == "json":
        return json.dumps(summary.as_dict(), indent=1) + "\n"
    if fmt == "csv":
        return _csv(summary)
    rows = [_cells(layer) for layer in (*summary.layers, summary.total)]
    header = tuple(title for title, _ in _COLUMNS)
    right = tuple(flag for _, flag in _COLUMNS)
    table = _markdown(header, rows, right) if fmt == "md" else _aligned(header, rows, right,
                                                                        rule_before_last=True)
    footer = _footer(summary) if fmt == "md" else "\n".join(wrap_lines(
        _footer(summary).splitlines()))
    return f"{_title(summary)}\n\n{table}\n{footer}\n"


def human(value: float) -> str:
    """A count with an SI suffix (:func:`hwsim.report.units.count_text`): 34848 -> '34.8k',
    60954656 -> '61M'."""
    return count_text(value)


def _cells(row: LayerSummary) -> tuple[str, ...]:
    exact = "*" if row.macs_exact else ""
    return (row.name, row.kind, human(row.weight_count), human(row.weight_nnz),
            f"{row.weight_density:.3f}", f"{row.input_density:.3f}",
            f"{row.output_density:.3f}", human(row.macs_dense),
            human(row.macs_effective) + exact)


def _title(summary: NetworkSummary) -> str:
    profile = f"profile {summary.profile}" if summary.profile else "no profile (dense unless given)"
    return f"{summary.network}: {profile}, batch {summary.batch}"


def _footer(summary: NetworkSummary) -> str:
    total = summary.total
    ratio = "inf" if total.weight_nnz == 0 else f"{summary.compression_x:.1f}x"
    share = total.macs_effective / total.macs_dense if total.macs_dense else 0.0
    lines = [f"compression {ratio}: {human(total.weight_count)} -> {human(total.weight_nnz)} "
             f"weights; MACs {human(total.macs_dense)} -> {human(total.macs_effective)} "
             f"({share:.1%})"]
    if any(row.macs_exact for row in summary.layers):
        lines.append("* exact effective MACs; others expected = dense x w_den x in_den")
    return "\n".join(lines)


def _aligned(header, rows, right, rule_before_last: bool = False) -> str:
    """The shared terminal table (:func:`hwsim.report.layout.text_table`): fits ``COLUMNS``
    (100 by default), wide columns moved to a second block."""
    return text_table(header, rows, right=right, rule_before_last=rule_before_last)


def _markdown(header, rows, right) -> str:
    return markdown_table(header, rows, right=right)


def _csv(summary: NetworkSummary) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=SUMMARY_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in (*summary.layers, summary.total):
        writer.writerow(row.as_dict())
    return out.getvalue()
