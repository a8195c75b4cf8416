"""The torch side of hwsim: Han et al. 2015 train -> prune -> retrain, and export to hwsim.

``hwsim`` never imports this package (it needs torch); this package imports hwsim's torch-free
records. Public API::

    from pruning import load_mnist, run_schedule, export_network
    result = run_schedule("lenet300", "han2015_lenet300", load_mnist(), "runs/lenet300")
    result.compression_x, result.final_accuracy_pct, result.network   # hwsim Network

Modules: ``methods`` (pruning criteria as torch.nn.utils.prune methods), ``schedule`` (YAML
schedules), ``data`` (offline MNIST), ``models`` (LeNet-300-100, LeNet-5), ``train``,
``graph`` (fx / hook tracing), ``dead`` (dead neurons), ``sensitivity``, ``export``,
``checkpoint``, ``compact`` (structured pruning's removed channels taken out for real),
``pipeline`` (:func:`run_schedule`).
"""
from pruning.checkpoint import load_checkpoint, save_checkpoint
from pruning.compact import CompactionResult, compact_model, export_compacted
from pruning.data import MnistData, load_mnist, read_idx
from pruning.export import ExportResult, export_model, export_network
from pruning.methods import (METHODS, FixedMask, HanThreshold, L1Structured, LayerSparsity,
                             NMSparsity, fixed_mask, global_magnitude, han_threshold,
                             l1_structured, layer_sparsity, n_m_sparsity, prune_layers,
                             register_method)
from pruning.models import LeNet5, LeNet300, build_model, prunable_layers
from pruning.pipeline import run_schedule, run_sensitivity
from pruning.records import IterationRecord, PruneResult
from pruning.schedule import ScheduleConfig, list_schedules, load_schedule, parse_schedule
from pruning.sensitivity import (SensitivityResult, pick_qualities, plot_sensitivity,
                                 sensitivity_analysis)
from pruning.train import adjusted_dropout, evaluate

__all__ = [
    "CompactionResult", "ExportResult", "FixedMask", "HanThreshold", "IterationRecord", "L1Structured",
    "LayerSparsity", "LeNet300", "LeNet5", "METHODS", "MnistData", "NMSparsity", "PruneResult",
    "ScheduleConfig", "SensitivityResult", "adjusted_dropout", "build_model", "compact_model", "evaluate",
    "export_compacted", "export_model", "export_network", "fixed_mask", "global_magnitude", "han_threshold",
    "l1_structured", "layer_sparsity", "list_schedules", "load_checkpoint", "load_mnist",
    "load_schedule", "n_m_sparsity", "parse_schedule", "pick_qualities", "plot_sensitivity",
    "prunable_layers", "prune_layers", "read_idx", "register_method", "run_schedule",
    "run_sensitivity", "save_checkpoint", "sensitivity_analysis",
]
