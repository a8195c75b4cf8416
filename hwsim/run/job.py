"""The main job: config -> (cached) train / prune / export -> estimate -> report folder.

:func:`run_main_job` is the whole of ``hwsim run``; each stage is one function:

1. :func:`load_accelerators` - every accelerator file of the config, all problems at once;
2. :func:`hwsim.run.prune_stage.prepare_network` - the pruned network with real masks and
   measured densities (torch only on a cache miss);
3. :func:`estimate_all` - ``compare_network`` of the pruned and the dense network on each
   accelerator and of the dense network on the baseline, with the savings attributed to
   pruning (same accelerator), to the change of accelerator, and both; with
   ``hardware.simulate`` (the default), :func:`simulate_all` adds the event simulator's
   cycles and energy per layer (pruned and dense) beside the analytical ones;
4. :func:`results_document` - the estimate JSON plus the config and provenance;
5. :func:`hwsim.report.write_report` - results.json, results.csv, summary.md, report.html and
   the figures under ``reports/<name>/`` (or ``out_dir``).

Example::

    config, base = load_run_config(None)              # the embedded default
    result = run_main_job(config, base)
    result.files.report_html                          # reports/lenet300-han2015/report.html
"""
from __future__ import annotations

import hashlib
import platform
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import hwsim
from hwsim.arch import Accelerator, load_arch
from hwsim.errors import ConfigError
from hwsim.report import RESULTS_FORMAT, ReportFiles, write_report
from hwsim.run.config import RunConfig, resolve_arch_paths
from hwsim.run.prune_stage import PruneOutcome, prepare_network
from hwsim.types import Operand
from hwsim.workload import Network, summarize_network

@dataclass(frozen=True)
class LoadedArch:
    """An accelerator with the file it came from and the role it plays."""

    role: str
    path: Path
    arch: Accelerator


@dataclass(frozen=True)
class RunResult:
    """What the main job produced: the results document and the files written."""

    results: dict
    files: ReportFiles
    prune: PruneOutcome
    wall_time_s: float


def load_accelerators(config: RunConfig, base: Path,
                      source: str | None = None) -> tuple[LoadedArch, ...]:
    """Every accelerator (role ``pruned``) then the baseline (role ``baseline``); the problems
    of every file are reported together."""
    paths, baseline = resolve_arch_paths(config, base, source)
    loaded, problems = [], []
    for role, path in [*(("pruned", p) for p in paths), ("baseline", baseline)]:
        try:
            loaded.append(LoadedArch(role, path, load_arch(path)))
        except ConfigError as exc:
            problems += exc.problems
    if problems:
        raise ConfigError(problems)
    return tuple(loaded)


def estimate_all(network: Network, archs: tuple[LoadedArch, ...], progress: bool = True,
                 residency=None):
    """``compare_network`` of ``network`` on each pruned-role accelerator (pruned and dense
    on it) against the dense network on the baseline (one
    :class:`~hwsim.cost.NetworkComparison` each, with its attribution)."""
    from tqdm.auto import tqdm

    from hwsim.cost import compare_network

    baseline = next(a for a in archs if a.role == "baseline").arch
    pruned = [a for a in archs if a.role == "pruned"]
    out = []
    for loaded in tqdm(pruned, desc="estimating", unit="arch", disable=not progress,
                       leave=False):
        out.append(compare_network(network, loaded.arch, baseline, residency=residency))
    return out


def _sim_row(result) -> dict:
    c, a = result.cost, result.analytical
    diff = (c.latency_cycles / a.latency_cycles - 1.0) if c.supported and a.latency_cycles \
        else None
    return {"name": c.name, "supported": c.supported,
            "unsupported_reason": c.unsupported_reason, "latency_cycles": c.latency_cycles,
            "latency_s": c.latency_s, "energy_pj": c.energy_pj,
            "analytical_latency_cycles": a.latency_cycles, "analytical_energy_pj": a.energy_pj,
            "latency_diff": diff, "bottleneck": c.bottleneck,
            "weights_on_chip": c.weights_on_chip, "causes": list(result.comparison.causes)}


def simulate_all(network: Network, archs: tuple[LoadedArch, ...], progress: bool = True,
                 residency=None) -> list[dict]:
    """The event simulator per layer on each pruned-role accelerator, pruned and dense
    networks, beside the analytical figures of the same layer (``hwsim.sim.simulate_network``,
    with the residency the analytical model decided); ``max_abs_latency_diff`` is the largest
    per-layer |simulated / analytical - 1|."""
    from tqdm.auto import tqdm

    from hwsim.sim import simulate_network

    out = []
    dense = tuple(l.with_densities() for l in network.layers)
    for loaded in tqdm([a for a in archs if a.role == "pruned"], desc="simulating",
                       unit="arch", disable=not progress, leave=False):
        record = {"arch": loaded.arch.name, "model": "simulator"}
        for side, layers in (("pruned", network.layers), ("dense", dense)):
            rows = [_sim_row(r) for r in simulate_network(layers, loaded.arch,
                                                          residency=residency)]
            diffs = [abs(r["latency_diff"]) for r in rows if r["latency_diff"] is not None]
            record[side] = {"layers": rows, "max_abs_latency_diff": max(diffs, default=None),
                            "latency_s": sum(r["latency_s"] for r in rows if r["supported"]),
                            "energy_pj": sum(r["energy_pj"] for r in rows if r["supported"])}
        record["layers"] = record["pruned"]["layers"]
        out.append(record)
    return out


def accelerator_record(loaded: LoadedArch) -> dict:
    """Provenance of one accelerator: file, SHA-256, the YAML text and key numbers."""
    data = loaded.path.read_bytes()
    arch = loaded.arch
    return {"role": loaded.role, "name": arch.name, "file": str(loaded.path),
            "sha256": hashlib.sha256(data).hexdigest(), "yaml": data.decode("utf-8"),
            "dataflow": str(arch.dataflow), "clock_hz": arch.compute.clock_hz,
            "pe_count": arch.compute.pe_count, "technology_nm": arch.technology_nm,
            "on_chip_weight_capacity_bytes": arch.on_chip_capacity_bytes(Operand.WEIGHTS),
            "memories": [{"name": m.name, "kind": str(m.kind), "size_bytes": m.size_bytes,
                          "instances": m.instances, "width_bits": m.width_bits,
                          "read_energy_pj": m.read_energy_pj,
                          "write_energy_pj": m.write_energy_pj} for m in arch.memories]}


def results_document(config: RunConfig, source: str | None, prune: PruneOutcome,
                     network: Network, archs, comparisons, simulation, timings: dict) -> dict:
    """The results document (see :mod:`hwsim.report.results`)."""
    return {
        "format": RESULTS_FORMAT,
        "run": {"name": config.name, "description": config.description,
                "created_utc": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
                "hwsim_version": hwsim.__version__, "python": platform.python_version(),
                "config": config.model_dump(mode="json"), "config_source": source,
                "cache": {"key": prune.cache_key, "hit": prune.cache_hit,
                          "dir": str(prune.cache_dir) if prune.cache_dir else None},
                "wall_time_s": timings},
        "estimates": [c.to_dict() for c in comparisons],
        "dense_runs": [c.dense.to_dict() for c in comparisons],
        "baselines": [c.baseline.to_dict() for c in comparisons],
        "accelerators": [accelerator_record(a) for a in archs],
        "workload": summarize_network(network).as_dict(),
        "pruning": {"summary": prune.summary, "histograms": prune.extras.get("histograms"),
                    "sensitivity": prune.extras.get("sensitivity")},
        "simulation": simulation,
    }


def default_out_dir(config: RunConfig) -> Path:
    """``reports/<name>`` under the current directory."""
    return Path.cwd() / "reports" / config.name


def run_main_job(config: RunConfig, base: Path, out_dir: str | Path | None = None,
                 source: str | None = None, progress: bool = True) -> RunResult:
    """Run every stage (module docstring) and write the report folder."""
    started = time.perf_counter()
    archs = load_accelerators(config, base, source)
    prune = prepare_network(config, base, source, progress)
    network = prune.network
    if config.hardware.batch is not None:
        network = Network(network.name, tuple(l.with_batch(config.hardware.batch)
                                              for l in network.layers), network.profile)
    t_estimate = time.perf_counter()
    residency = config.hardware.residency
    comparisons = estimate_all(network, archs, progress, residency)
    simulation = simulate_all(network, archs, progress, residency) \
        if config.hardware.simulate else None
    t_report = time.perf_counter()
    timings = {"prune": prune.wall_time_s, "estimate": t_report - t_estimate}
    results = results_document(config, source, prune, network, archs, comparisons,
                               simulation, timings)
    out = Path(out_dir) if out_dir is not None else default_out_dir(config)
    files = write_report(results, out, config.report.figures, config.report.dpi)
    return RunResult(results, files, prune, time.perf_counter() - started)

