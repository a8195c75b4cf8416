"""Helpers shared by the simulator tests: arch variants and masked layers."""
import dataclasses

import numpy as np

from hwsim.types import LayerKind
from hwsim.workload.layer import LayerWorkload


def with_fifo(arch, depth):
    return dataclasses.replace(arch, sparsity=dataclasses.replace(arch.sparsity,
                                                                  fifo_depth=depth))


def with_dram(arch, **changes):
    dram = dataclasses.replace(arch.dram, **changes)
    return dataclasses.replace(arch, memories=(dram,) + arch.memories[1:])


def masked_fc(rows=512, cols=1024, density=0.2, seed=1, input_density=1.0):
    mask = np.random.default_rng(seed).random((rows, cols)) < density
    return LayerWorkload("fc", LayerKind.LINEAR, cols, rows, input_density=input_density,
                         weight_mask=mask)
