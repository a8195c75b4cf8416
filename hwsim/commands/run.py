"""``hwsim run [CONFIG.yaml] [--out DIR]``: the main job, from training to the report.

With no config it runs the embedded default (``hwsim/data/default_run.yaml``): train
LeNet-300-100 on the bundled 5k MNIST subset, prune it with Han et al. 2015's schedule, export
the real masks and measured activation densities, estimate the pruned and the dense network
on ``arch_configs/eie.yaml`` and ``arch_configs/systolic_ws.yaml`` (what pruning buys on each)
and the dense one on the systolic array as the baseline (what moving to EIE buys), simulate
every layer with the event simulator beside the analytical model, write ``reports/<name>/``
(report.html, summary.md, results.csv, results.json, figures/) and print per accelerator the
per-layer savings table and the totals, pruning on the same accelerator first (fitting the
terminal). Trained models are cached (``~/.cache/hwsim`` or
``$HWSIM_CACHE_DIR``), so a rerun skips training. Progress bars go to stderr, only when it
is a terminal.
"""
from __future__ import annotations

import argparse
import os
import sys

from hwsim.commands import add_residency_argument
from hwsim.report.layout import fit_lines


def register(subparsers) -> None:
    """Add ``run`` (see the module docstring)."""
    parser = subparsers.add_parser("run", help="the main job: train, prune, estimate, report",
                                   description=__doc__.splitlines()[0])
    parser.add_argument("config", nargs="?", metavar="CONFIG.yaml",
                        help="run config (default: the embedded LeNet-300-100 / EIE run)")
    parser.add_argument("--out", metavar="DIR",
                        help="report folder (default: reports/<name>/ under the current folder)")
    parser.add_argument("--no-cache", action="store_true",
                        help="train again and do not store the trained models")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument("--trust-pickle", action="store_true",
                        help="allow a .pt/.pth model file that needs full unpickling (it runs "
                             "code when loaded: only files you made)")
    add_residency_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # imported here: matplotlib (via hwsim.report) costs ~0.6 s at every CLI start
    from hwsim.report.progress import progress_enabled
    from hwsim.run import load_run_config, run_main_job
    from hwsim.run.config import CacheConfig
    config, base = load_run_config(args.config)
    if args.trust_pickle:  # read by pruning.checkpoint.torch_load, as hwsim prune does
        os.environ["HWSIM_TRUST_PICKLE"] = "1"
    if args.no_cache:
        config = config.model_validate({**config.model_dump(),
                                        "cache": CacheConfig(enabled=False).model_dump()})
    if args.residency:
        hardware = {**config.hardware.model_dump(), "residency": args.residency.replace("-", "_")}
        config = config.model_validate({**config.model_dump(), "hardware": hardware})
    source = args.config or "<embedded default_run.yaml>"
    result = run_main_job(config, base, args.out, source,
                          progress=progress_enabled(args.no_progress))
    sys.stderr.flush()
    print(results_text(result.results), end="")
    cache = "reused from the cache" if result.prune.cache_hit else "trained"
    print(fit_lines(f"\nmodel {cache} ({result.prune.cache_key}); report: "
                    f"{result.files.report_html} ({result.wall_time_s:.1f} s)"))
    return 0


def results_text(results: dict) -> str:
    """Per accelerator: the per-layer savings table, the totals and which model the numbers
    come from; fits the terminal (``COLUMNS``, 100 by default). ``hwsim report`` prints the
    same for a run's results.json."""
    from hwsim.report import tables_of
    from hwsim.report.sections import headline_model
    from hwsim.report.text import savings_table, totals_lines
    sims = {run["arch"]: run for run in results.get("simulation") or []}
    out = []
    for table in tables_of(results):
        out.append(fit_lines(f"\n{table.network}: pruning on {table.arch} (dense vs pruned, "
                             "same accelerator)\n\n"))
        out.append(savings_table(table))
        out.append(fit_lines("\n" + "\n".join(totals_lines(table)) + "\n"))
        out.append(fit_lines(headline_model(sims.get(table.arch)) + "\n"))
    return "".join(out)
