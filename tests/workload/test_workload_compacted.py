"""Compacted layers (structured pruning removed channels): the original channel counts survive
the file round trip, rebuild the dense baseline, and are validated like every other field."""
import numpy as np
import pytest

from hwsim.errors import ConfigError
from hwsim.types import LayerKind
from hwsim.workload import (LayerWorkload, Network, load_network, parse_network, save_network,
                            summarize_network)


def _compacted_fc2() -> LayerWorkload:
    """LeNet-300 fc2 with 150 of its 300 inputs and 50 of its 100 neurons left, dense inside."""
    mask = np.ones((50, 150), dtype=bool)
    return LayerWorkload("fc2", LayerKind.LINEAR, 150, 50, weight_mask=mask,
                         row_nnz=mask.sum(1), col_nnz=mask.sum(0), effective_macs=7_000,
                         original_in_channels=300, original_out_channels=100)


def test_dense_baseline_is_the_original_shape():
    """with_densities() drops the exact data and restores 300 x 100: 30,000 MACs, not 7,500."""
    layer = _compacted_fc2()
    dense = layer.with_densities()
    assert layer.is_compacted and not dense.is_compacted
    assert (dense.in_channels, dense.out_channels) == (300, 100)
    assert dense.macs_dense == 30_000 and layer.macs_dense == 7_500
    assert dense.weight_mask is None and dense.effective_macs is None


def test_uncompacted_layer_unchanged():
    layer = LayerWorkload("fc", LayerKind.LINEAR, 784, 300, weight_density=0.1)
    assert not layer.is_compacted
    assert layer.with_densities() == LayerWorkload("fc", LayerKind.LINEAR, 784, 300)


def test_batch_keeps_the_original_shape():
    layer = _compacted_fc2().with_batch(4)
    assert (layer.original_in_channels, layer.original_out_channels) == (300, 100)
    assert layer.with_densities().macs_dense == 4 * 30_000


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_round_trip(tmp_path, suffix):
    conv = LayerWorkload("conv2", LayerKind.CONV2D, 12, 30, 12, 12, (5, 5),
                         original_in_channels=20, original_out_channels=50)
    net = Network("lenet5-compact", (conv, _compacted_fc2()), "pruning run")
    back = load_network(save_network(net, tmp_path / f"net{suffix}"))
    assert back == net
    assert back.layer("conv2").original_out_channels == 50
    assert back.layer("fc2").with_densities().in_channels == 300


def test_old_files_still_load():
    """A file without the new keys gives uncompacted layers."""
    net = parse_network({"name": "n", "layers": [{"name": "fc", "kind": "linear",
                                                   "in_channels": 4, "out_channels": 2}]})
    assert net.layers[0].original_in_channels is None and not net.layers[0].is_compacted


def test_problems_with_paths():
    data = {"name": "n", "layers": [
        {"name": "fc", "kind": "linear", "in_channels": 4, "out_channels": 2,
         "original_in_channels": 3},
        {"name": "zero", "kind": "linear", "in_channels": 4, "out_channels": 2,
         "original_out_channels": 0},
        {"name": "conv", "kind": "conv2d", "in_channels": 4, "out_channels": 4, "groups": 2,
         "in_height": 3, "in_width": 3, "original_out_channels": 5},
        {"name": "base_only", "kind": "linear", "in_channels": 4, "out_channels": 2,
         "original_channels": 4}]}
    with pytest.raises(ConfigError) as err:
        parse_network(data, "w.yaml")
    problems = {p.path: p for p in err.value.problems}
    assert problems["layers.zero.original_out_channels"].value == 0
    assert "in_channels (4)" in problems["layers.fc.original_in_channels"].requirement
    assert "groups=2" in problems["layers.conv.original_out_channels"].requirement
    assert "layers.base_only.original_channels" in problems


def test_overrides_of_a_builtin_cannot_compact():
    """``base:`` files change densities only; a compacted layer is written in full."""
    with pytest.raises(ConfigError) as err:
        parse_network({"base": "lenet300", "layers": [{"name": "fc1",
                                                       "original_out_channels": 300}]})
    assert err.value.problems[0].path == "layers.fc1.original_out_channels"


def test_summary_counts_the_original_shape():
    """``hwsim workload show``: 7,500 of 30,000 weights kept -> density 0.25, 4.0x."""
    summary = summarize_network(Network("n", (_compacted_fc2(),)))
    fc2 = summary.layers[0]
    assert (fc2.weight_count, fc2.weight_nnz, fc2.macs_dense) == (30_000, 7_500, 30_000)
    assert fc2.weight_density == 0.25 and summary.compression_x == 4.0
