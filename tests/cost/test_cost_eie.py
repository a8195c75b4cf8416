"""EIE's schedule in the analytical model: streamed inputs, outputs in the destination
registers for a whole pass, one accumulator read + write per MAC, fewest output batches."""
import pytest

from hwsim.arch import load_arch
from hwsim.cost.layer import estimate_layer
from hwsim.types import LayerKind, Operand
from hwsim.workload.layer import LayerWorkload

from cost_helpers import ARCH_DIR

EIE = load_arch(ARCH_DIR / "eie.yaml")


def rows(cost, level):
    return {t.operand: t for t in cost.traffic if t.level == level}


def test_fc6_outputs_stay_in_the_destination_registers():
    """AlexNet fc6 shape (9,216 -> 4,096, 9 % weights, 35 % inputs): 4,096 outputs fit the
    64 PEs x 64 destination registers, so one pass: DRAM moves the 9,216 x 2 B = 18,432
    input bytes once and writes the 4,096 x 2 B = 8,192 output bytes once (26,624 B; the
    free mapping spilled partial sums: 75.8 kB), and no K batch appears at the DRAM level."""
    layer = LayerWorkload("fc6", LayerKind.LINEAR, 9216, 4096, weight_density=0.09,
                          input_density=0.35)
    cost = estimate_layer(layer, EIE)
    assert (cost.dram_read_bytes, cost.dram_write_bytes) == (18432, 8192)
    assert dict(cost.mapping.levels[0].factors).get("K", 1) == 1


def test_one_accumulator_read_and_write_per_mac_and_one_broadcast_per_input():
    """b_x = b_x + v a_j on the destination register file: act_rf outputs written once per
    issued MAC (2 B each) and read back for all but the first; the source side (FIFO) takes
    each non-zero input once (read from act_sram once: 9,216 x 0.35 x 2 B = 6,451 B)."""
    layer = LayerWorkload("fc6", LayerKind.LINEAR, 9216, 4096, weight_density=0.09,
                          input_density=0.35)
    cost = estimate_layer(layer, EIE)
    rf, act = rows(cost, "act_rf"), rows(cost, "act_sram")
    assert rf[Operand.OUTPUTS].write_bytes == pytest.approx(2 * cost.macs_effective, rel=0.02)
    assert act[Operand.INPUTS].read_bytes == pytest.approx(9216 * 0.35 * 2)
    assert rf[Operand.INPUTS].write_bytes == pytest.approx(9216 * 0.35 * 2)


def test_more_outputs_than_registers_run_in_the_fewest_batches():
    """8,192 outputs on 64 PEs x 64 registers: EIE runs two batches of 4K (Han et al. 2016),
    so the DRAM level splits K in 2. The 1,024 inputs (2 KiB) stay in the activation SRAM and
    come from DRAM once; each batch broadcasts the 512 non-zeros again: 2 x 512 x 2 B =
    2,048 B through the FIFOs (act_rf inputs)."""
    layer = LayerWorkload("fc", LayerKind.LINEAR, 1024, 8192, weight_density=0.1,
                          input_density=0.5)
    cost = estimate_layer(layer, EIE)
    assert dict(cost.mapping.levels[0].factors)["K"] == 2
    assert cost.dram_read_bytes == pytest.approx(1024 * 2)
    assert rows(cost, "act_rf")[Operand.INPUTS].write_bytes == pytest.approx(2 * 512 * 2)


def test_register_file_ports_do_not_bound_fc7():
    """fc7 (4,096 x 4,096, 9 %, 35 % inputs): the two register files with a read and a write
    port each (8 B/cycle per PE) take fewer cycles than the MACs, so fc7 is compute bound
    (with one 2 B/cycle port it was act_rf bound, 17,397 vs 13,042 cycles)."""
    layer = LayerWorkload("fc7", LayerKind.LINEAR, 4096, 4096, weight_density=0.09,
                          input_density=0.35)
    cost = estimate_layer(layer, EIE)
    assert cost.bottleneck == "compute"
    assert dict(cost.transfer_cycles)["act_rf"] < 0.5 * cost.compute_cycles
