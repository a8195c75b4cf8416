"""ONNX import (issue 11): a pruned model written by torch.onnx.export gives the same weighted
and act x act layers as the torch graph export (shapes, MACs, masks), and the CLI takes the
file as a workload."""
import json

import numpy as np
import pytest
import torch
import torch.nn.utils.prune as prune
from torch import nn

from hwsim.cli import main
from hwsim.workload.onnx_import import import_onnx
from pruning.graph_export import export_graph

pytest.importorskip("onnx")
pytestmark = pytest.mark.filterwarnings("ignore")


class Net(nn.Module):
    """conv -> BN -> ReLU -> pool -> linear -> a transformer encoder layer over 4 tokens."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8 * 4 * 4, 64)
        self.att = nn.TransformerEncoderLayer(16, 2, 32, batch_first=True)

    def forward(self, x):
        y = torch.max_pool2d(torch.relu(self.bn(self.conv(x))), 2).flatten(1)
        return self.att(self.fc(y).reshape(x.shape[0], 4, 16))


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    torch.manual_seed(0)
    model = Net().eval()
    params = [(model.conv, "weight"), (model.fc, "weight"), (model.att.linear1, "weight"),
              (model.att.linear2, "weight"), (model.att.self_attn.out_proj, "weight"),
              (model.att.self_attn, "in_proj_weight")]
    prune.global_unstructured(params, prune.L1Unstructured, amount=0.5)
    x = torch.randn(1, 3, 8, 8)
    graph = export_graph(model, x, "net")
    for module, name in params:
        prune.remove(module, name)
    path = tmp_path_factory.mktemp("onnx") / "net.onnx"
    torch.onnx.export(model, (x,), str(path), dynamo=False)
    return graph, path


def test_onnx_matches_the_torch_export_layer_by_layer(exported):
    graph, path = exported
    imported = import_onnx(path)
    assert imported.unsupported == ()
    torch_layers = [l for l in graph.network.layers if l.kind.value != "vector"]
    onnx_layers = [l for l in imported.network.layers if l.kind.value != "vector"]
    assert len(torch_layers) == len(onnx_layers) == 8
    for a, b in zip(torch_layers, onnx_layers):
        assert (a.kind, a.in_channels, a.out_channels, a.in_height, a.in_width, a.kernel,
                a.stride, a.padding, a.groups) == (b.kind, b.in_channels, b.out_channels,
                                                   b.in_height, b.in_width, b.kernel,
                                                   b.stride, b.padding, b.groups), a.name
        assert a.macs_dense == b.macs_dense and a.weight_nnz == b.weight_nnz, a.name
        if a.weight_mask is not None:
            assert np.array_equal(a.weight_mask, b.weight_mask), a.name
    assert [l.name for l in onnx_layers][:2] == ["conv", "fc"]
    links = lambda net: {(l.name, l.producer) for l in net.layers if l.producer}  # noqa: E731
    assert ("conv.relu", "conv") in links(graph.network) & links(imported.network)


def test_cli_estimate_and_import_take_the_onnx_file(exported, tmp_path, capsys):
    _, path = exported
    assert main(["estimate", "--arch", "arch_configs/systolic_ws.yaml", "--workload",
                 str(path), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["layers"]
    assert any(r["name"] == "conv" and r["supported"] for r in rows)
    assert main(["workload", "import", str(path), "-o", str(tmp_path / "net.yaml")]) == 0
    assert "wrote" in capsys.readouterr().out and (tmp_path / "net.yaml").exists()
