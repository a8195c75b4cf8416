"""GPU latency and energy per layer: a roofline over tensor-core (or CUDA-core) math, HBM, L2
and shared memory, with kernel efficiencies and launch overhead as data, for the kernels GPUs
run (dense, 2:4 semi-structured, CSR, block sparse). See docs/GPU.md.

``estimate_gpu_layer(layer, arch)`` returns the same :class:`~hwsim.cost.records.LayerCost` as
the analytical model; :func:`hwsim.cost.layer.estimate_layer` dispatches here when the arch
file has a ``gpu:`` section.
"""
from hwsim.cost.gpu.kernels import Gemm, KernelWork, block_fraction, eligible_kernels, kernel_work
from hwsim.cost.gpu.layer import estimate_gpu_layer, gpu_unsupported_reason
from hwsim.cost.gpu.roofline import Roofline, roofline

__all__ = ["Gemm", "KernelWork", "Roofline", "block_fraction", "eligible_kernels",
           "estimate_gpu_layer", "gpu_unsupported_reason", "kernel_work", "roofline"]
