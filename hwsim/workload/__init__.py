"""Torch-free workload records: layer shapes, sparsity, built-in networks and profiles."""
from hwsim.workload.layer import LOOP_DIMS, LayerWorkload, Network

__all__ = ["LOOP_DIMS", "LayerWorkload", "Network"]
