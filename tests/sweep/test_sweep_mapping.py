"""``hwsim sweep --mapping``: every point is estimated under the mapping file, and its ids
change with the file's content (results computed without it are not reused)."""
from hwsim.config.mapping import parse_mapping_file
from hwsim.sweep import EvalContext, evaluate_chunk, load_plan
from hwsim.sweep.plan import with_mappings


def test_points_use_the_mapping_file_and_get_new_ids(sweep_file):
    plan = load_plan(sweep_file({"workloads": ["lenet300"],
                                 "grid": {"compute.clock_hz": [1e8, 2e8]}}))
    pins = parse_mapping_file({"constraints": [{"orders": {"dram": ["K", "CRS", "NPQ"]}}]})
    pinned = with_mappings(plan, pins)
    assert [p.id for p in pinned.points] != [p.id for p in plan.points]
    assert [p.overrides for p in pinned.points] == [p.overrides for p in plan.points]
    free = evaluate_chunk(EvalContext.of(plan), plan.points)
    fixed = evaluate_chunk(EvalContext.of(pinned), pinned.points)
    assert all(r["status"] == "ok" for r in free + fixed)
    assert EvalContext.of(pinned).mappings is pins
    assert fixed[0]["energy_pj"] >= free[0]["energy_pj"]  # a restricted search cannot do better
