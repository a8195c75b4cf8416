"""hwsim: what pruning a neural network really buys on hardware.

Data flows one way: config -> arch -> workload/formats -> cost/sim -> report -> cli
(see docs/ARCHITECTURE.md). This package never imports torch.
"""
__version__ = "0.1.0"
