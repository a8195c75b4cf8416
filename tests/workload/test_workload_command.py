"""``hwsim workload list|show|export`` through hwsim.cli.main (exit codes included)."""
import csv
import io
import json

import pytest

from hwsim import cli
from hwsim.commands.workload import format_summary, human
from hwsim.workload import load_network, resolve_network, summarize_network


@pytest.fixture
def run(monkeypatch, capsys):
    """Run the CLI with only the workload command registered; returns (code, out, err)."""
    monkeypatch.setattr(cli, "COMMANDS", ("workload",))

    def _run(*argv):
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err
    return _run


def test_show_json_alexnet_han2015(run):
    """61,0M -> 6.80M weights (9.0x); fc6 = Han's fc1: 9 % of 37,748,736 = 3,397,386."""
    code, out, _ = run("workload", "show", "alexnet", "--profile", "han2015", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert (data["network"], data["profile"], data["batch"]) == ("alexnet", "han2015", 1)
    assert [row["name"] for row in data["layers"]][-3:] == ["fc6", "fc7", "fc8"]
    fc6 = data["layers"][5]
    assert (fc6["weight_count"], fc6["weight_nnz"], fc6["input_density"]) == \
        (37_748_736, 3_397_386, 0.34)
    assert fc6["macs_effective"] == round(37_748_736 * 0.09 * 0.34)
    total = data["total"]
    assert (total["weight_count"], total["weight_nnz"]) == (60_954_656, 6_796_191)
    assert total["compression_x"] == pytest.approx(8.969, abs=1e-3)
    for key in ("kind", "weight_density", "output_density", "macs_dense", "macs_effective"):
        assert key in total


def test_show_table_fits_80_columns(run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run("workload", "show", "resnet18")
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 80
    code, out, _ = run("workload", "show", "vgg16", "--profile", "han2015", "--batch", "2")
    assert "vgg16: profile han2015, batch 2" in out
    assert "compression 13.1x: 138M -> 10.5M weights" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    total = [line for line in out.splitlines() if line.startswith("total")][0]
    assert total.split()[2:4] == ["138M", "10.5M"]


def test_show_csv_and_md(run):
    code, out, _ = run("workload", "show", "lenet-300-100", "--profile", "han2015",
                       "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["name"] for r in rows] == ["fc1", "fc2", "fc3", "total"]
    assert (rows[1]["weight_nnz"], rows[1]["macs_effective"]) == ("2700", "1026")  # 30,000x.09x.38
    code, out, _ = run("workload", "show", "lenet5", "--format", "md")
    assert "| layer | kind | weights |" in out and "| conv2 | conv2d | 25k |" in out


def test_show_a_file_and_export(run, tmp_path):
    path = tmp_path / "lenet5_han.yaml"
    code, out, _ = run("workload", "export", "lenet5", "--profile", "han2015", "-o", str(path))
    assert code == 0 and str(path) in out
    assert load_network(path) == resolve_network("lenet5", profile="han2015")
    code, out, _ = run("workload", "show", str(path), "--format", "json")
    assert json.loads(out)["total"]["weight_nnz"] == 36_280


def test_list(run):
    code, out, _ = run("workload", "list")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()[2:]] == \
        ["lenet300", "lenet5", "alexnet", "vgg16", "resnet18", "resnet50", "mobilenet_v2",
         "bert_base", "vit_b16", "gpt2", "llama2_7b", "llama3_8b", "tinyllama_1b",
         "gpt3_6.7b"]
    code, out, _ = run("workload", "list", "--format", "json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["alexnet"]["weight_count"] == 60_954_656 and rows["resnet18"]["profiles"] == []


@pytest.mark.parametrize("argv, message", [
    (("workload", "show", "lenet7"), "network must be a built-in network (lenet300, lenet5, "
                                     "alexnet, vgg16, resnet18, resnet50, mobilenet_v2,"),
    (("workload", "show", "resnet18", "--profile", "han2015"),
     "profile han2015 has data for (lenet300, lenet5, alexnet, vgg16). Got 'resnet18' instead."),
    (("workload", "show", "alexnet", "--profile", "nope"),
     "profile must be one of han2015, dense_act, nm_2_4, nm_4_8. Got 'nope' instead."),
    (("workload", "show", "missing.yaml"), "No such file or directory: missing.yaml"),
])
def test_errors_exit_2(run, argv, message):
    code, out, err = run(*argv)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_human_suffixes():
    """3 significant digits, SI suffixes: 34,848 -> 34.8k; 60,954,656 -> 61M; 999,600 -> 1M."""
    assert [human(v) for v in (260, 34_848, 307_200, 999_600, 60_954_656, 15_470_264_320)] == \
        ["260", "34.8k", "307k", "1M", "61M", "15.5G"]


def test_exact_macs_are_marked():
    import dataclasses
    from hwsim.workload import Network
    net = resolve_network("lenet300")
    fc3 = dataclasses.replace(net.layers[2], effective_macs=500)
    text = format_summary(summarize_network(Network("n", (*net.layers[:2], fc3))), "table")
    assert "500*" in text and "* exact effective MACs" in text
