"""The main job's config: defaults, every problem at once with file and dotted path, file lookup."""
from pathlib import Path

import pytest

from hwsim.errors import ConfigError
from hwsim.run.config import (SOURCE_ROOT, find_file, load_run_config, parse_run_config,
                              resolve_arch_paths)

REPO = Path(__file__).resolve().parents[2]


def test_embedded_default_is_han_lenet300_on_eie_vs_systolic():
    config, base = load_run_config(None)
    assert config.model == "lenet300" and config.pruning.schedule == "han2015_lenet300"
    assert config.hardware.accelerators == ("arch_configs/eie.yaml", "arch_configs/systolic_ws.yaml")
    assert config.hardware.simulate is True
    assert config.hardware.baseline == "arch_configs/systolic_ws.yaml"
    assert config.data.source == "embedded" and config.cache.enabled
    assert base == Path.cwd()


def test_empty_file_gives_every_default(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("")
    config, base = load_run_config(path)
    assert config == parse_run_config({}) and base == tmp_path


def test_every_problem_at_once_with_file_and_dotted_path(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: 'bad name'\nmodle: lenet5\ndata: {train_samples: 0}\n"
                    "hardware: {accelerators: [], batch: -1}\nreport: {dpi: 5}\n")
    with pytest.raises(ConfigError) as err:
        load_run_config(path)
    by_path = {p.path: p for p in err.value.problems}
    assert set(by_path) == {"name", "modle", "data.train_samples", "hardware.accelerators",
                            "hardware.batch", "report.dpi"}
    assert all(p.file == str(path) for p in err.value.problems)
    assert "did you mean 'model'" in str(by_path["modle"])
    assert str(by_path["data.train_samples"]).endswith(
        "data.train_samples must be >= 1. Got 0 instead.")


def test_duplicate_keys_are_reported(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("name: a\nname: b\n")
    with pytest.raises(ConfigError) as err:
        load_run_config(path)
    assert err.value.problems[0].path == "name"


def test_accelerators_are_found_by_bare_name_and_from_the_source_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = parse_run_config({"hardware": {"accelerators": ["eie", "arch_configs/eyeriss.yaml"],
                                            "baseline": "systolic_ws"}})
    found, baseline = resolve_arch_paths(config, tmp_path)
    assert found == (SOURCE_ROOT / "arch_configs" / "eie.yaml",
                     SOURCE_ROOT / "arch_configs" / "eyeriss.yaml")
    assert baseline == SOURCE_ROOT / "arch_configs" / "systolic_ws.yaml"
    assert SOURCE_ROOT == REPO


def test_the_config_folder_wins_over_the_source_root(tmp_path):
    (tmp_path / "arch_configs").mkdir()
    mine = tmp_path / "arch_configs" / "eie.yaml"
    mine.write_text("name: mine\n")
    assert find_file("arch_configs/eie.yaml", tmp_path) == mine


def test_every_missing_accelerator_is_one_problem(tmp_path):
    config = parse_run_config({"hardware": {"accelerators": ["eie", "nope.yaml"],
                                            "baseline": "missing"}})
    with pytest.raises(ConfigError) as err:
        resolve_arch_paths(config, tmp_path, "run.yaml")
    assert [p.path for p in err.value.problems] == ["hardware.accelerators.1",
                                                     "hardware.baseline"]
    assert err.value.problems[0].value == "nope.yaml"
