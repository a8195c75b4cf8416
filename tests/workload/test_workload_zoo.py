"""Built-in zoo workloads: bert_base (sequence parameter), vit_b16, resnet50, mobilenet_v2;
MAC totals against the published figures with the arithmetic written out."""
import pytest

from hwsim.errors import ConfigError
from hwsim.types import LayerKind, VectorOp
from hwsim.workload import builtin_network, load_network, save_network


def _macs(net):
    return sum(layer.macs_dense for layer in net.layers)


def test_bert_base_macs_and_attention_rows():
    """Per block 4 x 128 x 768^2 + 2 x 128 x 768 x 3,072 + 2 x 128^2 x 768 = 931,135,488;
    12 blocks + pooler 768^2 = 11,174,215,680 (~11.2 G); scores/context store no weights."""
    net = builtin_network("bert_base")
    assert _macs(net) == 12 * 931_135_488 + 768 * 768
    scores = net.layer("encoder.layer.0.attention.scores")
    assert scores.kind is LayerKind.ACT_MATMUL and scores.stored_weight_count == 0
    assert scores.macs_dense == 128 * 128 * 768 and scores.groups == 12
    softmax = net.layer("encoder.layer.0.attention.softmax")
    assert softmax.vector_op is VectorOp.SOFTMAX and softmax.in_channels == 12 * 128 * 128
    assert sum(l.stored_weight_count for l in net.layers) == 12 * (4 * 768 ** 2
                                                                   + 2 * 768 * 3072) + 768 ** 2


def test_bert_base_sequence_parameter():
    """bert_base:384: attention grows with L^2, linear layers with L."""
    long = builtin_network("bert_base:384")
    assert long.name == "bert_base:384"
    assert long.layer("encoder.layer.0.attention.context").macs_dense == 384 * 384 * 768
    with pytest.raises(ConfigError, match="sequence length"):
        builtin_network("bert_base:x")
    with pytest.raises(ConfigError, match="without a parameter"):
        builtin_network("vit_b16:3")


def test_vit_resnet_mobilenet_macs():
    """ViT-B/16: 115,605,504 + 12 x 1,453,954,560 + 768,000 = 17,563,828,224 (~17.6 G);
    ResNet-50 4,089,184,256 (~4.1 G); MobileNetV2 300,774,272 (~300 M)."""
    assert _macs(builtin_network("vit_b16")) == 115_605_504 + 12 * 1_453_954_560 + 768_000
    assert _macs(builtin_network("resnet-50")) == 4_089_184_256
    assert _macs(builtin_network("mobilenet_v2")) == 300_774_272


def test_vector_and_act_matmul_layers_round_trip(tmp_path):
    """A workload file keeps vector_op, ops_per_element and act_matmul exactly."""
    net = builtin_network("bert_base:8")
    assert load_network(save_network(net, tmp_path / "bert.yaml")) == net
