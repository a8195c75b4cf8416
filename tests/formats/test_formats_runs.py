"""Filler arithmetic: the EIE example, the closed-form expectation, the vectorised counters."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwsim.errors import ConfigError
from hwsim.formats import (bits_for, csc_entries_per_pe_column, decode_csc_column,
                           encode_csc_column, expected_fillers, sequence_stats)
from hwsim.formats.runs import column_stats

EIE_COLUMN = [0, 0, 1, 2] + [0] * 18 + [3]


def test_eie_paper_example():
    """EIE (Han et al. 2016, Fig. 2 text): 4-bit relative index, column [0,0,1,2, 18 zeros, 3]
    -> values [1,2,0,3], indices [2,0,15,2]: the gap of 18 = 16 + 2 takes one filler zero."""
    assert encode_csc_column(EIE_COLUMN, 4) == ([1, 2, 0, 3], [2, 0, 15, 2])
    assert decode_csc_column([1, 2, 0, 3], [2, 0, 15, 2], len(EIE_COLUMN)) == EIE_COLUMN


def test_gap_of_exactly_sixteen_needs_one_filler():
    """Gap 15 fits a 4-bit index (no filler); gap 16 = 15 zeros + the filler's own slot,
    then the non-zero with z = 0."""
    assert encode_csc_column([0] * 15 + [7], 4) == ([7], [15])
    assert encode_csc_column([0] * 16 + [7], 4) == ([0, 7], [15, 0])
    assert encode_csc_column([0] * 32 + [7], 4) == ([0, 0, 7], [15, 15, 0])


def test_trailing_zeros_are_not_stored():
    """Nothing after the last non-zero: 40 trailing zeros cost no filler."""
    assert encode_csc_column([5] + [0] * 40, 4) == ([5], [0])
    assert decode_csc_column([5], [0]) == [5]


def test_encode_rejects_zero_index_bits():
    with pytest.raises(ConfigError, match="index_bits must be an integer >= 1"):
        encode_csc_column([1], 0)


def test_decode_rejects_length_mismatch():
    with pytest.raises(ConfigError, match="relative_indices must have 2 entries"):
        decode_csc_column([1, 2], [0])


columns = st.lists(st.one_of(st.just(0), st.just(0), st.just(0), st.integers(-9, 9)),
                   max_size=200)


@settings(max_examples=300, deadline=None)
@given(column=columns, index_bits=st.integers(1, 6))
def test_decode_inverts_encode(column, index_bits):
    values, indices = encode_csc_column(column, index_bits)
    assert decode_csc_column(values, indices, len(column)) == column
    assert all(0 <= z < 2 ** index_bits for z in indices)


@settings(max_examples=200, deadline=None)
@given(column=columns, index_bits=st.integers(1, 6))
def test_sequence_stats_matches_the_encoder(column, index_bits):
    values, _ = encode_csc_column(column, index_bits)
    mask = np.array([column], dtype=float).reshape(1, -1) != 0
    nnz, fillers = sequence_stats(mask, index_bits)
    assert nnz[0] == sum(v != 0 for v in column)
    assert nnz[0] + fillers[0] == len(values)


@settings(max_examples=100, deadline=None)
@given(data=st.data(), partitions=st.integers(1, 9), index_bits=st.integers(1, 4))
def test_entries_per_pe_column_match_per_pe_encoding(data, partitions, index_bits):
    """Row i goes to PE i mod P; each PE encodes its own sub-column (local row numbers)."""
    rows = data.draw(st.integers(1, 60))
    cols = data.draw(st.integers(1, 5))
    flat = data.draw(st.lists(st.booleans(), min_size=rows * cols, max_size=rows * cols))
    mask = np.array(flat, dtype=bool).reshape(rows, cols)
    got = csc_entries_per_pe_column(mask, partitions, index_bits)
    want = [[len(encode_csc_column(mask[p::partitions, j].astype(int), index_bits)[0])
             for j in range(cols)] for p in range(partitions)]
    assert got.tolist() == want


def test_column_stats_wide_path_matches_transposed_path():
    """>= 1024 columns take the row-scan path; it must equal the flatnonzero path."""
    rng = np.random.default_rng(1)
    mask = rng.random((70, 1500)) < 0.05
    nnz, fillers = column_stats(mask, 3)
    nnz_ref, fillers_ref = sequence_stats(mask.T, 3)
    assert (nnz == nnz_ref).all() and (fillers == fillers_ref).all()
    assert fillers.sum() > 0


def test_sequence_stats_hand_example():
    """run_bits 2 (L = 4): [0,0,0,0,0,1] has gap 5 -> 1 filler; [1,0,0,0,0,0] gap 0 and
    trailing zeros -> 0 fillers."""
    mask = np.array([[0, 0, 0, 0, 0, 1], [1, 0, 0, 0, 0, 0]], dtype=bool)
    nnz, fillers = sequence_stats(mask, 2)
    assert nnz.tolist() == [1, 1] and fillers.tolist() == [1, 0]


def test_expected_fillers_hand_example():
    """n = 3, d = 0.5, b = 1 (L = 2): Q = 0.25, T = 1, s = 1:
    0.5 * 0.25/0.75 * (3 - 2 * 0.75/0.75 - 0.25) = 0.125 = P([0,0,1]) x 1 filler."""
    assert expected_fillers(3, 0.5, 1) == pytest.approx(0.125, abs=1e-15)


@pytest.mark.parametrize("length", [1, 2, 5, 8, 11])
@pytest.mark.parametrize("run_bits", [1, 2])
@pytest.mark.parametrize("density", [0.1, 0.5, 0.8])
def test_expected_fillers_equals_brute_force(length, run_bits, density):
    """Sum over all 2**n columns of P(column) x fillers(column), fillers by the encoder."""
    total = 0.0
    for bits in itertools.product((0, 1), repeat=length):
        nnz = sum(bits)
        probability = density ** nnz * (1 - density) ** (length - nnz)
        values, _ = encode_csc_column(list(bits), run_bits)
        total += probability * (len(values) - nnz)
    assert expected_fillers(length, density, run_bits) == pytest.approx(total, abs=1e-12)


def test_expected_fillers_long_sequence_limit():
    """Per non-zero, fillers tend to Q/(1-Q); d = 0.1, b = 4: Q = 0.9**16 = 0.18530."""
    q = 0.9 ** 16
    per_nnz = expected_fillers(10 ** 7, 0.1, 4) / (10 ** 7 * 0.1)
    assert per_nnz == pytest.approx(q / (1 - q), rel=1e-4)


def test_expected_fillers_edges_and_arrays():
    assert expected_fillers(100, 0.0, 4) == 0.0
    assert expected_fillers(100, 1.0, 4) == 0.0
    assert expected_fillers(16, 0.3, 4) == 0.0  # max gap 15 fits
    got = expected_fillers(np.array([3, 3]), 0.5, 1)
    assert got.tolist() == pytest.approx([0.125, 0.125])


@pytest.mark.parametrize("count, bits", [(1, 1), (2, 1), (3, 2), (16, 4), (17, 5), (4096, 12)])
def test_bits_for(count, bits):
    assert bits_for(count) == bits
