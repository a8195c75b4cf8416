"""A light install (no torch, Dask, mlxtend, scikit-learn, pandas, onnx ...): the core commands
work and never try to import them; the commands that need an extra say which one in one line.

Each command runs in a fresh interpreter where every package outside the core's dependency
closure is absent (``light_env.py``: a sitecustomize on PYTHONPATH, inherited by a sweep's
worker processes), from a folder outside the repository, naming shipped accelerators.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from light_env import HEAVY, ROOT, run_light, write_environment

SPEC = """\
name: light
base: eie
objective: energy
workloads:
  - {workload: lenet300, profile: han2015}
grid:
  sparsity.fifo_depth: [4, 8]
"""


@pytest.fixture
def light(tmp_path):
    """Run ``hwsim ARGV`` light, from ``tmp_path/work``: (process, heavy imports tried)."""
    work = tmp_path / "work"
    work.mkdir()

    def run(*argv: str):
        proc, attempts = run_light(argv, tmp_path, work)
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc, sorted(set(attempts) & set(HEAVY))
    run.work = work
    return run


@pytest.mark.parametrize("argv", [
    ("estimate", "--arch", "eie", "--workload", "alexnet", "--profile", "han2015"),
    ("estimate", "--arch", "eie", "--workload", "alexnet", "--profile", "han2015",
     "--baseline-arch", "systolic_ws", "--format", "json"),
    ("simulate", "--arch", "eie", "--workload", "lenet300", "--profile", "han2015"),
    ("arch", "list"),
    ("arch", "show", "eyeriss"),
    ("workload", "show", "alexnet"),
], ids=lambda argv: " ".join(argv[:2]))
def test_core_commands_run_without_the_extras(light, argv):
    proc, heavy = light(*argv)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip()
    assert heavy == [], f"{' '.join(argv)} tried to import {heavy}"


def test_sweep_on_worker_processes_and_its_figures(light):
    (light.work / "spec.yaml").write_text(SPEC)
    proc, heavy = light("sweep", "spec.yaml", "--out", "out", "--engine", "process",
                        "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    assert heavy == []
    rows = (light.work / "out" / "results.csv").read_text().splitlines()
    assert len(rows) == 3  # header + 2 points
    assert (light.work / "out" / "pareto.png").stat().st_size > 0


def test_report_from_a_results_file(light, tmp_path):
    """The results document is built light too (hwsim.run.job without torch), then reported."""
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); "
            "from report_helpers import make_results; "
            "open('results.json', 'w').write(json.dumps(make_results()))")
    env = write_environment(tmp_path)
    subprocess.run([sys.executable, "-c", code, str(ROOT / "tests" / "report")],
                   cwd=light.work, env=env, check=True, timeout=300)
    proc, heavy = light("report", "results.json", "--out", "rep")
    assert proc.returncode == 0, proc.stderr
    assert heavy == []
    assert (light.work / "rep" / "report.html").is_file()
    assert json.loads((light.work / "rep" / "results.json").read_text())


@pytest.mark.parametrize("argv, package, extra", [
    (("prune", "--model", "lenet300", "--out", "p"), "torch", "torch"),
    (("run",), "torch", "torch"),
    (("prune", "--model", "lenet5", "--target-arch", "eyeriss", "--budget", "energy=0.3",
      "--out", "p"), "torch", "torch"),
], ids=["prune", "run", "prune-target-arch"])
def test_commands_that_need_torch_name_the_extra(light, argv, package, extra):
    proc, _ = light(*argv)
    assert proc.returncode == 2
    assert proc.stderr == (f"hwsim: error: hwsim {argv[0]} needs {package}, which is not "
                           f"installed: pip install 'hwsim[{extra}]'\n")


def test_sweep_on_dask_names_the_extra(light):
    (light.work / "spec.yaml").write_text(SPEC)
    proc, _ = light("sweep", "spec.yaml", "--out", "out", "--dask-local", "1", "--no-progress")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "hwsim: error: hwsim sweep needs distributed, which is not installed: "
        "pip install 'hwsim[dask]'"]


def test_the_blocker_blocks(light):
    """The light environment is real: torch cannot be imported in it."""
    code = "import torch"
    env = write_environment(light.work.parent)
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode != 0 and "No module named 'torch'" in proc.stderr
