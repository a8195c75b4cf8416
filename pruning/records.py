"""Frozen records of a pruning run and the per-iteration table the CLI prints.

``summary.json`` is :meth:`PruneResult.summary`: the dense baseline's test accuracy and, per
iteration, the kept weights per layer and in total, the compression (x) and the test accuracy.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from hwsim.workload import Network


@dataclass(frozen=True, kw_only=True)
class IterationRecord:
    """One prune -> retrain step. Accuracies in percent of the test set.

    ``compression_x`` = dense weights / kept weights (e.g. 266,200 / 22,183 = 12.0 x).
    """

    index: int
    phase: str
    parameters: dict
    kept_weights: dict
    kept_total: int
    compression_x: float
    accuracy_pruned_pct: float
    test_accuracy_pct: float
    test_correct: int
    retrain_epochs: int
    dead_neurons: tuple = ()
    dropout: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["dead_neurons"] = [dict(d) for d in self.dead_neurons]
        return data


@dataclass(frozen=True, kw_only=True)
class PruneResult:
    """What :func:`pruning.run_schedule` returns: the summary, the files and the network."""

    summary: dict
    out_dir: Path
    summary_path: Path
    workload_path: Path
    checkpoint_path: Path
    dense_checkpoint_path: Path
    network: Network
    compacted_network: Network | None = None       # schedule export.compact: channels removed
    compacted_workload_path: Path | None = None

    @property
    def iterations(self) -> list[dict]:
        return self.summary["iterations"]

    @property
    def dense_accuracy_pct(self) -> float:
        return self.summary["dense"]["test_accuracy_pct"]

    @property
    def final_accuracy_pct(self) -> float:
        return self.summary["final"]["test_accuracy_pct"]

    @property
    def compression_x(self) -> float:
        return self.summary["final"]["compression_x"]
