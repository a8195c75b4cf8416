"""The structure of an accelerator: everything but the numbers that enter the cost only as
count x number (:mod:`hwsim.cost.bulk`). Variants with equal structures share one mapping
search per layer.

Numbers (per variant): each level's ``width_bits``, ``read_energy_pj``, ``write_energy_pj``,
``bandwidth_bytes_per_cycle``, ``leakage_power_mw``, ``burst_bytes`` and row buffer (their
presence is structure), the ``size_bytes`` of single-instance levels without format
metadata; ``clock_hz``, ``mac_energy_pj`` and ``gated_mac_energy_fraction``. Everything
else is structure, listed from the dataclasses' fields, so a field added later counts as
structure until someone shows the cost reads it only as a number.

Example: systolic_ws.yaml with a 64 KiB or a 1 MiB filter SRAM, DDR4 or HBM2, 500 or 700 MHz:
one structure; a 16 x 16 instead of a 32 x 32 array: another.
"""
from __future__ import annotations

from dataclasses import fields, replace
from operator import attrgetter

from hwsim.arch.model import Accelerator, ComputeArray, MemoryLevel
from hwsim.cost.cache import CostCache
from hwsim.cost.layer import unsupported_reason
from hwsim.types import Dataflow, LayerKind
from hwsim.workload.layer import LayerWorkload

BULK_KINDS = (LayerKind.CONV2D, LayerKind.LINEAR, LayerKind.MATMUL)


def numeric_size(level) -> bool:
    """A level whose size is a per-variant number: one instance and no format metadata
    (per-PE register sizes choose the inner loop orders, so they are structure)."""
    return level.instances == 1 and not level.metadata_for


_LEVEL_NUMBERS = ("size_bytes", "width_bits", "read_energy_pj", "write_energy_pj",
                  "bandwidth_bytes_per_cycle", "leakage_power_mw", "burst_bytes",
                  "row_buffer_bytes", "row_activation_energy_pj", "source")
_LEVEL_REST = tuple(f.name for f in fields(MemoryLevel) if f.name not in _LEVEL_NUMBERS)
_COMPUTE_NUMBERS = ("clock_hz", "mac_energy_pj", "gated_mac_energy_fraction", "source")
_COMPUTE_REST = tuple(f.name for f in fields(ComputeArray) if f.name not in _COMPUTE_NUMBERS)
_ARCH_SKIPPED = ("name", "memories", "compute", "energy_table", "source_file",
                 "residency_source", "meta")
_ARCH_REST = tuple(f.name for f in fields(Accelerator) if f.name not in _ARCH_SKIPPED)
_level_rest, _compute_rest, _arch_rest = (attrgetter(*names) for names in
                                          (_LEVEL_REST, _COMPUTE_REST, _ARCH_REST))


def structure_signature(arch: Accelerator) -> tuple:
    """A hashable summary of everything in ``arch`` but its per-variant numbers (fields are
    listed from the dataclasses, so a field added later counts as structure)."""
    levels = tuple((_level_rest(l), 0 if numeric_size(l) else l.size_bytes,
                    bool(l.burst_bytes), bool(l.row_buffer_bytes and l.row_activation_energy_pj))
                   for l in arch.memories)
    return levels, _compute_rest(arch.compute), _arch_rest(arch)


def structure_key(arch: Accelerator, cache: CostCache | None = None
                  ) -> tuple[tuple, Accelerator] | None:
    """(:func:`structure_signature`, ``arch`` with its per-variant numbers zeroed: the
    module docstring), or None when the bulk path does not cover ``arch``; the zeroed
    accelerator is kept in ``cache`` by its signature."""
    if arch.gpu is not None or arch.fallback is not None or arch.row_stationary is not None \
            or arch.dataflow is Dataflow.COLUMN_BROADCAST:
        return None
    signature = structure_signature(arch)
    if cache is None:
        return signature, _zeroed(arch)
    return signature, cache.get("structure", signature, lambda: _zeroed(arch))


def _zeroed(arch: Accelerator) -> Accelerator:
    levels = tuple(replace(
        l, size_bytes=0 if numeric_size(l) else l.size_bytes, width_bits=0,
        read_energy_pj=0.0, write_energy_pj=0.0, bandwidth_bytes_per_cycle=0.0,
        leakage_power_mw=0.0, burst_bytes=int(bool(l.burst_bytes)),
        row_buffer_bytes=int(bool(l.row_buffer_bytes and l.row_activation_energy_pj)),
        row_activation_energy_pj=0.0, source="") for l in arch.memories)
    compute = replace(arch.compute, clock_hz=0.0, mac_energy_pj=0.0,
                      gated_mac_energy_fraction=0.0, source="")
    return replace(arch, name="", memories=levels, compute=compute, energy_table=(),
                   source_file=None, residency_source="", meta={})


def layer_covered(layer: LayerWorkload, key: Accelerator) -> bool:
    """True when the bulk path prices ``layer`` on the variants of ``key``."""
    return layer.kind in BULK_KINDS and unsupported_reason(layer, key) is None


__all__ = ["BULK_KINDS", "layer_covered", "numeric_size", "structure_key",
           "structure_signature"]
