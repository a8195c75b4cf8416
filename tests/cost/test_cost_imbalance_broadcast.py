"""The column broadcast's broadcast-rate bound, sampled columns and pipeline
(hwsim.cost.imbalance, hwsim.cost.broadcast): hand-worked formula tests."""
import math

import numpy as np
import pytest

from hwsim.arch import load_arch
from hwsim.cost.broadcast import broadcast_time, dram_request_cycles, rows_per_pass
from hwsim.cost.imbalance import (active_columns, column_broadcast_exact,
                                  column_broadcast_expected, exact_bounds,
                                  expected_max_normals, sampled_bounds)
from hwsim.types import LayerKind
from hwsim.workload.layer import LayerWorkload

from cost_helpers import ARCH_DIR


@pytest.fixture(scope="module")
def eie():
    return load_arch(ARCH_DIR / "eie.yaml")


def test_exact_bounds_with_one_broadcast_per_cycle():
    """[[3, 0], [1, 2]]: depth 1 -> max(1, 3) + 2 = 5; unbounded -> PE 0 max(0 + 3, 1 + 0),
    PE 1 max(0 + 3, 1 + 2) -> 3. Broadcast-bound [[1, 0, 0, 1]]: depth 1 -> 1 + 1 + 1 + 1 = 4
    (an empty column still takes its broadcast cycle); unbounded -> max(0 + 2, 1 + 1, 2 + 1,
    3 + 1) = 4, not the PE total 2."""
    assert exact_bounds(np.array([[3.0, 0.0], [1.0, 2.0]])) == (5.0, 3.0)
    assert exact_bounds(np.array([[1.0, 0.0, 0.0, 1.0]])) == (4.0, 4.0)


def test_dead_columns_cost_a_broadcast_cycle():
    """All 4 columns non-zero, work only in column 0: e = [[2, 0, 0, 0], [2, 0, 0, 0]] ->
    depth 1: 2 + 1 + 1 + 0 = 4 cycles (the old rule: 2), ideal 4 / 2 = 2."""
    imb = column_broadcast_exact(np.array([[2, 0, 0, 0], [2, 0, 0, 0]]), 1.0, 1)
    assert (imb.cycles, imb.ideal_cycles) == (4.0, 2.0)


def test_sampled_bounds():
    """e = [[4, 0, 4, 0], [0, 0, 0, 0]] (PE 1 a dead row), n = 2 of 4 columns at random.
    Column maxima m = [4, 0, 4, 0]: depth 1 -> (n - 1) mean max(1, m) + mean m = 1 x 2.5 + 2
    = 4.5. Unbounded: PE 0's total has mean 2 x 2 = 4 and variance 2 x 4 x (4 - 2) / 3 =
    16/3 (sd 2.309), so E[max(0, T_0)] = 4 Phi(1.732) + 2.309 phi(1.732) = 3.8334 + 0.2058 =
    4.039, above the broadcast bound (n - 1) + mean m = 3."""
    one, inf = sampled_bounds(np.array([[4.0, 0, 4, 0], [0, 0, 0, 0]]), 2)
    assert one == pytest.approx(4.5)
    assert inf == pytest.approx(4.039, abs=2e-3)


def test_expected_max_normals_against_a_direct_integral():
    """E[max(0, X_1, X_2)], X ~ N(0, 1): integral over x >= 0 of 1 - Phi(x)^2 = 0.6810
    (midpoint rule with math.erf); one PE with sd 0 -> its mean."""
    step = 1e-3
    xs = np.arange(step / 2, 10, step)
    phi = np.array([0.5 * (1 + math.erf(x / math.sqrt(2))) for x in xs])
    direct = float(np.sum(1 - phi ** 2) * step)
    assert direct == pytest.approx(0.6810, abs=1e-4)
    assert expected_max_normals(np.zeros(2), np.ones(2)) == pytest.approx(direct, abs=1e-3)
    assert expected_max_normals(np.array([3.0]), np.array([0.0])) == pytest.approx(3, abs=1e-2)


def test_active_columns_round_like_the_simulator():
    """round(0.19329 x 784) = round(151.54) = 152; round(0.04 x 10) = 0 columns -> nothing is
    broadcast, 0 cycles (with or without a mask)."""
    assert active_columns(784, 0.19328954) == 152
    assert active_columns(10, 0.04) == 0 and active_columns(10, 1.0) == 10
    assert column_broadcast_exact(np.ones((2, 10)), 0.04, 8).cycles == 0
    assert column_broadcast_expected(np.array([1, 1]), 10, 0.5, 0.04, 8).cycles == 0


def test_dram_requests_and_passes(eie):
    """EIE's LPDDR4: 32-byte bursts at 12.8 GB/s / 800 MHz = 16 B/cycle (2 cycles a burst):
    1,568 B -> 49 bursts = 98 cycles; 600 B -> 19 bursts = 38; 8,192 B -> 4 requests of 64
    bursts = 512. act_rf 256 B holds inputs and outputs: 128 B / 2 B = 64 rows a pass."""
    assert dram_request_cycles(eie, 1568) == pytest.approx(98)
    assert dram_request_cycles(eie, 600) == pytest.approx(38)
    assert dram_request_cycles(eie, 8192) == pytest.approx(512)
    assert rows_per_pass(eie) == 64


def test_broadcast_time_parts(eie):
    """A 784 -> 300 layer (no mask): fill = 1,568 input bytes = 98 cycles; one pass of
    ceil(300 / 64) = 5 local rows, drain ceil(5 x 2 B / 8 B per cycle) = 2; tail 600 B = 38.
    8,192 outputs: 2 passes of 64 local rows, each drained in 64 x 2 / 8 = 16 cycles."""
    small = broadcast_time(LayerWorkload("fc", LayerKind.LINEAR, 784, 300,
                                         weight_density=0.1, input_density=0.2), eie)
    assert (small.fill_cycles, small.passes, small.drain_cycles, small.tail_cycles) == (
        98, 1, 2, 38)
    assert small.cycles == pytest.approx(98 + small.imbalance.cycles + 2 + 38)
    big = broadcast_time(LayerWorkload("fc", LayerKind.LINEAR, 64, 8192, weight_density=0.1,
                                       input_density=0.5), eie)
    assert (big.passes, big.drain_cycles) == (2, 32)
