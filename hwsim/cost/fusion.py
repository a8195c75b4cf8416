"""Activations applied in a MAC layer's output path (fused) instead of as vector layers.

An elementwise activation whose only input is a MAC layer's output, read by nothing else
(``LayerWorkload.producer`` names that layer, set by the export), is applied by an accelerator
that lists the function in ``compute.output_activations`` on the results as they leave the
accumulators: EIE's PE applies ReLU to its destination activations before the leading
non-zero detection (EIE, ISCA 2016, Sec. III and Fig. 4), a TPU's activation unit sits after
the accumulators (Jouppi et al., ISCA 2017, Sec. 2), cuBLASLt and cuDNN run ReLU / GELU as a
GEMM / convolution epilogue. The producer's row already moves the activated result (its
``output_density`` is measured after the activation), so the fused row has no traffic and no
cycles of its own (the activation is pipelined with the output writes); its energy is its ops
(output elements x ``ops_per_element``) x the vector unit's op energy, or a GPU's MAC energy,
and nothing on an accelerator with neither (EIE: a compare and select per output, below the
energy table's smallest entry; the old Conv2d/Linear-only export priced nothing either).

Worked example: a ReLU over 300 outputs fused on the systolic array (vector op 0.1 pJ):
300 x 1 x 0.1 = 30 pJ, 0 cycles; on EIE: 0 pJ, 0 cycles.

The rule needs the producer to run on the same accelerator: where it is unsupported there
(or runs on the fallback), the activation is priced as the vector layer it is
(:func:`unfuse_orphans`).

LeNet-300 on EIE: ``fc1``, ``fc1.relu`` (fused: 0 pJ, 0 cycles), ``fc2``, ...; the
same network on an accelerator with no ``output_activations`` and no vector unit leaves the
two ReLUs unsupported (or on its fallback).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Sequence

from hwsim.arch.model import Accelerator
from hwsim.cost.records import LayerCost
from hwsim.types import LayerKind
from hwsim.workload.layer import LayerWorkload


def fused_producer(layer: LayerWorkload, arch: Accelerator) -> str | None:
    """The layer whose output path applies ``layer`` on ``arch``, or None (module docstring)."""
    if layer.kind is not LayerKind.VECTOR or layer.producer is None:
        return None
    return layer.producer if layer.activation in arch.output_activations else None


def output_op_energy_pj(arch: Accelerator) -> float | None:
    """Energy of one activation op in the output path: the vector unit's op energy, a GPU's
    MAC energy at its precision (the epilogue runs on the CUDA cores), else None."""
    if arch.vector is not None:
        return arch.vector.op_energy_pj
    if arch.gpu is not None:
        return arch.gpu.mac_energy_pj
    return None


def fused_cost(layer: LayerWorkload, arch: Accelerator, model: str = "analytical") -> LayerCost:
    """The row of an activation applied in its producer's output path (module docstring):
    supported, no traffic, no cycles; ops x :func:`output_op_energy_pj` where defined."""
    per_op = output_op_energy_pj(arch)
    energy = layer.vector_ops * per_op if per_op is not None else 0.0
    priced = (f"{layer.vector_ops:,.0f} ops x {per_op:.3g} pJ" if per_op is not None
              else "its compare-and-select is not priced (no vector-op energy in the arch)")
    return LayerCost(name=layer.name, arch=arch.name, batch=layer.batch,
                     clock_hz=arch.compute.clock_hz,
                     model=model, bottleneck="fused", energy_pj=energy,
                     energy_by_component=(("vector", energy),),
                     energy_by_operand=(("vector", energy),),
                     notes=(f"{layer.activation} applied in {layer.producer}'s output path "
                            f"(compute.output_activations of {arch.name}): no traffic or "
                            f"cycles of its own; {priced}",))


def unfuse_orphans(layers: Sequence[LayerWorkload], costs: list, arch: Accelerator,
                   price: Callable[[int, LayerWorkload], object]) -> list:
    """``costs`` with each fused row whose producer is not run by ``arch`` itself (absent from
    the layers, or unsupported) priced again by ``price(i, layer without producer)``."""
    supported = {l.name for l, c in zip(layers, costs) if _supported(c)
                 and fused_producer(l, arch) is None}
    out = list(costs)
    for i, layer in enumerate(layers):
        producer = fused_producer(layer, arch)
        if producer is not None and producer not in supported:
            out[i] = price(i, replace(layer, producer=None))
    return out


def _supported(cost) -> bool:
    inner = getattr(cost, "cost", cost)  # a simulator SimResult or a LayerCost
    return bool(inner.supported)


__all__ = ["fused_cost", "fused_producer", "output_op_energy_pj", "unfuse_orphans"]
