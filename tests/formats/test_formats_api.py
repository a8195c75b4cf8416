"""weight_storage / activation_storage: layers, codebooks, N:M, activations, EIE work."""

import numpy as np
import pytest

from hwsim.arch.model import FormatSpec, StructuredSparsity, WeightSharing
from hwsim.errors import ConfigError
from hwsim.formats import (activation_storage, csc_entries_per_pe_column, matrix_storage,
                           matrix_storage_per_pe, satisfies_n_m, slots_per_row,
                           stored_entries_per_pe_column, weight_storage,
                           weight_storage_per_pe)
from hwsim.types import LayerKind, SparseFormat as F
from hwsim.workload.layer import LayerWorkload

EIE_SPEC = FormatSpec(F.CSC, value_bits=4, index_bits=4, pointer_bits=16)  # EIE Sec. III
EIE_SHARING = WeightSharing(codebook_entries=16, stored_bits=4)
TWO_FOUR = StructuredSparsity(n=2, m=4, metadata_bits=2)


def fc(rows, cols, density=1.0, mask=None):
    return LayerWorkload("fc", LayerKind.LINEAR, cols, rows, weight_density=density,
                         weight_mask=mask)


def test_dense_linear_layer():
    """LeNet-300-100 fc1, dense 16-bit: 300 x 784 = 235,200 values x 16 = 3,763,200 bits
    = 470,400 bytes."""
    cost = weight_storage(fc(300, 784), FormatSpec())
    assert (cost.values, cost.total_bits, cost.total_bytes, cost.exact) == (
        235_200, 3_763_200, 470_400, False)


def test_lenet_fc1_eie():
    """fc1 (300 x 784) at 8 %, EIE format, P = 64: 300 = 64 x 4 + 44 -> at most 5 rows per PE,
    so no gap reaches 16 and no filler. 18,816 entries x (4 + 4) = 150,528 bits; pointers
    64 x 785 x 16 = 803,840; codebook 16 x 16 = 256 -> 954,624 bits = 119,328 bytes."""
    cost = weight_storage(fc(300, 784, 0.08), EIE_SPEC, row_partitions=64, sharing=EIE_SHARING)
    assert cost.values == pytest.approx(18_816)
    assert cost.filler_zeros == pytest.approx(0.0, abs=1e-9)
    assert cost.pointer_bits_total == 803_840 and cost.codebook_bits == 256
    assert cost.total_bits == pytest.approx(954_624) and cost.total_bytes == 119_328


def test_weight_storage_is_exact_with_a_mask():
    rng = np.random.default_rng(0)
    mask = rng.random((300, 784)) < 0.08
    layer = fc(300, 784, mask=mask)
    cost = weight_storage(layer, EIE_SPEC, row_partitions=64)
    assert cost.exact and cost.values == mask.sum()
    assert cost == matrix_storage(mask, EIE_SPEC, row_partitions=64)


def test_conv_layer_uses_matrix_view():
    """Conv 8 -> 4 channels, 3 x 3: matrix view 4 x 72; a (4, 8, 3, 3) mask with 10 ones."""
    mask = np.zeros((4, 8, 3, 3), dtype=bool)
    mask.flat[::29] = True
    layer = LayerWorkload("conv", LayerKind.CONV2D, 8, 4, 5, 5, kernel=3, weight_mask=mask)
    cost = weight_storage(layer, FormatSpec(F.BITMAP, value_bits=8))
    assert cost.values == mask.sum() == 10
    assert cost.bitmap_bits_total == 4 * 72


def test_codebook_counted_once_per_layer():
    """Dense 2 x 2 with a 16-entry codebook of 4-bit indices and 16-bit arithmetic:
    4 values x 4 bits = 16 + codebook 16 x 16 = 256 -> 272 bits; with 8-bit arithmetic
    the codebook is 128 bits. Per-PE records leave the codebook out."""
    cost = matrix_storage(((2, 2), 1.0), FormatSpec(), sharing=EIE_SHARING)
    assert (cost.value_bits, cost.codebook_bits, cost.total_bits) == (4, 256, 272)
    assert cost.metadata_bits == 256
    small = matrix_storage(((2, 2), 1.0), FormatSpec(), sharing=EIE_SHARING, arithmetic_bits=8)
    assert small.codebook_bits == 128
    parts = matrix_storage_per_pe(((2, 2), 1.0), FormatSpec(), row_partitions=2,
                                  sharing=EIE_SHARING)
    assert [p.total_bits for p in parts] == [8, 8]


def test_codebook_larger_than_index_range_is_reported():
    with pytest.raises(ConfigError, match=r"weight_sharing.codebook_entries must be <= "
                                          r"2\*\*stored_bits = 16. Got 17 instead."):
        matrix_storage(((2, 2), 1.0), FormatSpec(), sharing=WeightSharing(17, 4))


# ---- N:M ---------------------------------------------------------------------------------
def test_satisfies_n_m():
    assert satisfies_n_m(np.array([[1, 1, 0, 0, 0, 1, 0, 1]]), 2, 4)
    assert not satisfies_n_m(np.array([[1, 1, 1, 0]]), 2, 4)
    assert satisfies_n_m(np.array([[1, 0, 0, 1, 1, 1]]), 2, 4)       # partial group of 2
    assert not satisfies_n_m(np.array([[0, 1, 1, 1, 1, 0]]), 2, 4)   # group 0 holds 3
    assert satisfies_n_m(np.ones((3, 2, 2)), 4, 4)                   # N-D -> (3, 4)
    with pytest.raises(ConfigError, match="structured.n must be an integer in"):
        satisfies_n_m(np.ones((1, 4)), 5, 4)


def test_n_m_hand_example():
    """One row [1,0,0,1, 0,0,1,0], 2:4: 2 groups -> 4 slots, 3 kept, 1 filler; metadata
    4 x 2 = 8 bits; 16-bit values: 4 x 16 + 8 = 72 bits."""
    mask = np.array([[1, 0, 0, 1, 0, 0, 1, 0]], dtype=bool)
    cost = matrix_storage(mask, FormatSpec(), structured=TWO_FOUR)
    assert cost.structured == TWO_FOUR
    assert (cost.values, cost.filler_zeros, cost.index_bits_total, cost.total_bits) == (
        4, 1, 8, 72)


def test_n_m_exact_from_pruned_mask_and_expected():
    """64 x 64, exactly 2 of every 4 kept: 2048 kept = slots, 4096 metadata bits; the
    expected count at density 0.5 agrees; 10 columns -> 2 full groups + min(2, 2) = 6 slots."""
    rng = np.random.default_rng(0)
    keep = np.argsort(rng.random((64, 16, 4)), axis=2) < 2
    mask = keep.reshape(64, 64)
    exact = matrix_storage(mask, FormatSpec(value_bits=8), structured=TWO_FOUR)
    expected = matrix_storage(((64, 64), 0.5), FormatSpec(value_bits=8), structured=TWO_FOUR)
    assert (exact.values, exact.filler_zeros, exact.index_bits_total) == (2048, 0, 4096)
    assert expected.total_bits == exact.total_bits == 2048 * 10
    assert slots_per_row(10, TWO_FOUR) == 6


def test_n_m_not_satisfied_falls_back_to_the_format():
    """A 3-in-4 group cannot be 2:4: stored in the spec's format (bitmap), structured None.
    Likewise density 0.6 > 0.5 in expectation."""
    mask = np.array([[1, 1, 1, 0]], dtype=bool)
    cost = matrix_storage(mask, FormatSpec(F.BITMAP, value_bits=8), structured=TWO_FOUR)
    assert cost.structured is None and cost.total_bits == 3 * 8 + 4
    dense = matrix_storage(((4, 8), 0.6), FormatSpec(value_bits=8), structured=TWO_FOUR)
    assert dense.structured is None and dense.values == 32


# ---- activations ---------------------------------------------------------------------------
def test_activation_rle_eyeriss_example():
    """Eyeriss RLC (JSSC 2017, Fig. 8): 0,0,12,0,0,0,0,53,0,0,22 -> (run 2, 12), (4, 53),
    (2, 22): 3 pairs x (5 + 16) = 63 bits (one 64-bit word with its last-word flag)."""
    data = np.array([0, 0, 12, 0, 0, 0, 0, 53, 0, 0, 22])
    cost = activation_storage(11, 0.0, FormatSpec(F.RLE, value_bits=16, run_bits=5), data=data)
    assert cost.exact and (cost.values, cost.filler_zeros, cost.total_bits) == (3, 0, 63)


def test_activation_rle_long_run_needs_a_filler():
    """40 zeros then 7 with a 5-bit run: 40 = 32 + 8 -> (31, 0) filler then (8, 7)."""
    data = np.array([0] * 40 + [7])
    cost = activation_storage(41, 0.0, FormatSpec(F.RLE, value_bits=16, run_bits=5), data=data)
    assert (cost.values, cost.filler_zeros) == (2, 1)


def test_activation_expected():
    """Dense: 1000 x 16 = 16,000 bits. Bitmap at 30 %: 300 x 16 + 1000 = 5,800 bits.
    CSR vector is one row: 2 pointers; CSC vector one column: 2 pointers too."""
    assert activation_storage(1000, 0.3, FormatSpec()).total_bits == 16_000
    assert activation_storage(1000, 0.3, FormatSpec(F.BITMAP)).total_bits == pytest.approx(5_800)
    for fmt in (F.CSR, F.CSC):
        cost = activation_storage(1000, 0.3, FormatSpec(fmt, index_bits=4, pointer_bits=16))
        assert cost.pointer_bits_total == 32 and not cost.exact
    matrix = activation_storage(1000, 0.3, FormatSpec(F.CSR, pointer_bits=16), shape=(10, 100))
    assert matrix.pointer_bits_total == 11 * 16


def test_activation_bad_inputs():
    with pytest.raises(ConfigError, match=r"shape must have 1000 elements \(count\)"):
        activation_storage(1000, 0.3, FormatSpec(), shape=(10, 10))
    with pytest.raises(ConfigError, match="density must be in"):
        activation_storage(1000, 1.3, FormatSpec())


# ---- EIE work per PE -----------------------------------------------------------------------
def test_stored_entries_per_pe_column_exact_and_expected():
    rng = np.random.default_rng(2)
    mask = rng.random((256, 50)) < 0.05
    exact = stored_entries_per_pe_column(fc(256, 50, mask=mask), EIE_SPEC, 4)
    assert exact.shape == (4, 50) and exact.dtype.kind == "i"
    assert (exact == csc_entries_per_pe_column(mask, 4, 4)).all()
    assert exact.sum() > mask.sum()  # 64-row sub-columns at 5 %: some fillers
    absolute = stored_entries_per_pe_column(fc(256, 50, mask=mask),
                                            FormatSpec(F.CSC, relative_index=False), 4)
    assert absolute.sum() == mask.sum()
    expected = stored_entries_per_pe_column(fc(256, 50, 0.05), EIE_SPEC, 4)
    assert expected.shape == (4, 50) and expected.dtype.kind == "f"


def test_per_pe_layer_records():
    cost = weight_storage_per_pe(fc(300, 784, 0.08), EIE_SPEC, row_partitions=64)
    assert len(cost) == 64
    assert cost[0].values == pytest.approx(5 * 784 * 0.08)    # PE 0 holds 5 rows
    assert cost[63].values == pytest.approx(4 * 784 * 0.08)   # PE 63 holds 4 rows


def test_alexnet_fc6_entries_per_pe_column():
    """AlexNet fc6, 4096 x 9216 at 9 %, 64 PEs, 4-bit relative index (its speed is a figure
    of `benchmarks/bench_estimate.py --network alexnet` on EIE, not a test)."""
    rng = np.random.default_rng(6)
    mask = rng.random((4096, 9216), dtype=np.float32) < 0.09
    entries = csc_entries_per_pe_column(mask, 64, 4)
    assert entries.shape == (64, 9216)
    assert entries.sum() >= mask.sum()
