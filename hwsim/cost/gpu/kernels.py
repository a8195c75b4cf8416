"""Work and bytes of one layer under each GPU kernel: dense, 2:4, CSR, block sparse.

A layer is a GEMM per group (implicit GEMM for a conv): ``M = N*P*Q`` output rows, ``N_g = K/G``
output columns, reduction ``K_r = C_g*R*S``; A (M x K_r) is the activations, B (K_r x N_g) the
weights, ``b`` bytes per value at the GPU's precision. Tiles: threadblock ``tm x tn`` (how often
operands are re-read from L2), warp ``wm x wn`` (how often from shared memory).

* **dense** (cuBLAS-like): MACs = M*N_g*K_r*G on tensor cores; L2 reads the input tensor
  x ceil(N_g/tn) (implicit GEMM: a conv's R*S-fold im2col reuse happens in shared memory) and B
  x ceil(M/tm); shared memory reads MACs x b x (1/wn + 1/wm), with wm, wn capped at M, N_g.
* **semi_structured** (2:4, cuSPARSELt / ``to_sparse_semi_structured``): B stored as the kept
  half + 2 bits of metadata per kept value (:mod:`hwsim.formats.structured`); the same MACs at
  the sparse tensor-core rate (dense-equivalent, 2x dense); B's bytes shrink everywhere.
* **csr** (cuSPARSE-like SpMM on CUDA cores): per non-zero ``b`` value bytes + ``index_bits``,
  plus ``(K + 1) x pointer_bits``; MACs = nnz x M; every non-zero gathers its input column
  across the M rows from L2 (nnz x M x b bytes), no tensor cores, no shared-memory reuse.
* **block_sparse** (tensor-core GEMM over non-zero ``bs x bs`` blocks of the (K, K_r) matrix
  in (R, S, C) order): MACs, A reads and B bytes scale with the fraction of non-zero blocks;
  one 32-bit block index per kept block plus block-row pointers. Without a mask the fraction is
  the expectation under independent zeros: ``1 - (1 - d)**(bs*bs)``.

Worked example (dense GEMV: linear 4096 -> 4096 at batch 1, FP16, tiles 128/64): M = 1,
MACs = 16,777,216; weights 33,554,432 bytes read from HBM once and from L2 ceil(1/128) = 1
time; inputs 8,192 bytes, read from L2 ceil(4096/128) = 32 times = 262,144 bytes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from hwsim.arch.gpu import GpuSpec
from hwsim.arch.model import Accelerator
from hwsim.formats.structured import layer_n_m, reduction_matrix
from hwsim.types import GpuKernel
from hwsim.workload.layer import LayerWorkload

BLOCK_INDEX_BITS = 32  # column index of one kept block (as in BSR formats)


@dataclass(frozen=True)
class Gemm:
    """The GEMM view of a layer: ``m`` rows (N*P*Q), ``n`` columns (K/G), ``k`` reduction
    (C_g*R*S), ``groups``; e.g. linear 784 -> 300 at batch 4 is Gemm(4, 300, 784, 1)."""

    m: int
    n: int
    k: int
    groups: int

    @classmethod
    def of(cls, layer: LayerWorkload) -> "Gemm":
        b = layer.loop_bounds
        return cls(b["N"] * b["P"] * b["Q"], b["K"], b["C"] * b["R"] * b["S"], b["G"])

    @property
    def macs(self) -> int:
        return self.m * self.n * self.k * self.groups


@dataclass(frozen=True)
class KernelWork:
    """What one kernel does for one layer: MACs on a math ``unit`` (``tensor``,
    ``sparse_tensor`` or ``simt``; ``dense_equivalent_macs`` is what the unit's peak counts:
    for 2:4 the dense MACs, 2x the kept ones), stored weight bytes (values + metadata), and the bytes read
    per operand from HBM, L2 and shared memory (outputs are written once to L2 and HBM)."""

    kernel: GpuKernel
    unit: str
    macs: float
    dense_equivalent_macs: float
    weight_value_bytes: float
    weight_metadata_bytes: float
    input_bytes: float
    output_bytes: float
    l2_weight_bytes: float
    l2_input_bytes: float
    smem_weight_bytes: float
    smem_input_bytes: float
    note: str = ""

    @property
    def weight_bytes(self) -> float:
        return self.weight_value_bytes + self.weight_metadata_bytes


def eligible_kernels(layer: LayerWorkload, arch: Accelerator) -> tuple[GpuKernel, ...]:
    """Kernels of ``arch.gpu.kernels`` that can run ``layer``: dense always; 2:4 when the layer
    meets the arch's N:M pattern (mask checked exactly, else density); CSR and block sparse
    when the layer has zero weights."""
    out = []
    for kernel in arch.gpu.kernels:
        if kernel is GpuKernel.SEMI_STRUCTURED:
            ok = layer_n_m(layer, arch.sparsity.structured).applies
        elif kernel in (GpuKernel.CSR, GpuKernel.BLOCK_SPARSE):
            ok = layer.weight_nnz < layer.weight_count
        else:
            ok = True
        if ok:
            out.append(kernel)
    return tuple(out) or (GpuKernel.DENSE,)


def kernel_work(layer: LayerWorkload, arch: Accelerator, kernel: GpuKernel) -> KernelWork:
    """:class:`KernelWork` of ``layer`` under ``kernel`` (module docstring)."""
    gpu, gemm = arch.gpu, Gemm.of(layer)
    b = gpu.value_bits / 8
    io = (layer.input_count * b, layer.output_count * b)
    if kernel is GpuKernel.CSR:
        return _csr(layer, gpu, gemm, b, io)
    if kernel is GpuKernel.SEMI_STRUCTURED:
        s = arch.sparsity.structured
        kept = layer.weight_count * s.n / s.m
        work = _tiled(kernel, "sparse_tensor", gpu, gemm, b, io, 1.0,
                      kept * b, kept * s.metadata_bits / 8)
        return replace(work, macs=gemm.macs * s.n / s.m)
    if kernel is GpuKernel.BLOCK_SPARSE:
        frac = block_fraction(layer, gpu.block_size)
        blocks = frac * math.ceil(layer.matrix_shape[0] / gpu.block_size) * \
            math.ceil(layer.matrix_shape[1] / gpu.block_size)
        meta = (blocks * BLOCK_INDEX_BITS
                + (math.ceil(layer.matrix_shape[0] / gpu.block_size) + 1) * 32) / 8
        return _tiled(kernel, "tensor", gpu, gemm, b, io, frac, frac * layer.weight_count * b,
                      meta, note=f"{frac:.1%} of {gpu.block_size}x{gpu.block_size} blocks "
                      "non-zero")
    return _tiled(GpuKernel.DENSE, "tensor", gpu, gemm, b, io, 1.0, layer.weight_count * b, 0.0)


def _tiled(kernel, unit, gpu: GpuSpec, gemm: Gemm, b, io, frac, values, meta, note=""):
    """A tensor-core GEMM doing ``frac`` of the dense work, B stored as ``values + meta``."""
    tm, tn = gpu.threadblock_tile
    wm, wn = min(gpu.warp_tile[0], gemm.m), min(gpu.warp_tile[1], gemm.n)
    macs = gemm.macs * frac
    a_bytes = io[0] * frac  # implicit GEMM: the input tensor, not its im2col copy
    w_bytes = values + meta
    dense_w = gemm.n * gemm.k * gemm.groups * b
    w_share = w_bytes / dense_w if dense_w else 0.0  # B's stored bytes per dense byte
    return KernelWork(
        kernel, unit, macs, macs, values, meta, io[0], io[1],
        l2_weight_bytes=w_bytes * math.ceil(gemm.m / tm),
        l2_input_bytes=a_bytes * math.ceil(gemm.n / tn),
        smem_weight_bytes=gemm.macs * b * w_share / wm,
        smem_input_bytes=macs * b / wn, note=note)


def _csr(layer: LayerWorkload, gpu: GpuSpec, gemm: Gemm, b, io) -> KernelWork:
    nnz = layer.weight_nnz
    values = nnz * b
    meta = (nnz * gpu.csr_index_bits + (layer.matrix_shape[0] + 1) * gpu.csr_pointer_bits) / 8
    return KernelWork(GpuKernel.CSR, "simt", nnz * gemm.m, nnz * gemm.m, values, meta,
                      io[0], io[1],
                      l2_weight_bytes=values + meta, l2_input_bytes=nnz * gemm.m * b,
                      smem_weight_bytes=0.0, smem_input_bytes=0.0)


def block_fraction(layer: LayerWorkload, size: int) -> float:
    """Fraction of ``size x size`` blocks of the (K, C_g*R*S) matrix (in (R, S, C) order) that
    hold a non-zero: exact from the mask, else ``1 - (1 - d)**(size*size)``.

    Example: a 4 x 4 mask with only its top-left 2 x 2 block non-zero, size 2 -> 0.25.
    """
    if layer.weight_mask is None:
        d = layer.effective_weight_density
        return 1.0 - (1.0 - d) ** (size * size)
    mat = reduction_matrix(layer.weight_mask)
    rows, cols = mat.shape
    pad = np.zeros((math.ceil(rows / size) * size, math.ceil(cols / size) * size), bool)
    pad[:rows, :cols] = mat
    blocks = pad.reshape(pad.shape[0] // size, size, pad.shape[1] // size, size)
    return float(blocks.any(axis=(1, 3)).mean())
