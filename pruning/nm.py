"""N:M verification of a torch model with hwsim's one group definition.

The groups, their order and the check live in :mod:`hwsim.formats.structured`
(:func:`~hwsim.formats.check_n_m`: m consecutive weights along the (R, S, C) reduction of each
output row); the prune method (:class:`pruning.methods.NMSparsity`) builds masks in that order
and this module checks the masks a run exports against the patterns its schedule applied, so
the three cannot drift apart.

Worked example: a 2:4 schedule on LeNet-5 -> ``schedule_patterns`` gives ``{"conv1": (2, 4),
...}``; ``check_model`` returns an :class:`~hwsim.formats.NMCheck` per layer (groups, violating
groups); ``violation_message`` is None when every group keeps at most 2 of its 4 weights.
"""
from __future__ import annotations

from typing import Mapping

from torch import nn

from hwsim.formats import NMCheck, check_n_m
from pruning.methods import current_mask
from pruning.models import prunable_layers
from pruning.schedule import ScheduleConfig, value_for


def schedule_patterns(schedule: ScheduleConfig, layers: list[str]) -> dict[str, tuple[int, int]]:
    """The N:M pattern each of ``layers`` must satisfy after an ``n_m`` schedule: the last one
    its iterations applied (masks only shrink, so it holds on top of the earlier ones); ``{}``
    for other methods. Example: iterations ``2:4`` then ``{fc1: 1:4}`` -> fc1 (1, 4), the
    others (2, 4)."""
    if schedule.pruning.method != "n_m":
        return {}
    patterns: dict[str, tuple[int, int]] = {}
    for step in schedule.pruning.steps():
        for layer in layers:
            value = value_for(step.pattern, layer)
            if value is not None:
                patterns[layer] = (int(value[0]), int(value[1]))
    return patterns


def check_model(model: nn.Module,
                patterns: Mapping[str, tuple[int, int]]) -> dict[str, NMCheck]:
    """:func:`hwsim.formats.check_n_m` of each layer's current mask against its pattern."""
    modules = prunable_layers(model)
    return {layer: check_n_m(current_mask(modules[layer]).cpu().numpy(), n, m)
            for layer, (n, m) in patterns.items() if layer in modules}


def violation_message(checks: Mapping[str, NMCheck], name: str) -> str | None:
    """One plain-language line naming every layer whose mask breaks its pattern, or None.

    Example: ``N:M check of lenet5-x: conv2: 12 of 6,250 4-weight groups break the 2:4
    pattern. These layers are exported as they are; an N:M accelerator runs them dense.``
    """
    bad = [f"{layer}: {check.describe()}" for layer, check in checks.items() if not check.ok]
    if not bad:
        return None
    return (f"N:M check of {name}: {'; '.join(bad)}. These layers are exported as they are; "
            "an N:M accelerator runs them dense.")


def checks_as_dict(checks: Mapping[str, NMCheck]) -> dict[str, dict]:
    """``{layer: {"pattern": "2:4", "groups": .., "violating_groups": .., ...}}`` for JSON."""
    return {layer: check.to_dict() for layer, check in checks.items()}


def describe_checks(checks: Mapping[str, NMCheck]) -> str:
    """A one-line total for a workload's provenance, e.g. ``N:M verified: 0 of 107,620
    groups break the pattern (2:4)``."""
    groups = sum(c.groups for c in checks.values())
    violating = sum(c.violating for c in checks.values())
    patterns = ", ".join(sorted({f"{c.n}:{c.m}" for c in checks.values()}))
    return f"N:M verified: {violating:,} of {groups:,} groups break the pattern ({patterns})"
