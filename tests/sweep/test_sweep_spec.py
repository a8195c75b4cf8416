"""Sweep spec validation: every problem at once, each with file, dotted path and value."""
import pytest

from hwsim.cli import main
from hwsim.errors import ConfigError
from hwsim.sweep import load_plan, load_sweep_spec, parse_sweep_spec

GOOD = {"workloads": ["lenet300"], "grid": {"compute.clock_hz": [1e8, 2e8]}}


def messages(path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_plan(path)
    return [str(p) for p in info.value.problems]


def test_a_good_spec_loads(sweep_file):
    plan = load_plan(sweep_file(GOOD))
    assert [a.key for a in plan.axes] == ["compute.clock_hz"]
    assert len(plan.points) == 2


def test_unknown_top_level_key_lists_the_allowed_keys(sweep_file):
    path = sweep_file({**GOOD, "gird": {"compute.clock_hz": [1]}})
    [message] = messages(path)
    assert message.startswith(f"{path}: gird must be a known key (allowed in the top level: ")
    assert "did you mean 'grid'?" in message and message.endswith("Got 'gird' instead.")


def test_dotted_key_naming_an_unknown_config_key(sweep_file):
    path = sweep_file({**GOOD, "grid": {"compute.pe_cont": [4], "memories.glb.size_bytes": [1]}})
    [message] = messages(path)
    assert message.startswith(f"{path}: grid.compute.pe_cont must name a config key (allowed "
                              "in compute: ")
    assert "did you mean 'pe_count'?" in message
    assert message.endswith("Got 'compute.pe_cont' instead.")


def test_dotted_key_naming_a_memory_level_the_base_lacks(sweep_file):
    path = sweep_file({**GOOD, "grid": {"memories.l2.size_bytes": [1024]}})
    assert messages(path) == [
        f"{path}: grid.memories.l2.size_bytes must name a key of the base file's memories "
        "(dram, glb, rf). Got 'memories.l2.size_bytes' instead."]


def test_keys_inside_a_mapping_value_are_checked(sweep_file):
    path = sweep_file({**GOOD, "grid": {"compute": [{"pe_count": 4, "array_row": 2}]}})
    [message] = messages(path)
    assert message.startswith(f"{path}: grid.compute.0.array_row must name a config key")
    assert "did you mean 'array_rows'?" in message


def test_a_key_below_a_value_is_reported(sweep_file):
    path = sweep_file({**GOOD, "grid": {"dataflow.kind": ["x"]}})
    assert messages(path) == [f"{path}: grid.dataflow.kind must end at dataflow (a value, "
                              "which has no sub-keys). Got 'dataflow.kind' instead."]


def test_empty_grid_and_empty_value_list(sweep_file):
    path = sweep_file({"workloads": ["lenet300"], "grid": {}})
    assert messages(path) == [f"{path}: grid must have at least 1 item(s). Got {{}} instead."]
    path = sweep_file({"workloads": ["lenet300"], "grid": {"compute.pe_count": []}})
    assert messages(path) == [f"{path}: grid.compute.pe_count must have at least 1 item(s). "
                              "Got [] instead."]


def test_every_problem_is_reported_at_once(sweep_file):
    path = sweep_file({"workloads": [{"workload": "lenet300", "profle": "han2015"}],
                       "grid": {"compute.pe_count": []}, "random": {"samples": 0}})
    found = "\n".join(str(p) for p in pytest.raises(ConfigError, load_sweep_spec, path)
                      .value.problems)
    for part in ("workloads.0.profle must be a known key", "grid.compute.pe_count must have",
                 "random.samples must be > 0. Got 0 instead.",
                 "random.parameters must be given",
                 "random must be omitted when grid is given"):
        assert part in found


def test_grid_or_random_is_required():
    with pytest.raises(ConfigError) as info:
        parse_sweep_spec({"base": "a.yaml", "workloads": ["lenet300"]}, "s.yaml")
    assert str(info.value) == "s.yaml: grid must be given (or random). Got nothing instead."


def test_random_range_rules():
    spec = {"base": "a.yaml", "workloads": ["lenet300"],
            "random": {"samples": 3, "parameters": {"compute.clock_hz": {"low": 5, "high": 2},
                                                    "memories.glb.size_bytes": {"low": 0, "high": 2,
                                                                                "log": True}}}}
    with pytest.raises(ConfigError) as info:
        parse_sweep_spec(spec, "s.yaml")
    assert [str(p) for p in info.value.problems] == [
        "s.yaml: random.parameters.compute.clock_hz must have high >= low (5). "
        "Got {'low': 5, 'high': 2} instead.",
        "s.yaml: random.parameters.memories.glb.size_bytes must have low > 0 when log is true. "
        "Got {'low': 0, 'high': 2, 'log': True} instead."]


def test_bad_workload_and_bad_objective_axis(sweep_file):
    path = sweep_file({"workloads": ["lenet301"], "grid": {"objective": ["energy", "speed"]}})
    found = messages(path)
    assert found[0].startswith(f"{path}: workloads.0 must resolve to a network (")
    assert found[1] == f"{path}: grid.objective.1 must be one of energy, latency, edp. " \
                       "Got 'speed' instead."


def test_an_invalid_base_file_reports_its_own_problems(sweep_file, tiny_arch):
    tiny_arch["compute"]["pe_count"] = 15
    bad = tiny_arch
    path = sweep_file(GOOD, arch=bad)
    [message] = messages(path)
    assert message.startswith(f"{path.parent / 'arch.yaml'}: compute.pe_count must be 16")


def test_duplicate_labels_are_rejected(sweep_file):
    path = sweep_file({**GOOD, "workloads": ["lenet300", {"workload": "lenet300"}]})
    assert messages(path) == [f"{path}: workloads.1.label must be unique (give a label). "
                              "Got 'lenet300' instead."]


def test_cli_reports_spec_problems_with_exit_2(sweep_file, tmp_path, capsys):
    path = sweep_file({**GOOD, "grid": {"compute.pe_cont": [4]}})
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "grid.compute.pe_cont must name a config key" in err
    assert not (tmp_path / "out").exists()


def test_objective_cannot_be_a_sampled_range(sweep_file):
    path = sweep_file({"workloads": ["lenet300"],
                       "random": {"samples": 2, "parameters": {"objective": {"low": 0,
                                                                             "high": 1}}}})
    assert messages(path) == [f"{path}: random.parameters.objective must be a list of choices "
                              "among energy, latency, edp (not a range). Got 'range' instead."]


def test_a_billion_point_sweep_is_refused_before_it_is_expanded(sweep_file, monkeypatch):
    """Three 1,000-value axes x 1 workload = 1e9 points: one problem at ``grid`` with the
    count, and the points are never built (expanding would take minutes and ~500 GB)."""
    import hwsim.sweep.plan as plan_module
    monkeypatch.setattr(plan_module, "_combinations",
                        lambda *a: pytest.fail("the grid was expanded"))
    spec = {"workloads": ["lenet300"],
            "grid": {"memories.glb.size_bytes": list(range(1024, 2024)),
                     "compute.clock_hz": [1e8 + i for i in range(1000)],
                     "sparsity.fifo_depth": list(range(1, 1001))}}
    with pytest.raises(ConfigError) as info:
        load_plan(sweep_file(spec))
    assert "grid must expand to at most 10,000,000 points (1,000 x 1,000 x 1,000 values x " \
           "1 workload; split the sweep or sample it with random:). Got '1,000,000,000 " \
           "points' instead." in str(info.value)


def test_a_billion_random_samples_are_refused(sweep_file):
    spec = {"workloads": ["lenet300", "lenet5"],
            "random": {"samples": 500_000_000, "parameters": {"compute.clock_hz": [1e8]}}}
    with pytest.raises(ConfigError, match=r"random\.samples must expand to at most "
                                          r"10,000,000 points \(500,000,000 samples x 2 "
                                          r"workloads"):
        load_plan(sweep_file(spec))
