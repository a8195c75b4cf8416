"""``hwsim estimate`` through hwsim.cli.main on the reference accelerators (integration)."""
import csv
import io
import json

import pytest

from hwsim import cli

from cost_helpers import ARCH_DIR

EIE, SYSTOLIC = str(ARCH_DIR / "eie.yaml"), str(ARCH_DIR / "systolic_ws.yaml")


@pytest.fixture
def run(monkeypatch, capsys):
    """Run the CLI with only the estimate command registered; returns (code, out, err)."""
    monkeypatch.setattr(cli, "COMMANDS", ("estimate",))

    def _run(*argv):
        try:
            code = cli.main(["estimate", *argv])
        except SystemExit as exc:  # argparse refuses a bad option value (--batch 0)
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err
    return _run


def test_eie_keeps_the_compressed_fc_weights_on_chip(run):
    """AlexNet under han2015 on EIE: the fc layers' compressed weights stay on chip (no
    per-inference weight DRAM traffic, loaded once per model); the convs are unsupported."""
    code, out, _ = run("--arch", EIE, "--workload", "alexnet", "--profile", "han2015",
                       "--format", "json")
    assert code == 0
    data = json.loads(out)
    rows = {r["name"]: r for r in data["layers"]}
    for name in ("fc6", "fc7", "fc8"):
        assert rows[name]["weights_on_chip"] is True
        assert rows[name]["dram_weight_bytes"] == 0
        assert rows[name]["model_load_dram_bytes"] > 0
        assert rows[name]["baseline"]["weights_on_chip"] is (name == "fc8")
    for name in ("conv1", "conv5"):
        assert rows[name]["supported"] is False and "conv2d" in rows[name]["unsupported_reason"]
    assert data["total"]["unsupported_layers"] == 5
    assert data["total"]["model_fits_on_chip"] is True
    assert data["total"]["savings"]["energy_x"] > 10


def test_dense_baseline_on_the_systolic_array_is_dram_dominated(run):
    code, out, _ = run("--arch", SYSTOLIC, "--workload", "alexnet", "--profile", "han2015",
                       "--format", "json")
    assert code == 0
    base = json.loads(out)["total"]["baseline"]
    assert base["energy_breakdown_pj"]["dram"] > 0.5 * base["energy_pj"]


def test_table_fits_80_columns(run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run("--arch", EIE, "--workload", "alexnet", "--profile", "han2015")
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "fc6" in out and "not in the totals" in out and "total" in out
    assert "totals cover: partial: 3 of 8 layers" in out
    assert "pruning on eie (dense -> pruned, same accelerator)" in out


def test_json_attributes_savings_to_pruning_and_to_the_accelerator(run):
    """AlexNet han2015, pruned on EIE vs dense on the systolic array: ``attribution`` splits
    the combined saving into the accelerator change and pruning on EIE; energy ratios
    multiply exactly (combined = accelerator x pruning), per layer and in total; the total
    covers fc6-fc8 only and says so."""
    code, out, _ = run("--arch", EIE, "--workload", "alexnet", "--profile", "han2015",
                       "--baseline-arch", SYSTOLIC, "--format", "json")
    assert code == 0
    data = json.loads(out)
    for row in [*data["layers"][5:], data["total"]]:
        a = row["attribution"]
        assert set(a) == {"accelerator", "pruning", "combined"}
        for key in ("energy_x", "latency_x", "memory_x", "dram_traffic_x"):
            assert a["combined"][key] == pytest.approx(a["accelerator"][key]
                                                       * a["pruning"][key], rel=1e-9)
        assert row["savings"] == a["combined"]
        assert row["dense"]["arch"] == "eie" and row["baseline"]["arch"] == "systolic_ws"
    assert data["layers"][0]["attribution"] is None
    coverage = data["total"]["coverage"]
    assert coverage["complete"] is False and coverage["layers_covered"] == ["fc6", "fc7", "fc8"]
    assert 0.05 < coverage["macs_fraction"] < 0.1 and coverage["weight_fraction"] > 0.9
    assert coverage["label"].startswith("partial: 3 of 8 layers")


def test_a_fallback_accelerator_on_the_command_line_covers_the_whole_network(run):
    code, out, _ = run("--arch", EIE, "--workload", "alexnet", "--profile", "han2015",
                       "--fallback-arch", SYSTOLIC, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["total"]["coverage"]["complete"] is True
    assert data["total"]["coverage"]["layers_on_fallback"][:2] == ["conv1", "conv2"]
    assert data["layers"][0]["arch"] == "systolic_ws" and data["layers"][5]["arch"] == "eie"
    assert "fallback accelerator systolic_ws" in data["layers"][0]["notes"][0]


def test_a_costlier_change_reads_more_and_slower(run):
    """Pruned LeNet-300-100 on Eyeriss against the dense network on the systolic array
    costs more energy and time: the table says "x more energy" and "x slower", never
    "0.6x less energy" / "0.0x faster"."""
    eyeriss = str(ARCH_DIR / "eyeriss.yaml")
    code, out, _ = run("--arch", eyeriss, "--workload", "lenet300", "--profile", "han2015",
                       "--baseline-arch", SYSTOLIC)
    assert code == 0
    both = out.split("both (dense on systolic_ws -> pruned on eyeriss):")[1]
    assert "more energy" in both and "slower" in both
    assert "0.0x" not in out and " 0." not in both.splitlines()[1]


def test_csv_and_markdown(run):
    code, out, _ = run("--arch", EIE, "--workload", "lenet300", "--profile", "han2015",
                       "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["name"] for r in rows] == ["fc1", "fc2", "fc3", "total"]
    assert {"energy_pj", "baseline_energy_pj", "savings_energy_x", "energy_dram_pj"} <= set(rows[0])
    code, out, _ = run("--arch", EIE, "--workload", "lenet300", "--format", "md")
    assert code == 0 and out.startswith("| layer |") and "| total |" in out


def test_one_layer_to_a_file(run, tmp_path):
    target = tmp_path / "fc7.json"
    code, out, _ = run("--arch", EIE, "--workload", "alexnet", "--profile", "han2015",
                       "--layer", "fc7", "--format", "json", "--output", str(target))
    assert code == 0 and out == ""
    data = json.loads(target.read_text())
    assert [r["name"] for r in data["layers"]] == ["fc7"]
    assert data["total"]["energy_pj"] == pytest.approx(data["layers"][0]["energy_pj"])
    assert not list(tmp_path.glob(".hwsim-*"))  # no temporary file left behind


def test_objective_and_baseline_arch(run):
    code, out, _ = run("--arch", EIE, "--workload", "lenet300", "--profile", "han2015",
                       "--baseline-arch", SYSTOLIC, "--objective", "latency", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["baseline_arch"] == "systolic_ws"
    assert data["layers"][0]["mapping"]["objective"] == "latency"


def test_bad_input_exits_2(run):
    code, _, err = run("--arch", EIE, "--workload", "alexnet", "--layer", "fc9")
    assert code == 2 and "layer must be one of" in err and "fc9" in err
    code, _, err = run("--arch", "missing.yaml", "--workload", "alexnet")
    assert code == 2 and "missing.yaml" in err
    code, _, err = run("--arch", EIE, "--workload", "alexnet", "--batch", "0")
    assert code == 2 and "batch" in err
