"""Hardware-aware pruning (issue 15): prune where the energy and the latency are, on a target.

:func:`run_hw_aware` runs a schedule that has a ``hardware:`` section
(:class:`pruning.hw_config.HardwareAwareConfig`): dense training as the schedule says (on the
training set minus ``validation_fraction`` held out to score proposals), then
:func:`pruning.hw_search.budget_search` (``mode: budget``) or
:func:`pruning.hw_search.energy_aware_search` (``mode: energy_aware``) with hwsim's analytical
model in the loop (:class:`pruning.hw_cost.CostCache`), then ``retrain.epochs`` of retraining
and the usual export. ``DIR/summary.json`` has the layout of :func:`pruning.run_schedule`'s
(one iteration record per kept step) plus ``hardware_aware``: the target, the per-layer kinds
and targets chosen and why, each layer's energy share before and after (``compare_network`` on
the exported network: pruning attribution on the same accelerator), the steps with the
proposals they beat, and hwsim's calls, cache hits and share of the wall time.

One step of a layer, by kind: ``structured`` removes ``step`` of its surviving output channels /
neurons (smallest L1 norm; not the output layer) and compacts; ``unstructured`` removes
``step`` of its surviving weights (smallest magnitude); ``n_m`` applies the accelerator's
N:M pattern once. Dead neurons are removed after every step, as in the schedules.
"""
from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn

from hwsim.arch import Accelerator, load_arch
from hwsim.cost import compare_network
from hwsim.errors import ConfigError, Problem
from hwsim.fileio import write_text_atomic
from hwsim.formats import check_n_m
from hwsim.run.config import find_file
from pruning.compact import _copy
from pruning.dead import remove_dead_neurons
from pruning.export import export_model
from pruning.hw_config import HardwareAwareConfig
from pruning.hw_cost import CostCache, sparsity_kind
from pruning.hw_search import SearchStep, budget_search, energy_aware_search
from pruning.methods import current_mask, prune_layers
from pruning.models import prunable_layers
from pruning.pipeline import _start, selected_layers
from pruning.records import IterationRecord, PruneResult
from pruning.schedule import ScheduleConfig, load_schedule
from pruning.train import TrainSettings, evaluate, train_model

PROBE_SAMPLES = 256


def resolve_arch(value: str, base: Path | None = None) -> tuple[Path, Accelerator]:
    """The accelerator file (cwd, ``base``, then the source checkout; ``eie`` -> arch_configs)."""
    hit = find_file(value, base or Path.cwd(), bare_folder="arch_configs")
    if hit is None or not hit.is_file():
        raise ConfigError([Problem("hardware.target_arch", "must be an accelerator YAML file",
                                   value)])
    return hit, load_arch(hit)


def layer_kinds(hw: HardwareAwareConfig, arch: Accelerator, layers: list[str]) -> dict[str, str]:
    """Each layer's kind of sparsity: the schedule's, else what ``arch`` can use."""
    auto = sparsity_kind(arch)
    kinds = {}
    for name in layers:
        kind = hw.sparsity.get(name, hw.sparsity.get("default", "auto"))
        kinds[name] = auto if kind == "auto" else kind
    return kinds


class TorchProblem:
    """:class:`pruning.hw_search.SearchProblem` on torch models (states are model copies)."""

    def __init__(self, model: nn.Module, layers: list[str], kinds: dict[str, str],
                 cache: CostCache, hw: HardwareAwareConfig, links, pattern: tuple[int, int],
                 data, val, settings: TrainSettings, generator: torch.Generator):
        self.layers, self.kinds, self.cache, self.hw = layers, kinds, cache, hw
        self.links, self.pattern = links, pattern
        self.producers = {link.producer for link in links}
        self.data, self.val, self.settings, self.generator = data, val, settings, generator
        self.dense_sizes = {n: m.weight.shape[0] for n, m in prunable_layers(model).items()}
        self.finetune_seconds = 0.0
        self.search_seconds = self.dense_seconds = 0.0

    def masks(self, model: nn.Module) -> dict[str, np.ndarray]:
        return {n: current_mask(m).numpy() for n, m in prunable_layers(model).items()}

    def measure(self, model: nn.Module):
        return self.cache.cost(self.masks(model))

    def propose(self, model: nn.Module, layer: str) -> nn.Module | None:
        module = prunable_layers(model)[layer]
        mask, kind = current_mask(module), self.kinds[layer]
        if kind == "n_m":
            if check_n_m(mask.numpy(), *self.pattern).ok:
                return None
            return self._pruned(model, layer, "n_m", {"n": self.pattern[0], "m": self.pattern[1]})
        if kind == "structured":
            if layer not in self.producers:
                return None
            rows = int(mask.reshape(mask.shape[0], -1).any(dim=1).sum())
            floor = max(1, math.ceil(self.hw.min_kept_fraction * mask.shape[0]))
            if rows <= floor:
                return None
            remove = min(rows - floor, max(1, round(self.hw.step * rows)))
            pruned_rows = mask.shape[0] - rows
            return self._pruned(model, layer, "l1_structured",
                                {"amount": int(pruned_rows + remove), "dim": 0})
        alive, total = int(mask.sum()), mask.numel()
        floor = max(1, math.ceil(self.hw.min_kept_fraction * total))
        if alive <= floor:
            return None
        remove = min(alive - floor, max(1, round(self.hw.step * alive)))
        return self._pruned(model, layer, "sparsity", {"amount": int(total - alive + remove)})

    def _pruned(self, model, layer, method, kwargs) -> nn.Module:
        new = _copy(model)
        prune_layers(method, {layer: prunable_layers(new)[layer]}, {layer: kwargs})
        remove_dead_neurons(new, self.links)
        return new

    def finetune_and_score(self, model: nn.Module) -> float:
        started = time.perf_counter()
        if self.hw.finetune_batches:
            n = min(len(self.data.train_y), self.hw.finetune_batches * self.settings.batch_size)
            idx = torch.randperm(len(self.data.train_y), generator=self.generator)[:n]
            settings = TrainSettings(1, self.settings.batch_size, self.settings.lr,
                                     self.settings.momentum, "constant",
                                     self.settings.regularization)
            train_model(model, self.data.train_x[idx], self.data.train_y[idx], settings,
                        list(prunable_layers(model).values()), self.generator)
        accuracy = evaluate(model, *self.val).pct
        self.finetune_seconds += time.perf_counter() - started
        return accuracy


def run_hw_aware(model, schedule: str | os.PathLike | ScheduleConfig, data, out_dir,
                 progress: bool = True, dense_checkpoint=None,
                 on_dense: Callable[[dict], None] | None = None,
                 on_iteration: Callable[[IterationRecord], None] | None = None,
                 arch_base: Path | None = None) -> PruneResult:
    """Train, prune for ``schedule.hardware`` (module docstring), retrain, export."""
    started = time.perf_counter()
    schedule = schedule if isinstance(schedule, ScheduleConfig) else load_schedule(schedule)
    hw = schedule.hardware
    if hw is None:
        raise ConfigError([Problem("hardware", "must be given for hardware-aware pruning", None)])
    arch_path, arch = resolve_arch(hw.target_arch, arch_base)
    train_data, val = data.validation_split(hw.validation_fraction)
    run, out = _start(model, _with_compaction(schedule, hw, arch), train_data, out_dir, progress)
    dense = run.dense_phase(dense_checkpoint, out / "dense.pt")
    dense_seconds = time.perf_counter() - started
    if on_dense is not None:
        on_dense(dense)
    layers = selected_layers(run.model, run.schedule)
    kinds = layer_kinds(hw, arch, layers)
    template = export_model(run.model, val[0][:PROBE_SAMPLES], "probe").network
    cache = CostCache(template, arch, compact=run.schedule.export.compact)
    pattern = ((arch.sparsity.structured.n, arch.sparsity.structured.m)
               if arch.sparsity.structured else (2, 4))
    problem = TorchProblem(run.model, layers, kinds, cache, hw, run.graph.links, pattern,
                           run.data, val, run._settings(dense=False, epochs=1), run.generator)
    records: list[IterationRecord] = []

    def on_step(step: SearchStep, state: nn.Module) -> None:
        records.append(_record(run, state, step, problem))
        if on_iteration is not None:
            on_iteration(records[-1])

    reference = evaluate(run.model, *val).pct
    search_started = time.perf_counter()
    search = _search(hw, problem, run, reference, len(val[1]), on_step)
    problem.search_seconds = time.perf_counter() - search_started
    problem.dense_seconds = dense_seconds
    _adopt(run, search.state)
    run._train(run._settings(dense=False, epochs=run.schedule.retrain.epochs),
               "hardware-aware retraining")
    result = run.finish(out, dense, records, started)
    section = _section(hw, arch_path, arch, kinds, search, problem, cache, result, template,
                       started)
    result.summary["hardware_aware"] = section
    write_text_atomic(result.summary_path, json.dumps(result.summary, indent=1))
    return result


def _with_compaction(schedule: ScheduleConfig, hw: HardwareAwareConfig,
                     arch: Accelerator) -> ScheduleConfig:
    """Structured kinds export the compacted network too (what the dense array runs)."""
    kinds = set(hw.sparsity.values())
    compact = "structured" in kinds or ("auto" in kinds and sparsity_kind(arch) == "structured")
    if compact == schedule.export.compact:
        return schedule
    data = schedule.model_dump()
    data["export"] = {**data["export"], "compact": compact}
    return ScheduleConfig.model_validate(data)


def _search(hw, problem, run, reference, n_val, on_step):
    if hw.mode == "budget":
        return budget_search(problem, run.model, hw.budget.metric, hw.budget.fraction,
                             reference, 100.0 / max(1, n_val), hw.max_steps, on_step,
                             hw.max_loss_pp)

    def retrain(state):
        _adopt(run, state)
        run._train(run._settings(dense=False, epochs=run.schedule.retrain.epochs),
                   "energy-aware retraining")
        return run.model

    return energy_aware_search(problem, run.model, reference, hw.tolerance_pp, retrain,
                               hw.max_steps, on_step)


def _adopt(run, state: nn.Module) -> None:
    """Make the search's state the run's model (the run's modules follow it)."""
    if state is run.model:
        return
    run.model = state
    run.modules = prunable_layers(state)


def _record(run, state, step: SearchStep, problem: TorchProblem) -> IterationRecord:
    accuracy = evaluate(state, run.data.test_x, run.data.test_y)
    kept = {n: int(current_mask(m).sum()) for n, m in prunable_layers(state).items()}
    total = sum(kept.values())
    rows = {n: int(current_mask(m).reshape(m.weight.shape[0], -1).any(dim=1).sum())
            for n, m in prunable_layers(state).items()}
    point = problem.measure(state)              # cached: the search priced this state
    return IterationRecord(
        index=step.index, phase=f"hw:{step.layer}",
        parameters={"layer": step.layer, "kind": problem.kinds[step.layer],
                    "rows_kept": rows, "energy_fraction": point.energy_fraction,
                    "latency_fraction": point.latency_fraction,
                    "attribution_energy_fraction": point.attribution_energy_fraction,
                    "attribution_latency_fraction": point.attribution_latency_fraction},
        kept_weights=kept, kept_total=total,
        compression_x=sum(run.dense_counts.values()) / max(1, total),
        accuracy_pruned_pct=accuracy.pct, test_accuracy_pct=accuracy.pct,
        test_correct=accuracy.correct, retrain_epochs=0)


def _section(hw, arch_path, arch, kinds, search, problem, cache, result, template,
             started) -> dict:
    network = result.compacted_network or result.network
    comparison = compare_network(network, arch)
    dense_e = {l.name: l.energy_pj for l in comparison.dense.layers}
    pruned_e = {l.name: l.energy_pj for l in comparison.pruned.layers}
    dense_total, pruned_total = sum(dense_e.values()) or 1.0, sum(pruned_e.values()) or 1.0
    final = result.summary["final"]
    layers = []
    for name, kind in kinds.items():
        dense_rows = problem.dense_sizes[name]
        kept_rows = next((_rows_in_use(l) for l in network.layers if l.name == name),
                         dense_rows)
        layers.append({
            "name": name, "kind": kind, "dense_rows": dense_rows, "kept_rows": kept_rows,
            "kept_weight_fraction": final["kept_fraction"][name],
            "sparsity": 1.0 - final["kept_fraction"][name],
            "energy_share_before": dense_e.get(name, 0.0) / dense_total,
            "energy_share_after": pruned_e.get(name, 0.0) / pruned_total,
            "energy_pj_before": dense_e.get(name, 0.0), "energy_pj_after": pruned_e.get(name, 0.0),
            "steps": sum(1 for s in search.steps if s.layer == name),
            "why": _why(name, kind, search, problem, hw, dense_e.get(name, 0.0))})
    wall = time.perf_counter() - started
    attribution = comparison.attribution.pruning
    return {
        "target_arch": str(arch_path), "arch": arch.name, "mode": hw.mode,
        "budget": hw.budget.model_dump() if hw.budget else None, "kinds": kinds,
        "met": search.met, "stop_reason": search.stop_reason, "order": list(search.order),
        "estimate": {"workload": (result.compacted_workload_path or result.workload_path).name,
                     "energy_fraction": 1.0 / attribution.energy,
                     "latency_fraction": 1.0 / attribution.latency,
                     "dram_fraction": 1.0 / attribution.dram_traffic,
                     "energy_x": attribution.energy, "latency_x": attribution.latency,
                     "energy_pj": comparison.pruned.total.energy_pj,
                     "dense_energy_pj": comparison.dense.total.energy_pj,
                     "latency_s": comparison.pruned.total.latency_s,
                     "dense_latency_s": comparison.dense.total.latency_s,
                     "coverage": comparison.coverage.to_dict()},
        "layers": layers, "steps": [s.as_dict() for s in search.steps],
        "hwsim": {**cache.stats(), "finetune_seconds": problem.finetune_seconds,
                  "search_seconds": problem.search_seconds, "wall_time_s": wall,
                  "dense_seconds": problem.dense_seconds,
                  "share_of_wall": cache.seconds / wall,
                  "share_of_pruning": cache.seconds / max(wall - problem.dense_seconds, 1e-9),
                  "share_of_search": cache.seconds / max(problem.search_seconds, 1e-9)},
    }


def _rows_in_use(layer) -> int:
    """Output channels / neurons with a non-zero weight (all of them without a mask)."""
    rows = layer.rows_nnz()
    return layer.out_channels if rows is None else int((rows > 0).sum())


def _why(name, kind, search, problem, hw, dense_energy) -> str:
    chosen = [s.index for s in search.steps if s.layer == name]
    if dense_energy <= 0.0:
        return ("costs nothing on the target (not run there): not pruned by the search "
                "(only its dead neurons go)")
    if kind == "structured" and name not in problem.producers:
        return "output layer: its neurons cannot be removed (shrinks only with its inputs)"
    if hw.mode == "energy_aware":
        if name not in search.order:
            return "not reached"
        position = search.order.index(name) + 1
        return (f"pruned {position}. in energy order, {len(chosen)} steps until the held-out "
                f"accuracy would fall more than {hw.tolerance_pp:g} pp")
    if chosen:
        return (f"best saving per accuracy lost in steps {', '.join(map(str, chosen))} "
                f"of {len(search.steps)}")
    return "never the best proposal (less saving per accuracy lost than another layer)"


def with_hardware(schedule: ScheduleConfig, target_arch: str | None, budget: str | None,
                  sparsity: str | None = None) -> ScheduleConfig:
    """``schedule`` with its ``hardware`` section set from the CLI flags (``--target-arch``,
    ``--budget metric=fraction``: mode budget, else energy_aware; ``--sparsity``); the
    schedule's own section fills what is not given. A relative file path that exists here
    becomes absolute."""
    from pruning.schedule import parse_schedule

    current = schedule.hardware.model_dump(mode="json") if schedule.hardware else {}
    if target_arch is None and not current:
        raise ConfigError([Problem("--target-arch", "must be given with --budget or "
                                   "--sparsity (or the schedule must have a hardware section)",
                                   None)])
    if target_arch is not None:
        path = Path(target_arch)
        current["target_arch"] = str(path.resolve()) if path.is_file() else target_arch
    if budget is not None:
        current.update(budget=budget, mode="budget")
    elif "mode" not in current:
        current["mode"] = "energy_aware"
    if sparsity is not None:
        current["sparsity"] = sparsity
    data = schedule.model_dump(mode="json")
    data["hardware"] = current
    return parse_schedule(data, source="--target-arch/--budget")


def describe_targets(section: dict) -> list[str]:
    """The per-layer targets the search chose and why, as printed lines (CLI and report)."""
    estimate = section["estimate"]
    budget = section["budget"]
    goal = f"budget {budget['metric']}={budget['fraction']:g}" if budget else "energy-aware order"
    lines = [f"hardware-aware pruning for {section['arch']} ({section['mode']}, {goal}): "
             f"{section['stop_reason']}",
             f"estimated on {section['arch']} ({estimate['workload']}): energy "
             f"{estimate['energy_fraction']:.3f} of dense ({estimate['energy_x']:.2f}x), "
             f"latency {estimate['latency_fraction']:.3f} ({estimate['latency_x']:.2f}x)",
             f"{'layer':<8} {'kind':<12} {'rows kept':>11} {'weights kept':>12} "
             f"{'energy share':>16}  why"]
    for row in section["layers"]:
        rows = f"{row['kept_rows']}/{row['dense_rows']}"
        share = f"{row['energy_share_before']:.1%} -> {row['energy_share_after']:.1%}"
        lines.append(f"{row['name']:<8} {row['kind']:<12} {rows:>11} "
                     f"{row['kept_weight_fraction']:>12.1%} {share:>16}  {row['why']}")
    hw = section["hwsim"]
    lines.append(f"hwsim: {hw['calls']} estimates asked, {hw['hits']} from the cache, "
                 f"{hw['seconds']:.2f} s = {hw['share_of_wall']:.1%} of the wall time")
    return lines
