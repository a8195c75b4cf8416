"""``hwsim sweep SPEC.yaml --out DIR``: a base accelerator x a grid (or seeded random samples)
of config overrides x workloads, on one machine or a Dask cluster.

Each finished point is appended to ``DIR/results.jsonl`` at once, so a killed sweep started
again with the same spec and folder resumes without recomputing a point. At the end:
``results.csv``, ``best.csv`` and the table of best points, ``pareto.png/svg`` and, for a grid
over >= 2 keys, ``heatmap.png/svg``. Engines: ``--engine serial`` (in-process), ``process``
(default: a pool on every core), or Dask with ``--scheduler tcp://HOST:8786`` (an existing
cluster) or ``--dask-local N`` (a LocalCluster of N worker processes). Exit 1 when a point
failed with an unexpected error (status ``error``; a rerun retries it).
"""
from __future__ import annotations

import argparse
import sys

from hwsim.config.mapping import load_mapping_file
from hwsim.errors import HwsimError
from hwsim.sweep import EngineConfig, load_plan, run_sweep, write_outputs
from hwsim.sweep.engines import ENGINES
from hwsim.sweep.plan import with_mappings
from hwsim.report.layout import fit_lines, text_table
from hwsim.report.progress import progress_bar_factory, progress_enabled
from hwsim.report.units import UNITS_NOTE, edp_text, energy_text, seconds_text
from hwsim.sweep.analysis import value_label
from hwsim.sweep.store import RESULTS_FILE, read_rows


def register(subparsers) -> None:
    """Add ``sweep`` (see the module docstring)."""
    parser = subparsers.add_parser(
        "sweep", help="sweep accelerator configs x workloads (resumable; local or Dask)",
        description="Evaluate a base accelerator x a grid or seeded random samples of config "
                    "overrides x workloads; finished points are kept in DIR/results.jsonl, so "
                    "a rerun resumes. Writes results.csv, best.csv, pareto.png/svg and "
                    "heatmap.png/svg. Spec format: docs/SWEEPS.md.")
    parser.add_argument("spec", metavar="SPEC.yaml", help="sweep spec (docs/SWEEPS.md)")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="results folder (reused: finished points are skipped)")
    parser.add_argument("--engine", choices=ENGINES, default=None,
                        help="serial, process (default) or dask")
    parser.add_argument("--workers", type=_positive, metavar="N",
                        help="process pool size (default: every core)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="Dask scheduler, e.g. tcp://host:8786 (implies --engine dask)")
    parser.add_argument("--dask-local", type=_positive, metavar="N",
                        help="start a Dask LocalCluster of N workers (implies --engine dask)")
    parser.add_argument("--chunk-size", type=_positive, metavar="N",
                        help="points per task (default: about 8 tasks per worker, <= 64)")
    parser.add_argument("--restart", action="store_true",
                        help="discard the results already in DIR and start over")
    parser.add_argument("--top", type=_positive, default=5, metavar="K",
                        help="best points listed per workload and objective (default 5)")
    parser.add_argument("--no-plots", action="store_true", help="skip the figures")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--mapping", metavar="FILE",
                        help="estimate every point with these pinned mappings / search "
                             "constraints (docs/cost_model.md, Mapping files)")
    parser.add_argument("--dry-run", action="store_true",
                        help="validate the spec and print the plan; evaluate nothing")
    parser.set_defaults(func=run)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1. Got {value} instead.")
    return value


def engine_config(args: argparse.Namespace) -> EngineConfig:
    """--scheduler / --dask-local imply the dask engine; a conflicting --engine is an error."""
    dask = args.scheduler is not None or args.dask_local is not None
    if args.scheduler is not None and args.dask_local is not None:
        raise HwsimError("--dask-local must be omitted when --scheduler is given. "
                         f"Got {args.dask_local} instead.")
    if dask and args.engine not in (None, "dask"):
        raise HwsimError(f"--engine must be dask with --scheduler or --dask-local. "
                         f"Got {args.engine!r} instead.")
    kind = "dask" if dask else (args.engine or "process")
    return EngineConfig(kind, args.workers, args.scheduler, args.dask_local)


def run(args: argparse.Namespace) -> int:
    engine = engine_config(args)
    plan = load_plan(args.spec)
    if args.mapping:
        plan = with_mappings(plan, load_mapping_file(args.mapping))
    if args.dry_run:
        print(fit_lines(describe_plan(plan, args.out)))
        return 0
    bars = progress_enabled(args.no_progress)
    result = run_sweep(plan, args.out, engine, args.chunk_size, args.restart,
                       progress=progress_bar_factory(plan.name, "pt") if bars else None)
    outputs = write_outputs(result, top=args.top, plots=not args.no_plots)
    counts = ", ".join(f"{s} {result.count(s)}" for s in ("ok", "partial", "invalid", "error"))
    print(fit_lines(f"{plan.name}: {len(result.rows)} points ({counts}); computed "
                    f"{result.computed}, reused {result.reused} from {args.out}/{RESULTS_FILE}"))
    if outputs.best:
        print(best_table(outputs.best), end="")
    for path in outputs.files:
        print(fit_lines(f"wrote {path}"))
    errors = result.count("error")
    if errors:
        print(f"hwsim: {errors} point(s) failed with an unexpected error (status error in "
              "results.csv); run the sweep again to retry them", file=sys.stderr)
        return 1
    return 0


def describe_plan(plan, out_dir) -> str:
    done = read_rows(f"{out_dir}/{RESULTS_FILE}")
    finished = sum(1 for p in plan.points if p.id in done and done[p.id].get("status") != "error")
    lines = [f"{plan.name}: {plan.kind} over {len(plan.axes)} key(s) x "
             f"{len(plan.workloads)} workload(s) = {len(plan.points)} points "
             f"({finished} already in {out_dir}; {plan.duplicates_dropped} repeats dropped)",
             f"base: {plan.base_path}  objective: {plan.objective}"]
    lines += [f"  {a.key}: {len(a.values)} value(s)" if a.values else
              f"  {a.key}: sampled from a range" for a in plan.axes]
    lines += [f"  workload {w.label}: {w.network.name}, {len(w.network.layers)} layers"
              for w in plan.workloads]
    return "\n".join(lines)


def best_table(best) -> str:
    """The best points (rank, workload, objective, energy, latency, EDP, overrides) as the
    shared terminal table: fits ``COLUMNS``, the overrides wrap."""
    rows = []
    for row in best:
        overrides = "\n".join(f"{k}={value_label(v)}" for k, v in row["overrides"].items())
        rows.append((str(row["rank"]), row["workload"], row["objective"],
                     energy_text(row["energy_pj"]), seconds_text(row["latency_s"]),
                     edp_text(row["energy_pj"], row["latency_s"]), overrides or "(base)"))
    return text_table(("rank", "workload", "objective", "energy", "latency", "EDP",
                       "overrides"), rows, keys=2, wrap_last=True,
                      right=(True, False, False, True, True, True, False),
                      caption=f"best points per workload and objective; EDP = energy x "
                              f"latency; {UNITS_NOTE}")
