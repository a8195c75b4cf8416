"""The model cache: keys, atomic publication, lookups."""
import os
from pathlib import Path

from hwsim.run import cache
from hwsim.run.config import parse_run_config
from hwsim.run.prune_stage import key_material, resolve_schedule


def test_cache_root_prefers_config_then_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HWSIM_CACHE_DIR", str(tmp_path / "env"))
    assert cache.cache_root(str(tmp_path / "cfg")) == tmp_path / "cfg"
    assert cache.cache_root(None) == tmp_path / "env"
    monkeypatch.delenv("HWSIM_CACHE_DIR")
    assert cache.cache_root(None).parts[-2:] == (".cache", "hwsim")


def test_key_depends_on_model_data_schedule_and_seed_not_on_hardware_or_report(tmp_path):
    def key(data: dict) -> str:
        config = parse_run_config(data)
        return cache.cache_key(key_material(config, tmp_path,
                                            resolve_schedule(config, tmp_path, None)))

    base = key({})
    assert base == key({"hardware": {"accelerators": ["eyeriss"]}, "report": {"dpi": 50},
                        "name": "other"})
    assert len({base, key({"data": {"seed": 1}}), key({"model": "lenet5"}),
                key({"data": {"train_samples": 10}}),
                key({"pruning": {"schedule": {"name": "x"}}}),
                key({"pruning": {"sensitivity": False}})}) == 6


def test_shipped_schedule_is_read_without_importing_torch(tmp_path):
    schedule = resolve_schedule(parse_run_config({}), tmp_path, None)
    assert schedule.data["name"] == "han2015_lenet300"
    assert schedule.source.endswith("pruning/schedules/han2015_lenet300.yaml")


def test_publish_is_one_rename_and_the_first_writer_wins(tmp_path):
    first = cache.new_staging_dir(tmp_path, "k")
    (first / "a.json").write_text("1")
    assert cache.lookup(tmp_path, "k", ("a.json",)) is None
    entry = cache.publish(first, tmp_path, "k", {"x": 1})
    assert not first.exists() and (entry / "a.json").read_text() == "1"
    assert cache.lookup(tmp_path, "k", ("a.json", cache.KEY_FILE)) == entry
    assert cache.lookup(tmp_path, "k", ("missing.json",)) is None
    second = cache.new_staging_dir(tmp_path, "k")
    (second / "a.json").write_text("2")
    assert cache.publish(second, tmp_path, "k", {"x": 1}) == entry
    assert (entry / "a.json").read_text() == "1" and not second.exists()
    assert os.listdir(tmp_path / cache.RUNS_FOLDER) == ["k"]


def test_key_follows_the_target_accelerators_content_not_its_path(tmp_path):
    """Hardware-aware pruning depends on the target accelerator: editing the file (same
    path) gives a new key, so a model pruned for the old file is not reused."""
    arch = tmp_path / "target.yaml"
    arch.write_text((Path(__file__).resolve().parents[2] / "arch_configs" /
                     "eyeriss.yaml").read_text())

    def key() -> str:
        config = parse_run_config({"model": "lenet5", "pruning": {
            "schedule": "han2015_lenet5", "target_arch": str(arch), "budget": "energy=0.3"}})
        return cache.cache_key(key_material(config, tmp_path,
                                            resolve_schedule(config, tmp_path, None)))

    before = key()
    assert key() == before
    arch.write_text(arch.read_text().replace("clock_hz: 200e6", "clock_hz: 250e6"))
    assert key() != before
