"""The han2015 profile: densities from Han et al. 2015 Tables 2-5 and the paper's totals."""
import pytest

from hwsim.errors import ConfigError
from hwsim.workload import (apply_profile, builtin_network, profile_data, profile_densities,
                            profile_networks, resolve_network)


def test_densities_follow_the_previous_layers_activations():
    """AlexNet: conv1 input is the image (1.0); conv2 input = conv1 output 88 %;
    fc6 (Han's fc1) keeps 9 % of weights, reads conv5's 34 %, outputs 36 %."""
    dens = profile_densities("han2015", "alexnet")
    assert list(dens) == ["conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8"]
    assert (dens["conv1"].weight, dens["conv1"].inputs, dens["conv1"].outputs) == \
        (0.84, 1.0, 0.88)
    assert dens["conv2"].inputs == 0.88
    assert (dens["fc6"].weight, dens["fc6"].inputs, dens["fc6"].outputs) == (0.09, 0.34, 0.36)


def test_apply_profile_keeps_shapes_and_sets_densities():
    """LeNet-300-100 fc2: 9 % of 30,000 = 2,700 weights kept, input = fc1's 38 % output."""
    dense = builtin_network("lenet300")
    net = apply_profile(dense, "han2015")
    assert net.profile == "han2015" and net.name == "lenet300"
    fc2 = net.layer("fc2")
    assert (fc2.weight_nnz, fc2.input_density, fc2.output_density) == (2_700, 0.38, 0.65)
    assert [l.with_densities() for l in net.layers] == list(dense.layers)


# (network, paper's kept weights, paper's compression) from Han et al. 2015 Table 1
PAPER = [("alexnet", 6.7e6, 9), ("vgg16", 10.3e6, 13), ("lenet300", 22e3, 12),
         ("lenet5", 36e3, 12)]


@pytest.mark.parametrize("name, kept, ratio", PAPER)
def test_totals_reproduce_the_paper(name, kept, ratio):
    """Table percentages are rounded to 1 %, so +-3 % on kept weights and +-0.5x on the ratio.
    We get AlexNet 60,954,656 -> 6,796,191 (8.97x), VGG-16 138,344,128 -> 10,532,393 (13.1x),
    LeNet-300-100 266,200 -> 21,776 (12.2x), LeNet-5 430,500 -> 36,280 (11.9x)."""
    net = resolve_network(name, profile="han2015")
    total = sum(l.weight_count for l in net.layers)
    nnz = sum(l.weight_nnz for l in net.layers)
    assert nnz == pytest.approx(kept, rel=0.03)
    assert total / nnz == pytest.approx(ratio, abs=0.5)
    paper = profile_data("han2015")["networks"][name]["table1"]
    assert (paper["params_pruned"], paper["compression_x"]) == (kept, ratio)


@pytest.mark.parametrize("name", ["lenet300", "lenet5", "alexnet", "vgg16"])
def test_flop_column_matches_the_rule(name):
    """Per layer, FLOP% ~= weights% x act%(previous) (e.g. AlexNet conv2 0.38 x 0.88 = 33 %,
    printed 33); the total FLOP% is reproduced within 1 point (AlexNet 30.3 vs 30)."""
    net = resolve_network(name, profile="han2015")
    table = profile_data("han2015")["networks"][name]
    for layer, row in zip(net.layers, table["layers"]):
        expected = 100 * layer.expected_effective_macs() / layer.macs_dense
        assert expected == pytest.approx(row["flop_pct"], abs=1.5), layer.name
    macs = sum(l.expected_effective_macs() for l in net.layers)
    dense = sum(l.macs_dense for l in net.layers)
    assert 100 * macs / dense == pytest.approx(table["total"]["flop_pct"], abs=1.0)


def test_profile_without_data_names_profile_and_network():
    with pytest.raises(ConfigError) as err:
        apply_profile(builtin_network("resnet18"), "han2015")
    (problem,) = err.value.problems
    assert problem.value == "resnet18" and "han2015" in problem.requirement
    assert profile_networks("han2015") == ("lenet300", "lenet5", "alexnet", "vgg16")


def test_unknown_profile():
    with pytest.raises(ConfigError, match=r"profile must be one of han2015, dense_act, "
                       r"nm_2_4, nm_4_8\. Got 'han2016'"):
        apply_profile(builtin_network("alexnet"), "han2016")


def test_layer_mismatch_is_reported():
    """A network with the right name but different layers cannot take the profile."""
    from hwsim.workload import Network
    net = builtin_network("lenet300")
    renamed = Network("lenet300", (net.layers[0], net.layers[1]))
    with pytest.raises(ConfigError, match="must include layer 'fc3'"):
        apply_profile(renamed, "han2015")


def test_profile_data_carries_sources():
    data = profile_data("han2015")
    assert "Learning both Weights and Connections" in data["sources"]["HAN15_T"]
    assert data["networks"]["alexnet"]["layer_map"] == {"fc1": "fc6", "fc2": "fc7", "fc3": "fc8"}
