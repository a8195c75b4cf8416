"""Accelerator domain objects (see :mod:`hwsim.arch.model`)."""
from hwsim.arch.model import (Accelerator, ComputeArray, EnergyEntry, FormatSpec, MemoryLevel,
                              SparsitySupport, StructuredSparsity, WeightSharing)

__all__ = ["Accelerator", "ComputeArray", "EnergyEntry", "FormatSpec", "MemoryLevel",
           "SparsitySupport", "StructuredSparsity", "WeightSharing"]
