"""SCALE-Sim's fold-by-fold compute cycles (hwsim.cost.systolic), hand-worked, and the
weight double buffering that SCALE-Sim does not model."""
import dataclasses

import pytest

from hwsim.cost.layer import estimate_layer
from hwsim.cost.systolic import (GemmView, compressed_reduction, double_buffered_cycles,
                                 fold_cycles, operand_dims, systolic_cycles)
from hwsim.types import Dataflow, LayerKind
from hwsim.workload.layer import LayerWorkload

from cost_helpers import compute, tiny_arch

WS, OS, IS = (Dataflow.WEIGHT_STATIONARY, Dataflow.OUTPUT_STATIONARY,
              Dataflow.INPUT_STATIONARY)


def test_fold_cycles():
    """ws/is: 2*rows + cols + T - 2 = 8 + 4 + 10 - 2 = 20; os: rows + cols + T - 2 = 16."""
    assert fold_cycles(WS, 4, 4, 10) == 20
    assert fold_cycles(IS, 4, 4, 10) == 20
    assert fold_cycles(OS, 4, 4, 10) == 16


def test_operand_dims_per_dataflow():
    """ws: (CRS, K, NPQ); os: (NPQ, K, CRS); is: (CRS, NPQ, K)."""
    g = GemmView(crs=363, npq=3025, k=96)
    assert operand_dims(WS, g) == (363, 96, 3025)
    assert operand_dims(OS, g) == (3025, 96, 363)
    assert operand_dims(IS, g) == (363, 3025, 96)


def test_folds_on_a_4x4_array():
    """CRS 6, K 5, NPQ 10 on 4x4 ws: ceil(6/4) * ceil(5/4) = 4 folds of 20 = 80 cycles;
    PEs used 6*5 = 30 of 4 * 16 -> mapping efficiency 30/64."""
    c = systolic_cycles(WS, 4, 4, GemmView(6, 10, 5))
    assert (c.folds, c.cycles_per_fold, c.cycles) == (4, 20, 80)
    assert c.mapping_efficiency == pytest.approx(30 / 64)


def test_scalesim_golden_alexnet_conv1():
    """SCALE-Sim 3 golden test (32x32 ws, AlexNet conv1 227x227 11x11 s4, 96 filters):
    12 x 3 folds x (64 + 32 + 3025 - 2) = 112,284 cycles; SCALE-Sim prints the last cycle
    index 112,283 and an overall utilisation of 91.683 %."""
    c = systolic_cycles(WS, 32, 32, GemmView(363, 3025, 96))
    assert c.cycles == 112_284
    assert c.cycles - 1 == 112_283
    assert c.utilization == pytest.approx(0.91683, abs=1e-5)


@pytest.mark.parametrize("dataflow, layer, cycles", [
    # LeNet-5 conv1: CRS 25, K 20, NPQ 576. ws: 1 fold x (64 + 32 + 576 - 2) = 670
    (WS, LayerWorkload("conv1", LayerKind.CONV2D, 1, 20, 28, 28, (5, 5)), 670),
    # os: ceil(576/32) = 18 folds x (32 + 32 + 25 - 2) = 1,566
    (OS, LayerWorkload("conv1", LayerKind.CONV2D, 1, 20, 28, 28, (5, 5)), 1566),
    # fc1 800 -> 500 as SCALE-Sim's 1x1 conv: ws 25 x 16 folds x (64 + 32 + 1 - 2) = 38,000
    (WS, LayerWorkload("fc1", LayerKind.LINEAR, 800, 500), 38_000),
    # os: 1 x 16 folds x (32 + 32 + 800 - 2) = 13,792
    (OS, LayerWorkload("fc1", LayerKind.LINEAR, 800, 500), 13_792),
])
def test_estimate_uses_the_fold_count(dataflow, layer, cycles):
    arch = tiny_arch(dataflow, array=compute(32, 32))
    assert estimate_layer(layer, arch).compute_cycles == cycles


def test_groups_run_one_after_another():
    """2 groups of CRS 4, K 4, NPQ 1 on 4x4 ws: 2 x (8 + 4 + 1 - 2) = 22 cycles."""
    c = systolic_cycles(WS, 4, 4, GemmView(4, 1, 4, groups=2))
    assert c.cycles == 22


def test_n_m_compresses_the_reduction():
    """2:4 keeps ceil(363 * 2 / 4) = 182 reduction rows."""
    assert compressed_reduction(363, 2, 4) == 182


def test_double_buffered_folds_on_a_2x2_array():
    """2x2 ws array, CRS 6, K 2, NPQ 3: ceil(6/2) * ceil(2/2) = 3 folds of T = 3. Without overlap each fold is fill 2 + skew 1 + stream 3 + drain 1 =
    2*2 + 2 + 3 - 2 = 7 -> 21 cycles. Double buffered: fill = 2, cd = 2 + 2 + 3 - 2 = 5;
    the first fold pays 2 + 5, the next two max(2, 5) = 5 each -> 2 + 3*5 = 17 cycles."""
    plain = systolic_cycles(WS, 2, 2, GemmView(crs=6, npq=3, k=2))
    both = systolic_cycles(WS, 2, 2, GemmView(crs=6, npq=3, k=2), weight_double_buffer=True)
    assert (plain.folds, plain.cycles) == (3, 21)
    assert (both.folds, both.cycles_per_fold, both.cycles) == (3, 5, 17)
    assert double_buffered_cycles(2, 2, 3, 3) == 17
    assert double_buffered_cycles(2, 2, 3, 0) == 0


def test_double_buffering_at_the_smallest_stream():
    """cd = rows + cols + T - 2 >= rows = fill whenever cols + T >= 2, so the fill is always
    hidden; the tightest case is one column and T = 1: rows 4 -> fill 4, cd = 4 + 1 + 1 - 2
    = 4 -> 4 + 3*4 = 16 for 3 folds (3 * (8 + 1 + 1 - 2) = 24 without). 1x1 array, T 1:
    fill 1, cd 1 -> 1 + F = 6 for 5 folds."""
    assert double_buffered_cycles(4, 1, 1, 3) == 16
    assert double_buffered_cycles(1, 1, 1, 5) == 6


def test_double_buffering_hand_worked_layer_and_groups():
    """4x4 ws, CRS 6, K 5, NPQ 10: 4 folds; fill 4, cd 4 + 4 + 10 - 2 = 16 -> 4 + 4*16 = 68
    (80 without). Groups continue the fold stream: 2 groups of CRS 4, K 4, NPQ 1 -> 2 folds,
    cd = 4 + 4 + 1 - 2 = 7 -> 4 + 2*7 = 18 (22 without)."""
    assert systolic_cycles(WS, 4, 4, GemmView(crs=6, npq=10, k=5), True).cycles == 68
    assert systolic_cycles(WS, 4, 4, GemmView(crs=4, npq=1, k=4, groups=2), True).cycles == 18


def test_double_buffering_alexnet_conv1():
    """AlexNet conv1 on 32x32 ws, double buffered: 36 folds, fill 32, cd = 32 + 32 + 3025 - 2
    = 3087 -> 32 + 36 * 3087 = 111,164 cycles (SCALE-Sim, which does not overlap: 112,284)."""
    assert systolic_cycles(WS, 32, 32, GemmView(crs=363, npq=3025, k=96), True).cycles \
        == 111_164


@pytest.mark.parametrize("dataflow", [OS, IS])
def test_double_buffering_is_weight_stationary_only(dataflow):
    with pytest.raises(ValueError, match="weight_stationary"):
        systolic_cycles(dataflow, 4, 4, GemmView(crs=6, npq=10, k=5), True)


def test_estimate_uses_double_buffering():
    """Llama-2-7B q_proj at decode (batch 1: NPQ 1) on 32x32 ws: 128 x 128 = 16,384 folds.
    SCALE-Sim-style 16,384 x (64 + 32 + 1 - 2) = 1,556,480 cycles; double buffered
    32 + 16,384 x (32 + 32 + 1 - 2) = 32 + 1,032,192 = 1,032,224 cycles."""
    layer = LayerWorkload("q_proj", LayerKind.LINEAR, 4096, 4096)
    plain = tiny_arch(WS, array=compute(32, 32))
    both = tiny_arch(WS, array=dataclasses.replace(compute(32, 32), weight_double_buffer=True))
    assert estimate_layer(layer, plain).compute_cycles == 1_556_480
    assert estimate_layer(layer, both).compute_cycles == 1_032_224
