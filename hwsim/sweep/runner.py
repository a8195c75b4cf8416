"""``run_sweep``: the plan's points not yet in the results file, in chunks, on an engine; every
finished chunk is appended to ``OUT/results.jsonl`` before the next result is awaited, so a
killed sweep restarted with the same spec and folder resumes where it stopped.

Example (what ``hwsim sweep SPEC --out DIR --engine serial`` does before writing tables and
plots)::

    plan = load_plan("arch_configs/sweeps/systolic_buffers.yaml")
    result = run_sweep(plan, "runs/sweeps/buffers", EngineConfig("serial"))
    result.rows[0]["energy_pj"]
"""
from __future__ import annotations

import json
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from hwsim.sweep.engines import EngineConfig, run_chunks
from hwsim.sweep.evaluate import EvalContext
from hwsim.sweep.plan import SweepPlan
from hwsim.sweep.store import RESULTS_FILE, ResultStore, write_text_atomic

MANIFEST_FILE = "sweep.json"

# progress(total, initial) -> a context manager with update(n), e.g. a tqdm bar
ProgressFactory = Callable[[int, int], object]


@dataclass(frozen=True)
class SweepResult:
    """The rows of the plan's points in plan order (done now or in an earlier run)."""

    plan: SweepPlan
    rows: tuple[dict, ...]
    computed: int
    reused: int
    out_dir: Path

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.get("status") == status)


def run_sweep(plan: SweepPlan, out_dir, engine: EngineConfig = EngineConfig(),
              chunk_size: Optional[int] = None, restart: bool = False,
              progress: Optional[ProgressFactory] = None) -> SweepResult:
    """Evaluate the points of ``plan`` missing from ``out_dir``'s results file (module
    docstring); ``restart`` discards the earlier rows first."""
    out_dir = Path(out_dir)
    store = ResultStore.open(out_dir / RESULTS_FILE, restart=restart)
    write_manifest(plan, out_dir)
    pending = [p for p in plan.points if not store.is_done(p.id)]
    bar = progress(len(plan.points), len(plan.points) - len(pending)) if progress else None
    computed = 0
    with bar if bar is not None else nullcontext():
        for rows, lines in run_chunks(pending, EvalContext.of(plan), engine, chunk_size,
                                      encoded=True):
            computed += store.append(rows, lines)
            if bar is not None:
                bar.update(len(rows))
    rows = tuple(store.rows[p.id] for p in plan.points)
    return SweepResult(plan, rows, computed, len(plan.points) - len(pending), out_dir)


def manifest(plan: SweepPlan) -> dict:
    """What a report needs besides the rows: axes, workloads, objective, base file."""
    return {"name": plan.name, "kind": plan.kind, "base": plan.base_path,
            "objective": plan.objective, "points": len(plan.points),
            "axes": [{"key": a.key, "values": list(a.values)} for a in plan.axes],
            "workloads": [{"label": w.label, **w.entry.identity()} for w in plan.workloads],
            "point_ids": [p.id for p in plan.points]}


def write_manifest(plan: SweepPlan, out_dir: Path) -> Path:
    """``OUT/sweep.json``, written atomically."""
    return write_text_atomic(out_dir / MANIFEST_FILE,
                             json.dumps(manifest(plan), indent=1, default=str))

