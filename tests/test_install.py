"""Packaging: a light core, extras with version ranges, the README's two commands and CI's
use of them, and the shipped accelerators inside a built wheel."""
from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")
Requirement = pytest.importorskip("packaging.requirements").Requirement

ROOT = Path(__file__).resolve().parents[1]
HEAVY = {"torch", "torchvision", "dask", "distributed", "mlxtend", "scikit-learn", "pandas",
         "onnx", "transformers", "scipy"}


def project() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as file:
        return tomllib.load(file)["project"]


def names(requirements) -> set[str]:
    return {Requirement(r).name.lower() for r in requirements}


def test_the_core_needs_none_of_the_heavy_packages():
    assert names(project()["dependencies"]) & HEAVY == set()


def test_extras_name_ranges_never_exact_pins():
    extras = project()["optional-dependencies"]
    for requirement in [*project()["dependencies"], *sum(extras.values(), [])]:
        spec = Requirement(requirement).specifier
        assert all(s.operator not in ("==", "===") for s in spec), requirement
    torch = next(Requirement(r) for r in extras["torch"] if r.startswith("torch"))
    assert torch.specifier and not torch.specifier.contains("1.13") and \
        torch.specifier.contains("2.13.0")
    assert {"torch", "mlxtend"} <= names(extras["torch"])
    assert "dask" in names(extras["dask"])


def test_the_test_extra_installs_every_extra():
    extras = project()["optional-dependencies"]
    own = [Requirement(r) for r in extras["test"] if Requirement(r).name == "hwsim"]
    assert own and set(own[0].extras) == set(extras) - {"test"}


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    section = section.split("\n### ", 1)[0]  # the two commands, before "### Install"
    return re.findall(r"```bash\n(.*?)\n```", section, flags=re.S)


def test_the_readme_quick_start_has_two_commands():
    main_job, tests = quick_start_commands()
    assert main_job.startswith("python3 -m venv .venv") and main_job.endswith("hwsim run")
    assert "'.[torch]'" in main_job and "-c .ci/constraints.txt" in main_job
    assert tests.startswith("python3 -m venv .venv") and tests.endswith("python -m pytest")
    assert "'.[test]'" in tests and "-c .ci/constraints.txt" in tests


def test_ci_runs_the_readme_test_command_verbatim():
    _, tests = quick_start_commands()
    assert tests in (ROOT / ".ci" / "run").read_text().splitlines()


def test_the_constraints_pin_the_cpu_torch_of_this_machine():
    lines = [line for line in (ROOT / ".ci" / "constraints.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines == ["torch==2.13.0"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """``pip wheel --no-deps .`` (setuptools from the local package index)."""
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(ROOT),
                           "-w", str(out)], capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        pytest.skip(f"pip wheel failed here: {proc.stderr[-300:]}")
    return next(out.glob("hwsim-*.whl"))


def test_the_wheel_ships_arch_configs_as_package_data(wheel):
    members = zipfile.ZipFile(wheel).namelist()
    shipped = {m.removeprefix("hwsim/arch_configs/") for m in members
               if m.startswith("hwsim/arch_configs/")}
    repo = {str(p.relative_to(ROOT / "arch_configs"))
            for p in (ROOT / "arch_configs").rglob("*.yaml")}
    assert shipped == repo
    assert not any(m.startswith("arch_configs/") for m in members)
    assert {"hwsim/data/energy_45nm.yaml", "pruning/schedules/han2015_lenet300.yaml"} <= \
        set(members)


def test_a_regular_install_finds_its_shipped_accelerators(wheel, tmp_path):
    """The wheel unpacked as site-packages (no source checkout beside it): ``eie`` loads from
    hwsim/arch_configs/, and a sweep spec shipped there finds its ``../eie.yaml``."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = ("import sys; from hwsim.config.loader import shipped_arch_dir; "
            "from hwsim.arch import load_arch; from hwsim.sweep.plan import load_plan; "
            "print(shipped_arch_dir()); print(load_arch('eie').name); "
            "print(len(load_plan(shipped_arch_dir() / 'sweeps' / 'eie_random.yaml').points))")
    proc = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, "
                           f"{str(site)!r}); sys.path.extend({sys.path[1:]!r}); {code}"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    folder, name, points = proc.stdout.split()
    assert folder == str(site / "hwsim" / "arch_configs")
    assert name == "eie" and int(points) == 200
