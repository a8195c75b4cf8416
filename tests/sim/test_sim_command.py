"""``hwsim simulate``: formats, trace and timeline files, errors as exit code 2."""
import argparse
import csv
import io
import json

import pytest

from hwsim.commands import simulate as command
from hwsim.errors import HwsimError

FC2 = ["--arch", "arch_configs/eie.yaml", "--workload", "lenet5", "--profile", "han2015"]


def main(argv):
    """The subcommand as hwsim.cli runs it: HwsimError -> exit code 2."""
    parser = argparse.ArgumentParser(prog="hwsim")
    command.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["simulate", *argv])
    try:
        return int(args.func(args) or 0)
    except HwsimError as exc:
        print(f"hwsim: error: {exc}")
        return 2


def test_json_rows_have_the_estimate_fields(capsys):
    assert main(FC2 + ["--layer", "fc2", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    row = data["layers"][0]
    for key in ("name", "model", "energy_pj", "latency_cycles", "dram_read_bytes", "traffic",
                "energy_breakdown_pj", "imbalance", "mapping", "bottleneck"):
        assert key in row
    assert row["model"] == "simulator" and data["model"] == "simulator"
    assert row["analytical"]["latency_cycles"] > 0
    assert row["simulation"]["engine"] == "broadcast"
    assert row["comparison"]["rows"][0]["quantity"] == "latency_cycles"
    assert data["total"]["latency_cycles"] == row["latency_cycles"]


def test_table_lists_unsupported_layers_and_causes(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert main(FC2 + ["--fifo-depth", "2"]) == 0
    out = capsys.readouterr().out
    assert "unsupported" in out.split("conv1", 1)[1].splitlines()[0] and "fc1" in out
    assert "where the models differ" in out
    assert max(len(line) for line in out.splitlines()) <= 80


@pytest.mark.parametrize("fmt", ["csv", "md"])
def test_csv_and_markdown(capsys, fmt):
    assert main(FC2 + ["--layer", "fc1", "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert rows[0]["name"] == "fc1" and float(rows[0]["latency_cycles"]) > 0
    else:
        assert out.startswith("| layer |") and "| fc1 |" in out


def test_trace_and_timeline_files(tmp_path, capsys):
    trace, png = tmp_path / "t.csv", tmp_path / "t.png"
    assert main(FC2 + ["--layer", "fc2", "--trace", str(trace), "--timeline", str(png)]) == 0
    rows = list(csv.DictReader(trace.open()))
    assert rows[0].keys() == {"cycle", "component", "state", "item"}
    assert {"bcast", "pe0"} <= {r["component"] for r in rows}
    assert png.stat().st_size > 1000


def test_trace_of_several_layers_has_a_layer_column(tmp_path, capsys):
    trace = tmp_path / "t.csv"
    assert main(FC2 + ["--trace", str(trace)]) == 0
    rows = list(csv.DictReader(trace.open()))
    assert {r["layer"] for r in rows} == {"fc1", "fc2"}


@pytest.mark.parametrize("extra, message", [
    (["--layer", "conv1"], "column_broadcast"),
    (["--layer", "nope"], "layer must be one of"),
    (["--fifo-depth", "0"], "argument --fifo-depth: must be an integer from 1 to 65,536"),
])
def test_bad_input_exits_2(capsys, extra, message):
    try:
        code = main(FC2 + extra)
    except SystemExit as exc:  # argparse refuses a bad option value by name
        code = exc.code
    assert code == 2
    captured = capsys.readouterr()
    assert message in captured.out + captured.err


def test_through_hwsim_cli_with_an_overridden_fifo_depth(capsys, monkeypatch):
    """The real entry point; the analytical side of the comparison uses the same depth."""
    from hwsim import cli
    monkeypatch.setattr(cli, "COMMANDS", ("simulate",))
    hwsim_main = cli.main
    assert hwsim_main(["simulate", *FC2, "--layer", "fc1", "--fifo-depth", "1",
                       "--format", "json"]) == 0
    row = json.loads(capsys.readouterr().out)["layers"][0]
    assert row["simulation"]["fifo_depth"] == 1
    assert "fifo depth 1" in row["imbalance"]["bound"]
    assert "depth 1" in json.dumps(row["comparison"])
    with pytest.raises(SystemExit) as exit_:
        hwsim_main(["simulate", *FC2, "--fifo-depth", "0"])
    assert exit_.value.code == 2
