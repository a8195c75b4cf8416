"""Graph export on torch.export: every op classified, attention and vector ops as records,
BatchNorm folded, masks seen through torch.nn.utils.prune, the fx fallback named."""
import numpy as np
import pytest
import torch
import torch.nn.utils.prune as prune
from torch import nn

from hwsim.types import LayerKind, VectorOp
from pruning.coverage import coverage_report
from pruning.graph_export import export_graph


def _layers(result):
    return {layer.name: layer for layer in result.network.layers}


def test_transformer_encoder_layer_fast_path_regression():
    """nn.TransformerEncoderLayer in eval: the fused fast path hid linear1, linear2 and
    out_proj from the fx export ("never called in forward()"). d=64, 4 heads, ff 128, 10
    tokens: in_proj 10 x 64 x 192 = 122,880 MACs; scores and context 4 x 10 x 16 x 10 = 6,400
    each; linear1 = linear2 = 10 x 64 x 128 = 81,920; out_proj 10 x 64 x 64 = 40,960."""
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(64, 4, 128, batch_first=True).eval()
    result = export_graph(layer, torch.randn(4, 10, 64), "tel")
    got = _layers(result)
    assert result.traced_with == "torch.export"
    assert got["self_attn.in_proj"].macs_dense == 122_880
    assert got["self_attn.out_proj"].macs_dense == 40_960
    assert got["linear1"].macs_dense == got["linear2"].macs_dense == 81_920
    scores, context = got["self_attn.attention.scores"], got["self_attn.attention.context"]
    assert scores.kind is context.kind is LayerKind.ACT_MATMUL
    assert scores.macs_dense == context.macs_dense == 6_400
    assert scores.stored_weight_count == 0 and scores.groups == 4
    softmax = got["self_attn.attention.softmax"]
    assert softmax.vector_op is VectorOp.SOFTMAX and softmax.in_channels == 4 * 10 * 10
    norms = [l for l in result.network.layers if l.vector_op is VectorOp.NORM]
    assert len(norms) == 2 and norms[0].in_channels == 640
    adds = [l for l in result.network.layers if l.name.startswith("add")]
    assert [a.in_channels for a in adds] == [1280, 1280]       # residual: two 10 x 64 inputs
    assert result.coverage.mac_fraction == result.coverage.byte_fraction == 1.0
    assert result.unsupported == ()
    total = sum(l.macs_dense for l in result.network.layers)
    assert total == 122_880 + 2 * 6_400 + 40_960 + 2 * 81_920


def test_conv_batchnorm_folded_masks_and_effective_macs():
    """A pruned conv -> BN -> ReLU -> pool -> linear: BN folds into the conv (no record), the
    conv's output density is measured after BN and ReLU, the masks are the prune masks, the
    exact effective MACs match the fx export's count."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, stride=2), nn.BatchNorm2d(8),
                          nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                          nn.Linear(8, 4)).eval()
    prune.global_unstructured([(model[0], "weight"), (model[5], "weight")],
                              prune.L1Unstructured, amount=0.5)
    x = torch.randn(4, 3, 8, 8)
    result = export_graph(model, x, "net")
    got = _layers(result)
    conv, fc = got["0"], got["5"]
    assert conv.kind is LayerKind.CONV2D and (conv.out_height, conv.out_width) == (4, 4)
    assert np.array_equal(conv.weight_mask, model[0].weight_mask.numpy().astype(bool))
    assert fc.weight_nnz == int(model[5].weight_mask.sum())
    folded = [r for r in result.coverage.rows if r.op == "batch_norm"]
    assert folded and folded[0].modelled_as.startswith("BatchNorm folded")
    with torch.no_grad():
        relu = torch.relu(model[1](model[0](x)))
    assert conv.output_density == pytest.approx(float((relu != 0).float().mean()))
    from pruning.export import export_model
    old = {l.name: l for l in export_model(model, x, "net").network.layers}
    assert conv.effective_macs == old["0"].effective_macs
    assert fc.effective_macs == old["5"].effective_macs
    pool = next(l for l in result.network.layers if l.vector_op is VectorOp.POOL)
    assert (pool.in_channels, pool.out_channels, pool.ops_per_element) == (128, 8, 16.0)


def test_act_matmul_densities_and_conv1d_depthwise():
    """x @ y of two activations (ReLU makes about half of each zero) is an act_matmul with
    both densities measured; a depthwise dilated conv1d becomes conv2d of height 1."""

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv1d(4, 4, 3, padding=2, dilation=2, groups=4)

        def forward(self, x):
            a = torch.relu(self.conv(x))                    # (N, 4, 12)
            return torch.relu(a) @ torch.relu(a.transpose(1, 2))   # (N, 4, 4)

    torch.manual_seed(0)
    result = export_graph(Net().eval(), torch.randn(2, 4, 12), "net")
    got = _layers(result)
    conv = got["conv"]
    assert (conv.kind, conv.in_height, conv.in_width, conv.kernel, conv.dilation,
            conv.groups) == (LayerKind.CONV2D, 1, 12, (1, 3), (1, 2), 4)
    assert conv.macs_dense == 4 * 3 * 12
    mm = next(l for l in result.network.layers if l.kind is LayerKind.ACT_MATMUL)
    assert (mm.in_height, mm.in_channels, mm.out_channels, mm.groups) == (4, 12, 4, 1)
    assert mm.macs_dense == 4 * 12 * 4
    assert 0 < mm.input_density < 1 and 0 < mm.weight_density < 1
    assert mm.effective_macs <= mm.macs_dense


def test_unmodelled_ops_are_listed_not_dropped():
    """An op with no hwsim model (here torch.fft.rfft, aten.fft_rfft) is a coverage row
    that is not covered and an UnsupportedOp."""

    class Net(nn.Module):
        def forward(self, x):
            return torch.fft.rfft(x).abs()

    result = export_graph(Net().eval(), torch.randn(2, 8), "net")
    assert [op.op_type for op in result.unsupported] == ["fft_rfft"]
    assert result.coverage.byte_fraction < 1.0
    assert result.coverage.not_modelled[0].op == "fft_rfft"


def test_fallback_says_which_path():
    """A model torch.export cannot capture falls back to the fx / hook export and says why."""

    class Branchy(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 2)

        def forward(self, x):
            if float(x.sum()) > 0:          # data-dependent control flow
                return self.fc(x)
            return -self.fc(x)

    result = export_graph(Branchy().eval(), torch.ones(2, 4), "b")
    assert result.traced_with in ("fx", "hooks") and result.fallback_reason
    assert [l.name for l in result.network.layers] == ["fc"]


def test_coverage_report_arithmetic():
    """100 of 100 MACs and 40 of 50 bytes covered (module docstring of pruning.coverage)."""
    report = coverage_report([("linear", "linear", 100, 40, True),
                              ("einsum", "not modelled", 0, 10, False)])
    assert report.mac_fraction == 1.0 and report.byte_fraction == pytest.approx(0.8)
    assert "80.00% of bytes" in report.table()


def test_an_activation_that_alone_reads_a_layer_names_it_as_producer():
    """conv -> BN -> ReLU: the ReLU is recorded as ``0.relu`` with producer ``0`` (through the
    folded BN); a ReLU after a residual add, or one of two readers of a linear's output, has
    no producer (no accelerator could apply it in a layer's output path)."""
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding=1)
            self.bn = nn.BatchNorm2d(4)
            self.fc = nn.Linear(4 * 4 * 4, 8)

        def forward(self, x):
            y = torch.relu(self.bn(self.conv(x)))
            y = torch.relu(y + x[:, :1])                 # after an add: not fusable
            z = self.fc(y.flatten(1))
            return torch.relu(z) + z                     # the linear has two readers

    result = export_graph(Net().eval(), torch.randn(2, 3, 4, 4), "net")
    acts = [l for l in result.network.layers if l.vector_op is VectorOp.ACTIVATION]
    assert [(l.name, l.producer, str(l.activation) if l.activation else None)
            for l in acts] == [("conv.relu", "conv", "relu"), ("relu_1", None, None),
                               ("relu_2", None, None)]


def test_export_pruned_is_the_graph_export_with_the_n_m_check():
    """What hwsim prune / hwsim run write: LeNet-300 as 3 linear layers and 2 ReLUs linked to
    fc1 and fc2, traced with torch.export, coverage 100 %, provenance kept."""
    from pruning.export import export_pruned
    from pruning.models import LeNet300
    torch.manual_seed(0)
    result = export_pruned(LeNet300().eval(), torch.rand(4, 1, 28, 28), "l300",
                           source="test images")
    assert result.traced_with == "torch.export" and result.fallback_reason == ""
    assert [(l.name, l.producer) for l in result.network.layers] == [
        ("fc1", None), ("fc1.relu", "fc1"), ("fc2", None), ("fc2.relu", "fc2"), ("fc3", None)]
    assert result.coverage.mac_fraction == 1.0 and result.network.profile == "test images"
