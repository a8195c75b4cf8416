"""hwsim: what pruning a neural network really buys on hardware.

Data flows one way: config -> arch -> workload/formats -> cost/sim -> sweep -> report -> cli
(see docs/ARCHITECTURE.md). This package never imports torch.

The public Python API is :data:`__all__`; each name is imported on first use, so
``import hwsim`` stays light (no numpy, simpy, matplotlib or torch). Example::

    import hwsim
    arch = hwsim.load_arch("arch_configs/eie.yaml")
    net = hwsim.load_workload("alexnet", profile="han2015")
    cmp = hwsim.compare_network(net, arch)          # pruned vs dense on EIE
    rows = cmp.to_rows()                            # per layer, flat dicts (CSV, pandas)
    print(hwsim.report.units.energy_text(cmp.pruned.total.energy_pj))
"""
from importlib import import_module

__version__ = "0.1.0"

# public name -> (module, attribute in it)
_API = {
    # accelerators and configs
    "load_arch": ("hwsim.arch", "load_arch"),
    "load_arch_config": ("hwsim.config", "load_arch_config"),
    "Accelerator": ("hwsim.arch", "Accelerator"),
    # workloads
    "load_workload": ("hwsim.workload", "resolve_network"),
    "load_network": ("hwsim.workload", "load_network"),
    "save_network": ("hwsim.workload", "save_network"),
    "builtin_network": ("hwsim.workload", "builtin_network"),
    "list_builtin_networks": ("hwsim.workload", "list_builtin_networks"),
    "apply_profile": ("hwsim.workload", "apply_profile"),
    "summarize_network": ("hwsim.workload", "summarize_network"),
    "LayerWorkload": ("hwsim.workload", "LayerWorkload"),
    "Network": ("hwsim.workload", "Network"),
    # analytical model
    "estimate_layer": ("hwsim.cost", "estimate_layer"),
    "estimate_network": ("hwsim.cost", "estimate_network"),
    "compare_network": ("hwsim.cost", "compare_network"),
    "plan_residency": ("hwsim.cost", "plan_residency"),
    "EstimateOptions": ("hwsim.cost", "EstimateOptions"),
    "LayerCost": ("hwsim.cost", "LayerCost"),
    "NetworkCost": ("hwsim.cost", "NetworkCost"),
    "NetworkComparison": ("hwsim.cost", "NetworkComparison"),
    # event simulator
    "simulate": ("hwsim.sim", "simulate"),
    "simulate_layer": ("hwsim.sim", "simulate_layer"),
    "simulate_network": ("hwsim.sim", "simulate_network"),
    "SimOptions": ("hwsim.sim", "SimOptions"),
    # sweeps
    "load_plan": ("hwsim.sweep", "load_plan"),
    "run_sweep": ("hwsim.sweep", "run_sweep"),
    "EngineConfig": ("hwsim.sweep", "EngineConfig"),
    # reports
    "write_report": ("hwsim.report.build", "write_report"),
    "load_results": ("hwsim.report.results", "load_results"),
    "load_result_file": ("hwsim.report.inputs", "load_result_file"),
    # errors
    "HwsimError": ("hwsim.errors", "HwsimError"),
    "ConfigError": ("hwsim.errors", "ConfigError"),
    "Problem": ("hwsim.errors", "Problem"),
}
_SUBPACKAGES = ("arch", "config", "cost", "formats", "report", "sim", "sweep", "workload")

__all__ = sorted(_API) + ["__version__"]


def __getattr__(name: str):
    """Import a public name (or a subpackage: ``hwsim.report``) on first use."""
    if name in _API:
        module, attribute = _API[name]
        return getattr(import_module(module), attribute)
    if name in _SUBPACKAGES:
        return import_module(f"hwsim.{name}")
    raise AttributeError(f"module 'hwsim' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | set(_SUBPACKAGES))
