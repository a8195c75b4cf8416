"""Removal of dead neurons (Han et al. 2015, Section 3.5): no remaining inputs or outputs.

For each producer -> consumer link found by :mod:`pruning.graph` (joined only by ReLU, dropout,
max-pooling, flatten or identity), neuron j of the producer (an output channel or row) is

* *output-dead* when no consumer weight reads it: its remaining input weights are pruned and
  its bias set to 0 (nothing downstream changes);
* *input-dead* when none of its input weights survive: it outputs the constant relu(b_j)
  (b_j without a ReLU), so the consumer's bias absorbs W[:, j] x relu(b_j) and the consumer's
  weights from j are pruned. Exact for linear consumers and unpadded convolutions (a padded
  conv would see zeros at the border); other links only get the output-dead rule.

The pass repeats until nothing changes (removing a neuron can kill one upstream).

Worked example: fc1 row 3 lost all its weights and relu(b_3) = 0.2; fc2 reads it with weights
w = [0.5, -1] (two outputs) -> fc2.bias += [0.1, -0.2], fc2 column 3 pruned, neuron 3 removed.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from pruning.graph import Link
from pruning.methods import current_mask, current_weight, fixed_mask
from pruning.models import prunable_layers

MAX_PASSES = 10


@dataclass(frozen=True)
class DeadNeuronReport:
    """Per producer layer: neurons removed by this call, weights it pruned, and all dead now."""

    layer: str
    removed: int
    weights_removed: int
    dead_total: int

    def as_dict(self) -> dict:
        return {"layer": self.layer, "removed": self.removed,
                "weights_removed": self.weights_removed, "dead_total": self.dead_total}


def remove_dead_neurons(model: nn.Module, links: tuple[Link, ...]) -> tuple[DeadNeuronReport, ...]:
    """Prune dead neurons along ``links`` until a fixpoint; one report per producer layer."""
    modules = prunable_layers(model)
    before = {link.producer: _alive(modules, link) for link in links}
    removed_weights = {link.producer: 0 for link in links}
    for _ in range(MAX_PASSES):
        changed = 0
        for link in links:
            count = _remove_along(modules[link.producer], modules[link.consumer], link)
            removed_weights[link.producer] += count
            changed += count
        if not changed:
            break
    reports = []
    for link in links:
        alive_now = _alive(modules, link)
        removed = int((before[link.producer] & ~alive_now).sum())
        reports.append(DeadNeuronReport(link.producer, removed, removed_weights[link.producer],
                                        int((~alive_now).sum())))
    return tuple(reports)


def _alive(modules: dict, link: Link) -> torch.Tensor:
    """Neurons of the producer that still have an input or an output connection."""
    has_in, has_out = _connections(modules[link.producer], modules[link.consumer], link)
    return has_in | has_out


def _connections(producer: nn.Module, consumer: nn.Module,
                 link: Link) -> tuple[torch.Tensor, torch.Tensor]:
    rows = current_mask(producer).reshape(current_mask(producer).shape[0], -1)
    return rows.any(dim=1), _consumer_view(current_mask(consumer), rows.shape[0]).any(dim=(0, 2))


def _consumer_view(t: torch.Tensor, k_producer: int) -> torch.Tensor:
    """(K_c, K_p, rest): consumer weights grouped by the producer neuron they read."""
    return t.reshape(t.shape[0], k_producer, -1)


def _remove_along(producer: nn.Module, consumer: nn.Module, link: Link) -> int:
    has_in, has_out = _connections(producer, consumer, link)
    removed = 0
    no_out = has_in & ~has_out
    if no_out.any():
        removed += _prune_rows(producer, no_out)
    no_in = ~has_in & has_out
    if no_in.any() and link.foldable and _can_fold(producer, consumer, link, no_in):
        removed += _fold_constant(producer, consumer, link, no_in)
    return removed


def _prune_rows(producer: nn.Module, rows: torch.Tensor) -> int:
    mask = current_mask(producer)
    new = mask.clone()
    new[rows] = False
    fixed_mask(producer, new)
    if producer.bias is not None:
        with torch.no_grad():
            producer.bias[rows] = 0.0
    return int(mask.sum() - new.sum())


def _constants(producer: nn.Module, link: Link) -> torch.Tensor:
    """What each producer neuron outputs when it has no inputs: relu(b) or b (0 without bias)."""
    bias = producer.bias.detach() if producer.bias is not None else \
        torch.zeros(current_mask(producer).shape[0])
    return bias.clamp(min=0) if link.relu else bias


def _can_fold(producer: nn.Module, consumer: nn.Module, link: Link,
              neurons: torch.Tensor) -> bool:
    return consumer.bias is not None or bool((_constants(producer, link)[neurons] == 0).all())


def _fold_constant(producer: nn.Module, consumer: nn.Module, link: Link,
                   neurons: torch.Tensor) -> int:
    k_producer = current_mask(producer).shape[0]
    effective = current_weight(consumer) * current_mask(consumer)
    weight = _consumer_view(effective, k_producer)
    const = torch.where(neurons, _constants(producer, link), torch.zeros(()))
    with torch.no_grad():
        if consumer.bias is not None:
            consumer.bias += (weight.sum(dim=2) * const).sum(dim=1)
        if producer.bias is not None:
            producer.bias[neurons] = 0.0
    mask = current_mask(consumer)
    new = _consumer_view(mask.clone(), k_producer)
    new[:, neurons, :] = False
    fixed_mask(consumer, new.reshape(mask.shape))
    return int(mask.sum() - new.sum())
