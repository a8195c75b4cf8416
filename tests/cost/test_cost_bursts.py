"""Whole DRAM bursts: contiguous runs of a tile (traffic.burst_factor) and their energy."""
import numpy as np
import pytest

from hwsim.arch.model import MemoryLevel
from hwsim.cost.layer import estimate_layer
from hwsim.cost.nest import LoopBounds, build_nest
from hwsim.cost.traffic import burst_factor
from hwsim.types import LayerKind, MemoryKind, Operand
from hwsim.workload.layer import LayerWorkload

from cost_helpers import ALL, sram, tiny_arch

FC = LayerWorkload("fc", LayerKind.LINEAR, 4, 4)


def burst_dram(burst: int) -> MemoryLevel:
    """The helpers' DRAM (32-bit accesses at 400 pJ = 100 pJ/B, 4 B/cycle) with bursts."""
    return MemoryLevel("dram", MemoryKind.DRAM, 1 << 30, 1, 32, 400.0, 400.0, 4.0,
                       frozenset(ALL), burst_bytes=burst)


def test_runs_extend_while_the_tile_spans_the_inner_dims():
    """Outputs of a 16 x 16 map, 16 channels, 1 byte each, 32-byte bursts. Tile K1 P3 Q3
    (t0 = 16, 6, 6 -> tiles ceil(16/6) = 3): 3-byte runs -> 32 / 3 = 10.67 bytes per useful
    byte. The whole map (K16 P16 Q16) is one 4,096-byte run -> 1.0."""
    geo = LoopBounds((("N", 1), ("K", 16), ("C", 1), ("P", 16), ("Q", 16), ("R", 1),
                      ("S", 1)), 1, (1, 1), (1, 1), (16, 16))
    nest = build_nest(geo, {"K": np.array([16.0, 1.0]), "P": np.array([6.0, 1.0]),
                            "Q": np.array([6.0, 1.0])}, {}, [("NPQ", "K", "CRS")],
                      [("NPQ", "K", "CRS")])
    factor = burst_factor(nest, geo, Operand.OUTPUTS, 1.0, 32)
    assert factor == pytest.approx([32 / 3, 1.0])
    rows = burst_factor(nest, geo, Operand.OUTPUTS, 2.0, 32)  # 6-byte runs -> 32 / 6
    assert rows[0] == pytest.approx(32 / 6)


def test_dram_energy_counts_whole_bursts_but_bytes_stay_useful():
    """The 4 -> 4 layer of test_cost_layer (weights 16 B, inputs 4 B, outputs 4 B, each one
    run) with 8-byte bursts: 16 + 8 + 8 = 32 bytes on the bus -> 3,200 pJ of DRAM instead of
    2,400, 32 / 4 = 8 transfer cycles instead of 6; read / write bytes unchanged."""
    plain = estimate_layer(FC, tiny_arch())
    bursty = estimate_layer(FC, tiny_arch(memories=(burst_dram(8), sram())))
    assert plain.energy_breakdown_pj["dram"] == pytest.approx(2400)
    assert bursty.energy_breakdown_pj["dram"] == pytest.approx(3200)
    assert dict(bursty.transfer_cycles)["dram"] == pytest.approx(8)
    assert (bursty.dram_read_bytes, bursty.dram_write_bytes) == (20, 4)
