"""The shared LayerWorkload record: loop bounds, counts and validation."""
import numpy as np
import pytest

from hwsim.errors import ConfigError
from hwsim.types import LayerKind
from hwsim.workload import LayerWorkload


def test_conv_counts_lenet5_conv2():
    """LeNet-5 conv2: 20x12x12 input, 50 filters of 5x5 -> 8x8 output (12-5+1).

    weights = 50 x 20 x 5 x 5 = 25,000; MACs = 25,000 x 8 x 8 = 1,600,000 (Han Table 3: 3200K FLOP).
    """
    layer = LayerWorkload("conv2", LayerKind.CONV2D, 20, 50, 12, 12, kernel=5)
    assert (layer.out_height, layer.out_width) == (8, 8)
    assert layer.weight_count == 25_000
    assert layer.macs_dense == 1_600_000
    assert layer.matrix_shape == (50, 500)
    assert layer.loop_bounds == {"N": 1, "G": 1, "K": 50, "C": 20, "P": 8, "Q": 8, "R": 5, "S": 5}


def test_grouped_strided_padded_conv():
    """AlexNet conv2: 96x27x27 in, 256 filters 5x5, pad 2, 2 groups.

    P = (27 + 4 - 4 - 1) // 1 + 1 = 27; weights = 256 x 48 x 25 = 307,200;
    MACs = 307,200 x 27 x 27 = 223,948,800 (Han Table 4: 448M FLOP).
    """
    layer = LayerWorkload("conv2", "conv2d", 96, 256, 27, 27, kernel=5, padding=2, groups=2)
    assert layer.out_height == 27
    assert layer.weight_count == 307_200
    assert layer.macs_dense == 223_948_800
    assert layer.weight_shape == (256, 48, 5, 5)


def test_stride_and_dilation():
    """227 input, 11x11 kernel, stride 4: (227 - 11) // 4 + 1 = 55; dilation 2 on 7 -> 3 (7-5+1)."""
    assert LayerWorkload("c1", "conv2d", 3, 96, 227, 227, kernel=11, stride=4).out_height == 55
    assert LayerWorkload("d", "conv2d", 1, 1, 7, 7, kernel=3, dilation=2).out_height == 3


def test_mask_overrides_density_and_gives_row_col_nnz():
    """Mask [[1,0,1],[0,0,1]]: nnz 3, rows (2,1), cols (1,0,2); density field is ignored."""
    mask = np.array([[1, 0, 1], [0, 0, 1]], dtype=bool)
    layer = LayerWorkload("fc", "linear", 3, 2, weight_density=0.9, weight_mask=mask)
    assert layer.weight_nnz == 3
    assert layer.rows_nnz().tolist() == [2, 1]
    assert layer.cols_nnz().tolist() == [1, 0, 2]
    assert layer.effective_weight_density == pytest.approx(0.5)
    assert not layer.weight_mask.flags.writeable


def test_expected_effective_macs():
    """fc 100->10 at weight density 0.1, input density 0.5: 1000 x 0.1 x 0.5 = 50 MACs."""
    layer = LayerWorkload("fc", "linear", 100, 10, weight_density=0.1, input_density=0.5)
    assert layer.expected_effective_macs() == pytest.approx(50)
    assert layer.with_densities().expected_effective_macs() == 1000


def test_with_batch_scales_exact_macs():
    layer = LayerWorkload("fc", "linear", 4, 2, effective_macs=5)
    assert layer.with_batch(4).effective_macs == 20
    assert layer.with_batch(4).macs_dense == 32


def test_matmul_is_a_grouped_one_by_one_conv():
    """Attention scores per head: (64 x 32) @ (32 x 64) x 8 heads = 8 x 64 x 32 x 64 MACs."""
    layer = LayerWorkload("qk", "matmul", in_channels=8 * 32, out_channels=8 * 64,
                          in_height=64, groups=8)
    assert layer.macs_dense == 8 * 64 * 32 * 64
    assert layer.weight_shape == (512, 32)


@pytest.mark.parametrize("kwargs, path, value", [
    (dict(in_channels=0), "bad.in_channels", "0"),
    (dict(weight_density=1.5), "bad.weight_density", "1.5"),
    (dict(groups=3), "bad.in_channels", "4"),
    (dict(padding=-1), "bad.padding", "(-1, -1)"),
    (dict(kernel=9), "bad.kernel", "(9, 9)"),
])
def test_invalid_shapes_name_path_and_value(kwargs, path, value):
    base = dict(name="bad", kind="conv2d", in_channels=4, out_channels=6, in_height=5,
                in_width=5, kernel=3)
    base.update(kwargs)
    with pytest.raises(ConfigError) as info:
        LayerWorkload(**base)
    message = str(info.value)
    assert path in message and f"Got {value}" in message


def test_mask_of_wrong_shape_is_rejected():
    with pytest.raises(ConfigError, match=r"bad.weight_mask must have shape \(2, 3\)"):
        LayerWorkload("bad", "linear", 3, 2, weight_mask=np.ones((4, 4), bool))
