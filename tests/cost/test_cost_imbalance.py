"""Load imbalance bounds from crafted masks and the binomial expectation (hwsim.cost.imbalance)."""
import math

import numpy as np
import pytest

from hwsim.arch.model import (Accelerator, ComputeArray, FormatSpec, SparsitySupport)
from hwsim.cost.imbalance import (binomial_cdf, column_broadcast_exact,
                                  column_broadcast_expected, expected_max_binomial,
                                  finite_fifo_cycles, window_cycles,
                                  expected_max_std_normal, rows_imbalance)
from hwsim.cost.layer import estimate_layer
from hwsim.types import (Dataflow, LayerKind, SparseFormat, WorkDistribution, ZeroHandling)
from hwsim.workload.layer import LayerWorkload

from cost_helpers import compute, dram, sram, tiny_arch

SKIP = ZeroHandling.SKIP
E = np.array([[3, 0], [1, 2]])


def test_fifo_depth_one_sums_the_column_maxima():
    """e = [[3, 0], [1, 2]]: max(3, 1) + max(0, 2) = 5 cycles; ideal 6 / 2 = 3 -> 0.6."""
    imb = column_broadcast_exact(E, 1.0, 1)
    assert (imb.cycles, imb.ideal_cycles) == (5, 3)
    assert imb.efficiency == pytest.approx(0.6)
    assert "depth 1" in imb.bound


def test_unbounded_fifo_takes_the_largest_pe_total():
    """PE totals 3 and 3 -> 3 cycles, efficiency 1."""
    imb = column_broadcast_exact(E, 1.0, None)
    assert imb.cycles == 3 and imb.efficiency == 1.0 and "unbounded" in imb.bound


def test_block_synchronous_windows_bound():
    """e = [[2,0,2,0],[0,2,0,2]]: windows of 2 -> {0,1}, {2,3} with PE sums (2, 2) each ->
    2 + 2 = 4; windows of 3 -> {0,1,2}, {3}: max(4, 2) + max(0, 2) = 6."""
    e = np.array([[2, 0, 2, 0], [0, 2, 0, 2]])
    assert window_cycles(e, 1) == 8 and window_cycles(e, 2) == 4 and window_cycles(e, 3) == 6


def test_finite_depth_interpolates_between_the_exact_rules():
    """e = [[3,0,3,0],[1,2,1,2]]: depth 1 -> 3+2+3+2 = 10; unbounded -> max(6, 6) = 6;
    depth 2 -> 6 + (10 - 6) x 2^-1.75 = 6 + 4 x 0.29730 = 7.1892; depth 3 -> 6 + 4 x
    3^-1.75 = 6.5850; depth >= 4 columns -> 6."""
    e = np.array([[3, 0, 3, 0], [1, 2, 1, 2]])
    cycles = {d: column_broadcast_exact(e, 1.0, d).cycles for d in (1, 2, 3, 4, None)}
    assert cycles[1] == 10 and cycles[4] == 6 and cycles[None] == 6
    assert cycles[2] == pytest.approx(6 + 4 * 2 ** -1.75) == pytest.approx(7.1892, abs=1e-4)
    assert cycles[3] == pytest.approx(6.5850, abs=1e-4)
    assert "depth 3" in column_broadcast_exact(e, 1.0, 3).bound
    assert finite_fifo_cycles(10.0, 6.0, 2, 4) == pytest.approx(7.1892, abs=1e-4)


def test_expected_finite_depth_interpolates():
    """No mask, 2 PEs x 2 rows, 4 columns, d_w = 0.5, one broadcast per cycle. A column's
    maximum M of 2 Binomial(2, 0.5): E[M] = (1 - 0.25^2) + (1 - 0.75^2) = 1.375, P(M = 0) =
    0.5^4 = 0.0625, so E[max(1, M)] = 1.4375; depth 1 -> 3 x 1.4375 + 1.375 = 5.6875.
    Unbounded: E[max of 2 Binomial(8, 0.5)] = sum_k 1 - F(k)^2 with 256 F = 1, 9, 37, 93,
    163, 219, 247, 255 -> 4.7855, above the broadcast bound 3 + 1.375 = 4.375; depth 2 ->
    4.7855 + (5.6875 - 4.7855) x 2^-1.75."""
    rows = np.array([2, 2])
    one = column_broadcast_expected(rows, 4, 0.5, 1.0, 1).cycles
    inf = column_broadcast_expected(rows, 4, 0.5, 1.0, None).cycles
    two = column_broadcast_expected(rows, 4, 0.5, 1.0, 2).cycles
    assert one == pytest.approx(5.6875) and inf == pytest.approx(4.7855225, abs=1e-6)
    assert two == pytest.approx(4.7855225 + (5.6875 - 4.7855225) * 2 ** -1.75, abs=1e-6)


def test_expected_broadcast_bound():
    """2 PEs x 1 row, 4 columns, d_w = 0.5: each column takes at least one broadcast cycle, so
    depth 1 -> 3 x max(1, M) + E[M] = 3 x 1 + 0.75 = 3.75; unbounded -> max(3 + 0.75,
    E[max of 2 Binomial(4, 0.5)] = 2.5469) = 3.75 (broadcast bound)."""
    rows = np.array([1, 1])
    for depth in (1, 2, None):
        assert column_broadcast_expected(rows, 4, 0.5, 1.0, depth).cycles == pytest.approx(3.75)


def test_input_density_and_repeats_scale_the_work():
    """Half of the 2 columns non-zero: 1 column broadcast, expected E[m_j] = (3 + 2) / 2 =
    2.5 cycles; 3 images -> 7.5 cycles."""
    assert column_broadcast_exact(E, 0.5, 1, repeats=3).cycles == pytest.approx(7.5)


def test_binomial_cdf_and_expected_max():
    """Binomial(2, 0.5): CDF [0.25, 0.75, 1]; max of two: sum_k 1 - F(k)^2 =
    (1 - 0.0625) + (1 - 0.5625) = 1.375."""
    assert binomial_cdf(2, 0.5) == pytest.approx([0.25, 0.75, 1.0])
    assert expected_max_binomial(np.array([2, 2]), 0.5) == pytest.approx(1.375)
    assert expected_max_binomial(np.array([1, 1]), 0.5) == pytest.approx(0.75)


def test_normal_approximation_joins_the_exact_sum():
    """Above 4,096 trials the normal approximation mu + sigma E[max of P normals] is used;
    at 4,096 both are within 0.5 %."""
    exact = expected_max_binomial(np.full(64, 4096), 0.09)
    mu, sigma = 4096 * 0.09, math.sqrt(4096 * 0.09 * 0.91)
    assert exact == pytest.approx(mu + sigma * expected_max_std_normal(64), rel=5e-3)
    assert expected_max_std_normal(2) == pytest.approx(1 / math.sqrt(math.pi), rel=1e-6)


def test_expected_column_broadcast():
    """2 PEs x 1 row, 1 column, d_w = 0.5: E[max] = 0.75 cycles vs ideal 0.5."""
    imb = column_broadcast_expected(np.array([1, 1]), 1, 0.5, 1.0, None)
    assert (imb.cycles, imb.ideal_cycles) == pytest.approx((0.75, 0.5))
    assert not imb.exact and imb.efficiency == pytest.approx(2 / 3)


def test_rows_imbalance():
    """PE totals [6, 2]: cycles 6, ideal 4, efficiency 2/3."""
    imb = rows_imbalance(np.array([6, 2]), True, "x")
    assert (imb.cycles, imb.ideal_cycles) == (6, 4)


def eie_like(pes: int, depth):
    sp = SparsitySupport(FormatSpec(SparseFormat.CSC, 8, 8, 16), FormatSpec(value_bits=8),
                         SKIP, SKIP, distribution=WorkDistribution.ROWS_INTERLEAVED,
                         fifo_depth=depth)
    return Accelerator("eie-like", (dram(), sram()),
                       ComputeArray(pes, 1, pes, 1, 1e9, 8, 8, 32, 1.0),
                       Dataflow.COLUMN_BROADCAST, sp)


def test_estimate_layer_uses_the_mask():
    """6 x 2 mask over 2 PEs (rows interleaved): PE 0 holds rows 0, 2, 4 -> column 0 has 3
    entries, column 1 none; PE 1 holds rows 1, 3, 5 -> 1 and 2: e = [[3, 0], [1, 2]]."""
    mask = np.zeros((6, 2), bool)
    mask[[0, 2, 4], 0] = True
    mask[1, 0] = True
    mask[[3, 5], 1] = True
    layer = LayerWorkload("fc", LayerKind.LINEAR, 2, 6, weight_mask=mask)
    assert estimate_layer(layer, eie_like(2, 1)).imbalance.cycles == 5
    assert estimate_layer(layer, eie_like(2, None)).imbalance.cycles == 3
    cost = estimate_layer(layer, eie_like(2, 1))
    # plus the pipeline (hwsim.cost.broadcast): fill = 2 input bytes -> one 4-byte burst at
    # 4 B/cycle = 1 cycle; tail = 6 output bytes -> 2 bursts = 2 cycles; no drain (one level)
    assert cost.compute_cycles == 5 + 1 + 2
    assert cost.imbalance.exact and cost.imbalance.efficiency == pytest.approx(0.6)


def test_rows_distribution_on_an_array_sets_the_pace():
    """Skip weights, rows interleaved on a 2x1 ws array, mask rows nnz [4, 0] (d_w 0.5):
    dense folds ceil(4/2) * ceil(2/1) = 4 x (4 + 1 + 1 - 2) = 16 cycles, x 0.5 issued
    = 8 ideal, / efficiency (mean 2 / max 4) = 16."""
    mask = np.array([[1, 1, 1, 1], [0, 0, 0, 0]], bool)
    layer = LayerWorkload("fc", LayerKind.LINEAR, 4, 2, weight_mask=mask)
    sp = SparsitySupport(FormatSpec(value_bits=8), FormatSpec(value_bits=8), SKIP,
                         distribution=WorkDistribution.ROWS_INTERLEAVED)
    cost = estimate_layer(layer, tiny_arch(sparsity=sp, array=compute(2, 1)))
    assert cost.compute_cycles == pytest.approx(16)
    assert cost.imbalance.efficiency == pytest.approx(0.5)
