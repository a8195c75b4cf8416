"""The whole pipeline: dense training -> iterations of prune -> retrain -> export (Han et al. 2015).

:func:`run_schedule` writes into ``out_dir``: ``dense.pt`` (the dense checkpoint), ``pruned.pt``
(the pruned one, see :mod:`pruning.checkpoint`), the hwsim workload file (masks, measured
densities and effective MACs; ``schedule.export.workload_file``) and ``summary.json``.

Phases: ``together`` prunes every selected layer in each iteration and retrains them all;
``conv_then_fc`` / ``fc_then_conv`` run the iteration list on one kind of layer while the other
kind is frozen (Han: "fix the conv layers and only retrain the fc layers ... and vice versa").
Retraining uses ``train.lr x retrain.lr_fraction`` and, when ``retrain.adjust_dropout``, sets
each dropout feeding layer i to D_o x sqrt(C_ir / C_io).
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from hwsim.errors import ConfigError, HwsimError
from hwsim.fileio import write_text_atomic
from pruning.checkpoint import load_checkpoint, save_checkpoint
from pruning.compact import export_compacted
from pruning.data import MnistData
from pruning.dead import remove_dead_neurons
from pruning.export import export_pruned
from pruning.graph import ModelGraph, trace_model
from pruning.methods import current_mask, method_kwargs, prune_layers
from pruning.models import MODELS, build_model, prunable_layers
from pruning.nm import checks_as_dict, schedule_patterns
from pruning.records import IterationRecord, PruneResult
from pruning.schedule import (METHOD_PARAMETER, STRUCTURE_DIM, IterationConfig, ScheduleConfig,
                              layer_name_problems, load_schedule, value_for)
from pruning.sensitivity import (SensitivityResult, pick_qualities, plot_sensitivity,
                                 sensitivity_analysis)
from pruning.train import (TrainSettings, adjusted_dropout, evaluate, seed_everything,
                           set_dropout, train_model)

SUMMARY_FORMAT = "hwsim-prune-summary/1"


def run_schedule(model: str | os.PathLike | nn.Module, schedule: str | os.PathLike | ScheduleConfig,
                 data: MnistData, out_dir: str | os.PathLike, progress: bool = True,
                 dense_checkpoint: str | os.PathLike | None = None,
                 on_iteration: Callable[[IterationRecord], None] | None = None,
                 on_dense: Callable[[dict], None] | None = None) -> PruneResult:
    """Train, prune and retrain ``model`` as ``schedule`` says; export; write ``out_dir``.

    ``model``: a built-in name (``lenet300``, ``lenet5``), a model file, or an ``nn.Module``.
    ``dense_checkpoint``: start from these trained weights instead of dense training.
    ``on_dense`` is called with the dense baseline (``summary["dense"]``) and ``on_iteration``
    with each :class:`IterationRecord` as it completes (the CLI prints its table with them).
    A schedule with a ``hardware:`` section runs :func:`pruning.hw_aware.run_hw_aware`.
    """
    started = time.perf_counter()
    schedule = schedule if isinstance(schedule, ScheduleConfig) else load_schedule(schedule)
    if schedule.hardware is not None:       # prune for an accelerator: pruning/hw_aware.py
        from pruning.hw_aware import run_hw_aware
        return run_hw_aware(model, schedule, data, out_dir, progress, dense_checkpoint,
                            on_dense, on_iteration)
    run, out = _start(model, schedule, data, out_dir, progress)
    dense = run.dense_phase(dense_checkpoint, out / "dense.pt")
    if on_dense is not None:
        on_dense(dense)
    records = []
    for phase, layers in run.phases():
        for step in run.schedule.pruning.steps():
            records.append(run.iteration(len(records) + 1, phase, layers, step))
            if on_iteration is not None:
                on_iteration(records[-1])
    return run.finish(out, dense, records, started)


def run_sensitivity(model: str | os.PathLike | nn.Module,
                    schedule: str | os.PathLike | ScheduleConfig, data: MnistData,
                    out_dir: str | os.PathLike, progress: bool = True,
                    dense_checkpoint: str | os.PathLike | None = None) -> SensitivityResult:
    """Dense training (or ``dense_checkpoint``), then the per-layer sensitivity analysis.

    Evaluated on the test set, as a figure of the trained network (Han's Figure 6); the
    ``quality: auto`` rule in a schedule uses a validation split instead. Method: the
    schedule's own when it is han_threshold (``sensitivity.qualities``), else ``sparsity``
    over ``sensitivity.sparsities``. Writes ``dense.pt``, ``sensitivity.json`` and
    ``sensitivity.png`` into ``out_dir``.
    """
    from tqdm.auto import tqdm

    run, out = _start(model, schedule, data, out_dir, progress)
    run.dense_phase(dense_checkpoint, out / "dense.pt")
    config, layers = run.schedule.sensitivity, selected_layers(run.model, run.schedule)
    han = run.schedule.pruning.method == "han_threshold"
    values = config.qualities if han else config.sparsities
    with tqdm(total=len(layers) * len(values), desc="sensitivity", unit="point", leave=False,
              disable=not progress) as bar:
        result = sensitivity_analysis(run.model, data.test_x, data.test_y, values,
                                      "han_threshold" if han else "sparsity", layers,
                                      progress=bar)
    result.save(out / "sensitivity.json")
    _plot_to(result, out / "sensitivity.png")
    return result


def _start(model, schedule, data: MnistData, out_dir, progress: bool) -> tuple["_Run", Path]:
    schedule = schedule if isinstance(schedule, ScheduleConfig) else load_schedule(schedule)
    generator = seed_everything(schedule.seed)
    source = None
    if not isinstance(model, nn.Module):
        source = None if str(model) in MODELS else str(Path(model).resolve())
        model, label = build_model(model)
    else:
        label = type(model).__name__
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    run = _Run(model, label, schedule, data, generator, progress, source)
    run.check()
    return run, out


def _plot_to(result: SensitivityResult, path: Path) -> None:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 4), dpi=100)
    plot_sensitivity(result, figure.add_subplot())
    figure.tight_layout()
    figure.savefig(path)


def selected_layers(model: nn.Module, schedule: ScheduleConfig) -> list[str]:
    """The layers the schedule prunes: ``pruning.layers`` (default all) minus ``exclude``."""
    names = list(prunable_layers(model))
    chosen = schedule.pruning.layers or names
    return [name for name in names if name in chosen and name not in schedule.pruning.exclude]


class _Run:
    """State of one run (model, data, trace); each method is one stage of the pipeline."""

    def __init__(self, model, label, schedule: ScheduleConfig, data: MnistData,
                 generator: torch.Generator, progress: bool, source: str | None = None):
        self.model, self.label, self.schedule = model, label, schedule
        self.source = source
        self.generator, self.progress = generator, progress
        self.uses_auto = any(step.quality and "auto" in step.quality.values()
                             for step in schedule.pruning.steps())
        self.val = None
        if self.uses_auto:
            data, self.val = data.validation_split(schedule.sensitivity.validation_fraction)
        self.data = data
        self.modules = prunable_layers(model)
        self.dense_counts = {name: m.weight.numel() for name, m in self.modules.items()}
        self.graph: ModelGraph | None = None
        self.base_dropout: dict[str, float] = {}

    # ---- stages ---------------------------------------------------------------------------
    def check(self) -> None:
        try:
            with torch.no_grad():
                logits = self.model.eval()(self.data.train_x[:2])
        except Exception as exc:  # noqa: BLE001 - any failure means the model does not fit
            raise HwsimError(f"model {self.label} must accept MNIST batches (N, 1, 28, 28): "
                             f"{type(exc).__name__}: {exc}") from None
        if tuple(logits.shape) != (2, 10):
            raise HwsimError(f"model {self.label} must return (N, 10) logits, "
                             f"got {tuple(logits.shape)}")
        problems = layer_name_problems(self.schedule, list(self.modules))
        if problems:
            raise ConfigError(problems)
        self.graph = trace_model(self.model, self.data.train_x[:2])

    def dense_phase(self, checkpoint, path: Path) -> dict:
        if self.schedule.train.dropout is not None:
            set_dropout(self.model, self.schedule.train.dropout)
        if checkpoint is not None:
            load_checkpoint(checkpoint, self.model)
        else:
            self._train(self._settings(dense=True), "dense training")
        self.base_dropout = {name: m.p for name, m in self.model.named_modules()
                             if isinstance(m, nn.Dropout)}
        accuracy = evaluate(self.model, self.data.test_x, self.data.test_y)
        save_checkpoint(self.model, path, self.label, {"test_accuracy_pct": accuracy.pct},
                        self.source)
        return {"test_accuracy_pct": accuracy.pct, "test_correct": accuracy.correct,
                "test_samples": accuracy.total, "weights": sum(self.dense_counts.values()),
                "layer_weights": dict(self.dense_counts),
                "from_checkpoint": str(checkpoint) if checkpoint else None}

    def phases(self) -> list[tuple[str, list[str]]]:
        layers = selected_layers(self.model, self.schedule)
        conv = [n for n in layers if isinstance(self.modules[n], nn.Conv2d)]
        fc = [n for n in layers if isinstance(self.modules[n], nn.Linear)]
        order = {"together": [("all", layers)], "conv_then_fc": [("conv", conv), ("fc", fc)],
                 "fc_then_conv": [("fc", fc), ("conv", conv)]}[self.schedule.pruning.phases]
        return [(phase, names) for phase, names in order if names]

    def iteration(self, index: int, phase: str, layers: list[str],
                  step: IterationConfig) -> IterationRecord:
        parameters = self._step_values(layers, step)
        method = self.schedule.pruning.method
        dim = STRUCTURE_DIM[self.schedule.pruning.structure]
        prune_layers(method, {n: self.modules[n] for n in parameters},
                     {n: method_kwargs(method, v, dim) for n, v in parameters.items()})
        dead = ()
        if self.schedule.pruning.remove_dead_neurons:
            dead = tuple(r.as_dict() for r in remove_dead_neurons(self.model, self.graph.links))
        pruned = evaluate(self.model, self.data.test_x, self.data.test_y)
        dropout = self._adjust_dropout()
        epochs = step.retrain_epochs if step.retrain_epochs is not None \
            else self.schedule.retrain.epochs
        frozen = [] if phase == "all" else [n for n in self.modules if n not in layers]
        self._train(self._settings(dense=False, epochs=epochs),
                    f"iteration {index} ({phase}) retraining", frozen)
        accuracy = evaluate(self.model, self.data.test_x, self.data.test_y)
        kept = self.kept_weights()
        return IterationRecord(
            index=index, phase=phase,
            parameters={n: _jsonable(v) for n, v in parameters.items()},
            kept_weights=kept, kept_total=sum(kept.values()),
            compression_x=sum(self.dense_counts.values()) / max(1, sum(kept.values())),
            accuracy_pruned_pct=pruned.pct, test_accuracy_pct=accuracy.pct,
            test_correct=accuracy.correct, retrain_epochs=epochs, dead_neurons=dead,
            dropout=dropout)

    def finish(self, out: Path, dense: dict, records: list, started: float) -> PruneResult:
        from hwsim.workload import save_network

        samples = self.data.test_x[:self.schedule.export.samples]
        export = export_pruned(self.model, samples, f"{self.label}-{self.schedule.name}",
                               source=f"pruning run {self.schedule.name} on {self.label}, "
                                      f"measured on {len(samples)} test images",
                               n_m=schedule_patterns(self.schedule,
                                                     selected_layers(self.model, self.schedule)))
        workload = save_network(export.network, out / self.schedule.export.workload_file)
        compacted = (export_compacted(self.model, samples, f"{export.network.name}-compacted",
                                      out / self.schedule.export.compacted_workload_file,
                                      f"{export.network.profile}; compacted")
                     if self.schedule.export.compact else None)
        accuracy = evaluate(self.model, self.data.test_x, self.data.test_y)
        kept = self.kept_weights()
        final = {"kept_weights": kept, "kept_total": sum(kept.values()),
                 "kept_fraction": {n: kept[n] / self.dense_counts[n] for n in kept},
                 "compression_x": dense["weights"] / max(1, sum(kept.values())),
                 "test_accuracy_pct": accuracy.pct, "test_correct": accuracy.correct,
                 "accuracy_change_pp": accuracy.pct - dense["test_accuracy_pct"]}
        checkpoint = save_checkpoint(self.model, out / "pruned.pt", self.label,
                                     {"test_accuracy_pct": accuracy.pct,
                                      "schedule": self.schedule.name}, self.source)
        summary = self._summary(dense, records, final, export, workload, checkpoint, started)
        if compacted is not None:
            summary["compaction"] = compacted.as_dict()
            summary["files"]["compacted_workload"] = compacted.path.name
        summary_path = out / "summary.json"
        write_text_atomic(summary_path, json.dumps(summary, indent=1))
        return PruneResult(summary=summary, out_dir=out, summary_path=summary_path,
                           workload_path=Path(workload), checkpoint_path=checkpoint,
                           dense_checkpoint_path=out / "dense.pt", network=export.network,
                           compacted_network=compacted.network if compacted else None,
                           compacted_workload_path=compacted.path if compacted else None)

    # ---- helpers --------------------------------------------------------------------------
    def kept_weights(self) -> dict[str, int]:
        return {name: int(current_mask(m).sum()) for name, m in self.modules.items()}

    def _step_values(self, layers: list[str], step: IterationConfig) -> dict:
        values = getattr(step, METHOD_PARAMETER[self.schedule.pruning.method])
        chosen = {n: value_for(values, n) for n in layers if value_for(values, n) is not None}
        auto = [n for n, v in chosen.items() if v == "auto"]
        if auto:
            result = sensitivity_analysis(self.model, *self.val,
                                          self.schedule.sensitivity.qualities, layers=auto)
            chosen.update(pick_qualities(result, self.schedule.sensitivity.tolerance_pp))
        return chosen

    def _adjust_dropout(self) -> dict[str, float]:
        if not self.schedule.retrain.adjust_dropout:
            return {}
        modules, adjusted = dict(self.model.named_modules()), {}
        for name, consumer in self.graph.dropout_consumers.items():
            kept = int(current_mask(self.modules[consumer]).sum())
            p = adjusted_dropout(self.base_dropout.get(name, 0.0), self.dense_counts[consumer],
                                 kept)
            modules[name].p = p
            adjusted[name] = p
        return adjusted

    def _settings(self, dense: bool, epochs: int | None = None) -> TrainSettings:
        train, retrain = self.schedule.train, self.schedule.retrain
        if dense:
            return TrainSettings(train.epochs, train.batch_size, train.lr, train.momentum,
                                 train.lr_schedule, train.regularization)
        return TrainSettings(epochs, train.batch_size, train.lr * retrain.lr_fraction,
                             train.momentum, retrain.lr_schedule,
                             self.schedule.retrain_regularization)

    def _train(self, settings: TrainSettings, desc: str, frozen: list[str] = ()) -> None:
        from tqdm.auto import tqdm

        frozen_params = [p for n in frozen for p in self.modules[n].parameters()]
        for param in frozen_params:
            param.requires_grad_(False)
        layers = [m for n, m in self.modules.items() if n not in frozen]
        try:
            with tqdm(total=settings.epochs, desc=desc, unit="epoch", leave=False,
                      disable=not self.progress) as bar:
                train_model(self.model, self.data.train_x, self.data.train_y, settings, layers,
                            self.generator, bar)
        finally:
            for param in frozen_params:
                param.requires_grad_(True)

    def _summary(self, dense, records, final, export, workload, checkpoint, started) -> dict:
        layers = export.network.layers
        return {
            "format": SUMMARY_FORMAT, "model": self.label,
            "schedule": self.schedule.model_dump(mode="json"),
            "data": self.data.describe() | {"validation_samples":
                                            len(self.val[1]) if self.val else 0},
            "threads": torch.get_num_threads(),
            "layers": [{"name": n, "kind": type(m).__name__.lower(),
                        "weights": self.dense_counts[n]} for n, m in self.modules.items()],
            "dense": dense,
            "iterations": [r.as_dict() for r in records],
            "final": final,
            "export": {"workload_file": Path(workload).name, "samples": export.samples,
                       "traced_with": export.traced_with,
                       "fallback_reason": export.fallback_reason,
                       "coverage": (export.coverage.as_dict() if export.coverage is not None
                                    else None),
                       "unsupported": [op.as_dict() for op in export.unsupported],
                       "n_m": checks_as_dict(export.n_m),
                       "layers": [{"name": l.name, "weight_density": l.effective_weight_density,
                                   "input_density": l.input_density,
                                   "output_density": l.output_density,
                                   "effective_macs": l.effective_macs,
                                   "macs_dense": l.macs_dense} for l in layers]},
            "files": {"workload": Path(workload).name, "checkpoint": checkpoint.name,
                      "dense_checkpoint": "dense.pt"},
            "wall_time_s": time.perf_counter() - started,
        }


def _jsonable(value):
    return list(value) if isinstance(value, tuple) else value
