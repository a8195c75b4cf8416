"""``hwsim report`` over estimate and simulate JSON: shapes checked, several files compared in
one table and one figure, figures as PDF too (hwsim/report/inputs.py, compare.py)."""
import csv
import json
from pathlib import Path

import pytest

from hwsim.cli import main
from hwsim.errors import ConfigError
from hwsim.report.compare import compared_of, labelled, totals_rows
from hwsim.report.inputs import load_result_file, result_kind

ARCH = Path(__file__).resolve().parents[2] / "arch_configs"


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """LeNet-300-100 han2015 estimated on EIE and on the systolic array, simulated on EIE."""
    folder = tmp_path_factory.mktemp("results")
    for name, argv in (("eie.json", ["estimate", "--arch", str(ARCH / "eie.yaml")]),
                       ("sys.json", ["estimate", "--arch", str(ARCH / "systolic_ws.yaml")]),
                       ("sim.json", ["simulate", "--arch", str(ARCH / "eie.yaml")])):
        assert main(argv + ["--workload", "lenet300", "--profile", "han2015", "--format",
                            "json", "--output", str(folder / name)]) == 0
    return folder


def test_shapes_are_recognised(saved):
    assert load_result_file(saved / "eie.json")[0] == "estimate"
    assert load_result_file(saved / "sim.json")[0] == "simulate"
    assert result_kind({"format": "hwsim-run-results/1"}) == "run"
    assert result_kind([1, 2]) is None and result_kind({"layers": []}) is None


def test_wrong_shape_is_one_line_naming_the_file_and_what_is_missing(saved, tmp_path, capsys):
    bad = tmp_path / "sweep.json"
    bad.write_text(json.dumps({"points": [], "layers": []}))
    assert main(["report", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(bad) in err
    assert "missing keys: network, arch, total" in err and "Traceback" not in err
    data = json.loads((saved / "eie.json").read_text())
    del data["total"]["latency_s"]
    bad.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match=r"total must have the keys .* Got 'missing latency_s'"):
        load_result_file(bad)
    assert not (tmp_path / "o").exists()


def test_two_estimates_and_a_simulation_compared(saved, tmp_path, capsys):
    """816 nJ on EIE vs 2.93 µJ on the systolic array: the systolic row reads '3.6x more'
    (2.93 / 0.816 = 3.6) against the first file."""
    out = tmp_path / "cmp"
    files = [str(saved / n) for n in ("eie.json", "sys.json", "sim.json")]
    assert main(["report", *files, "--out", str(out), "--figure-format", "png,pdf"]) == 0
    printed = capsys.readouterr().out
    rows = {line.split()[0]: line for line in printed.splitlines() if line.split()}
    assert "systolic_ws" in rows and "3.6x more" in printed
    assert {p.name for p in (out / "figures").glob("comparison.*")} == \
        {"comparison.png", "comparison.pdf"}
    assert (out / "figures" / "comparison.pdf").read_bytes().startswith(b"%PDF")
    assert not list((out / "figures").glob("*.svg"))
    summary = (out / "summary.md").read_text()
    assert "## Comparison of accelerators" in summary and "figures/comparison.png" in summary
    with open(out / "comparison.csv", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert [r["layer"] for r in table] == ["fc1", "fc2", "fc3"] * 3
    assert {r["result"] for r in table} == {"eie (eie.json)", "systolic_ws",
                                            "eie (sim.json, sim)"}
    # the rebuilt results.json is itself a valid run results file
    assert load_result_file(out / "results.json")[0] == "run"


def test_totals_rows_ratio_against_the_first(saved):
    entries = labelled([c for name in ("eie.json", "sys.json")
                        for c in compared_of(*load_result_file(saved / name), name)])
    first, other = totals_rows(entries)
    assert first["energy_vs_first_x"] == pytest.approx(1.0)
    assert other["energy_vs_first_x"] == pytest.approx(first["energy_pj"] / other["energy_pj"])
    assert [e.label for e in entries] == ["eie", "systolic_ws"]


def test_bad_figure_format_fails_before_any_work(saved, tmp_path, capsys):
    assert main(["report", str(saved / "eie.json"), "--out", str(tmp_path / "o"),
                 "--figure-format", "gif"]) == 2
    assert "--figure-format must be a comma-separated list of png, svg, pdf" in \
        capsys.readouterr().err
    assert not (tmp_path / "o").exists()
