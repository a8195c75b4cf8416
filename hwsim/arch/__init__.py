"""Accelerator domain objects (see :mod:`hwsim.arch.model`) and how to build them from YAML.

``load_arch(path)`` = ``build_accelerator(load_arch_config(path))``; ``arch_from_dict(data)``
does the same for a mapping (sweeps rebuild variants through it).
"""
from hwsim.arch.build import arch_from_dict, build_accelerator, bytes_per_cycle, load_arch
from hwsim.arch.model import (Accelerator, ComputeArray, EnergyEntry, FormatSpec, MemoryLevel,
                              SparsitySupport, StructuredSparsity, WeightSharing)

__all__ = ["Accelerator", "ComputeArray", "EnergyEntry", "FormatSpec", "MemoryLevel",
           "SparsitySupport", "StructuredSparsity", "WeightSharing", "arch_from_dict",
           "build_accelerator", "bytes_per_cycle", "load_arch"]
