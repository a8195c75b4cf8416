"""Sensitivity analysis (Han et al. 2015, Figure 6): per layer, accuracy vs pruning, no retraining.

Each point prunes one layer of a copy of the model (the others untouched) with the schedule's
method (Han's threshold over ``qualities``, or a per-layer ``sparsities`` target) and evaluates
it. :func:`pick_qualities` then picks each layer's largest parameter whose accuracy drop stays
within a tolerance: scanning the values in increasing order, it stops at the first one that
loses more than ``tolerance_pp`` points, so one lucky point past a drop is never chosen.

Worked example: baseline 95.0 %, a layer's accuracies at qualities [0.5, 1.0, 1.5] are
[95.0, 94.7, 93.1]; tolerance 0.5 pp -> quality 1.0.
"""
from __future__ import annotations

import copy
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

import torch
from torch import nn

from pruning.methods import current_mask, method_kwargs, prune_layers
from pruning.models import prunable_layers
from pruning.train import evaluate


@dataclass(frozen=True)
class SensitivityCurve:
    """One layer: parameter values, the layer's kept fraction and the accuracy (%) at each."""

    layer: str
    values: tuple[float, ...]
    kept_fraction: tuple[float, ...]
    accuracy_pct: tuple[float, ...]


@dataclass(frozen=True)
class SensitivityResult:
    """All curves, the unpruned accuracy and what they were measured with."""

    method: str
    parameter: str
    baseline_accuracy_pct: float
    eval_samples: int
    curves: tuple[SensitivityCurve, ...]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "SensitivityResult":
        curves = tuple(SensitivityCurve(c["layer"], tuple(c["values"]),
                                        tuple(c["kept_fraction"]), tuple(c["accuracy_pct"]))
                       for c in data["curves"])
        return cls(data["method"], data["parameter"], data["baseline_accuracy_pct"],
                   data["eval_samples"], curves)

    def save(self, path: str | Path) -> Path:
        from hwsim.fileio import write_text_atomic
        return write_text_atomic(path, json.dumps(self.to_dict(), indent=1))


def sensitivity_analysis(model: nn.Module, x: torch.Tensor, y: torch.Tensor,
                         values: Sequence[float], method: str = "han_threshold",
                         layers: Sequence[str] | None = None, dim: int = 0,
                         progress=None) -> SensitivityResult:
    """Prune each layer alone at each value (on a copy) and evaluate on (x, y)."""
    names = list(layers) if layers is not None else list(prunable_layers(model))
    baseline = evaluate(model, x, y).pct
    curves = []
    for layer in names:
        kept, accuracy = [], []
        for value in values:
            trial = copy.deepcopy(model)
            module = prunable_layers(trial)[layer]
            prune_layers(method, {layer: module}, {layer: method_kwargs(method, value, dim)})
            kept.append(float(current_mask(module).float().mean()))
            accuracy.append(evaluate(trial, x, y).pct)
            if progress is not None:
                progress.update(1)
        curves.append(SensitivityCurve(layer, tuple(float(v) for v in values), tuple(kept),
                                       tuple(accuracy)))
    parameter = "quality" if method == "han_threshold" else "sparsity"
    return SensitivityResult(method, parameter, baseline, len(y), tuple(curves))


def pick_qualities(result: SensitivityResult, tolerance_pp: float) -> dict[str, float]:
    """Per layer, the largest value before the first one losing more than ``tolerance_pp``."""
    picked = {}
    for curve in result.curves:
        best = 0.0
        for value, accuracy in sorted(zip(curve.values, curve.accuracy_pct)):
            if result.baseline_accuracy_pct - accuracy > tolerance_pp:
                break
            best = value
        picked[curve.layer] = best
    return picked


def plot_sensitivity(result: SensitivityResult, ax):
    """Accuracy vs fraction of the layer's weights pruned away, one line per layer."""
    for curve in result.curves:
        pruned = [100.0 * (1.0 - kept) for kept in curve.kept_fraction]
        ax.plot(pruned, curve.accuracy_pct, marker="o", markersize=3, label=curve.layer)
    ax.axhline(result.baseline_accuracy_pct, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("weights pruned away in the layer (%)")
    ax.set_ylabel("test accuracy without retraining (%)")
    ax.set_title(f"Sensitivity ({result.method}, {result.eval_samples} images)")
    ax.legend()
    return ax.figure
