"""The public Python API (``hwsim.__all__``): every name resolves, ``import hwsim`` stays light
(no torch, numpy, simpy or matplotlib until a name is used), and the docstring's example runs."""
import subprocess
import sys
from pathlib import Path

import hwsim

ROOT = Path(__file__).resolve().parents[1]


def test_every_public_name_resolves():
    assert "load_arch" in hwsim.__all__ and "compare_network" in hwsim.__all__
    for name in hwsim.__all__:
        assert getattr(hwsim, name) is not None, name
    assert hwsim.load_workload.__name__ == "resolve_network"
    assert set(hwsim.__all__) <= set(dir(hwsim))


def test_import_is_light():
    code = ("import sys, hwsim; hwsim.report.units.energy_text(1.0); heavy = [m for m in "
            "('torch', 'numpy', 'simpy', 'matplotlib', 'pandas', 'dask') if m in sys.modules]; "
            "print(','.join(heavy))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == ""


def test_unknown_name_is_an_attribute_error():
    try:
        hwsim.no_such_function
    except AttributeError as exc:
        assert "no_such_function" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_docstring_example():
    arch = hwsim.load_arch(ROOT / "arch_configs" / "eie.yaml")
    net = hwsim.load_workload("lenet300", profile="han2015")
    cmp = hwsim.compare_network(net, arch)
    rows = cmp.to_rows()
    assert rows[-1]["name"] == "total"
    assert hwsim.report.units.energy_text(cmp.pruned.total.energy_pj).endswith("J")
