"""hwsim: what pruning a neural network really buys on hardware.

Data flows one way: config -> arch -> workload/formats -> cost/sim -> report -> cli
(see docs/ARCHITECTURE.md). This package never imports torch.
"""
__version__ = "0.1.0"

_COST_EXPORTS = ("estimate_layer", "estimate_network", "compare_network")


def __getattr__(name: str):
    """Lazy top-level API: ``hwsim.estimate_network(workload, arch)`` and
    ``hwsim.estimate_layer(layer, arch)`` (imported on first use; see :mod:`hwsim.cost`)."""
    if name in _COST_EXPORTS:
        import hwsim.cost as cost
        return getattr(cost, name)
    raise AttributeError(f"module 'hwsim' has no attribute {name!r}")
