"""The main job: config -> (cached) train / prune / export -> estimate -> report folder.

:func:`run_main_job` is the whole of ``hwsim run``; each stage is one function:

1. :func:`load_accelerators` - every accelerator file of the config, all problems at once;
2. :func:`hwsim.run.prune_stage.prepare_network` - the pruned network with real masks and
   measured densities (torch only on a cache miss);
3. :func:`estimate_all` - ``compare_network`` of the pruned network on each accelerator
   against the dense network on the baseline; with ``hardware.simulate``,
   :func:`simulate_all` adds the event simulator's cycles per layer;
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


def estimate_all(network: Network, archs: tuple[LoadedArch, ...], progress: bool = True):
    """``compare_network`` of ``network`` on each pruned-role accelerator against the dense
    network on the baseline (one :class:`~hwsim.cost.NetworkComparison` each)."""
    from tqdm.auto import tqdm

    from hwsim.cost import compare_network

    baseline = next(a for a in archs if a.role == "baseline").arch
    pruned = [a for a in archs if a.role == "pruned"]
    out = []
    for loaded in tqdm(pruned, desc="estimating", unit="arch", disable=not progress,
                       leave=False):
        out.append(compare_network(network, loaded.arch, baseline))
    return out


def simulate_all(network: Network, archs: tuple[LoadedArch, ...],
                 progress: bool = True) -> list[dict]:
    """The event simulator's cycles per layer on each pruned-role accelerator, beside the
    analytical cycles of the same layer (``hwsim.sim.simulate_network``)."""
    from tqdm.auto import tqdm

    from hwsim.sim import simulate_network

    out = []
    for loaded in tqdm([a for a in archs if a.role == "pruned"], desc="simulating",
                       unit="arch", disable=not progress, leave=False):
        layers = [{"name": r.cost.name, "supported": r.cost.supported,
                   "unsupported_reason": r.cost.unsupported_reason,
                   "latency_cycles": r.cost.latency_cycles, "energy_pj": r.cost.energy_pj,
                   "analytical_latency_cycles": r.analytical.latency_cycles,
                   "bottleneck": r.cost.bottleneck}
                  for r in simulate_network(network.layers, loaded.arch)]
        out.append({"arch": loaded.arch.name, "model": "simulator", "layers": layers})
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
    comparisons = estimate_all(network, archs, progress)
    simulation = simulate_all(network, archs, progress) if config.hardware.simulate else None
    t_report = time.perf_counter()
    timings = {"prune": prune.wall_time_s, "estimate": t_report - t_estimate}
    results = results_document(config, source, prune, network, archs, comparisons,
                               simulation, timings)
    out = Path(out_dir) if out_dir is not None else default_out_dir(config)
    files = write_report(results, out, config.report.figures, config.report.dpi)
    return RunResult(results, files, prune, time.perf_counter() - started)

