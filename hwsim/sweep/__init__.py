"""Config sweeps: a base accelerator x overrides (grid or seeded random) x workloads, evaluated
in chunks in-process, on a local process pool or on a Dask cluster, resumable after a kill.

Entry points::

    plan = load_plan("arch_configs/sweeps/systolic_buffers.yaml")   # spec -> validated points
    result = run_sweep(plan, "runs/sweeps/buffers", EngineConfig("process"))
    write_outputs(result)          # results.csv, best.csv, pareto.png/svg, heatmap.png/svg

See docs/SWEEPS.md for the spec format and the results table.
"""
from hwsim.sweep.engines import ENGINES, EngineConfig, run_chunks
from hwsim.sweep.evaluate import EvalContext, evaluate_chunk
from hwsim.sweep.keys import apply_overrides, key_problems
from hwsim.sweep.plan import Axis, SweepPlan, SweepPoint, build_plan, load_plan
from hwsim.sweep.runner import SweepResult, run_sweep
from hwsim.sweep.spec import SweepSpec, load_sweep_spec, parse_sweep_spec
from hwsim.sweep.store import ResultStore, read_rows, write_csv


def write_outputs(result, top: int = 5, plots: bool = True):
    """Tables and figures of a finished sweep (see :mod:`hwsim.sweep.outputs`); matplotlib
    is imported only here, not by the evaluation path the workers load."""
    from hwsim.sweep.outputs import write_outputs as _write
    return _write(result, top=top, plots=plots)


__all__ = ["Axis", "ENGINES", "EngineConfig", "EvalContext", "ResultStore", "SweepPlan",
           "SweepPoint", "SweepResult", "SweepSpec", "apply_overrides", "build_plan",
           "evaluate_chunk", "key_problems", "load_plan", "load_sweep_spec", "parse_sweep_spec",
           "read_rows", "run_chunks", "run_sweep", "write_csv", "write_outputs"]
