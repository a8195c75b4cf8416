"""Built-in model-zoo networks: BERT-base and ViT-B/16 (every op: linear layers, attention as
act x act matmuls, softmax, LayerNorm, GELU, residual adds) and ResNet-50 and MobileNetV2
(weighted layers, as the other CNN built-ins).

Transformer encoder block (sequence L, width d, h heads of d/h, feed-forward f), per image:
``query``, ``key``, ``value``, ``attention.output`` linear L x d x d each; ``attention.scores``
act_matmul (h groups, L rows, reduction d/h, L columns: L x L x d MACs); ``attention.softmax``
(h x L x L elements, 5 ops each); ``attention.context`` act_matmul (L x L x d MACs);
``attention.add`` (two L x d inputs), ``attention.norm`` (LayerNorm, 7 ops per element);
``intermediate`` L x d x f; ``gelu`` (L x f, 4 ops); ``output`` L x f x d; ``output.add``,
``output.norm``. Worked example: BERT-base at L = 128 has per block 4 x 128 x 768^2 +
2 x 128 x 768 x 3,072 + 2 x 128^2 x 768 = 931,135,488 MACs; 12 blocks + the pooler
(768^2) = 11,174,215,680 MACs, the published ~11.2 G. ViT-B/16 at 224: 197 tokens, patch
embedding 768 x 3 x 16 x 16 x 196 = 115,605,504, 12 blocks of 1,453,954,560, head 768 x 1,000:
17,563,828,224 MACs (~17.6 G). The shapes follow Devlin et al. 2019 (BERT-base: 12 layers,
768, 12 heads, 3,072) and Dosovitskiy et al. 2021 (ViT-B/16), as ``transformers``'
``BertModel`` / ``ViTModel`` name them.
"""
from __future__ import annotations

from hwsim.types import LayerKind, VectorOp
from hwsim.workload.layer import LayerWorkload

LAYER_NORM_OPS = 7.0
SOFTMAX_OPS = 5.0
GELU_OPS = 4.0


def _vector(name: str, inputs: int, outputs: int, op: VectorOp, ops: float = 1.0,
            batch: int = 1, activation: str | None = None,
            producer: str | None = None) -> LayerWorkload:
    """A vector layer; an activation that alone reads a MAC layer's output names it
    (``producer``: fused where the accelerator's output path applies ``activation``)."""
    return LayerWorkload(name, LayerKind.VECTOR, inputs, outputs, batch=batch, vector_op=op,
                         ops_per_element=ops, activation=activation, producer=producer)


def _linear(name: str, rows: int, d_in: int, d_out: int, batch: int) -> LayerWorkload:
    return LayerWorkload(name, LayerKind.LINEAR, d_in, d_out, rows, batch=batch)


def encoder_block(prefix: str, seq: int, width: int, heads: int, ff: int,
                  batch: int = 1) -> tuple[LayerWorkload, ...]:
    """One post-norm encoder block (module docstring), names under ``prefix``."""
    act = seq * width
    head = width // heads
    att = f"{prefix}.attention"
    return (
        _linear(f"{att}.query", seq, width, width, batch),
        _linear(f"{att}.key", seq, width, width, batch),
        _linear(f"{att}.value", seq, width, width, batch),
        LayerWorkload(f"{att}.scores", LayerKind.ACT_MATMUL, heads * head, heads * seq, seq,
                      groups=heads, batch=batch),
        _vector(f"{att}.softmax", heads * seq * seq, heads * seq * seq, VectorOp.SOFTMAX,
                SOFTMAX_OPS, batch),
        LayerWorkload(f"{att}.context", LayerKind.ACT_MATMUL, heads * seq, heads * head, seq,
                      groups=heads, batch=batch),
        _linear(f"{att}.output", seq, width, width, batch),
        _vector(f"{att}.add", 2 * act, act, VectorOp.ELEMENTWISE, 1.0, batch),
        _vector(f"{att}.norm", act, act, VectorOp.NORM, LAYER_NORM_OPS, batch),
        _linear(f"{prefix}.intermediate", seq, width, ff, batch),
        _vector(f"{prefix}.gelu", seq * ff, seq * ff, VectorOp.ACTIVATION, GELU_OPS, batch,
                "gelu", f"{prefix}.intermediate"),
        _linear(f"{prefix}.output", seq, ff, width, batch),
        _vector(f"{prefix}.output.add", 2 * act, act, VectorOp.ELEMENTWISE, 1.0, batch),
        _vector(f"{prefix}.output.norm", act, act, VectorOp.NORM, LAYER_NORM_OPS, batch),
    )


def bert_base_layers(seq: int = 128, batch: int = 1) -> tuple[LayerWorkload, ...]:
    """BERT-base: embeddings (word lookup, position and token-type adds, LayerNorm), 12 blocks,
    pooler (dense on the first token + tanh)."""
    width, act = 768, seq * 768
    layers = [
        _vector("embeddings.word", act, act, VectorOp.GATHER, 1.0, batch),
        _vector("embeddings.add", 3 * act, act, VectorOp.ELEMENTWISE, 2.0, batch),
        _vector("embeddings.norm", act, act, VectorOp.NORM, LAYER_NORM_OPS, batch),
    ]
    for i in range(12):
        layers += encoder_block(f"encoder.layer.{i}", seq, width, 12, 3072, batch)
    layers += [_linear("pooler.dense", 1, width, width, batch),
               _vector("pooler.tanh", width, width, VectorOp.ACTIVATION, 3.0, batch, "tanh",
                       "pooler.dense")]
    return tuple(layers)


def vit_b16_layers(batch: int = 1) -> tuple[LayerWorkload, ...]:
    """ViT-B/16 at 224 x 224: patch embedding (16 x 16 conv, stride 16), class token and
    position embedding, 12 pre-norm blocks (norms before attention and MLP, as the paper; the
    op counts equal the post-norm block's), final LayerNorm, classifier head on the class
    token."""
    width, seq = 768, 197
    layers = [
        LayerWorkload("embeddings.patch", LayerKind.CONV2D, 3, width, 224, 224, kernel=16,
                      stride=16, batch=batch),
        _vector("embeddings.cat", 196 * width + width, seq * width, VectorOp.COPY, 1.0, batch),
        _vector("embeddings.add", 2 * seq * width, seq * width, VectorOp.ELEMENTWISE, 1.0,
                batch),
    ]
    for i in range(12):
        layers += encoder_block(f"encoder.layer.{i}", seq, width, 12, 3072, batch)
    layers += [_vector("layernorm", seq * width, seq * width, VectorOp.NORM, LAYER_NORM_OPS,
                       batch),
               _linear("head", 1, width, 1000, batch)]
    return tuple(layers)


def resnet50_ops() -> tuple:
    """ResNet-50 v1.5 (torchvision names; stride on the 3x3 conv): bottlenecks (3, 4, 6, 3) of
    widths 64-512, expansion 4, 1x1 downsample on the first block of each stage; 4.09 G MACs."""
    ops: list[tuple] = [("conv", "conv1", 64, 7, 2, 3, 1), ("pool", 3, 2, 1)]
    for stage, (width, blocks) in enumerate(((64, 3), (128, 4), (256, 6), (512, 3)), 1):
        for block in range(blocks):
            stride = 2 if stage > 1 and block == 0 else 1
            p = f"layer{stage}.{block}"
            ops += [("conv", f"{p}.conv1", width, 1, 1, 0, 1),
                    ("conv", f"{p}.conv2", width, 3, stride, 1, 1),
                    ("conv", f"{p}.conv3", 4 * width, 1, 1, 0, 1)]
            if block == 0:
                ops.append(("conv", f"{p}.downsample", 4 * width, 1, stride, 0, 1,
                            f"{p}.conv1"))
    return (*ops, ("gpool",), ("fc", "fc", 1000))


def mobilenet_v2_ops() -> tuple:
    """MobileNetV2 (Sandler et al. 2018, width 1.0, 224): 3x3 stem, inverted residuals
    (t, c, n, s) with 1x1 expansion, 3x3 depthwise, 1x1 projection, 1x1 to 1,280, classifier;
    about 300 M MACs."""
    ops: list[tuple] = [("conv", "features.0", 32, 3, 2, 1, 1)]
    channels, index = 32, 1
    for t, c, n, s in ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                       (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)):
        for i in range(n):
            hidden = channels * t
            p = f"features.{index}"
            if t != 1:
                ops.append(("conv", f"{p}.expand", hidden, 1, 1, 0, 1))
            ops += [("conv", f"{p}.depthwise", hidden, 3, s if i == 0 else 1, 1, hidden),
                    ("conv", f"{p}.project", c, 1, 1, 0, 1)]
            channels, index = c, index + 1
    return (*ops, ("conv", "features.18", 1280, 1, 1, 0, 1), ("gpool",),
            ("fc", "classifier", 1000))
