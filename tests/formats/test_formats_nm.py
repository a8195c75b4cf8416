"""N:M groups (the one definition), the violation check and compressed storage of a layer."""
import numpy as np
import pytest

from hwsim.arch.model import FormatSpec, StructuredSparsity
from hwsim.formats import (check_n_m, layer_n_m, reduction_matrix, reduction_order,
                           satisfies_n_m, weight_storage)
from hwsim.types import LayerKind
from hwsim.workload.layer import LayerWorkload

TWO_FOUR = StructuredSparsity(n=2, m=4, metadata_bits=2)


def conv(mask: np.ndarray) -> LayerWorkload:
    k, c, r, s = mask.shape
    return LayerWorkload("conv", LayerKind.CONV2D, c, k, 8, 8, (r, s), weight_mask=mask)


def two_of_four_rsc(k: int, c: int, r: int, s: int, seed: int = 0) -> np.ndarray:
    """A (K, C, R, S) mask keeping exactly 2 of every 4 consecutive input channels at each
    (r, s): 2:4 in the group order, not in the row-major C, R, S flattening."""
    keep = np.argsort(np.random.default_rng(seed).random((k, r, s, c // 4, 4)), axis=4) < 2
    return keep.reshape(k, r, s, c).transpose(0, 3, 1, 2)


def test_reduction_order_hand_example():
    """C = 2, S = 2: flat columns c0s0, c0s1, c1s0, c1s1 -> (S, C) order [0, 2, 1, 3];
    2-D tensors keep their order."""
    assert reduction_order((1, 2, 1, 2)).tolist() == [0, 2, 1, 3]
    assert reduction_order((3, 5)).tolist() == [0, 1, 2, 3, 4]
    mask = np.arange(8).reshape(1, 2, 2, 2)            # (K, C, R, S)
    assert reduction_matrix(mask).tolist() == [[0, 4, 1, 5, 2, 6, 3, 7]]


def test_check_counts_violating_groups_with_a_partial_tail():
    """Rows [1,1,1,0 | 1,0] and [1,1,0,0 | 1,1], 2:4: 4 groups (2 partial), the first row's
    full group holds 3 -> 1 violating group, 1 row."""
    check = check_n_m(np.array([[1, 1, 1, 0, 1, 0], [1, 1, 0, 0, 1, 1]]), 2, 4)
    assert (check.groups, check.violating, check.rows_violating, check.ok) == (4, 1, 1, False)
    assert check.describe() == "1 of 4 4-weight groups breaks the 2:4 pattern"
    assert check.to_dict() == {"pattern": "2:4", "groups": 4, "violating_groups": 1,
                               "rows_violating": 1}


def test_groups_run_along_input_channels_of_a_conv():
    """A mask that is 2:4 along C at every (r, s) passes; the row-major C, R, S flattening
    (the check before this fix) would have found violating groups in it."""
    mask = two_of_four_rsc(6, 8, 3, 3)
    assert satisfies_n_m(mask, 2, 4)
    flat = mask.reshape(6, -1)
    assert not satisfies_n_m(flat, 2, 4)            # a plain matrix keeps its column order


def test_two_four_conv_stored_compressed_values_plus_metadata():
    """K = 6, C = 8, 3x3, exactly 2:4: 6 x 72 = 432 weights, 216 kept = 216 slots;
    values 216 x 16 = 3,456 bits, metadata 216 x 2 = 432 bits; 3,888 bits = 486 bytes,
    against 432 x 16 / 8 = 864 bytes dense (0.5625)."""
    cost = weight_storage(conv(two_of_four_rsc(6, 8, 3, 3)), FormatSpec(), structured=TWO_FOUR)
    assert cost.structured == TWO_FOUR and cost.exact
    assert (cost.values, cost.filler_zeros) == (216, 0)
    assert (cost.value_bits_total, cost.index_bits_total, cost.total_bits) == (3456, 432, 3888)
    assert cost.total_bytes == 486


def test_violating_layer_is_stored_dense_and_says_why():
    """One group of a 2:4 conv mask holds 3: the layer is stored in the spec's format (dense:
    432 x 16 bits) and its NMUse names the group."""
    mask = two_of_four_rsc(6, 8, 3, 3).copy()
    mask[0, :4, 0, 0] = [True, True, True, False]
    layer = conv(mask)
    cost = weight_storage(layer, FormatSpec(), structured=TWO_FOUR)
    assert cost.structured is None and cost.total_bits == 432 * 16
    use = layer_n_m(layer, TWO_FOUR)
    assert not use.applies and use.check.violating == 1 and use.check.groups == 6 * 18
    assert use.note(layer, TWO_FOUR) == ("runs dense: 1 of 108 4-weight groups breaks the 2:4 "
                                         "pattern")


def test_without_a_mask_the_density_decides():
    """No mask: density 0.5 fits 2:4 (stored as 2 of every 4 + metadata), 0.6 runs dense."""
    half = LayerWorkload("fc", LayerKind.LINEAR, 8, 4, weight_density=0.5)
    assert layer_n_m(half, TWO_FOUR).applies
    assert weight_storage(half, FormatSpec(), structured=TWO_FOUR).total_bits == 16 * 18
    more = LayerWorkload("fc", LayerKind.LINEAR, 8, 10, weight_density=0.6)   # 48 of 80
    use = layer_n_m(more, TWO_FOUR)
    assert not use.applies and use.check is None
    assert use.note(more, TWO_FOUR).startswith("runs dense: weight density 60.0% is above 2:4")


@pytest.mark.parametrize("n, m", [(0, 4), (5, 4)])
def test_bad_patterns_are_config_errors(n, m):
    from hwsim.errors import ConfigError
    with pytest.raises(ConfigError, match="structured.n"):
        check_n_m(np.ones((1, 4)), n, m)
