"""Built-in networks, each a compact table of layer ops walked by one shape-tracking builder.

An op table is a tuple of rows; the builder keeps the current activation shape ``(C, H, W)``:

* ``("conv", name, out_channels, kernel, stride, padding, groups[, input_of])`` -> a conv2d
  :class:`LayerWorkload`; ``input_of`` (a previous layer's name) makes it read that layer's input
  instead of the current activation (ResNet's 1x1 downsample shortcut).
* ``("pool", kernel, stride, padding)`` -> max/avg pooling: no weights, only the spatial size
  changes, ``floor((H + 2*pad - kernel) / stride) + 1`` (Caffe rounds up instead, which gives the
  same sizes for every built-in here).
* ``("gpool",)`` -> global average pooling to 1x1.
* ``("fc", name, out_features)`` -> a linear layer on the flattened ``C*H*W`` activation.

Worked example (AlexNet): 3x227x227 -> conv1 11x11 s4 -> (227-11)/4+1 = 55 -> pool 3 s2 ->
(55-3)/2+1 = 27 -> conv2 5x5 pad 2 -> 27 -> pool -> 13 -> conv3..5 -> 13 -> pool -> 6, so fc6
sees 256 x 6 x 6 = 9,216 features. Only weights are counted (no biases, no batch-norm).
"""
from __future__ import annotations

from typing import Sequence

from hwsim.errors import ConfigError, Problem
from hwsim.types import LayerKind
from hwsim.workload.decoder import (DEFAULT_CONTEXT_LEN, PhaseConfig, decoder_layers,
                                    decoder_specs)
from hwsim.workload.layer import LayerWorkload, Network
from hwsim.workload.zoo import (bert_base_layers, mobilenet_v2_ops, resnet50_ops,
                                vit_b16_layers)

_Shape = tuple[int, int, int]


def _vgg16_ops() -> tuple:
    """VGG-16 (configuration D): 13 conv 3x3 pad 1 in 5 stages, 2x2 max-pool after each stage."""
    stages = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))
    ops: list[tuple] = []
    for stage, (channels, convs) in enumerate(stages, start=1):
        ops += [("conv", f"conv{stage}_{i}", channels, 3, 1, 1, 1) for i in range(1, convs + 1)]
        ops.append(("pool", 2, 2, 0))
    return (*ops, ("fc", "fc6", 4096), ("fc", "fc7", 4096), ("fc", "fc8", 1000))


def _resnet18_ops() -> tuple:
    """ResNet-18 (torchvision names): two basic blocks per stage, 1x1 stride-2 downsample
    shortcut in the first block of stages 2-4."""
    ops: list[tuple] = [("conv", "conv1", 64, 7, 2, 3, 1), ("pool", 3, 2, 1)]
    for stage, channels in enumerate((64, 128, 256, 512), start=1):
        for block in range(2):
            stride = 2 if stage > 1 and block == 0 else 1
            prefix = f"layer{stage}.{block}"
            ops += [("conv", f"{prefix}.conv1", channels, 3, stride, 1, 1),
                    ("conv", f"{prefix}.conv2", channels, 3, 1, 1, 1)]
            if stride != 1:
                ops.append(("conv", f"{prefix}.downsample", channels, 1, stride, 0, 1,
                            f"{prefix}.conv1"))
    return (*ops, ("gpool",), ("fc", "fc", 1000))


# name -> (input shape (C, H, W), op table, one-line description with the source of the shapes)
_BUILTINS: dict[str, tuple[_Shape, tuple, str]] = {
    "lenet300": ((1, 28, 28), (("fc", "fc1", 300), ("fc", "fc2", 100), ("fc", "fc3", 10)),
                 "LeNet-300-100 MLP on MNIST (LeCun et al. 1998; Han et al. 2015 Table 2)"),
    "lenet5": ((1, 28, 28),
               (("conv", "conv1", 20, 5, 1, 0, 1), ("pool", 2, 2, 0),
                ("conv", "conv2", 50, 5, 1, 0, 1), ("pool", 2, 2, 0),
                ("fc", "fc1", 500), ("fc", "fc2", 10)),
               "LeNet-5, Caffe variant (Caffe examples/mnist; Han et al. 2015 Table 3)"),
    "alexnet": ((3, 227, 227),
                (("conv", "conv1", 96, 11, 4, 0, 1), ("pool", 3, 2, 0),
                 ("conv", "conv2", 256, 5, 1, 2, 2), ("pool", 3, 2, 0),
                 ("conv", "conv3", 384, 3, 1, 1, 1), ("conv", "conv4", 384, 3, 1, 1, 2),
                 ("conv", "conv5", 256, 3, 1, 1, 2), ("pool", 3, 2, 0),
                 ("fc", "fc6", 4096), ("fc", "fc7", 4096), ("fc", "fc8", 1000)),
                "AlexNet with its two groups (Krizhevsky et al. 2012; Caffe bvlc_alexnet)"),
    "vgg16": ((3, 224, 224), _vgg16_ops(),
              "VGG-16 (Simonyan & Zisserman 2015, configuration D)"),
    "resnet18": ((3, 224, 224), _resnet18_ops(),
                 "ResNet-18 (He et al. 2016; torchvision layer names)"),
    "resnet50": ((3, 224, 224), resnet50_ops(),
                 "ResNet-50 v1.5 (He et al. 2016; torchvision layer names), 4.09 G MACs"),
    "mobilenet_v2": ((3, 224, 224), mobilenet_v2_ops(),
                     "MobileNetV2 1.0 (Sandler et al. 2018), depthwise convs, ~300 M MACs"),
}

# Built-ins listing every op (vector ops, act x act matmuls): name -> (builder(param, batch),
# default parameter or None, description). ``bert_base:384`` sets the sequence length.
_LAYER_BUILTINS = {
    "bert_base": (lambda seq, batch: bert_base_layers(seq, batch), 128,
                  "BERT-base encoder (Devlin et al. 2019), sequence length parameter "
                  "(bert_base:L, default 128): 11.2 G MACs at 128, attention and vector ops"),
    "vit_b16": (lambda _, batch: vit_b16_layers(batch), None,
                "ViT-B/16 at 224 x 224 (Dosovitskiy et al. 2021): 17.6 G MACs, attention and "
                "vector ops"),
}
# Decoder LLMs (hwsim/data/llm_configs.yaml): ``llama2_7b:L`` is the prefill of L tokens;
# --phase / --context-len on the commands choose decode (hwsim/workload/llm.py).
for _name, _spec in decoder_specs().items():
    _LAYER_BUILTINS[_name] = (
        lambda ctx, batch, spec=_spec: decoder_layers(spec, PhaseConfig("prefill", ctx, batch)),
        DEFAULT_CONTEXT_LEN,
        f"{_spec.description} ({_spec.layers} layers, hidden {_spec.hidden}, {_spec.heads} "
        f"heads / {_spec.kv_heads} KV, FFN {_spec.intermediate}, vocab {_spec.vocab}); "
        f"prefill of {DEFAULT_CONTEXT_LEN} tokens (name:L for L), --phase decode")

_ALIASES = {"lenet-300-100": "lenet300", "lenet-5": "lenet5", "vgg-16": "vgg16",
            "resnet-18": "resnet18", "resnet-50": "resnet50", "mobilenet-v2": "mobilenet_v2",
            "mobilenetv2": "mobilenet_v2", "bert-base": "bert_base", "vit-b16": "vit_b16",
            "vit-b-16": "vit_b16", "gpt-2": "gpt2", "llama2-7b": "llama2_7b",
            "llama-2-7b": "llama2_7b", "llama3-8b": "llama3_8b", "llama-3-8b": "llama3_8b",
            "tinyllama-1b": "tinyllama_1b", "tinyllama-1.1b": "tinyllama_1b",
            "gpt3-6.7b": "gpt3_6.7b", "gpt-3-6.7b": "gpt3_6.7b"}


def canonical_network_name(name: str) -> str | None:
    """The built-in's canonical name for ``name`` or an alias (case-insensitive), else None.

    Example: ``canonical_network_name("LeNet-300-100") == "lenet300"``.
    """
    key = name.strip().lower().partition(":")[0].replace("_", "-")
    key = _ALIASES.get(key, key)
    return key if key in _BUILTINS or key in _LAYER_BUILTINS else None


def list_builtin_networks() -> tuple[str, ...]:
    """Canonical names of the built-in networks, e.g. ``("lenet300", "lenet5", ...)``."""
    return (*_BUILTINS, *_LAYER_BUILTINS)


def builtin_description(name: str) -> str:
    """One line describing a built-in network and where its shapes come from."""
    canonical = _require_builtin(name)
    if canonical in _LAYER_BUILTINS:
        return _LAYER_BUILTINS[canonical][2]
    return _BUILTINS[canonical][2]


def builtin_aliases(name: str) -> tuple[str, ...]:
    """The aliases of a built-in network, e.g. ``("lenet-300-100",)`` for lenet300."""
    canonical = _require_builtin(name)
    return tuple(alias for alias, target in _ALIASES.items() if target == canonical)


def builtin_network(name: str, batch: int = 1) -> Network:
    """The dense built-in network ``name`` (or an alias) for ``batch`` images.

    Example: ``builtin_network("lenet300").layers[0].weight_count == 784 * 300 == 235_200``.
    Raises :class:`ConfigError` listing the built-ins for an unknown name.
    """
    canonical = _require_builtin(name)
    if not isinstance(batch, int) or isinstance(batch, bool) or batch < 1:
        raise ConfigError([Problem("batch", "must be an integer >= 1", batch)])
    if canonical in _LAYER_BUILTINS:
        return _layer_builtin(canonical, name, batch)
    shape, ops, _ = _BUILTINS[canonical]
    return Network(canonical, build_layers(shape, ops, batch))


def _layer_builtin(canonical: str, name: str, batch: int) -> Network:
    """A built-in from :data:`_LAYER_BUILTINS`; ``name:value`` sets its parameter."""
    build, default, _ = _LAYER_BUILTINS[canonical]
    text = name.partition(":")[2].strip()
    if text and default is None:
        raise ConfigError([Problem("network", f"must be {canonical} without a parameter", name)])
    if not text:
        return Network(canonical, build(default, batch))
    if not text.isdigit() or int(text) < 1:
        raise ConfigError([Problem("network", f"must be {canonical}:L with a sequence length "
                                   f"L >= 1 (e.g. {canonical}:384)", name)])
    return Network(f"{canonical}:{int(text)}", build(int(text), batch))


def build_layers(input_shape: _Shape, ops: Sequence[tuple], batch: int = 1
                 ) -> tuple[LayerWorkload, ...]:
    """Walk an op table (see the module docstring) from ``input_shape`` = (C, H, W).

    Example: ``build_layers((1, 28, 28), [("conv", "c", 20, 5, 1, 0, 1), ("pool", 2, 2, 0),
    ("fc", "f", 10)])`` gives conv c (1 -> 20, 28x28 -> 24x24) and fc f (20*12*12 = 2880 -> 10).
    """
    shape = input_shape
    layers: list[LayerWorkload] = []
    inputs: dict[str, _Shape] = {}
    for op in ops:
        if op[0] == "conv":
            layer_input = inputs[op[7]] if len(op) > 7 else shape
            layer = _conv(op, layer_input, batch)
            inputs[layer.name] = layer_input
            shape = (layer.out_channels, layer.out_height, layer.out_width)
        elif op[0] == "fc":
            layer = LayerWorkload(op[1], LayerKind.LINEAR, shape[0] * shape[1] * shape[2], op[2],
                                  batch=batch)
            inputs[layer.name] = shape
            shape = (layer.out_channels, 1, 1)
        else:
            shape = _pooled(shape, op)
            continue
        layers.append(layer)
    return tuple(layers)


def _conv(op: tuple, shape: _Shape, batch: int) -> LayerWorkload:
    _, name, out_channels, kernel, stride, padding, groups = op[:7]
    return LayerWorkload(name, LayerKind.CONV2D, shape[0], out_channels, shape[1], shape[2],
                         kernel=kernel, stride=stride, padding=padding, groups=groups,
                         batch=batch)


def _pooled(shape: _Shape, op: tuple) -> _Shape:
    if op[0] == "gpool":
        return (shape[0], 1, 1)
    _, kernel, stride, padding = op
    return (shape[0], (shape[1] + 2 * padding - kernel) // stride + 1,
            (shape[2] + 2 * padding - kernel) // stride + 1)


def _require_builtin(name: str) -> str:
    canonical = canonical_network_name(name) if isinstance(name, str) else None
    if canonical is None:
        names = ", ".join(list_builtin_networks())
        raise ConfigError([Problem("network", f"must be a built-in network ({names})", name)])
    return canonical
