"""Cross-field rules of a ``gpu:`` section (run from :func:`hwsim.config.checks.semantic_problems`).

Each rule yields :class:`~hwsim.errors.Problem`s with dotted paths and skips what it cannot judge
(a part that failed validation on its own is None). Example::

    gpu.precision must be one of ['fp16', 'tf32'] (the precisions listed in gpu.math).
    Got 'fp8' instead.
"""
from __future__ import annotations

from typing import Iterator

from hwsim.config.problems import NOTHING
from hwsim.errors import Problem
from hwsim.types import GPU_PRECISION_BITS, GpuKernel


def gpu_problems(parts) -> Iterator[Problem]:
    """Every problem of ``parts.gpu`` against the rest of the file (``parts``: ConfigParts)."""
    gpu = parts.gpu
    if gpu is None:
        return
    yield from _precision(gpu, parts.compute)
    yield from _levels(gpu, parts)
    yield from _kernels(gpu, parts.sparsity)


def _precision(gpu, compute) -> Iterator[Problem]:
    """The precision has a math rate, and its storage bits are the compute section's."""
    if gpu.precision not in gpu.math:
        yield Problem("gpu.precision", f"must be one of {sorted(str(p) for p in gpu.math)} "
                      "(the precisions listed in gpu.math)", str(gpu.precision))
    if compute is None:
        return
    bits = GPU_PRECISION_BITS[gpu.precision]
    for name in ("weight_bits", "activation_bits"):
        if getattr(compute, name) != bits:
            yield Problem(f"compute.{name}", f"must be {bits} (gpu.precision "
                          f"{gpu.precision} stores {bits}-bit values)", getattr(compute, name))


def _levels(gpu, parts) -> Iterator[Problem]:
    """``l2_level`` and ``smem_level`` name on-chip levels of ``memories``."""
    kinds = {name: kind for name, _, kind in parts.levels}
    on_chip = sorted(name for name, kind in kinds.items() if kind in ("sram", "regfile"))
    for field in ("l2_level", "smem_level"):
        name = getattr(gpu, field)
        if kinds.get(name) not in ("sram", "regfile"):
            yield Problem(f"gpu.{field}", f"must name an on-chip level of memories "
                          f"({', '.join(on_chip) or 'none'})", name)


def _kernels(gpu, sparsity) -> Iterator[Problem]:
    """2:4 needs a sparse rate and ``sparsity.structured``; CSR needs a CUDA-core rate."""
    kernels = set(gpu.kernels)
    math = gpu.math.get(gpu.precision)
    if GpuKernel.SEMI_STRUCTURED in kernels:
        if math is not None and math.sparse_tops is None:
            yield Problem(f"gpu.math.{gpu.precision}.sparse_tops", "must be given when "
                          "gpu.kernels lists semi_structured", NOTHING)
        if sparsity is not None and sparsity.structured is None:
            yield Problem("sparsity.structured", "must be given (e.g. {n: 2, m: 4}) when "
                          "gpu.kernels lists semi_structured", NOTHING)
    if GpuKernel.CSR in kernels and gpu.precision not in gpu.simt_tops:
        yield Problem("gpu.simt_tops", f"must give a rate for {gpu.precision} when gpu.kernels "
                      "lists csr (CSR kernels run on CUDA cores)",
                      {str(k): v for k, v in gpu.simt_tops.items()} or NOTHING)
