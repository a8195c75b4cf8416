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


def table_header(layers: list[str]) -> str:
    """Header of the per-iteration table: iteration, phase, kept per layer, total, x, acc."""
    cells = ["iter", "phase"] + [f"{name} kept" for name in layers] + [
        "total kept", "compr.", "acc pruned", "acc retrained"]
    return _join(cells, len(layers))


def table_row(record: IterationRecord | None, layers: list[str], dense_total: int = 0,
              dense_accuracy: float = 0.0, totals: dict | None = None) -> str:
    """One row; ``record`` None gives the dense baseline's row."""
    if record is None:
        cells = ["dense", "-"] + [f"{totals[n]:,} (100%)" for n in layers] + [
            f"{dense_total:,}", "1.0x", "-", f"{dense_accuracy:.2f}%"]
    else:
        cells = [str(record.index), record.phase] + [
            f"{record.kept_weights[n]:,} ({100 * record.kept_weights[n] / totals[n]:.0f}%)"
            for n in layers] + [f"{record.kept_total:,}", f"{record.compression_x:.1f}x",
                                f"{record.accuracy_pruned_pct:.2f}%",
                                f"{record.test_accuracy_pct:.2f}%"]
    return _join(cells, len(layers))


def _join(cells: list[str], n_layers: int) -> str:
    """Right-aligned cells: 5 wide for the iteration and phase, 16 for layers, 13 for the rest."""
    widths = [5, 5] + [16] * n_layers + [13] * 4
    return "  ".join(f"{cell:>{width}}" for cell, width in zip(cells, widths))
