"""``estimate_gpu_layer``: one layer on a GPU (an arch with a ``gpu:`` section) -> LayerCost.

Vector layers and act x act matmuls: :mod:`hwsim.cost.gpu.vector`. For weight layers, every
kernel of :func:`~hwsim.cost.gpu.kernels.eligible_kernels` is priced on the roofline
(:mod:`hwsim.cost.gpu.roofline`) and the fastest runs, as a deployment would pick it; the notes
name it and the alternatives' times. Energy is a table times counts: MACs x the precision's MAC
energy + each level's bytes x its energy per access (HBM, L2, shared memory) + leakage x time;
idle board power is left out (the measurement script subtracts it too).

Worked example (VGG-16 fc6, 25088 -> 4096, FP16, H100 SXM, batch 1, dense): 205.5 MB of weights
over 3,350 GB/s x 0.85 = 72.2 us, against 102.8 M MACs at 494.7 T MAC/s x 0.75 = 0.28 us:
HBM-bound; with 4 us of launch 76.2 us.
"""
from __future__ import annotations

from hwsim.arch.model import Accelerator
from hwsim.cost import energy as en
from hwsim.cost.gpu.kernels import KernelWork, eligible_kernels, kernel_work
from hwsim.cost.gpu.roofline import Roofline, hbm_bytes, roofline
from hwsim.cost.gpu.vector import (estimate_gpu_act_matmul, estimate_gpu_vector,
                                  gpu_vector_unsupported_reason)
from hwsim.cost.records import (LayerCost, LevelTraffic, RooflinePoint, WeightMemory,
                                pairs_from)
from hwsim.types import GpuKernel, LayerKind, Operand
from hwsim.workload.layer import LayerWorkload

GPU_KINDS = (LayerKind.CONV2D, LayerKind.LINEAR, LayerKind.MATMUL)
KERNEL_LABELS = {GpuKernel.DENSE: "dense", GpuKernel.SEMI_STRUCTURED: "2:4",
                 GpuKernel.CSR: "csr", GpuKernel.BLOCK_SPARSE: "block-sparse"}


def gpu_unsupported_reason(layer: LayerWorkload, arch: Accelerator | None = None
                           ) -> str | None:
    """Why the GPU model cannot price ``layer``, or None: weight GEMMs, act x act matmuls and
    vector layers (:mod:`hwsim.cost.gpu.vector`) are modelled."""
    if layer.kind is LayerKind.VECTOR and arch is not None:
        return gpu_vector_unsupported_reason(layer, arch)
    if layer.kind not in GPU_KINDS + (LayerKind.ACT_MATMUL, LayerKind.VECTOR):
        return f"the GPU model does not price {layer.kind} layers"
    return None


def estimate_gpu_layer(layer: LayerWorkload, arch: Accelerator, *,
                       weights_resident: bool | None = None) -> LayerCost:
    """The fastest eligible kernel's cost (module docstring). ``weights_resident`` True keeps
    the stored weights out of HBM (served from L2); GPUs are ``streamed`` by default."""
    reason = gpu_unsupported_reason(layer, arch)
    if reason:
        return LayerCost(name=layer.name, arch=arch.name, supported=False,
                         unsupported_reason=reason, batch=layer.batch,
                         macs_dense=layer.macs_dense, weight_count=layer.stored_weight_count,
                         weight_nnz=layer.weight_nnz if layer.kind.has_weights else 0,
                         clock_hz=arch.compute.clock_hz)
    if layer.kind is LayerKind.VECTOR:
        return estimate_gpu_vector(layer, arch, _cost)
    if layer.kind is LayerKind.ACT_MATMUL:
        return estimate_gpu_act_matmul(layer, arch, _cost)
    from_hbm = not weights_resident
    works = [kernel_work(layer, arch, k) for k in eligible_kernels(layer, arch)]
    priced = [(w, roofline(w, arch, from_hbm)) for w in works]
    work, line = min(priced, key=lambda p: p[1].latency_cycles)
    return _cost(layer, arch, work, line, from_hbm, _notes(layer, arch, work, priced))


GUESSED_NM_NOTE = ("2:4 assumed from the weight density alone (no mask to check; an "
                   "unstructured mask rarely meets 2:4 without re-pruning)")


def _notes(layer, arch: Accelerator, work: KernelWork, priced) -> tuple[str, ...]:
    """Which kernel ran and what the others would take; nothing when only dense was eligible."""
    if len(priced) == 1:
        return ()
    clock = arch.compute.clock_hz
    others = ", ".join(f"{KERNEL_LABELS[w.kernel]} {r.latency_cycles / clock * 1e6:.3g} µs"
                       for w, r in priced if w is not work)
    text = f"gpu kernel: {KERNEL_LABELS[work.kernel]}"
    text += f" ({work.note})" if work.note else ""
    guessed = work.kernel is GpuKernel.SEMI_STRUCTURED and not layer.has_mask
    return (text + f"; alternatives: {others}",) + ((GUESSED_NM_NOTE,) if guessed else ())


def _traffic(arch: Accelerator, work: KernelWork, from_hbm: bool) -> tuple[LevelTraffic, ...]:
    gpu = arch.gpu
    rows = (
        (arch.dram, Operand.WEIGHTS, work.weight_bytes if from_hbm else 0.0, 0.0),
        (arch.dram, Operand.INPUTS, work.input_bytes, 0.0),
        (arch.dram, Operand.OUTPUTS, 0.0, work.output_bytes),
        (arch.level(gpu.l2_level), Operand.WEIGHTS, work.l2_weight_bytes, 0.0),
        (arch.level(gpu.l2_level), Operand.INPUTS, work.l2_input_bytes, 0.0),
        (arch.level(gpu.l2_level), Operand.OUTPUTS, 0.0, work.output_bytes),
        (arch.level(gpu.smem_level), Operand.WEIGHTS, work.smem_weight_bytes, 0.0),
        (arch.level(gpu.smem_level), Operand.INPUTS, work.smem_input_bytes, 0.0),
    )
    return tuple(LevelTraffic(level=level.name, operand=op, reads=en.accesses(level, r),
                              writes=en.accesses(level, w), read_bytes=r, write_bytes=w,
                              energy_pj=float(en.level_energy_pj(level, r, w)), kind=level.kind)
                 for level, op, r, w in rows if r or w)


def _energy(arch, work, traffic, latency):
    comp: dict[str, float] = {}
    oper: dict[str, float] = {}
    for t in traffic:
        key = "dram" if t.level == arch.dram.name else t.level
        comp[key] = comp.get(key, 0.0) + t.energy_pj
        oper[str(t.operand)] = oper.get(str(t.operand), 0.0) + t.energy_pj
    mac = work.macs * arch.gpu.mac_energy_pj
    leak = float(en.leakage_energy_pj(arch, latency))
    comp.update({"mac": mac, "leakage": leak})
    oper.update({"mac": mac, "leakage": leak})
    return comp, oper


def _point(layer, arch, work, line: Roofline, from_hbm) -> RooflinePoint:
    gpu, clock = arch.gpu, arch.compute.clock_hz
    peak = {"tensor": gpu.dense_macs_per_cycle, "sparse_tensor": gpu.sparse_macs_per_cycle,
            "simt": gpu.simt_macs_per_cycle}[work.unit]
    return RooflinePoint(str(work.kernel), 2.0 * layer.macs_dense, hbm_bytes(work, from_hbm),
                         line.latency_cycles / clock, 2.0 * peak * clock,
                         arch.dram.total_bandwidth_bytes_per_cycle * clock)


def power_note(arch: Accelerator, energy_pj: float, latency_cycles: float) -> tuple[str, ...]:
    """A remark when the modelled power (energy / time, idle excluded) exceeds the board's
    ``tdp_w``: e.g. 80 mJ in 100 us = 800 W > 700 W, the GPU would throttle its clock."""
    tdp = arch.gpu.tdp_w
    seconds = latency_cycles / arch.compute.clock_hz
    watts = energy_pj * 1e-12 / seconds if seconds else 0.0
    if tdp is None or watts <= tdp:
        return ()
    return (f"modelled power {watts:.0f} W exceeds the {tdp:.0f} W TDP: the GPU would lower "
            "its clock, so this latency is optimistic",)


def _cost(layer, arch, work: KernelWork, line: Roofline, from_hbm, notes) -> LayerCost:
    traffic = _traffic(arch, work, from_hbm)
    comp, oper = _energy(arch, work, traffic, line.latency_cycles)
    notes = notes + power_note(arch, sum(comp.values()), line.latency_cycles)
    l2_size = arch.level(arch.gpu.l2_level).total_size_bytes
    dense_bytes = layer.weight_count * arch.gpu.value_bits / 8
    weights = WeightMemory(dense_bytes=dense_bytes, stored_bytes=work.weight_bytes,
                           metadata_bytes=work.weight_metadata_bytes,
                           value_bytes=work.weight_value_bytes,
                           exact=layer.has_mask or work.kernel in
                           (GpuKernel.DENSE, GpuKernel.SEMI_STRUCTURED), format=str(work.kernel))
    peak_macs = arch.gpu.dense_macs_per_cycle * line.latency_cycles
    return LayerCost(
        name=layer.name, arch=arch.name, batch=layer.batch, macs_dense=layer.macs_dense,
        macs_effective=work.macs, weight_count=layer.weight_count, weight_nnz=layer.weight_nnz,
        weights=weights, traffic=traffic, energy_pj=sum(comp.values()),
        energy_by_component=pairs_from(comp), energy_by_operand=pairs_from(oper),
        latency_cycles=line.latency_cycles, compute_cycles=line.term("compute"),
        transfer_cycles=tuple((n, c) for n, c in line.terms if n != "compute")
        + (("launch", line.launch_cycles),),
        bottleneck=line.bottleneck, clock_hz=arch.compute.clock_hz,
        compulsory_dram_bytes=hbm_bytes(work, from_hbm), weights_on_chip=not from_hbm,
        weights_fit_on_chip=work.weight_bytes <= l2_size,
        model_load_dram_bytes=0.0 if from_hbm else work.weight_bytes,
        peak_activation_bytes=work.input_bytes + work.output_bytes,
        utilization=work.dense_equivalent_macs / peak_macs if peak_macs else 0.0,
        notes=notes, roofline=_point(layer, arch, work, line, from_hbm))
