"""Small model-zoo configs built with ``transformers`` (random weights, nothing downloaded),
global magnitude pruning, and an independent MAC count (forward hooks on the weighted modules
plus the attention matmuls from the config), shared by the zoo tests and the benchmark."""
from __future__ import annotations

import torch
import torch.nn.utils.prune as prune
import transformers
from torch import nn


def _ids(vocab: int, seq: int):
    return lambda n: torch.randint(0, vocab, (n, seq))


def _images(size: int):
    return lambda n: torch.randn(n, 3, size, size)


def _heads_attention(layers: int, heads: int, seq: int, head_dim: int) -> int:
    """scores + context per image: 2 x layers x heads x seq^2 x head_dim."""
    return 2 * layers * heads * seq * seq * head_dim


def small_models() -> dict:
    """name -> (build(), inputs(n), attention MACs per image)."""
    t = transformers
    text = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                intermediate_size=128)
    return {
        "resnet": (lambda: t.ResNetModel(t.ResNetConfig(
            embedding_size=16, hidden_sizes=[16, 32, 64, 128], depths=[1, 1, 1, 1],
            layer_type="bottleneck")), _images(64), 0),
        "mobilenet_v2": (lambda: t.MobileNetV2Model(t.MobileNetV2Config(
            image_size=64, depth_multiplier=0.35)), _images(64), 0),
        "convnext": (lambda: t.ConvNextModel(t.ConvNextConfig(
            hidden_sizes=[16, 32, 64, 128], depths=[1, 1, 1, 1])), _images(64), 0),
        "vit": (lambda: t.ViTModel(t.ViTConfig(**text, image_size=32, patch_size=8)),
                _images(32), _heads_attention(2, 4, 17, 16)),
        # Swin: windows of 4 x 4 tokens; per block 2 x tokens x 16 x channels:
        # stage 1 (16 x 16 tokens, 16 ch) 131,072, stage 2 (8 x 8, 32 ch) 65,536.
        "swin": (lambda: t.SwinModel(t.SwinConfig(
            image_size=64, embed_dim=16, depths=[1, 1], num_heads=[2, 4], window_size=4)),
                 _images(64), 2 * 256 * 16 * 16 + 2 * 64 * 16 * 32),
        "bert": (lambda: t.BertModel(t.BertConfig(**text, vocab_size=100)), _ids(100, 16),
                 _heads_attention(2, 4, 16, 16)),
        "gpt2": (lambda: t.GPT2Model(t.GPT2Config(n_embd=64, n_layer=2, n_head=4,
                                                  vocab_size=100, use_cache=False,
                                                  bos_token_id=0, eos_token_id=0)),
                 _ids(100, 16), _heads_attention(2, 4, 16, 16)),
        "llama": (lambda: t.LlamaModel(t.LlamaConfig(**text, num_key_value_heads=2,
                                                     vocab_size=100, use_cache=False)),
                  _ids(100, 16), _heads_attention(2, 4, 16, 16)),
    }


def weighted_modules(model: nn.Module) -> list[nn.Module]:
    """Linear, Conv1d/2d and transformers' Conv1D modules (the ones pruning touches)."""
    conv1d = getattr(transformers.pytorch_utils, "Conv1D", ())
    kinds = (nn.Linear, nn.Conv1d, nn.Conv2d) + ((conv1d,) if conv1d else ())
    return [m for m in model.modules() if isinstance(m, kinds)]


def prune_global(model: nn.Module, amount: float = 0.5) -> nn.Module:
    """torch.nn.utils.prune global magnitude pruning of every weighted module's weight."""
    prune.global_unstructured([(m, "weight") for m in weighted_modules(model)],
                              prune.L1Unstructured, amount=amount)
    return model


def hooked_macs(model: nn.Module, inputs: torch.Tensor) -> int:
    """MACs per image of the weighted modules, counted by forward hooks: output elements x
    (in_features, or in_channels / groups x kernel area)."""
    total, handles = [0], []

    def hook(module, args, out):
        if isinstance(module, nn.Linear):
            per = module.in_features
        elif isinstance(module, (nn.Conv1d, nn.Conv2d)):
            per = module.in_channels // module.groups * int(torch.tensor(module.kernel_size)
                                                           .prod())
        else:                                   # transformers Conv1D: weight (in, out)
            per = module.weight.shape[0]
        total[0] += out.numel() * per

    for module in weighted_modules(model):
        handles.append(module.register_forward_hook(hook))
    try:
        with torch.no_grad():
            model.eval()(inputs)
    finally:
        for handle in handles:
            handle.remove()
    return total[0] // len(inputs)
