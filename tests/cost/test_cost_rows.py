"""Per-layer results flatten to a table: ``to_rows()`` on NetworkCost / NetworkComparison and
``hwsim estimate|simulate --format csv``, read back with the csv module (and pandas when it
is installed)."""
import csv
import io
import math
from pathlib import Path

import pytest

from hwsim import cli
from hwsim.arch import load_arch
from hwsim.cost import compare_network, estimate_network
from hwsim.cost.rows import flat_row
from hwsim.workload import resolve_network

ARCH = Path(__file__).resolve().parents[2] / "arch_configs"


def test_flat_row_worked_example():
    row = {"name": "fc1", "energy_pj": 2.0e5, "energy_breakdown_pj": {"dram": 1.5e5,
                                                                      "mac": 5.0e4},
           "notes": ["a", "b"], "traffic": [{"level": "dram"}]}
    assert flat_row(row) == {"name": "fc1", "energy_pj": 2.0e5, "energy_dram_pj": 1.5e5,
                             "energy_mac_pj": 5.0e4, "notes": "a; b"}


def test_network_cost_rows_are_flat_with_unit_named_keys():
    net = estimate_network(resolve_network("lenet300", profile="han2015"),
                           load_arch(ARCH / "eie.yaml"))
    rows = net.to_rows()
    assert [r["name"] for r in rows] == ["fc1", "fc2", "fc3", "total"]
    assert all(set(r) == set(rows[0]) for r in rows)
    assert all(not isinstance(v, (dict, list, tuple)) for r in rows for v in r.values())
    assert rows[-1]["energy_pj"] == pytest.approx(sum(r["energy_pj"] for r in rows[:-1]))
    parts = [k for k in rows[0] if k.startswith("energy_") and k.endswith("_pj")
             and not k.endswith("_operand_pj") and k != "energy_pj"]
    assert math.isclose(sum(rows[0][k] for k in parts), rows[0]["energy_pj"], rel_tol=1e-9)


def test_comparison_rows_carry_both_sides_and_the_attribution():
    cmp = compare_network(resolve_network("alexnet", profile="han2015"),
                          load_arch(ARCH / "eie.yaml"), load_arch(ARCH / "systolic_ws.yaml"))
    rows = cmp.to_rows()
    fc6 = rows[5]
    assert fc6["name"] == "fc6" and fc6["arch"] == "eie" and fc6["baseline_name"] == "fc6"
    assert fc6["pruning_energy_x"] == pytest.approx(fc6["dense_energy_pj"] / fc6["energy_pj"])
    assert fc6["combined_energy_x"] == pytest.approx(
        fc6["pruning_energy_x"] * fc6["accelerator_energy_x"])
    assert rows[0]["supported"] is False and rows[0]["pruning_energy_x"] is None
    assert rows[-1]["coverage"].startswith("partial: 3 of 8 layers")


@pytest.mark.parametrize("command", ["estimate", "simulate"])
def test_csv_reads_back_with_the_csv_module_and_pandas(command, capsys):
    argv = [command, "--arch", str(ARCH / "eie.yaml"), "--workload", "lenet300", "--profile",
            "han2015", "--format", "csv"]
    assert cli.main(argv) == 0
    text = capsys.readouterr().out
    rows = list(csv.DictReader(io.StringIO(text)))
    names = [r["name"] for r in rows]
    assert names[:3] == ["fc1", "fc2", "fc3"]
    assert float(rows[0]["energy_pj"]) > 0 and float(rows[0]["latency_cycles"]) > 0
    pandas = pytest.importorskip("pandas")
    frame = pandas.read_csv(io.StringIO(text))
    assert list(frame["name"][:3]) == ["fc1", "fc2", "fc3"]
    assert frame["energy_pj"].dtype.kind == "f"
