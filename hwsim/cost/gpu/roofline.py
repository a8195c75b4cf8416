"""The roofline of one GPU kernel: time of each resource, the slowest one, the launch overhead.

Each term is work / (peak rate x efficiency), in cycles at the GPU clock:

* ``compute``: MACs / (MACs per cycle of the kernel's unit x its math efficiency);
* ``dram`` (HBM): (stored weights + inputs + outputs) / (HBM bytes per cycle x hbm efficiency);
* ``l2``: (weight and input tile reads + output writes) / (L2 bytes per cycle x l2 efficiency);
* ``smem``: operand reads of the warp tiles / (all SMs' shared-memory bytes per cycle x smem
  efficiency).

Latency = launch overhead + the largest term (kernels overlap their loads with math); the
bottleneck is that term's name, or ``launch`` when the overhead alone is longer.

Worked example (the test's hand case): a GEMV, 33,554,432 weight bytes + 8,192 in + 8,192 out
over an HBM of 1,000 bytes per cycle at efficiency 1 -> dram = 33,570,816 / 1,000 = 33,570.8
cycles; 16,777,216 MACs at 100,000 MACs per cycle -> compute = 167.8 cycles: HBM-bound, and
with no launch overhead latency = bytes / bandwidth.
"""
from __future__ import annotations

from dataclasses import dataclass

from hwsim.arch.model import Accelerator
from hwsim.cost.gpu.kernels import KernelWork


@dataclass(frozen=True)
class Roofline:
    """Cycles per resource (``terms``: compute, dram, l2, smem), launch, total, bottleneck."""

    terms: tuple[tuple[str, float], ...]
    launch_cycles: float
    latency_cycles: float
    bottleneck: str

    def term(self, name: str) -> float:
        return dict(self.terms)[name]


def unit_macs_per_cycle(arch: Accelerator, unit: str) -> float:
    """Attainable MACs per cycle of a math unit: peak x efficiency (``sparse_tensor`` in
    dense-equivalent MACs, i.e. 2x dense for 2:4)."""
    gpu = arch.gpu
    eff = gpu.efficiency
    if unit == "sparse_tensor":
        return gpu.sparse_macs_per_cycle * eff.sparse_math
    if unit == "simt":
        return gpu.simt_macs_per_cycle * eff.simt_math
    return gpu.dense_macs_per_cycle * eff.dense_math


def hbm_bytes(work: KernelWork, weights_from_hbm: bool = True) -> float:
    """Bytes the kernel moves to or from HBM: stored weights (unless on chip), inputs, outputs."""
    return (work.weight_bytes if weights_from_hbm else 0.0) + work.input_bytes + \
        work.output_bytes


def roofline(work: KernelWork, arch: Accelerator, weights_from_hbm: bool = True) -> Roofline:
    """The :class:`Roofline` of ``work`` on ``arch`` (module docstring)."""
    gpu = arch.gpu
    eff = gpu.efficiency
    l2, smem = arch.level(gpu.l2_level), arch.level(gpu.smem_level)
    terms = (
        ("compute", work.dense_equivalent_macs / unit_macs_per_cycle(arch, work.unit)),
        ("dram", hbm_bytes(work, weights_from_hbm)
         / (arch.dram.total_bandwidth_bytes_per_cycle * eff.hbm)),
        ("l2", (work.l2_weight_bytes + work.l2_input_bytes + work.output_bytes)
         / (l2.total_bandwidth_bytes_per_cycle * eff.l2)),
        ("smem", (work.smem_weight_bytes + work.smem_input_bytes)
         / (smem.total_bandwidth_bytes_per_cycle * eff.smem)),
    )
    slowest = max(terms, key=lambda t: t[1])
    bottleneck = "launch" if gpu.launch_cycles > slowest[1] else slowest[0]
    return Roofline(terms, gpu.launch_cycles, gpu.launch_cycles + slowest[1], bottleneck)
