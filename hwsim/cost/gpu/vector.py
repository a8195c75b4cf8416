"""Vector layers and act x act matmuls on a GPU, on the same roofline as the weight GEMMs.

* **vector** (elementwise, activation, softmax, norm, reduction, pool, copy, gather): one
  kernel launch (PyTorch eager runs one kernel per op); the elements move once: HBM reads the
  inputs and writes the outputs (``b`` bytes per element at the GPU's precision), L2 passes the
  same bytes (read + write), no shared-memory tiling. The ops (output elements x
  ``ops_per_element``) run on the CUDA cores, one op per lane per cycle like an FMA:
  ``simt_macs_per_cycle x simt_math`` ops per cycle (the ``simt_tops`` row at the precision;
  a precision with no row leaves vector layers unsupported, with the reason). Energy: traffic + ops x the precision's
  ``mac_energy_pj`` (an op priced as one FMA: an upper bound for an add or a compare) +
  leakage. Latency = launch + max(compute, dram, l2) (:mod:`hwsim.cost.gpu.roofline`).
* **act_matmul** (attention scores ``Q K^T``, context ``P V``): a batched dense tensor-core
  GEMM (:func:`hwsim.cost.gpu.kernels.kernel_work`, kernel ``dense``) whose operand B is read
  from HBM every time (an activation: never resident, never pre-compressed for 2:4 / CSR);
  reported with no stored weights, B's traffic as inputs
  (:func:`hwsim.cost.vector.without_stored_weights`).
* a decoder's KV cache (``kv_cache`` layers with ``kv_bits``): operand B of the attention
  GEMMs (K, V) is read, and the append's outputs written, at ``kv_bits`` instead of the
  GPU's precision (HBM, L2 and shared-memory bytes of that operand scale by kv_bits / bits).

Worked example (``tests/cost/test_cost_gpu_vector.py``): a residual add of two 128 x 768
tensors at fp16 on H100 (launch 4 us): 196,608 elements read, 98,304 written -> HBM
(196,608 + 98,304) x 2 = 589,824 bytes; 98,304 ops.
"""
from __future__ import annotations

from hwsim.arch.model import Accelerator
from hwsim.cost.gpu.kernels import KernelWork, kernel_work
from hwsim.cost.gpu.roofline import roofline
from hwsim.cost.records import LayerCost, RooflinePoint, WeightMemory
from hwsim.types import GpuKernel, GpuPrecision, LayerKind
from hwsim.workload.layer import LayerWorkload


def simt_ops_per_cycle(arch: Accelerator) -> float | None:
    """Peak CUDA-core ops per cycle at the precision (None: ``simt_tops`` has no row)."""
    return arch.gpu.simt_macs_per_cycle


def kv_scale(layer: LayerWorkload, arch: Accelerator) -> float:
    """``kv_bits`` / the GPU's value bits for a KV-cache layer that gives them, else 1
    (e.g. an 8-bit cache on an fp16 H100: 0.5)."""
    if layer.kv_cache and layer.kv_bits is not None:
        return layer.kv_bits / arch.gpu.value_bits
    return 1.0


def vector_work(layer: LayerWorkload, arch: Accelerator) -> KernelWork:
    """The :class:`KernelWork` of a vector layer (module docstring): ``macs`` are its vector
    ops on the ``simt`` unit, no weights."""
    b = arch.gpu.value_bits / 8
    inputs, outputs = layer.input_count * b, layer.output_count * b * kv_scale(layer, arch)
    ops = layer.vector_ops
    return KernelWork(GpuKernel.DENSE, "simt", ops, ops, 0.0, 0.0, inputs, outputs,
                      l2_weight_bytes=0.0, l2_input_bytes=inputs, smem_weight_bytes=0.0,
                      smem_input_bytes=0.0, note=f"vector {layer.vector_op} on CUDA cores")


def estimate_gpu_vector(layer: LayerWorkload, arch: Accelerator, cost_of) -> LayerCost:
    """A vector layer's cost on the GPU (``cost_of``: :func:`hwsim.cost.gpu.layer._cost`)."""
    from dataclasses import replace
    work = vector_work(layer, arch)
    line = roofline(work, arch, True)
    note = (f"vector {layer.vector_op}: {work.macs:,.0f} ops on CUDA cores, one kernel "
            f"launch")
    cost = cost_of(layer, arch, work, line, True, (note,))
    gpu, clock = arch.gpu, arch.compute.clock_hz
    point = RooflinePoint("vector", work.macs, work.input_bytes + work.output_bytes,
                          line.latency_cycles / clock,
                          simt_ops_per_cycle(arch) * clock,
                          arch.dram.total_bandwidth_bytes_per_cycle * clock)
    by_comp = tuple(("vector" if k == "mac" else k, v) for k, v in cost.energy_by_component)
    by_oper = tuple(("vector" if k == "mac" else k, v) for k, v in cost.energy_by_operand)
    peak = simt_ops_per_cycle(arch) * line.latency_cycles
    return replace(cost, weight_count=0, weight_nnz=0, macs_dense=0, macs_effective=0.0,
                   weights=WeightMemory(), weights_fit_on_chip=False,
                   weights_on_chip=False, energy_by_component=by_comp,
                   energy_by_operand=by_oper, roofline=point,
                   utilization=work.macs / peak if peak else 0.0,
                   kv_cache_write_bytes=work.output_bytes if layer.kv_cache else 0.0)


def estimate_gpu_act_matmul(layer: LayerWorkload, arch: Accelerator, cost_of) -> LayerCost:
    """An act x act matmul on the GPU (module docstring)."""
    from hwsim.cost.vector import as_weighted_matmul, without_stored_weights
    from dataclasses import replace
    matmul = as_weighted_matmul(layer)
    work = kernel_work(matmul, arch, GpuKernel.DENSE)
    scale = kv_scale(layer, arch)
    if scale != 1.0:                       # operand B (the KV cache) at kv_bits
        work = replace(work, weight_value_bytes=work.weight_value_bytes * scale,
                       l2_weight_bytes=work.l2_weight_bytes * scale,
                       smem_weight_bytes=work.smem_weight_bytes * scale)
    line = roofline(work, arch, True)
    cost = cost_of(matmul, arch, work, line, True, ("gpu kernel: dense batched GEMM (operand "
                                                    "B is an activation, read from HBM)",))
    return without_stored_weights(cost, layer)   # the layer's batch; KV-cache reads (HBM)


def gpu_vector_unsupported_reason(layer: LayerWorkload, arch: Accelerator) -> str | None:
    """Why a vector layer cannot be priced on this GPU, or None."""
    if layer.kind is LayerKind.VECTOR and simt_ops_per_cycle(arch) is None:
        return (f"vector layer: no CUDA-core rate (gpu.simt_tops) at precision "
                f"{GpuPrecision(arch.gpu.precision)}")
    return None


__all__ = ["estimate_gpu_act_matmul", "estimate_gpu_vector", "gpu_vector_unsupported_reason",
           "kv_scale", "vector_work"]
