"""``hwsim arch check`` / ``hwsim arch show`` through hwsim.cli.main (exit codes included)."""
import json
from pathlib import Path

import pytest

from hwsim import cli

ARCH_DIR = Path(__file__).resolve().parents[2] / "arch_configs"
EIE = str(ARCH_DIR / "eie.yaml")


@pytest.fixture
def run(monkeypatch, capsys):
    """Run the CLI with only the arch command registered; returns (code, out, err)."""
    monkeypatch.setattr(cli, "COMMANDS", ("arch",))

    def _run(*argv):
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err
    return _run


@pytest.fixture
def bad_file(tmp_path):
    text = (ARCH_DIR / "eie.yaml").read_text().replace("pe_count: 64", "pe_count: 65")
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    return str(path)


def test_check_valid_files(run):
    files = [str(p) for p in sorted(ARCH_DIR.glob("*.yaml"))]
    code, out, err = run("arch", "check", *files)
    assert code == 0 and err == ""
    assert out.splitlines() == [f"ok {f}" for f in files]


def test_check_invalid_file_exits_2_without_traceback(run, bad_file):
    code, out, err = run("arch", "check", bad_file)
    assert code == 2 and out == ""
    assert err.strip() == (f"{bad_file}: compute.pe_count must be 64 (compute.array_rows x "
                           "compute.array_cols = 1 x 64). Got 65 instead.")
    assert "Traceback" not in err


def test_check_reports_every_file(run, bad_file, tmp_path):
    other = tmp_path / "broken.yaml"
    other.write_text("name: [unclosed\n")
    code, out, err = run("arch", "check", bad_file, EIE, str(other), str(tmp_path / "nope.yaml"))
    assert code == 2
    assert out == f"ok {EIE}\n"
    lines = err.splitlines()
    assert lines[0].startswith(f"{bad_file}: compute.pe_count")
    assert lines[1].startswith(f"{other}: line 2, column 1 must be valid YAML")
    assert lines[2].startswith(f"{tmp_path / 'nope.yaml'}: <file> must be a readable file")


def test_show_text(run):
    code, out, err = run("arch", "show", EIE)
    assert code == 0 and err == ""
    assert out.startswith(f"eie  ({EIE})")
    for expected in ("dataflow: column_broadcast", "spmat", "128 KiB", "8 MiB",
                     "peak 64 MAC/cycle = 51.2 GMAC/s", "csc (value 4 b, index 4 b, pointer 16 b",
                     "FIFO depth: 8", "16-entry codebook", "energy table (energy per action):",
                     "SRAM: E = 3.802 pJ x (size/KiB)^0.4726"):
        assert expected in out, expected


def test_show_json(run):
    code, out, _ = run("arch", "show", EIE, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["name"] == "eie" and data["dataflow"] == "column_broadcast"
    assert [m["name"] for m in data["memories"]] == ["dram", "spmat", "ptr", "act_sram", "act_rf"]
    assert data["memories"][1]["operands"] == ["weights"]
    assert data["compute"]["mac_energy_pj"] == pytest.approx(0.67)
    assert data["sparsity"]["weight_format"]["format"] == "csc"
    assert data["peak_macs_per_cycle"] == 64
    assert {"component", "action", "energy_pj", "source"} <= set(data["energy_table"][0])


def test_show_invalid_file_exits_2(run, bad_file):
    code, out, err = run("arch", "show", bad_file)
    assert code == 2 and out == ""
    assert err.startswith(f"hwsim: error: {bad_file}: compute.pe_count must be 64")
