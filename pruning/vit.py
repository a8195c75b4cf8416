"""A small Vision Transformer for 28 x 28 MNIST: the transformer the one-shot LLM pruning runs on.

Dosovitskiy et al. 2021 ("An Image is Worth 16x16 Words") shrunk to MNIST: the image is cut
into 4 x 4 = 16 patches of 7 x 7 pixels, each patch (49 pixels) is a token embedded by a
Linear layer, a learned class token and position embeddings are added, then ``depth``
pre-norm blocks (LayerNorm -> multi-head self-attention -> residual, LayerNorm -> MLP with GELU
-> residual) and a LayerNorm + Linear head on the class token. Every weight matrix is an
``nn.Linear`` (attention uses ``qkv`` and ``proj`` Linear layers and
``F.scaled_dot_product_attention``), so the LLM pruning methods (:mod:`pruning.oneshot`) and the
graph export (:mod:`pruning.graph_export`) see the same layers an LLM block has: ``qkv``,
``proj``, ``fc1``, ``fc2``.

Worked example (the defaults: dim 64, depth 4, 4 heads, MLP 128)::

    model = VisionTransformer()
    model(torch.zeros(2, 1, 28, 28)).shape      # torch.Size([2, 10])
    block_linear_layers(model)[0]                # ['blocks.0.attn.qkv', 'blocks.0.attn.proj',
                                                 #  'blocks.0.mlp.fc1', 'blocks.0.mlp.fc2']

Weights per block: qkv 64 x 192 = 12,288, proj 64 x 64 = 4,096, fc1 64 x 128 = 8,192,
fc2 128 x 64 = 8,192 -> 32,768; 4 blocks 131,072; patch embedding 49 x 64 = 3,136; head 640.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

PATCH = 7
IMAGE = 28


class Attention(nn.Module):
    """Multi-head self-attention: qkv Linear (dim -> 3 dim), SDPA, proj Linear (dim -> dim)."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, tokens, dim = x.shape
        qkv = self.qkv(x).reshape(batch, tokens, 3, self.heads, dim // self.heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        out = F.scaled_dot_product_attention(q, k, v)
        return self.proj(out.transpose(1, 2).reshape(batch, tokens, dim))


class Mlp(nn.Module):
    """fc1 (dim -> hidden), GELU, fc2 (hidden -> dim)."""

    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.gelu(self.fc1(x)))


class Block(nn.Module):
    """Pre-norm transformer block: x + attn(norm1(x)), then x + mlp(norm2(x))."""

    def __init__(self, dim: int, heads: int, hidden: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class VisionTransformer(nn.Module):
    """ViT for (N, 1, 28, 28) images -> (N, classes) logits; 17 tokens (16 patches + class)."""

    def __init__(self, dim: int = 64, depth: int = 4, heads: int = 4, hidden: int = 128,
                 classes: int = 10):
        super().__init__()
        tokens = (IMAGE // PATCH) ** 2
        self.patch_embed = nn.Linear(PATCH * PATCH, dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.randn(1, tokens + 1, dim) * 0.02)
        self.blocks = nn.ModuleList(Block(dim, heads, hidden) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = self.patch_embed(patchify(x))
        cls = self.cls_token.expand(tokens.shape[0], -1, -1)
        x = torch.cat([cls, tokens], dim=1) + self.pos_embed
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x[:, 0]))


def patchify(images: torch.Tensor) -> torch.Tensor:
    """(N, 1, 28, 28) -> (N, 16, 49): 7 x 7 patches in row-major order, pixels row-major.

    Example: patch 1 of an image is rows 0-6, columns 7-13.
    """
    n = images.shape[0]
    grid = IMAGE // PATCH
    x = images.reshape(n, grid, PATCH, grid, PATCH)
    return x.permute(0, 1, 3, 2, 4).reshape(n, grid * grid, PATCH * PATCH)


def block_linear_layers(model: VisionTransformer) -> list[list[str]]:
    """The Linear layers of each transformer block, by qualified name, block by block.

    These are what Wanda prunes (Sun et al. 2023 leave the embedding and the head dense).
    """
    return [[f"blocks.{i}.{name}" for name, module in block.named_modules()
             if isinstance(module, nn.Linear)] for i, block in enumerate(model.blocks)]


def train_vit(model: nn.Module, x: torch.Tensor, y: torch.Tensor, epochs: int,
              generator: torch.Generator, batch_size: int = 64, lr: float = 2e-3,
              weight_decay: float = 0.05, warmup_steps: int = 100) -> list[float]:
    """Train in place with AdamW (linear warm-up, then cosine to 0); mean loss per epoch.

    The usual small-ViT recipe (DeiT's optimiser, shortened): lr 2e-3, weight decay 0.05,
    batch 64. On the embedded MNIST split (4,000 images) 30 epochs take about a minute on
    one core and reach ~95 % test accuracy.
    """
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    total = max(1, epochs * math.ceil(len(y) / batch_size))
    step, losses = 0, []
    model.train()
    for _ in range(epochs):
        order, epoch_loss = torch.randperm(len(y), generator=generator), 0.0
        for start in range(0, len(y), batch_size):
            for group in optimizer.param_groups:
                group["lr"] = lr * min(1.0, (step + 1) / warmup_steps) * 0.5 * (
                    1.0 + math.cos(math.pi * step / total))
            idx = order[start:start + batch_size]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            epoch_loss += float(loss.detach()) * len(idx)
            step += 1
        losses.append(epoch_loss / len(y))
    return losses
