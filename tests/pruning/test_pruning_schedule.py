"""Schedule YAML validation: every problem at once, with file, dotted path and value."""
import pytest

from hwsim.errors import ConfigError
from pruning.schedule import (GradualConfig, ScheduleConfig, layer_name_problems, list_schedules,
                              load_schedule, parse_schedule, value_for)

MINIMAL = {"name": "t", "pruning": {"iterations": [{"quality": 1.0}]}}


def problems_of(data) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_schedule(data, source="s.yaml")
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("name", list_schedules())
def test_shipped_schedules_load(name):
    schedule = load_schedule(name)
    assert schedule.name == name and schedule.pruning.steps()


@pytest.mark.parametrize("pruning", [
    {"method": "n_m", "iterations": [{"pattern": "2:4"}, {"pattern": {"fc1": "1:4"}}]},
    {"method": "sparsity", "gradual": {"final_sparsity": {"fc1": 0.9}, "steps": 3}},
    {"method": "sparsity", "iterations": [{"sparsity": {"fc1": 3, "fc2": 0.5}}]}])
def test_rebuilt_schedules_validate_to_the_same(pruning):
    """Variants are rebuilt with model_validate(model_dump() | changes) (the CLI's --seed)."""
    schedule = parse_schedule({"name": "t", "pruning": pruning})
    again = ScheduleConfig.model_validate(schedule.model_dump() | {"seed": 5})
    assert again.pruning == schedule.pruning and again.seed == 5


def test_shipped_schedules_include_han2015_lenets():
    assert {"han2015_lenet300", "han2015_lenet5"} <= set(list_schedules())


def test_minimal_schedule_defaults():
    schedule = parse_schedule(MINIMAL)
    assert schedule.retrain.lr_fraction == 0.1
    assert schedule.pruning.iterations[0].quality == {"default": 1.0}
    assert schedule.retrain_regularization == schedule.train.regularization


def test_misspelt_key_lists_allowed_keys():
    data = {**MINIMAL, "retrain": {"epoch": 3}}
    [message] = problems_of(data)
    assert message.startswith("s.yaml: retrain.epoch must be a known key (allowed in retrain: "
                              "adjust_dropout, epochs, ")
    assert "did you mean 'epochs'?" in message
    assert message.endswith("Got 'epoch' instead.")


def test_every_problem_reported_at_once():
    data = {"name": "t", "train": {"lr": -1, "momentum": 1.5},
            "pruning": {"method": "magic", "iterations": [{"quality": 1.0}]}}
    messages = problems_of(data)
    assert len(messages) == 3
    assert any("train.lr must be > 0. Got -1 instead." in m for m in messages)
    assert any("train.momentum must be < 1" in m for m in messages)
    assert any(m.startswith("s.yaml: pruning.method must be one of") for m in messages)


def test_method_reads_its_own_parameter():
    data = {"name": "t", "pruning": {"method": "han_threshold",
                                     "iterations": [{"sparsity": 0.5}]}}
    messages = problems_of(data)
    assert any("pruning.iterations[0].sparsity must not be set with method han_threshold"
               in m for m in messages)
    assert any("pruning.iterations[0].quality must be given" in m for m in messages)


def test_global_magnitude_takes_one_value():
    data = {"name": "t", "pruning": {"method": "global_magnitude",
                                     "iterations": [{"sparsity": {"fc1": 0.5}}]}}
    assert any("must be one value" in m for m in problems_of(data))


def test_exactly_one_of_iterations_and_gradual():
    data = {"name": "t", "pruning": {"method": "sparsity"}}
    assert any("pruning must have exactly one of iterations and gradual" in m
               for m in problems_of(data))


@pytest.mark.parametrize("value, fragment", [
    ({"fc1": -0.5}, "quality must be a number >= 0 or 'auto' (fc1: got -0.5)"),
    ("lots", "quality must be a number >= 0 or 'auto'")])
def test_bad_quality_values(value, fragment):
    data = {"name": "t", "pruning": {"iterations": [{"quality": value}]}}
    assert any(fragment in m for m in problems_of(data))


def test_sparsity_int_and_float_kept_apart():
    data = {"name": "t", "pruning": {"method": "sparsity",
                                     "iterations": [{"sparsity": {"fc1": 1, "fc2": 1.0}}]}}
    values = parse_schedule(data).pruning.iterations[0].sparsity
    assert type(values["fc1"]) is int and type(values["fc2"]) is float
    data["pruning"]["iterations"] = [{"sparsity": 1.5}]
    assert any("sparsity must be a float fraction in [0, 1]" in m for m in problems_of(data))


def test_n_m_patterns():
    data = {"name": "t", "pruning": {"method": "n_m", "iterations": [{"pattern": "2:4"}]}}
    assert parse_schedule(data).pruning.iterations[0].pattern == {"default": (2, 4)}
    data["pruning"]["iterations"] = [{"pattern": "5:4"}]
    assert any("pattern must be 'N:M'" in m for m in problems_of(data))


def test_gradual_schedule_worked_example():
    """s_t = 0.9 + (0.5 - 0.9)(1 - t/2)^3: t=0 -> 0.5, t=1 -> 0.9 - 0.4/8 = 0.85, t=2 -> 0.9."""
    gradual = GradualConfig(initial_sparsity=0.5, final_sparsity=0.9, steps=3)
    targets = [step.sparsity["default"] for step in gradual.iterations()]
    assert targets == pytest.approx([0.5, 0.85, 0.9])


def test_gradual_needs_a_sparsity_method():
    data = {"name": "t", "pruning": {"method": "han_threshold",
                                     "gradual": {"final_sparsity": 0.9, "steps": 2}}}
    assert any("pruning.gradual must be used with a sparsity method" in m
               for m in problems_of(data))


def test_layer_names_checked_against_the_model():
    schedule = parse_schedule({"name": "t", "pruning": {
        "layers": ["fc1", "fc9"], "iterations": [{"quality": {"fc1": 1.0, "conv7": 2.0}}]}})
    messages = [str(p) for p in layer_name_problems(schedule, ["fc1", "fc2"], "s.yaml")]
    assert len(messages) == 2
    assert any("pruning.layers must be a Conv2d/Linear layer" in m and "'fc9'" in m
               for m in messages)
    assert any("pruning.iterations[0].quality.conv7 must be" in m for m in messages)


def test_value_for_mapping_and_default():
    assert value_for({"default": 1.0, "fc3": 0.5}, "fc3") == 0.5
    assert value_for({"default": 1.0, "fc3": 0.5}, "fc1") == 1.0
    assert value_for({"fc3": 0.5}, "fc1") is None


def test_yaml_file_errors_name_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: t\npruning:\n  iterations:\n    - quality: 1.0\n  methd: sparsity\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: pruning.methd must be a known key"):
        load_schedule(path)
    path.write_text("name: [unclosed\n")
    with pytest.raises(ConfigError, match="must be valid YAML"):
        load_schedule(path)


def test_unknown_schedule_name_lists_shipped_ones():
    with pytest.raises(ConfigError, match="han2015_lenet300"):
        load_schedule("no_such_schedule")
