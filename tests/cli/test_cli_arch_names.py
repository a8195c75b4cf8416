"""Shipped accelerators by name, from any folder, in every command and config
(hwsim.config.loader.resolve_arch_path): ``--arch eie`` as well as a path."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import hwsim.run.config as run_config
from hwsim.arch import load_arch
from hwsim.cli import main
from hwsim.config import loader
from hwsim.config.loader import (resolve_arch_path, shipped_arch_dir, shipped_arch_names,
                                 shipped_arch_path)
from hwsim.errors import ConfigError
from hwsim.sweep.plan import load_plan

ROOT = Path(__file__).resolve().parents[2]
NAMES = tuple(sorted(p.stem for p in (ROOT / "arch_configs").glob("*.yaml")))


@pytest.fixture(autouse=True)
def elsewhere(tmp_path, monkeypatch):
    """Every test runs from an empty folder outside the repository."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_shipped_names_are_the_files_of_arch_configs():
    assert shipped_arch_names() == NAMES
    assert shipped_arch_dir() == ROOT / "arch_configs"  # editable install: read in place


@pytest.mark.parametrize("value", ["eie", "eie.yaml", "arch_configs/eie.yaml"])
def test_spellings_of_a_shipped_name(value):
    assert resolve_arch_path(value) == ROOT / "arch_configs" / "eie.yaml"


def test_a_local_file_wins_over_a_shipped_name(elsewhere):
    (elsewhere / "eie").write_text("name: mine\n")
    assert resolve_arch_path("eie") == Path("eie")
    (elsewhere / "eie").unlink()
    (elsewhere / "eie").mkdir()  # a folder of that name does not shadow it
    assert resolve_arch_path("eie") == shipped_arch_path("eie")


def test_an_unknown_name_lists_the_shipped_ones():
    with pytest.raises(ConfigError) as info:
        resolve_arch_path("tpu", key="--arch")
    assert str(info.value) == ("--arch must be an accelerator YAML file or a shipped "
                               f"accelerator ({', '.join(NAMES)}). Got 'tpu' instead.")


def test_a_missing_path_stays_a_missing_file():
    with pytest.raises(FileNotFoundError):
        load_arch("configs/tpu.yaml")


def test_estimate_with_shipped_names(capsys):
    code, out, err = cli(capsys, "estimate", "--arch", "eie", "--workload", "alexnet",
                         "--profile", "han2015", "--baseline-arch", "systolic_ws",
                         "--fallback-arch", "systolic_ws", "--format", "json")
    assert code == 0, err
    record = json.loads(out)
    assert "systolic_ws" in json.dumps(record)


def test_estimate_with_an_unknown_name(capsys):
    code, out, err = cli(capsys, "estimate", "--arch", "tpu", "--workload", "alexnet")
    assert code == 2 and out == ""
    assert err.startswith("hwsim: error: arch must be an accelerator YAML file or a shipped "
                          "accelerator (a100_sxm, eie,")
    assert err.count("\n") == 1


def test_simulate_with_a_shipped_name(capsys):
    code, out, err = cli(capsys, "simulate", "--arch", "eie", "--workload", "lenet300",
                         "--profile", "han2015", "--layer", "fc3")
    assert code == 0, err
    assert "fc3" in out


def test_arch_list_show_and_check(capsys):
    code, out, _ = cli(capsys, "arch", "list")
    assert code == 0
    listed = [line.split()[0] for line in out.splitlines()[1:]]
    assert tuple(listed) == NAMES
    assert all(len(line) <= 100 for line in out.splitlines()[1:])
    code, out, _ = cli(capsys, "arch", "show", "eyeriss")
    assert code == 0 and out.startswith("eyeriss")
    code, out, err = cli(capsys, "arch", "check", "h200", "tpu")
    assert code == 2 and out == "ok h200\n" and "Got 'tpu' instead" in err


def test_fallback_arch_by_name_in_a_local_file(elsewhere):
    text = (ROOT / "arch_configs" / "eie.yaml").read_text()
    (elsewhere / "mine.yaml").write_text(text + "\nfallback_arch: systolic_ws\n")
    arch = load_arch(elsewhere / "mine.yaml")
    assert arch.fallback is not None and arch.fallback.name == "systolic_ws"
    assert arch.fallback.source_file == str(shipped_arch_path("systolic_ws"))


def test_sweep_base_by_name(elsewhere, capsys):
    (elsewhere / "spec.yaml").write_text(
        "name: s\nbase: eie\nworkloads: [lenet300]\ngrid:\n  sparsity.fifo_depth: [4, 8]\n")
    plan = load_plan(elsewhere / "spec.yaml")
    assert Path(plan.base_path) == shipped_arch_path("eie")
    assert len(plan.points) == 2


def test_run_config_names_found_in_a_regular_install(elsewhere, monkeypatch):
    """No source checkout (a wheel): ``eie`` and ``arch_configs/eie.yaml`` are the shipped
    files; an unknown name lists the shipped ones."""
    monkeypatch.setattr(run_config, "SOURCE_ROOT", elsewhere / "site-packages")
    config = run_config.parse_run_config(
        {"hardware": {"accelerators": ["eie", "arch_configs/eyeriss.yaml"],
                      "baseline": "systolic_ws"}})
    accelerators, baseline = run_config.resolve_arch_paths(config, elsewhere)
    assert accelerators == (shipped_arch_path("eie"), shipped_arch_path("eyeriss"))
    assert baseline == shipped_arch_path("systolic_ws")
    bad = run_config.parse_run_config({"hardware": {"accelerators": ["tpu"]}})
    with pytest.raises(ConfigError) as info:
        run_config.resolve_arch_paths(bad, elsewhere, "run.yaml")
    assert "hardware.accelerators.0 must be an accelerator YAML file" in str(info.value)
    assert "or a shipped accelerator (a100_sxm, eie," in str(info.value)


def test_prune_target_arch_by_name(elsewhere):
    pytest.importorskip("torch")
    from pruning.hw_aware import resolve_arch
    path, arch = resolve_arch("eyeriss", elsewhere)
    assert path == shipped_arch_path("eyeriss") and arch.name == "eyeriss"


def test_an_installed_package_folder_comes_first(tmp_path, monkeypatch):
    """In a wheel the files lie in hwsim/arch_configs/ (setup.py's package-dir mapping)."""
    package = tmp_path / "site" / "hwsim"
    (package / "arch_configs").mkdir(parents=True)
    (package / "arch_configs" / "only.yaml").write_text("name: only\n")
    monkeypatch.setattr(loader, "_PACKAGE_DIR", package)
    assert shipped_arch_dir() == package / "arch_configs"
    assert shipped_arch_names() == ("only",)
