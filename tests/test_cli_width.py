"""Every command's text output fits the terminal: no line over 100 columns by default, none
over 80 with ``COLUMNS=80`` (hwsim/report/layout.py moves wide columns to a second block and
wraps the rest). Runs each command in-process through ``hwsim.cli.main``."""
import json
from pathlib import Path

import pytest
import yaml

from hwsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
ARCH = ROOT / "arch_configs"
EIE, SYSTOLIC = str(ARCH / "eie.yaml"), str(ARCH / "systolic_ws.yaml")

COMMANDS = {
    "estimate eie alexnet vs systolic": ["estimate", "--arch", EIE, "--workload", "alexnet",
                                         "--profile", "han2015", "--baseline-arch", SYSTOLIC],
    "estimate h100 vgg16 batch 64": ["estimate", "--arch", str(ARCH / "h100_sxm.yaml"),
                                     "--workload", "vgg16", "--profile", "han2015",
                                     "--batch", "64"],
    "estimate eyeriss alexnet": ["estimate", "--arch", str(ARCH / "eyeriss.yaml"),
                                 "--workload", "alexnet", "--profile", "dense_act"],
    "estimate bert_base (long names)": ["estimate", "--arch", SYSTOLIC, "--workload",
                                        "bert_base"],
    "simulate eie alexnet": ["simulate", "--arch", EIE, "--workload", "alexnet", "--profile",
                             "han2015", "--layer", "fc8"],
    "simulate eie lenet300": ["simulate", "--arch", EIE, "--workload", "lenet300",
                              "--profile", "han2015"],
    "workload list": ["workload", "list"],
    "workload show alexnet": ["workload", "show", "alexnet", "--profile", "han2015"],
    "workload show bert_base": ["workload", "show", "bert_base"],
    "arch check": ["arch", "check", EIE, SYSTOLIC],
    **{f"arch show {p.stem}": ["arch", "show", str(p)] for p in sorted(ARCH.glob("*.yaml"))},
}


def _check(out: str, width: int) -> None:
    assert out.strip(), "no output"
    long = [line for line in out.splitlines() if len(line) > width]
    assert not long, f"{len(long)} line(s) over {width} columns, e.g. {long[0]!r}"


def _run(argv, capsys) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("width", [None, 80])
@pytest.mark.parametrize("name", list(COMMANDS))
def test_command_fits(name, width, monkeypatch, capsys):
    if width is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", str(width))
    _check(_run(COMMANDS[name], capsys), width or 100)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Two estimate JSON files, a simulate JSON and a sweep spec."""
    folder = tmp_path_factory.mktemp("width")
    for name, arch, command in (("eie.json", EIE, "estimate"), ("sys.json", SYSTOLIC,
                                                                 "estimate"),
                                ("sim.json", EIE, "simulate")):
        assert main([command, "--arch", arch, "--workload", "lenet300", "--profile",
                     "han2015", "--format", "json", "--output", str(folder / name)]) == 0
    spec = {"name": "width", "base": "systolic_ws.yaml", "workloads": ["lenet300"],
            "grid": {"memories.filter_sram.size_bytes": [65536, 131072],
                     "sparsity.weight_format.index_bits": [4, 8]}}
    (folder / "spec.yaml").write_text(yaml.safe_dump(spec))
    return folder


@pytest.mark.parametrize("width", [None, 80])
def test_report_and_sweep_fit(saved, width, tmp_path, monkeypatch, capsys):
    if width is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", str(width))
    files = [str(saved / n) for n in ("eie.json", "sys.json", "sim.json")]
    _check(_run(["report", *files, "--out", str(tmp_path / "r"), "--no-figures"], capsys),
           width or 100)
    spec = yaml.safe_load((saved / "spec.yaml").read_text())
    spec["base"] = SYSTOLIC
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec))
    assert main(["sweep", str(tmp_path / "spec.yaml"), "--out", str(tmp_path / "s"),
                 "--engine", "serial", "--no-plots", "--top", "2"]) == 0
    printed = capsys.readouterr()
    _check(printed.out, width or 100)
    assert "pt/s" not in printed.err and "%|" not in printed.err  # stderr is no terminal


def test_run_report_fits(tmp_path, monkeypatch, capsys):
    """A run's results.json (built without torch) through ``hwsim report``: the same
    per-layer savings table and totals ``hwsim run`` prints."""
    from tests.report.report_helpers import make_results
    path = tmp_path / "results.json"
    path.write_text(json.dumps(make_results()))
    for width in (None, 80):
        if width is None:
            monkeypatch.delenv("COLUMNS", raising=False)
        else:
            monkeypatch.setenv("COLUMNS", str(width))
        out = _run(["report", str(path), "--out", str(tmp_path / "r"), "--no-figures"],
                   capsys)
        assert "energy dense -> pruned" in out
        _check(out, width or 100)


def test_prune_fits(tmp_path, monkeypatch, capsys):
    """A tiny prune (no training: prune and evaluate once): per-iteration lines, the table and the
    closing lines all fit 80 columns."""
    pytest.importorskip("torch")
    schedule = {"name": "tiny", "seed": 0, "train": {"epochs": 0},
                "retrain": {"epochs": 0}, "export": {"samples": 20},
                "pruning": {"method": "han_threshold", "iterations": [{"quality": 0.5}]}}
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(schedule))
    monkeypatch.setenv("COLUMNS", "80")
    out = _run(["prune", "--model", "lenet5", "--schedule", str(path), "--out",
                str(tmp_path / "p"), "--no-progress"], capsys)
    assert "conv1 kept" in out and "x fewer" in out
    _check(out, 80)
