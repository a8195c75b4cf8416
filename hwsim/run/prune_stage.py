"""The main job's torch stage: train, prune, export (via ``pruning``), cached on disk.

:func:`prepare_network` returns a :class:`PruneOutcome`: the exported hwsim ``Network`` (real
masks, measured activation densities, exact effective MACs), the pruning summary, and the extra
numbers the report draws (weight histograms before / after pruning, sensitivity curves).

Torch is imported only on a cache miss, inside :func:`_train_and_prune`; a cache hit reads the
workload file and two JSON files (see :mod:`hwsim.run.cache`), so a rerun never loads torch.
"""
from __future__ import annotations

import importlib.util
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from hwsim.errors import ConfigError, Problem
from hwsim.run import cache
from hwsim.run.config import RunConfig, find_file
from hwsim.workload import Network, load_network

SUMMARY_FILE = "summary.json"
EXTRAS_FILE = "extras.json"
EXTRAS_FORMAT = "hwsim-run-extras/1"


@dataclass(frozen=True)
class PruneOutcome:
    """What the torch stage produced, and where it came from."""

    network: Network
    summary: dict
    extras: dict
    cache_key: str
    cache_dir: Path | None
    cache_hit: bool
    wall_time_s: float


@dataclass(frozen=True)
class ScheduleSource:
    """The schedule as written: its parsed mapping and where it came from (for messages)."""

    data: Any
    source: str


def resolve_schedule(config: RunConfig, base: Path, config_source: str | None) -> ScheduleSource:
    """Read the schedule mapping without importing torch: inline mapping, YAML file, or a
    shipped name (``pruning/schedules/<name>.yaml``, found without importing ``pruning``)."""
    found = _schedule_as_written(config, base, config_source)
    return ScheduleSource(_with_hardware(found.data, config, base, config_source), found.source)


def _with_hardware(data: Any, config: RunConfig, base: Path, config_source: str | None) -> Any:
    """The schedule with ``pruning.target_arch`` / ``budget`` / ``sparsity`` as its
    ``hardware`` section (the accelerator file resolved like ``hardware.accelerators``)."""
    pruning = config.pruning
    if not isinstance(data, dict) or not (pruning.target_arch or pruning.budget
                                          or pruning.sparsity):
        return data
    section = dict(data.get("hardware") or {})
    if pruning.target_arch:
        hit = find_file(pruning.target_arch, base, bare_folder="arch_configs")
        if hit is None or not hit.is_file():
            raise ConfigError([Problem("pruning.target_arch", "must be an accelerator YAML "
                                       "file", pruning.target_arch, config_source)])
        section["target_arch"] = str(hit)
    if pruning.budget:
        section.update(budget=pruning.budget, mode="budget")
    section.setdefault("mode", "energy_aware")
    if pruning.sparsity:
        section["sparsity"] = pruning.sparsity
    return {**data, "hardware": section}


def _schedule_as_written(config: RunConfig, base: Path,
                         config_source: str | None) -> ScheduleSource:
    value = config.pruning.schedule
    if isinstance(value, dict):
        return ScheduleSource(value, f"{config_source or '<config>'} (pruning.schedule)")
    hit = find_file(value, base)
    if hit is None:
        hit = _shipped_schedule(value)
    if hit is None or not hit.is_file():
        raise ConfigError([Problem("pruning.schedule", "must be a schedule YAML file or a "
                                   "shipped schedule name (pruning/schedules/)", value,
                                   config_source)])
    try:
        data = yaml.safe_load(hit.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError([Problem("<yaml>", "must be valid YAML", str(exc).splitlines()[0],
                                   str(hit))]) from None
    return ScheduleSource(data, str(hit))


def _shipped_schedule(name: str) -> Path | None:
    spec = importlib.util.find_spec("pruning")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "schedules" / f"{name}.yaml"


def key_material(config: RunConfig, base: Path, schedule: ScheduleSource) -> dict:
    """Everything the trained and pruned models depend on (see :mod:`hwsim.run.cache`)."""
    model_file = find_file(config.model, base)
    model = ({"file": model_file.name, "sha256": cache.file_digest(model_file)}
             if model_file is not None and model_file.is_file() else config.model)
    data = config.data.model_dump(mode="json")
    if data["source"] != "embedded":
        folder = find_file(data["source"], base)
        data["source"] = str(folder) if folder is not None else data["source"]
    return {"model": model, "data": data, "schedule": schedule.data,
            "target_arch_sha256": _target_arch_digest(schedule.data, base),
            "threads": config.pruning.threads,
            "extras": {"sensitivity": config.pruning.sensitivity,
                       "histogram_bins": config.pruning.histogram_bins,
                       "format": EXTRAS_FORMAT},
            "code": cache.code_fingerprint()}


def _target_arch_digest(schedule: Any, base: Path) -> str | None:
    """SHA-256 of the accelerator file a hardware-aware schedule prunes for (its content,
    not its path: editing the file must not reuse a model pruned for the old one)."""
    hardware = schedule.get("hardware") if isinstance(schedule, dict) else None
    target = (hardware or {}).get("target_arch") if isinstance(hardware, dict) else None
    if not target:
        return None
    hit = find_file(str(target), base, bare_folder="arch_configs")
    return cache.file_digest(hit) if hit is not None and hit.is_file() else None


def prepare_network(config: RunConfig, base: Path, config_source: str | None = None,
                    progress: bool = True) -> PruneOutcome:
    """The pruned, exported network: from the cache if there, else trained and cached."""
    started = time.perf_counter()
    schedule = resolve_schedule(config, base, config_source)
    material = key_material(config, base, schedule)
    key = cache.cache_key(material)
    root = cache.cache_root(config.cache.dir)
    if config.cache.enabled:
        hit = cache.lookup(root, key, (SUMMARY_FILE, EXTRAS_FILE))
        if hit is not None:
            network, summary, extras = read_entry(hit)
            return PruneOutcome(network, summary, extras, key, hit, True,
                                time.perf_counter() - started)
    staging = (cache.new_staging_dir(root, key) if config.cache.enabled
               else Path(tempfile.mkdtemp(prefix="hwsim-run-")))
    try:
        _train_and_prune(config, base, schedule, staging, progress)
        folder = (cache.publish(staging, root, key, material) if config.cache.enabled
                  else staging)
        network, summary, extras = read_entry(folder)
    finally:
        cache.discard(staging)  # a no-op once published (the folder was renamed)
    return PruneOutcome(network, summary, extras, key, folder if config.cache.enabled else None,
                        False, time.perf_counter() - started)


def read_entry(folder: Path) -> tuple[Network, dict, dict]:
    """(network, pruning summary, extras) of a finished run folder; the compacted network
    (structured pruning with the schedule's ``export.compact``) when there is one."""
    summary = json.loads((folder / SUMMARY_FILE).read_text())
    extras = json.loads((folder / EXTRAS_FILE).read_text())
    files = summary["files"]
    network = load_network(folder / files.get("compacted_workload", files["workload"]))
    return network, summary, extras


# ---- the torch side (imported lazily) -----------------------------------------------------------

def _train_and_prune(config: RunConfig, base: Path, schedule: ScheduleSource, out: Path,
                     progress: bool) -> None:
    """Run the schedule into ``out`` and add ``extras.json`` (torch threads set for the call
    only)."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(config.pruning.threads)
    try:
        _run_schedule(config, base, schedule, out, progress)
    finally:
        torch.set_num_threads(previous)


def _run_schedule(config: RunConfig, base: Path, schedule: ScheduleSource, out: Path,
                  progress: bool) -> None:
    from tqdm.auto import tqdm

    import pruning

    parsed = pruning.parse_schedule(schedule.data, source=schedule.source)
    data = _load_data(config, base)
    model_file = find_file(config.model, base)
    model = str(model_file) if model_file is not None and model_file.is_file() else config.model
    steps = len(parsed.pruning.steps())
    with tqdm(total=steps if parsed.pruning.phases == "together" else None,
              desc="pruning iterations", unit="iter", disable=not progress) as bar:
        result = pruning.run_schedule(model, parsed, data, out, progress=progress,
                                      on_iteration=lambda record: bar.update(1))
    extras = {"format": EXTRAS_FORMAT,
              "histograms": _weight_histograms(result, config.pruning.histogram_bins),
              "sensitivity": (_sensitivity(result, parsed, data, progress)
                              if config.pruning.sensitivity else None)}
    (out / EXTRAS_FILE).write_text(json.dumps(extras))


def _load_data(config: RunConfig, base: Path):
    import pruning

    source = config.data.source
    folder = None
    if source != "embedded":
        folder = find_file(source, base)
        if folder is None or not folder.is_dir():
            raise ConfigError([Problem("data.source", "must be 'embedded' or a folder with "
                                       "the MNIST IDX files", source)])
    data = pruning.load_mnist(folder, seed=config.data.seed)
    n_train, n_test = config.data.train_samples, config.data.test_samples
    if n_train is None and n_test is None:
        return data
    return pruning.MnistData(data.train_x[:n_train], data.train_y[:n_train],
                             data.test_x[:n_test], data.test_y[:n_test],
                             f"{data.source}, first {n_train or 'all'} train / "
                             f"{n_test or 'all'} test images", data.seed)


def _weight_histograms(result, bins: int) -> dict:
    """Per layer: shared bin edges, counts of all dense weights and of the kept pruned ones."""
    from pruning import load_checkpoint, prunable_layers
    from pruning.methods import current_mask

    dense, _ = load_checkpoint(result.dense_checkpoint_path)
    pruned, _ = load_checkpoint(result.checkpoint_path)
    out = {}
    for name, module in prunable_layers(dense).items():
        before = module.weight.detach().double().flatten().numpy()
        pruned_module = prunable_layers(pruned)[name]
        mask = current_mask(pruned_module).flatten().numpy()
        after = pruned_module.weight.detach().double().flatten().numpy()[mask]
        out[name] = histogram_record(before, after, bins)
    return out


def histogram_record(before: np.ndarray, after: np.ndarray, bins: int) -> dict:
    """Counts of ``before`` and ``after`` over ``bins`` equal bins spanning both.

    Example: before [-1, 0, 1], after [1], 2 bins -> edges [-1, 0, 1], before [1, 2],
    after [0, 1] (numpy's last bin is closed).
    """
    both = np.concatenate([before, after]) if after.size else before
    low, high = (float(both.min()), float(both.max())) if both.size else (0.0, 1.0)
    edges = np.linspace(low, high if high > low else low + 1.0, bins + 1)
    return {"edges": edges.tolist(), "dense": np.histogram(before, edges)[0].tolist(),
            "pruned": np.histogram(after, edges)[0].tolist(),
            "dense_count": int(before.size), "pruned_count": int(after.size)}


def _sensitivity(result, schedule, data, progress: bool) -> dict | None:
    """Han et al. 2015 Fig. 6 on the dense model: each layer pruned alone, no retraining."""
    from tqdm.auto import tqdm

    from pruning import load_checkpoint, prunable_layers, sensitivity_analysis
    from pruning.schedule import STRUCTURE_DIM

    method = schedule.pruning.method
    if method == "n_m":
        return None
    values = (schedule.sensitivity.qualities if method == "han_threshold"
              else schedule.sensitivity.sparsities)
    dense, _ = load_checkpoint(result.dense_checkpoint_path)
    layers = list(prunable_layers(dense))
    with tqdm(total=len(layers) * len(values), desc="sensitivity", unit="eval",
              disable=not progress, leave=False) as bar:
        found = sensitivity_analysis(dense, data.test_x, data.test_y, values, method, layers,
                                     STRUCTURE_DIM[schedule.pruning.structure], progress=bar)
    return found.to_dict()
