"""Wavefront fold pipelining (compute.weight_wavefront, hwsim.cost.systolic) and separate
read / write ports (memory ``ports: separate``, hwsim.cost.energy), hand-worked."""
import dataclasses

import pytest

from hwsim.arch import load_arch
from hwsim.arch.model import MemoryLevel
from hwsim.cost import energy as en
from hwsim.cost.structure import structure_signature
from hwsim.cost.systolic import (GemmView, double_buffered_cycles, systolic_cycles,
                                 wavefront_cycles)
from hwsim.types import Dataflow, MemoryKind, Operand

WS = Dataflow.WEIGHT_STATIONARY


def test_wavefront_folds_on_a_2x2_array():
    """2x2 ws array, CRS 6, K 2, NPQ 3: 3 folds of T = 3. Plain 3 x (2*2 + 2 + 3 - 2) = 21;
    double buffered 2 + 3 x (2 + 2 + 3 - 2) = 17; wavefront: fill 2, then each fold streams
    max(T, fill) = max(3, 2) = 3 cycles back to back, skew + drain 2 + 2 - 2 = 2 once:
    2 + 3*3 + 2 = 13 cycles."""
    gemm = GemmView(crs=6, npq=3, k=2)
    wave = systolic_cycles(WS, 2, 2, gemm, weight_double_buffer=True, weight_wavefront=True)
    assert (wave.folds, wave.cycles_per_fold, wave.cycles) == (3, 3, 13)
    assert wavefront_cycles(2, 2, 3, 3) == 13 and wavefront_cycles(2, 2, 3, 0) == 0
    assert systolic_cycles(WS, 2, 2, gemm, True).cycles == 17


def test_one_fold_is_the_double_buffered_fold():
    """One fold has nothing to overlap: 2 + 3 + 2 = 7 = 2 + (2 + 2 + 3 - 2)."""
    assert wavefront_cycles(2, 2, 3, 1) == double_buffered_cycles(2, 2, 3, 1) == 7


def test_short_stream_is_bound_by_the_weight_shift_in():
    """Batch-1 decode, q_proj on 32x32 (T = 1, 16,384 folds): each fold waits for the next
    tile's 32-cycle shift-in: 32 + 16,384 x max(1, 32) + 32 + 32 - 2 = 524,382 cycles
    (double buffered 32 + 16,384 x 63 = 1,032,224)."""
    gemm = GemmView(crs=4096, npq=1, k=4096)
    assert systolic_cycles(WS, 32, 32, gemm, True, True).cycles == 524_382


def test_wavefront_needs_double_buffering():
    with pytest.raises(ValueError, match="double buffering"):
        systolic_cycles(WS, 2, 2, GemmView(crs=6, npq=3, k=2), weight_wavefront=True)


def _level(ports):
    return MemoryLevel(name="fifo", kind=MemoryKind.SRAM, size_bytes=1024, instances=1,
                       width_bits=256, read_energy_pj=8.0, write_energy_pj=8.0,
                       bandwidth_bytes_per_cycle=32.0, operands=frozenset({Operand.WEIGHTS}),
                       ports=ports)


def test_separate_ports_take_the_larger_direction():
    """300 bytes read, 100 written at 32 bytes/cycle: shared (300 + 100) / 32 = 12.5
    cycles, separate max(300, 100) / 32 = 9.375; energy 400 / 32 x 8 = 100 pJ either way."""
    shared, separate = _level("shared"), _level("separate")
    assert en.level_transfer_cycles(shared, 300.0, 100.0) == 12.5
    assert en.level_transfer_cycles(separate, 300.0, 100.0) == 9.375
    assert en.level_energy_pj(separate, 300.0, 100.0) == \
        en.level_energy_pj(shared, 300.0, 100.0) == 100.0
    assert MemoryLevel.__dataclass_fields__["ports"].default == "shared"
    assert dataclasses.replace(shared, ports="separate") == separate


def test_ports_are_structure_for_the_sweep_bulk_path():
    """The bulk path groups variants by structure; a level's ``ports`` changes how its bytes
    become time, so shared and separate variants must not share a group."""
    separate = load_arch("arch_configs/systolic_ws.yaml")  # filter_sram: separate
    shared = dataclasses.replace(separate, memories=tuple(
        dataclasses.replace(l, ports="shared") for l in separate.memories))
    assert structure_signature(separate) != structure_signature(shared)
