"""Calibration statistics for one-shot pruning: the L2 norm of each Linear layer's input features.

Wanda (Sun et al. 2023, "A Simple and Effective Pruning Approach for Large Language Models",
Eq. 1) scores weight W_ij by |W_ij| x ||X_j||_2, where X_j is input feature j of the layer over
every calibration token (batch x sequence positions flattened). This module measures
||X_j||_2 with forward pre-hooks that keep a running sum of squares per input feature, in
float64: the memory is one vector of ``in_features`` per layer, whatever the number of tokens
(no activation is stored; the hooks hold no reference to a batch).

Worked example: a Linear(2, 1) fed two tokens [3, 0] and [4, 1] -> sums of squares
[9 + 16, 0 + 1] = [25, 1], norms [5, 1], tokens 2::

    stats = collect_input_norms(model, ["fc"], [torch.tensor([[3., 0.], [4., 1.]])])
    stats.norms("fc")            # tensor([5., 1.], dtype=torch.float64)
    stats.tokens["fc"]           # 2
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import torch
from torch import nn

from hwsim.errors import ConfigError, Problem


@dataclass(frozen=True)
class InputNorms:
    """Per layer name: the sum over calibration tokens of each input feature squared (float64,
    shape ``(in_features,)``) and the number of tokens seen."""

    sum_squares: Mapping[str, torch.Tensor]
    tokens: Mapping[str, int]

    def norms(self, layer: str) -> torch.Tensor:
        """||X_j||_2 per input feature j of ``layer`` (float64)."""
        return self.sum_squares[layer].sqrt()

    def stored_elements(self) -> int:
        """Numbers kept in memory: the sum of the layers' ``in_features``."""
        return sum(t.numel() for t in self.sum_squares.values())


def collect_input_norms(model: nn.Module, layers: Sequence[str],
                        batches: Iterable) -> InputNorms:
    """Run ``model`` (eval mode, no grad) on each batch and measure the inputs of ``layers``.

    ``batches``: tensors (or tuples of tensors, passed positionally) consumed one at a time,
    so a generator keeps only one batch alive. Hooks are removed and the training flag
    restored even when a forward pass fails.
    """
    modules = _linear_modules(model, layers)
    sums = {name: torch.zeros(m.in_features, dtype=torch.float64) for name, m in modules.items()}
    counts = dict.fromkeys(modules, 0)
    handles = [m.register_forward_pre_hook(_accumulator(name, sums, counts))
               for name, m in modules.items()]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for batch in batches:
                model(*batch) if isinstance(batch, tuple) else model(batch)
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    return InputNorms(sum_squares=sums, tokens=counts)


def batches_of(x: torch.Tensor, batch_size: int) -> Iterable[torch.Tensor]:
    """``x`` in consecutive slices of ``batch_size`` along dim 0 (views, no copy)."""
    for start in range(0, len(x), batch_size):
        yield x[start:start + batch_size]


def _accumulator(name: str, sums: dict, counts: dict):
    """A forward pre-hook adding the input's squared features into ``sums[name]``."""
    def hook(module: nn.Module, args: tuple) -> None:
        x = args[0].detach()
        flat = x.reshape(-1, x.shape[-1]).to(torch.float64)
        sums[name] += flat.pow(2).sum(dim=0)
        counts[name] += flat.shape[0]
    return hook


def _linear_modules(model: nn.Module, layers: Sequence[str]) -> dict[str, nn.Linear]:
    found = dict(model.named_modules())
    problems = [Problem(f"layers.{name}", "must name an nn.Linear of the model",
                        type(found[name]).__name__ if name in found else "missing")
                for name in layers if not isinstance(found.get(name), nn.Linear)]
    if problems:
        raise ConfigError(problems)
    return {name: found[name] for name in layers}
