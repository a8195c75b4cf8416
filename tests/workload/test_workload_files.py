"""Workload files: exact round trip (masks included), base + overrides, and every error rule
reported at once with file, dotted path and bad value."""
import dataclasses
import json

import numpy as np
import pytest
import yaml

from hwsim.errors import ConfigError
from hwsim.workload import (Network, builtin_network, encode_mask, load_network, parse_network,
                            resolve_network, save_network)


def _problems(data, source="w.yaml"):
    with pytest.raises(ConfigError) as err:
        parse_network(data, source)
    return {p.path: p for p in err.value.problems}


def _masked_lenet5():
    """LeNet-5 under han2015 with exact data on conv2 (a 50x20x5x5 mask, nnz, effective MACs)
    and a measured density 1/3 on fc2 (not a short decimal: the float must survive)."""
    net = resolve_network("lenet5", profile="han2015")
    conv2 = net.layer("conv2")
    mask = np.random.default_rng(1).random(conv2.weight_shape) < 0.12
    matrix = mask.reshape(conv2.matrix_shape)
    conv2 = dataclasses.replace(conv2, weight_mask=mask, row_nnz=matrix.sum(1),
                                col_nnz=matrix.sum(0), effective_macs=123_456)
    fc2 = dataclasses.replace(net.layer("fc2"), weight_density=1 / 3)
    return Network("lenet5", (net.layers[0], conv2, net.layers[2], fc2), "han2015"), mask


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json"])
def test_round_trip_with_mask(tmp_path, suffix):
    net, mask = _masked_lenet5()
    path = save_network(net, tmp_path / f"net{suffix}")
    back = load_network(path)
    assert back == net
    conv2 = back.layer("conv2")
    assert np.array_equal(conv2.weight_mask, mask)
    assert np.array_equal(conv2.row_nnz, net.layer("conv2").row_nnz)
    assert np.array_equal(conv2.col_nnz, net.layer("conv2").col_nnz)
    assert conv2.weight_nnz == int(mask.sum()) and conv2.effective_macs == 123_456
    assert back.layer("fc2").weight_density == 1 / 3
    assert [p.name for p in tmp_path.iterdir()] == [f"net{suffix}"]   # no temp file left


def test_round_trip_keeps_a_recorded_source_and_batch(tmp_path):
    """A pruning export's label is not a built-in profile: it is recorded, not applied."""
    net = resolve_network("lenet300", batch=8)
    net = Network("mlp", net.layers, "magnitude-pruning run 3")
    path = save_network(net, tmp_path / "mlp.json")
    assert json.loads(path.read_text())["sparsity_source"] == "magnitude-pruning run 3"
    back = load_network(path)
    assert back == net and back.profile == "magnitude-pruning run 3"
    assert back.layers[0].batch == 8


def test_save_overwrites_atomically(tmp_path):
    path = tmp_path / "n.yaml"
    path.write_text("old")
    save_network(builtin_network("lenet300"), path)
    assert load_network(path) == builtin_network("lenet300")


def test_base_with_profile_and_overrides(tmp_path):
    """alexnet + han2015, then fc6 weight density 0.05: 37,748,736 x 0.05 = 1,887,437 kept."""
    path = tmp_path / "alex.yaml"
    path.write_text("base: alexnet\nprofile: han2015\nname: alex-tweaked\n"
                    "layers:\n  - {name: fc6, weight_density: 0.05}\n")
    net = load_network(path)
    assert (net.name, net.profile) == ("alex-tweaked", "han2015")
    assert net.layer("fc6").weight_nnz == 1_887_437
    assert net.layer("fc6").input_density == 0.34          # from the profile
    assert net.layer("conv2").weight_density == 0.38


def test_explicit_layers_minimal_file():
    net = parse_network({"name": "tiny", "batch": 2, "layers": [
        {"name": "c", "kind": "conv2d", "in_channels": 3, "out_channels": 8, "in_height": 8,
         "in_width": 8, "kernel": 3, "padding": 1},
        {"name": "f", "kind": "linear", "in_channels": 512, "out_channels": 10,
         "weight_density": 0.5}]})
    conv = net.layer("c")
    assert (conv.kernel, conv.padding, conv.out_height, conv.batch) == ((3, 3), (1, 1), 8, 2)
    assert net.layer("f").weight_nnz == 2_560


def test_every_problem_at_once_with_path_and_value():
    """Unknown key (lists allowed keys), negative size, bad kind, density > 1, groups not
    dividing channels, mask of wrong shape: all in one ConfigError."""
    bad_mask = encode_mask(np.ones((4, 4), dtype=bool))     # layer m needs (4, 3)
    problems = _problems({"name": "bad", "layers": [
        {"name": "a", "kind": "linear", "in_channels": 3, "out_channels": 4, "kernal": 3},
        {"name": "b", "kind": "linear", "in_channels": -5, "out_channels": 4},
        {"name": "c", "kind": "conv3d", "in_channels": 3, "out_channels": 4},
        {"name": "d", "kind": "linear", "in_channels": 3, "out_channels": 4,
         "weight_density": 1.5},
        {"name": "e", "kind": "conv2d", "in_channels": 6, "out_channels": 4, "groups": 4,
         "in_height": 5, "in_width": 5},
        {"name": "m", "kind": "linear", "in_channels": 3, "out_channels": 4,
         "weight_mask": bad_mask}]})
    assert problems["layers.a.kernal"].value == "kernal"
    assert "allowed in layers.a: activation, col_nnz, dilation," in \
        problems["layers.a.kernal"].requirement
    assert "did you mean 'kernel'?" in problems["layers.a.kernal"].requirement
    assert problems["layers.b.in_channels"].value == -5
    assert problems["layers.c.kind"].value == "conv3d"
    assert "conv2d, linear, matmul, act_matmul or vector" in problems["layers.c.kind"].requirement
    assert problems["layers.d.weight_density"].value == 1.5
    assert problems["layers.e.in_channels"].value == 6
    assert "divisible by groups=4" in problems["layers.e.in_channels"].requirement
    assert problems["layers.m.weight_mask"].value == (4, 4)
    assert all(p.file == "w.yaml" for p in problems.values())
    assert len(problems) == 6


def test_message_template():
    with pytest.raises(ConfigError) as err:
        parse_network({"name": "n", "layers": [{"name": "fc", "kind": "linear",
                                                "in_channels": 0, "out_channels": 2}]}, "n.yaml")
    assert str(err.value) == "n.yaml: layers.fc.in_channels must be >= 1. Got 0 instead."


def test_exact_data_problems():
    """fc is 4 x 3: row_nnz needs 4 entries in [0, 3]; effective MACs <= 12 dense MACs;
    row_nnz must agree with the mask."""
    mask = np.zeros((4, 3), dtype=bool)
    problems = _problems({"name": "n", "layers": [
        {"name": "a", "kind": "linear", "in_channels": 3, "out_channels": 4,
         "row_nnz": [1, 2, 3], "effective_macs": 13},
        {"name": "b", "kind": "linear", "in_channels": 3, "out_channels": 4,
         "row_nnz": [0, 0, 4, 0]},
        {"name": "c", "kind": "linear", "in_channels": 3, "out_channels": 4,
         "weight_mask": encode_mask(mask), "row_nnz": [0, 1, 0, 0]},
        {"name": "d", "kind": "linear", "in_channels": 3, "out_channels": 4,
         "row_nnz": [1, 1, 1, 1], "col_nnz": [1, 1, 1]},
        {"name": "e", "kind": "linear", "in_channels": 3, "out_channels": 4,
         "weight_mask": {"shape": [4, 3], "packbits_base64": "not base64!"}}]})
    assert problems["layers.a.row_nnz"].value == "3 entries"
    assert problems["layers.a.effective_macs"].value == 13
    assert problems["layers.b.row_nnz"].value == 4
    assert problems["layers.c.row_nnz[1]"].value == 1
    assert problems["layers.d.col_nnz"].value == 3
    assert problems["layers.e.weight_mask.packbits_base64"].value == "not base64!"


def test_layer_paths_fall_back_to_indexes():
    problems = _problems({"name": "n", "layers": [
        {"kind": "linear", "in_channels": 3, "out_channels": 4},
        {"name": "x", "kind": "linear", "in_channels": 3, "out_channels": 4},
        {"name": "x", "kind": "linear", "in_channels": 3, "out_channels": 4}]})
    assert "layers[0].name" in problems and problems["layers[2].name"].value == "x"


def test_top_level_problems():
    problems = _problems({"base": "alexnet", "profile": "han2016", "batch": 0, "colour": 1,
                          "layers": [{"name": "conv9", "weight_density": 0.1},
                                     {"name": "conv1", "kernel": 3}]})
    assert problems["batch"].value == 0
    assert problems["colour"].value == "colour"
    assert problems["layers.conv9.name"].value == "conv9"
    assert "conv1, conv2" in problems["layers.conv9.name"].requirement
    assert problems["layers.conv1.kernel"].value == "kernel"   # overrides: densities only
    problems = _problems({"base": "resnet18", "profile": "han2015"})
    assert problems["profile"].value == "han2015"
    assert "'resnet18'" in problems["profile"].requirement
    assert _problems({"base": "lenet7"})["base"].value == "lenet7"
    assert _problems({"layers": []})["name"].value is None
    assert _problems([1, 2])[""].value == "list"


def test_file_errors(tmp_path):
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("name: [unclosed\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: line 2, column 1 must be valid YAML"):
        load_network(bad_yaml)
    with pytest.raises(ConfigError, match=r"file must end in .yaml, .yml or .json"):
        load_network(tmp_path / "net.txt")
    with pytest.raises(FileNotFoundError):
        load_network(tmp_path / "missing.yaml")


def test_resolve_network(tmp_path):
    path = save_network(resolve_network("lenet300"), tmp_path / "mlp.yaml")
    net = resolve_network(str(path), profile="han2015", batch=2)
    assert (net.profile, net.layers[0].batch, net.layers[0].weight_density) == ("han2015", 2, 0.08)
    assert resolve_network(path) == builtin_network("lenet300")
    with pytest.raises(ConfigError) as err:
        resolve_network("lenet-9")
    assert "lenet300, lenet5, alexnet, vgg16, resnet18" in str(err.value)
    assert "workload file" in str(err.value)
    with pytest.raises(ConfigError, match="batch must be an integer >= 1"):
        resolve_network("lenet300", batch=0)


def test_batch_rescales_exact_macs(tmp_path):
    net, _ = _masked_lenet5()
    assert resolve_network(save_network(net, tmp_path / "n.json"), batch=4) \
        .layer("conv2").effective_macs == 4 * 123_456


def test_saved_yaml_is_readable(tmp_path):
    path = save_network(builtin_network("lenet300"), tmp_path / "n.yaml")
    data = yaml.safe_load(path.read_text())
    assert data["layers"][0] == {
        "name": "fc1", "kind": "linear", "in_channels": 784, "out_channels": 300,
        "in_height": 1, "in_width": 1, "groups": 1, "kernel": [1, 1], "stride": [1, 1],
        "padding": [0, 0], "dilation": [1, 1], "weight_density": 1.0, "input_density": 1.0,
        "output_density": 1.0}


def test_pairs_and_non_mapping_layers():
    problems = _problems({"name": "n", "layers": ["fc1", {
        "name": "c", "kind": "conv2d", "in_channels": 1, "out_channels": 1,
        "kernel": [1, 2, 3], "padding": [1], "dilation": [1, -1],
        "weight_mask": {"shape": [1, 1, 1, 1], "bits": "AQ=="}}]})
    assert problems["layers[0]"].value == "fc1"
    assert problems["layers.c.kernel"].value == [1, 2, 3]
    assert "an integer or a list of two integers" in problems["layers.c.padding"].requirement
    assert problems["layers.c.dilation[1]"].value == -1
    assert problems["layers.c.weight_mask.bits"].value == "bits"
    assert ("allowed in layers.c.weight_mask: packbits_base64, shape"
            in problems["layers.c.weight_mask.bits"].requirement)
