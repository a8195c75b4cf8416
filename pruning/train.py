"""Training, evaluation, regularisation and Han's dropout adjustment.

Plain SGD with momentum over in-memory tensors (no DataLoader: MNIST fits in memory and the
per-batch overhead would dominate on 2 cores). Shuffling uses a seeded ``torch.Generator``, so a
run is reproducible for a given seed and thread count.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from pruning.schedule import RegularizationConfig


@dataclass(frozen=True)
class Accuracy:
    """Correct predictions out of ``total``; ``pct`` in percent (e.g. 951 / 1000 -> 95.1)."""

    correct: int
    total: int

    @property
    def pct(self) -> float:
        return 100.0 * self.correct / self.total if self.total else 0.0


@dataclass(frozen=True)
class TrainSettings:
    """One training phase: epochs of SGD at ``lr`` (cosine-annealed to 0 or constant)."""

    epochs: int
    batch_size: int
    lr: float
    momentum: float
    lr_schedule: str
    regularization: RegularizationConfig


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, numpy and torch; returns the generator used for shuffling."""
    random.seed(seed)
    np.random.seed(seed % 2 ** 32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor,
             batch_size: int = 1000) -> Accuracy:
    """Top-1 accuracy in eval mode (dropout off); restores the training flag."""
    was_training = model.training
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(y), batch_size):
            logits = model(x[start:start + batch_size])
            correct += int((logits.argmax(dim=1) == y[start:start + batch_size]).sum())
    model.train(was_training)
    return Accuracy(correct, len(y))


def regularization_penalty(layers: Iterable[nn.Module], reg: RegularizationConfig):
    """strength x sum|w| (l1) or strength/2 x sum w^2 (l2) over the layers' effective weights.

    Example: one weight tensor [1, -2], strength 0.1 -> l1 0.3, l2 0.05 x 5 = 0.25.
    The effective weight is ``orig x mask``, so pruned weights get no gradient from it.
    """
    if reg.kind == "none" or reg.strength == 0:
        return 0.0
    weights = [layer.weight for layer in layers]
    if reg.kind == "l1":
        return reg.strength * sum(w.abs().sum() for w in weights)
    return 0.5 * reg.strength * sum(w.pow(2).sum() for w in weights)


def train_model(model: nn.Module, x: torch.Tensor, y: torch.Tensor, settings: TrainSettings,
                layers: Sequence[nn.Module], generator: torch.Generator,
                progress=None) -> list[float]:
    """Train in place; returns the mean loss per epoch.

    Only parameters with ``requires_grad`` are optimised (a phase freezes layers by turning it
    off); the penalty covers the ``layers`` given. ``progress`` is an optional tqdm bar that is
    advanced once per epoch.
    """
    params = [p for p in model.parameters() if p.requires_grad]
    if settings.epochs == 0 or not params:
        return []
    optimizer = torch.optim.SGD(params, lr=settings.lr, momentum=settings.momentum)
    steps_per_epoch = math.ceil(len(y) / settings.batch_size)
    total_steps, step, losses = settings.epochs * steps_per_epoch, 0, []
    model.train()
    for _ in range(settings.epochs):
        order, epoch_loss = torch.randperm(len(y), generator=generator), 0.0
        for start in range(0, len(y), settings.batch_size):
            _set_lr(optimizer, settings, step, total_steps)
            idx = order[start:start + settings.batch_size]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            epoch_loss += float(loss.detach()) * len(idx)
            loss = loss + regularization_penalty(layers, settings.regularization)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            step += 1
        losses.append(epoch_loss / len(y))
        if progress is not None:
            progress.update(1)
            progress.set_postfix(loss=f"{losses[-1]:.4f}")
    return losses


def _set_lr(optimizer: torch.optim.Optimizer, settings: TrainSettings, step: int,
            total: int) -> None:
    lr = settings.lr
    if settings.lr_schedule == "cosine":
        lr = 0.5 * settings.lr * (1.0 + math.cos(math.pi * step / total))
    for group in optimizer.param_groups:
        group["lr"] = lr


# ---- dropout (Han et al. 2015, Eq. 2) ----------------------------------------------------------

def adjusted_dropout(original: float, connections_original: int,
                     connections_now: int) -> float:
    """D_r = D_o x sqrt(C_ir / C_io) (HAN15_T Eq. 2).

    Example: D_o = 0.5, a layer pruned from 10,000 to 900 connections ->
    0.5 x sqrt(0.09) = 0.15.
    """
    if connections_original <= 0:
        return original
    return original * math.sqrt(connections_now / connections_original)


def set_dropout(model: nn.Module, p: float) -> None:
    """Set every nn.Dropout's probability to ``p``."""
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.p = p
