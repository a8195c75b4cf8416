"""A GPU's roofline parameters in hwsim's internal units (MACs and bytes per cycle, cycles, pJ).

Built from a validated ``gpu:`` section by :func:`build_gpu` and attached to
:attr:`hwsim.arch.model.Accelerator.gpu`; :mod:`hwsim.cost.gpu` prices layers with it.

Worked example (H100 SXM, FP16, clock 1.83 GHz): ``dense_tops: 989.4`` -> 989.4e12 / 2 / 1.83e9
= 270,328 MACs per cycle (= 132 SMs x 4 tensor cores x 512 FP16 FMA per clock);
``sparse_tops: 1978.9`` -> 540,683 dense-equivalent MACs per cycle; ``launch_overhead_us: 4``
-> 4e-6 x 1.83e9 = 7,320 cycles.
"""
from __future__ import annotations

from dataclasses import dataclass

from hwsim.types import GPU_PRECISION_BITS, GpuKernel, GpuPrecision


@dataclass(frozen=True)
class GpuEfficiency:
    """Fraction of each peak a kernel attains (see :class:`hwsim.config.schema.GpuEfficiencyConfig`)."""

    dense_math: float = 1.0
    sparse_math: float = 1.0
    simt_math: float = 1.0
    hbm: float = 1.0
    l2: float = 1.0
    smem: float = 1.0
    source: str = ""


@dataclass(frozen=True)
class GpuSpec:
    """Everything the GPU roofline needs beyond the memory levels.

    Rates are peak MACs per cycle at ``precision``: ``dense_macs_per_cycle`` (tensor cores),
    ``sparse_macs_per_cycle`` (2:4, dense-equivalent: 2x dense; None: no sparse path),
    ``simt_macs_per_cycle`` (CUDA cores, for CSR; None: none given). Tiles are (m, n).
    """

    sms: int
    precision: GpuPrecision
    dense_macs_per_cycle: float
    sparse_macs_per_cycle: float | None
    simt_macs_per_cycle: float | None
    mac_energy_pj: float
    efficiency: GpuEfficiency
    launch_cycles: float
    threadblock_tile: tuple[int, int] = (128, 128)
    warp_tile: tuple[int, int] = (64, 64)
    kernels: tuple[GpuKernel, ...] = tuple(GpuKernel)
    block_size: int = 32
    csr_index_bits: int = 32
    csr_pointer_bits: int = 32
    l2_level: str = "l2"
    smem_level: str = "smem"
    tdp_w: float | None = None
    source: str = ""

    @property
    def value_bits(self) -> int:
        """Stored bits per value at ``precision`` (fp16 -> 16, tf32 -> 32)."""
        return GPU_PRECISION_BITS[self.precision]


def macs_per_cycle(tops: float, clock_hz: float) -> float:
    """Tera operations per second (1 MAC = 2 operations) -> MACs per cycle:
    312 TOPS at 1.41 GHz -> 312e12 / 2 / 1.41e9 = 110,638."""
    return tops * 1e12 / 2 / clock_hz


def build_gpu(cfg, clock_hz: float) -> GpuSpec | None:
    """A validated :class:`~hwsim.config.schema.GpuConfig` (or None) -> :class:`GpuSpec`."""
    if cfg is None:
        return None
    math = cfg.math[cfg.precision]
    simt = cfg.simt_tops.get(cfg.precision)
    eff = cfg.efficiency
    return GpuSpec(
        sms=cfg.sms, precision=cfg.precision,
        dense_macs_per_cycle=macs_per_cycle(math.dense_tops, clock_hz),
        sparse_macs_per_cycle=(macs_per_cycle(math.sparse_tops, clock_hz)
                               if math.sparse_tops is not None else None),
        simt_macs_per_cycle=macs_per_cycle(simt, clock_hz) if simt is not None else None,
        mac_energy_pj=math.mac_energy_pj,
        efficiency=GpuEfficiency(eff.dense_math, eff.sparse_math, eff.simt_math, eff.hbm,
                                 eff.l2, eff.smem, eff.source),
        launch_cycles=cfg.launch_overhead_us * 1e-6 * clock_hz,
        threadblock_tile=(cfg.threadblock_tile.m, cfg.threadblock_tile.n),
        warp_tile=(cfg.warp_tile.m, cfg.warp_tile.n), kernels=tuple(cfg.kernels),
        block_size=cfg.block_size, csr_index_bits=cfg.csr_index_bits,
        csr_pointer_bits=cfg.csr_pointer_bits, l2_level=cfg.l2_level,
        smem_level=cfg.smem_level, tdp_w=cfg.tdp_w, source=cfg.source)


def describe_gpu(gpu: GpuSpec, clock_hz: float) -> str:
    """Text block of ``hwsim arch show``: rates back in TOPS, efficiencies, launch, kernels.

    Example line: ``math fp16: dense 989.4 TOPS, 2:4 1979 TOPS, CUDA cores 133.8 TOPS``.
    """
    def tops(macs):
        return "-" if macs is None else f"{macs * 2 * clock_hz / 1e12:.4g} TOPS"
    eff = gpu.efficiency
    return "\n".join([
        f"gpu ({gpu.sms} SMs, roofline model, docs/GPU.md):",
        f"  math {gpu.precision}: dense {tops(gpu.dense_macs_per_cycle)}, 2:4 "
        f"{tops(gpu.sparse_macs_per_cycle)}, CUDA cores {tops(gpu.simt_macs_per_cycle)}; "
        f"MAC {gpu.mac_energy_pj:g} pJ",
        f"  efficiency: dense math {eff.dense_math:g}, 2:4 math {eff.sparse_math:g}, CUDA "
        f"cores {eff.simt_math:g}, HBM {eff.hbm:g}, L2 {eff.l2:g}, shared memory {eff.smem:g}",
        f"  launch {gpu.launch_cycles / clock_hz * 1e6:g} µs; tiles threadblock "
        f"{gpu.threadblock_tile[0]}x{gpu.threadblock_tile[1]}, warp "
        f"{gpu.warp_tile[0]}x{gpu.warp_tile[1]}; kernels "
        f"{', '.join(str(k) for k in gpu.kernels)}; L2 {gpu.l2_level}, shared memory "
        f"{gpu.smem_level}" + (f"; TDP {gpu.tdp_w:g} W" if gpu.tdp_w else ""),
        ""])
