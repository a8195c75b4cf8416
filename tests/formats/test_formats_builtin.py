"""Every format on a hand-worked 4 x 4 mask, rows interleaved over PEs, exact vs expected.

M = [[1,0,0,0],
     [0,0,1,0],
     [0,0,0,0],
     [1,0,0,1]]      4 non-zeros out of 16; 8-bit values unless said otherwise.
"""
import numpy as np
import pytest

from hwsim.arch.model import FormatSpec
from hwsim.errors import ConfigError
from hwsim.formats import (csc_entries_per_pe_column, expected_csc_entries_per_pe_column,
                           matrix_storage, matrix_storage_per_pe, registered_formats,
                           rows_per_pe)
from hwsim.types import SparseFormat as F

M = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0], [1, 0, 0, 1]], dtype=bool)


def spec(fmt, **kw):
    return FormatSpec(fmt, value_bits=8, **kw)


def test_all_six_formats_registered():
    assert set(registered_formats()) == set(F)


def test_dense():
    """16 values x 8 bits = 128 bits, no metadata."""
    cost = matrix_storage(M, spec(F.DENSE))
    assert (cost.values, cost.total_bits, cost.metadata_bits, cost.exact) == (16, 128, 0, True)


def test_bitmap():
    """4 values x 8 + 16 bitmap bits = 48 bits = 6 bytes."""
    cost = matrix_storage(M, spec(F.BITMAP))
    assert (cost.values, cost.bitmap_bits_total, cost.total_bits, cost.total_bytes) == (
        4, 16, 48, 6)


def test_csc_relative_with_fillers():
    """1-bit relative index (L = 2). col0 [1,0,0,1]: gaps 0, 2 -> 1 filler (3 entries);
    col1 empty; col2 [0,1,0,0]: gap 1 (1 entry); col3 [0,0,0,1]: gap 3 -> 1 filler (2).
    6 entries (2 fillers) x (8 + 1) = 54, + 5 pointers x 4 = 20 -> 74 bits."""
    cost = matrix_storage(M, spec(F.CSC, index_bits=1, pointer_bits=4))
    assert (cost.values, cost.filler_zeros, cost.index_bits_total, cost.pointer_bits_total,
            cost.total_bits) == (6, 2, 6, 20, 74)
    assert cost.nonzeros == 4


def test_csc_absolute_default_widths():
    """Absolute, width 0 -> bits_for(4 rows) = 2; pointer 0 -> bits_for(4 entries + 1) = 3.
    4 x (8 + 2) + 5 x 3 = 55 bits, no fillers."""
    cost = matrix_storage(M, spec(F.CSC, relative_index=False))
    assert (cost.values, cost.filler_zeros, cost.total_bits) == (4, 0, 55)


def test_csr_relative_with_fillers():
    """Along rows, L = 2. row0 gap 0 (1); row1 [0,0,1,0] gap 2 -> 1 filler (2); row2 empty;
    row3 [1,0,0,1] gaps 0, 2 -> 1 filler (3). 6 x 9 = 54 + 5 pointers x 4 = 74 bits."""
    cost = matrix_storage(M, spec(F.CSR, index_bits=1, pointer_bits=4))
    assert (cost.values, cost.filler_zeros, cost.total_bits) == (6, 2, 74)


def test_rle():
    """Row-major stream, 2-bit run (L = 4): non-zeros at 0, 6, 12, 15 -> gaps 0, 5, 5, 2 ->
    fillers 0 + 1 + 1 + 0 = 2; 6 entries x (8 + 2) = 60 bits."""
    cost = matrix_storage(M, spec(F.RLE, run_bits=2))
    assert (cost.values, cost.filler_zeros, cost.index_bits_total, cost.total_bits) == (
        6, 2, 12, 60)


def test_coo():
    """Default coordinate bits_for(4) + bits_for(4) = 4: 4 x (8 + 4) = 48; index_bits 3 ->
    2 x 3 = 6 per coordinate: 4 x 14 = 56."""
    assert matrix_storage(M, spec(F.COO)).total_bits == 48
    assert matrix_storage(M, spec(F.COO, index_bits=3)).total_bits == 56


def test_csc_interleaved_over_two_pes():
    """PE0 rows 0, 2 -> [[1,0,0,0],[0,0,0,0]]: col0 1 entry. PE1 rows 1, 3 ->
    [[0,0,1,0],[1,0,0,1]]: col0 gap 1, col2 gap 0, col3 gap 1, no filler at L = 2.
    4 entries x 9 = 36, pointers 2 PEs x 5 x 4 = 40 -> 76 bits."""
    s = spec(F.CSC, index_bits=1, pointer_bits=4)
    assert csc_entries_per_pe_column(M, 2, 1).tolist() == [[1, 0, 0, 0], [1, 0, 1, 1]]
    cost = matrix_storage(M, s, row_partitions=2)
    assert (cost.values, cost.filler_zeros, cost.pointer_bits_total, cost.total_bits) == (
        4, 0, 40, 76)
    pe0, pe1 = matrix_storage_per_pe(M, s, row_partitions=2)
    assert (pe0.values, pe0.pointer_bits_total, pe1.values, pe1.pointer_bits_total) == (
        1, 20, 3, 20)


def test_csr_and_rle_interleaved_over_two_pes():
    """CSR: same 6 entries, pointers (2 + 1) + (2 + 1) = 6 x 4 = 24 -> 78 bits.
    RLE, 2-bit run: PE0 stream [1,0,0,0, 0,0,0,0] -> 1 entry; PE1 stream
    [0,0,1,0, 1,0,0,1] -> gaps 2, 1, 2, no filler -> 3 entries; 4 x 10 = 40 bits."""
    assert matrix_storage(M, spec(F.CSR, index_bits=1, pointer_bits=4),
                          row_partitions=2).total_bits == 78
    assert matrix_storage(M, spec(F.RLE, run_bits=2), row_partitions=2).total_bits == 40


def test_eie_column_in_csc():
    """23 x 1 column [0,0,1,2, 18 zeros, 3], 4-bit relative, 8-bit values, 16-bit pointers:
    4 entries (1 filler) x (8 + 4) = 48 + 2 pointers x 16 = 32 -> 80 bits."""
    column = np.array([0, 0, 1, 2] + [0] * 18 + [3], dtype=bool)[:, None]
    cost = matrix_storage(column, spec(F.CSC, index_bits=4, pointer_bits=16))
    assert (cost.values, cost.filler_zeros, cost.total_bits) == (4, 1, 80)


def test_per_pe_records_sum_to_total():
    rng = np.random.default_rng(3)
    mask = rng.random((100, 30)) < 0.2
    for fmt in F:
        s = spec(fmt, index_bits=2 if fmt in (F.CSC, F.CSR) else 0, run_bits=3)
        total = matrix_storage(mask, s, row_partitions=7)
        parts = matrix_storage_per_pe(mask, s, row_partitions=7)
        assert len(parts) == 7
        assert sum(p.total_bits for p in parts) == total.total_bits


def test_absolute_index_too_narrow_is_reported():
    with pytest.raises(ConfigError, match="format.index_bits must be >= 2 for absolute"):
        matrix_storage(M, spec(F.CSC, index_bits=1, relative_index=False))


def test_bad_spec_reports_every_problem():
    with pytest.raises(ConfigError) as err:
        matrix_storage(M, FormatSpec(F.CSC, value_bits=0, index_bits=-1), row_partitions=0)
    paths = [p.path for p in err.value.problems]
    assert paths == ["format.value_bits", "format.index_bits", "row_partitions"]
    assert "Got 0 instead." in str(err.value)


# ---- exact vs expected on random masks ---------------------------------------------------
SHAPE = (4096, 256)  # 1,048,576 elements; 64-row sub-columns over 64 PEs
_MASKS = {}


def random_mask(density):
    if density not in _MASKS:
        rng = np.random.default_rng(int(density * 1000))
        _MASKS[density] = rng.random(SHAPE, dtype=np.float32) < density
    return _MASKS[density]


CASES = [(F.DENSE, {}), (F.BITMAP, {}), (F.COO, {}), (F.COO, {"index_bits": 12}),
         (F.CSC, {"index_bits": 4, "pointer_bits": 16}), (F.CSC, {"index_bits": 5}),
         (F.CSC, {"relative_index": False}), (F.CSR, {"index_bits": 4}),
         (F.CSR, {"index_bits": 5, "pointer_bits": 20}), (F.RLE, {"run_bits": 4}),
         (F.RLE, {"run_bits": 5})]


@pytest.mark.parametrize("partitions", [1, 64])
@pytest.mark.parametrize("density", [0.05, 0.1, 0.3, 0.7])
@pytest.mark.parametrize("fmt, widths", CASES, ids=lambda c: str(c))
def test_expected_within_two_percent_of_exact(fmt, widths, density, partitions):
    """Expected cost at the mask's own density vs the exact count (i.i.d. random mask)."""
    mask = random_mask(density)
    s = FormatSpec(fmt, value_bits=16, **widths)
    exact = matrix_storage(mask, s, row_partitions=partitions)
    expected = matrix_storage((mask.shape, float(mask.mean())), s, row_partitions=partitions)
    assert exact.exact and not expected.exact
    assert expected.total_bits == pytest.approx(exact.total_bits, rel=0.02)
    assert expected.values == pytest.approx(exact.values, rel=0.02)
    if exact.filler_zeros > 1000:
        assert expected.filler_zeros == pytest.approx(exact.filler_zeros, rel=0.05)


@pytest.mark.parametrize("index_bits", [4, 5])
@pytest.mark.parametrize("density", [0.05, 0.1, 0.3])
def test_expected_entries_per_pe_column(index_bits, density):
    """EIE work per PE: expected per-PE totals within 2 % of the exact ones (P = 64, and
    1000 rows over 64 PEs -> 40 PEs with 16 rows and 24 with 15)."""
    for mask in (random_mask(density), random_mask(density)[:1000]):
        exact = csc_entries_per_pe_column(mask, 64, index_bits)
        expected = expected_csc_entries_per_pe_column(mask.shape, float(mask.mean()), 64,
                                                      index_bits)
        assert exact.shape == expected.shape == (64, mask.shape[1])
        assert expected.sum() == pytest.approx(exact.sum(), rel=0.02)
        rows = rows_per_pe(mask.shape[0], 64)
        for n_p in set(rows.tolist()):  # PEs holding 16 rows vs 15 rows, summed
            pick = rows == n_p
            assert expected[pick].sum() == pytest.approx(exact[pick].sum(), rel=0.05)
