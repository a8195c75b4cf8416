"""Built-in networks: every layer's shape and the well-known weight totals (weights only)."""
import pytest

from hwsim.errors import ConfigError
from hwsim.types import LayerKind
from hwsim.workload import (build_layers, builtin_aliases, builtin_network,
                            canonical_network_name, list_builtin_networks)


def _shapes(name):
    """(name, C, H, K, P, weight_count) per layer; square inputs only."""
    return [(l.name, l.in_channels, l.in_height, l.out_channels, l.out_height, l.weight_count)
            for l in builtin_network(name).layers]


def test_lenet300_layers():
    """784x300 = 235,200; 300x100 = 30,000; 100x10 = 1,000; total 266,200."""
    assert _shapes("lenet300") == [("fc1", 784, 1, 300, 1, 235_200),
                                   ("fc2", 300, 1, 100, 1, 30_000),
                                   ("fc3", 100, 1, 10, 1, 1_000)]


def test_lenet5_layers():
    """conv1 28-5+1 = 24, pool 2 -> 12; conv2 12-5+1 = 8, pool -> 4; fc1 50*4*4 = 800 -> 500.
    Weights 20*1*25 = 500, 50*20*25 = 25,000, 800*500 = 400,000, 500*10 = 5,000."""
    assert _shapes("lenet5") == [("conv1", 1, 28, 20, 24, 500),
                                 ("conv2", 20, 12, 50, 8, 25_000),
                                 ("fc1", 800, 1, 500, 1, 400_000),
                                 ("fc2", 500, 1, 10, 1, 5_000)]


def test_alexnet_layers():
    """conv1 (227-11)/4+1 = 55, pool (55-3)/2+1 = 27; conv2 27+4-5+1 = 27, pool -> 13;
    conv3-5 stay 13, pool (13-3)/2+1 = 6 -> fc6 256*6*6 = 9,216 inputs.
    Weights: 96*3*121 = 34,848; 256*(96/2)*25 = 307,200; 384*256*9 = 884,736;
    384*(384/2)*9 = 663,552; 256*(384/2)*9 = 442,368; 9,216*4,096 = 37,748,736; ..."""
    assert _shapes("alexnet") == [("conv1", 3, 227, 96, 55, 34_848),
                                  ("conv2", 96, 27, 256, 27, 307_200),
                                  ("conv3", 256, 13, 384, 13, 884_736),
                                  ("conv4", 384, 13, 384, 13, 663_552),
                                  ("conv5", 384, 13, 256, 13, 442_368),
                                  ("fc6", 9216, 1, 4096, 1, 37_748_736),
                                  ("fc7", 4096, 1, 4096, 1, 16_777_216),
                                  ("fc8", 4096, 1, 1000, 1, 4_096_000)]
    groups = {l.name: l.groups for l in builtin_network("alexnet").layers}
    assert [groups[n] for n in ("conv1", "conv2", "conv3", "conv4", "conv5")] == [1, 2, 1, 2, 2]


def test_vgg16_layers():
    """13 convs 3x3 pad 1 keep the size; 5 pools halve 224 -> 7; fc6 512*7*7 = 25,088."""
    layers = builtin_network("vgg16").layers
    assert len(layers) == 16
    assert [l.out_height for l in layers[:13]] == [224] * 2 + [112] * 2 + [56] * 3 + [28] * 3 \
        + [14] * 3
    assert (layers[13].name, layers[13].in_channels, layers[13].weight_count) == \
        ("fc6", 25_088, 102_760_448)
    assert sum(l.weight_count for l in layers[:13]) == 14_710_464


def test_resnet18_layers():
    """conv1 7x7 s2 pad 3: (224+6-7)//2+1 = 112; max-pool 3 s2 pad 1: (112+2-3)//2+1 = 56;
    stages 56, 28, 14, 7; downsample 1x1 s2 reads the block input (e.g. 64@56 -> 128@28,
    64*128 = 8,192 weights); global pool then fc 512 -> 1000."""
    layers = {l.name: l for l in builtin_network("resnet18").layers}
    assert len(layers) == 21
    assert (layers["conv1"].out_height, layers["layer1.0.conv1"].in_height) == (112, 56)
    down = layers["layer2.0.downsample"]
    assert (down.in_channels, down.in_height, down.out_channels, down.out_height,
            down.weight_count) == (64, 56, 128, 28, 8_192)
    assert layers["layer4.1.conv2"].out_height == 7
    assert (layers["fc"].in_channels, layers["fc"].kind) == (512, LayerKind.LINEAR)


@pytest.mark.parametrize("name, weights, macs", [
    ("lenet300", 266_200, 266_200),
    ("lenet5", 430_500, 2_293_000),          # Han Table 3: 4,586K FLOP = 2 x 2,293K MACs
    ("alexnet", 60_954_656, 724_406_816),    # ~61M weights, ~724M MACs (two groups)
    ("vgg16", 138_344_128, 15_470_264_320),  # ~138M (138,357,544 with 13,416 biases)
    ("resnet18", 11_678_912, 1_814_073_344),  # 11,689,512 - 1,000 fc bias - 9,600 BN
])
def test_totals(name, weights, macs):
    net = builtin_network(name)
    assert sum(l.weight_count for l in net.layers) == weights
    assert sum(l.macs_dense for l in net.layers) == macs


def test_names_aliases_and_batch():
    assert list_builtin_networks() == ("lenet300", "lenet5", "alexnet", "vgg16", "resnet18",
                                       "resnet50", "mobilenet_v2", "bert_base", "vit_b16",
                                       "gpt2", "llama2_7b", "llama3_8b", "tinyllama_1b",
                                       "gpt3_6.7b")
    assert canonical_network_name("LeNet-300-100") == "lenet300"
    assert canonical_network_name("lenet_5") == "lenet5"
    assert builtin_aliases("lenet300") == ("lenet-300-100",)
    assert builtin_network("lenet-5").name == "lenet5"
    batched = builtin_network("lenet5", batch=3)
    assert all(l.batch == 3 for l in batched.layers)
    assert batched.layers[0].macs_dense == 3 * 500 * 24 * 24


def test_unknown_name_lists_builtins():
    with pytest.raises(ConfigError) as err:
        builtin_network("lenet7")
    (problem,) = err.value.problems
    assert problem.value == "lenet7"
    assert "lenet300, lenet5, alexnet, vgg16, resnet18" in str(err.value)


def test_bad_batch():
    with pytest.raises(ConfigError, match="batch must be an integer >= 1. Got 0"):
        builtin_network("lenet300", batch=0)


def test_build_layers_pooling_arithmetic():
    """1x10x10 -> pool 3 s2 pad 1: (10+2-3)//2+1 = 5 -> fc sees 1*5*5 = 25 features."""
    (fc,) = build_layers((1, 10, 10), [("pool", 3, 2, 1), ("fc", "f", 4)])
    assert (fc.in_channels, fc.weight_count) == (25, 100)
