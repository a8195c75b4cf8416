"""Every example spec in arch_configs/sweeps/ builds its plan and its first points run."""
from pathlib import Path

import pytest

from hwsim.sweep import EvalContext, evaluate_chunk, load_plan

SWEEPS = sorted((Path(__file__).resolve().parents[2] / "arch_configs" / "sweeps").glob("*.yaml"))


def test_there_are_example_specs():
    assert [p.name for p in SWEEPS] == ["eie_random.yaml", "systolic_buffers.yaml"]


@pytest.mark.parametrize("path", SWEEPS, ids=lambda p: p.stem)
def test_example_spec_plans_and_runs(path):
    plan = load_plan(path)
    assert len(plan.points) > 1 and plan.duplicates_dropped == 0
    rows = evaluate_chunk(EvalContext.of(plan), plan.points[:2])
    assert [r["id"] for r in rows] == [p.id for p in plan.points[:2]]
    assert all(r["status"] in ("ok", "invalid") for r in rows)
    assert any(r["status"] == "ok" and r["energy_pj"] > 0 for r in rows)
