"""LLM phase options shared by ``estimate`` and ``simulate`` (not a subcommand itself).

``--phase prefill|decode``, ``--context-len N`` (prefill: prompt tokens; decode: tokens the
new one attends to, its own included) and ``--kv-bits B`` (KV-cache bits per element; default
the accelerator's activation bits), with the commands' ``--batch`` as the sequences. Any of
them switches the workload to :func:`hwsim.workload.llm.phase_network`; the output then gains
the per-token and per-sequence figures (:func:`hwsim.workload.llm.phase_figures`): a ``phase``
object in JSON (``pruned`` and ``dense`` for estimate, ``simulated`` for simulate), two lines
after the table or the Markdown.
"""
from __future__ import annotations

import argparse
import json

from hwsim.workload import resolve_network
from hwsim.workload.decoder import DEFAULT_CONTEXT_LEN, Phase, PhaseConfig
from hwsim.workload.llm import phase_figures, phase_network
from hwsim.report.text import phase_lines


def add_phase_arguments(parser: argparse.ArgumentParser, sweep: bool = False) -> None:
    """``--phase``, ``--context-len``, ``--kv-bits`` (module docstring); with ``sweep``
    also ``--context-sweep N,N,... --out DIR`` (:func:`run_context_sweep`)."""
    if sweep:
        parser.add_argument("--context-sweep", metavar="N,N,...",
                            help="estimate the phase at each context length and write the "
                                 "energy / latency per token figure and tables to --out")
        parser.add_argument("--out", metavar="DIR", help="folder for --context-sweep files")
    parser.add_argument("--phase", choices=[p.value for p in Phase],
                        help="decoder LLMs: prefill (the prompt) or decode (one new token "
                             "per sequence); default prefill when --context-len is given")
    parser.add_argument("--context-len", type=int, metavar="N",
                        help="prefill: prompt tokens; decode: tokens attended (the cache "
                             f"after appending the new one); default {DEFAULT_CONTEXT_LEN}")
    parser.add_argument("--kv-bits", type=int, metavar="B",
                        help="KV-cache bits per element (default: the accelerator's "
                             "activation bits)")


def phase_config(args: argparse.Namespace) -> PhaseConfig | None:
    """The :class:`PhaseConfig` the options ask for, or None when none is given."""
    given = (args.phase, args.context_len, args.kv_bits)
    if all(value is None for value in given):
        return None
    return PhaseConfig(phase=args.phase or Phase.PREFILL,
                       context_len=(DEFAULT_CONTEXT_LEN if args.context_len is None
                                    else args.context_len),
                       batch=args.batch or 1, kv_bits=args.kv_bits)


def resolve_workload(args: argparse.Namespace):
    """``(network, phase or None)`` for ``--workload`` with the profile, batch and phase."""
    phase = phase_config(args)
    if phase is None:
        return resolve_network(args.workload, profile=args.profile, batch=args.batch), None
    return phase_network(args.workload, phase, profile=args.profile), phase


def with_phase(text: str, fmt: str, phase: PhaseConfig | None, totals: dict) -> str:
    """``text`` (a command's output) with the phase figures of ``totals`` (label -> total
    ``LayerCost``): a ``phase`` object in JSON, two lines per total in table / md; csv as is."""
    if phase is None or fmt == "csv":
        return text
    figures = {label: phase_figures(total, phase) for label, total in totals.items()}
    if fmt == "json":
        data = json.loads(text)
        data["phase"] = {label: f.to_dict() for label, f in figures.items()}
        return json.dumps(data, indent=2, allow_nan=False) + "\n"
    from hwsim.report.layout import wrap_lines
    lines = [line for label, f in figures.items() for line in phase_lines(f, label)]
    return text.rstrip("\n") + "\n" + "\n".join(wrap_lines(lines)) + "\n"


def run_context_sweep(args: argparse.Namespace, arch, options=None) -> int:
    """``estimate --context-sweep 128,512,2048 --out DIR``: the phase (default decode) at
    each context length, pruned (``--profile``) and dense, on ``arch``; prints the table and
    writes :func:`hwsim.report.context_figures.write_context_report`'s files."""
    from hwsim.cost.context import context_sweep, parse_contexts
    from hwsim.cost.layer import EstimateOptions
    from hwsim.errors import HwsimError
    from hwsim.report.context_figures import context_markdown, write_context_report
    if not args.out:
        raise HwsimError("--out must name a folder with --context-sweep. Got nothing instead.")
    contexts = parse_contexts(args.context_sweep)
    phase = PhaseConfig(phase=args.phase or Phase.DECODE, context_len=contexts[0],
                        batch=args.batch or 1, kv_bits=args.kv_bits)
    results = context_sweep(args.workload, arch, phase, contexts, args.profile,
                            options or EstimateOptions(), args.residency)
    print(context_markdown(results), end="")
    for path in write_context_report(results, args.out):
        print(f"wrote {path}")
    return 0


__all__ = ["add_phase_arguments", "phase_config", "resolve_workload", "run_context_sweep",
           "with_phase"]
