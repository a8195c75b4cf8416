"""Export to hwsim: effective MACs vs brute force, activation densities, round trip, listing."""
import itertools

import numpy as np
import pytest
import torch
from torch import nn

from hwsim.errors import HwsimError
from hwsim.types import LayerKind
from hwsim.workload import load_network, save_network
from pruning.export import count_effective_macs, export_model, export_network
from pruning.methods import fixed_mask, layer_sparsity
from pruning.models import LeNet5, LeNet300


def brute_force_conv_pairs(x: np.ndarray, mask: np.ndarray, stride, padding, dilation,
                           groups) -> int:
    """Count (non-zero input, non-zero weight) pairs by walking the 7 loops of a conv."""
    n_img, c_in, height, width = x.shape
    k_out, c_g, r_k, s_k = mask.shape
    k_g = k_out // groups
    p_out = (height + 2 * padding[0] - dilation[0] * (r_k - 1) - 1) // stride[0] + 1
    q_out = (width + 2 * padding[1] - dilation[1] * (s_k - 1) - 1) // stride[1] + 1
    count = 0
    for n, k, p, q, c, r, s in itertools.product(range(n_img), range(k_out), range(p_out),
                                                 range(q_out), range(c_g), range(r_k),
                                                 range(s_k)):
        h = p * stride[0] + r * dilation[0] - padding[0]
        w = q * stride[1] + s * dilation[1] - padding[1]
        if 0 <= h < height and 0 <= w < width:
            channel = (k // k_g) * c_g + c
            count += int(mask[k, c, r, s] and x[n, channel, h, w] != 0)
    return count


@pytest.mark.parametrize("stride, padding, dilation, groups", [
    ((1, 1), (0, 0), (1, 1), 1), ((2, 1), (1, 2), (1, 1), 2), ((1, 2), (2, 1), (2, 1), 4)])
def test_conv_effective_macs_match_brute_force(stride, padding, dilation, groups):
    gen = torch.Generator().manual_seed(1)
    conv = nn.Conv2d(4, 8, (3, 2), stride, padding, dilation, groups)
    fixed_mask(conv, torch.rand(conv.weight.shape, generator=gen) < 0.5)
    x = torch.rand(2, 4, 6, 7, generator=gen) * (torch.rand(2, 4, 6, 7, generator=gen) < 0.4)
    mask = conv.weight_mask.bool().numpy()
    expected = brute_force_conv_pairs(x.numpy(), mask, stride, padding, dilation, groups)
    assert count_effective_macs(conv, x != 0) == expected


def test_conv_effective_macs_worked_example():
    """1 channel, 2x2 kernel on a 2x2 input: indicator [[1, 0], [1, 1]], mask [[1, 1], [0, 1]]
    -> one output, pairs 1 + 0 + 0 + 1 = 2."""
    conv = nn.Conv2d(1, 1, 2, bias=False)
    fixed_mask(conv, torch.tensor([[[[True, True], [False, True]]]]))
    x = torch.tensor([[[[5.0, 0.0], [2.0, 1.0]]]])
    assert count_effective_macs(conv, x != 0) == 2


def test_linear_effective_macs_worked_example():
    """Mask [[1, 0], [1, 1]], input [3, 0]: column 0 is live in both rows -> 2 pairs."""
    layer = nn.Linear(2, 2)
    fixed_mask(layer, torch.tensor([[True, False], [True, True]]))
    assert count_effective_macs(layer, torch.tensor([[3.0, 0.0]]) != 0) == 2


class Crafted(nn.Module):
    """fc1 (identity weights, bias -1) -> ReLU -> fc2, fc2 has no ReLU after it."""

    def __init__(self, functional: bool):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(4, 4), nn.Linear(4, 2)
        self.relu = nn.ReLU()
        self.functional = functional
        with torch.no_grad():
            self.fc1.weight.copy_(torch.eye(4))
            self.fc1.bias.fill_(-1.0)
            self.fc2.weight.fill_(1.0)
            self.fc2.bias.zero_()

    def forward(self, x):
        hidden = self.fc1(x)
        hidden = torch.relu(hidden) if self.functional else self.relu(hidden)
        return self.fc2(hidden)


class Branchy(Crafted):
    """The same network behind data-dependent control flow: torch.fx cannot trace it."""

    def forward(self, x):
        if float(x.sum()) > -1e9:
            return self.fc2(self.relu(self.fc1(x)))
        return x


@pytest.mark.parametrize("model_cls, functional, traced_with", [
    (Crafted, True, "fx"), (Crafted, False, "fx"), (Branchy, False, "hooks")])
def test_activation_densities_on_crafted_input(model_cls, functional, traced_with):
    """Input [2, 0, 3, 0.5] and [0, 0, 0, 2]: input density 4/8 = 0.5.
    fc1 = x - 1 -> [1, -1, 2, -0.5] and [-1, -1, -1, 1]: after ReLU 3 of 8 non-zero = 0.375.
    fc2 sums the ReLU outputs: [3, 3] and [1, 1]: all 4 non-zero (raw output, no ReLU).
    Effective MACs (no weight pruned): fc1 sees 3 + 1 non-zero inputs x 4 rows = 16 pairs over
    2 images -> 8 per image; fc2 sees 2 + 1 non-zero inputs x 2 rows = 6 -> 3 per image."""
    model = model_cls(functional)
    x = torch.tensor([[2.0, 0.0, 3.0, 0.5], [0.0, 0.0, 0.0, 2.0]])
    result = export_model(model, x, "crafted")
    fc1, fc2 = result.network.layers
    assert result.traced_with == traced_with
    assert fc1.input_density == 0.5
    assert fc1.output_density == 3 / 8
    assert fc2.input_density == 3 / 8 and fc2.output_density == 1.0
    assert fc1.effective_macs == 8
    assert fc2.effective_macs == 3


def test_lenet5_shapes_masks_and_nnz():
    torch.manual_seed(0)
    model = LeNet5()
    layer_sparsity(model.conv2, amount=0.9)
    net = export_model(model, torch.rand(3, 1, 28, 28), "lenet5").network
    names = [layer.name for layer in net.layers]
    assert names == ["conv1", "conv2", "fc1", "fc2"]
    conv2 = net.layer("conv2")
    assert conv2.kind is LayerKind.CONV2D and (conv2.in_height, conv2.in_width) == (12, 12)
    assert conv2.weight_mask.shape == (50, 20, 5, 5) and conv2.weight_nnz == 2500
    assert conv2.row_nnz.sum() == 2500 and conv2.col_nnz.shape == (500,)
    assert conv2.weight_density == pytest.approx(0.1)
    assert net.layer("fc1").kind is LayerKind.LINEAR and net.layer("fc1").in_channels == 800


def test_export_round_trip_through_workload_file(tmp_path):
    torch.manual_seed(0)
    model = LeNet300()
    for layer in (model.fc1, model.fc2):
        layer_sparsity(layer, amount=0.8)
    net = export_network(model, torch.rand(4, 1, 28, 28), "lenet300-test")
    back = load_network(save_network(net, tmp_path / "w.yaml"))
    assert back == net
    for a, b in zip(net.layers, back.layers):
        assert np.array_equal(a.weight_mask, b.weight_mask)
        assert np.array_equal(a.row_nnz, b.row_nnz) and np.array_equal(a.col_nnz, b.col_nnz)
        assert a.effective_macs == b.effective_macs


class WithUnmodelled(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.norm = nn.BatchNorm2d(2)
        self.seq = nn.Conv1d(2, 2, 1)
        self.fc = nn.Linear(2 * 26 * 26, 3)

    def forward(self, x):
        x = self.norm(self.conv(x))
        x = self.seq(x.flatten(2)).reshape(x.shape)
        return self.fc(torch.flatten(x, 1))


def test_unmodelled_layers_are_listed_not_dropped():
    model = WithUnmodelled()
    result = export_model(model, torch.rand(2, 1, 28, 28), "odd")
    assert [layer.name for layer in result.network.layers] == ["conv", "fc"]
    assert {op.name for op in result.unsupported} == {"norm", "seq"}
    with pytest.warns(UserWarning, match="norm"):
        export_network(model, torch.rand(2, 1, 28, 28), "odd")
    with pytest.raises(HwsimError, match="seq"):
        export_network(model, torch.rand(2, 1, 28, 28), "odd", strict=True)


def test_linear_on_token_sequences_uses_rows():
    model = nn.Sequential(nn.Linear(8, 4))
    layer = export_model(model, torch.rand(2, 5, 8), "tokens").network.layers[0]
    assert (layer.in_height, layer.in_width, layer.macs_dense) == (5, 1, 5 * 32)
    assert layer.effective_macs == 5 * 32
