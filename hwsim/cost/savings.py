"""What a comparison says: savings ratios, their attribution to pruning and to a change of
accelerator, and which part of the network a total covers.

* :class:`Savings`: ``before / after`` (x) of energy, latency (seconds), weight memory and
  per-inference DRAM traffic.
* :class:`Attribution`: with a baseline accelerator B and a target A, three comparisons of the
  same network: ``accelerator`` (dense on B -> dense on A), ``pruning`` (dense on A -> pruned
  on A) and ``combined`` (dense on B -> pruned on A). Energy, DRAM and memory ratios multiply
  exactly (``combined = accelerator x pruning``); so does latency (seconds on each side).
* :class:`Coverage`: the layers a total covers, those run on a fallback accelerator, those
  left out (with the reason), and the fractions of the network's MACs, weights and activations
  covered.

Worked example: dense on B 100 pJ, dense on A 40 pJ, pruned on A 5 pJ: accelerator 2.5x,
pruning 8x, combined 20x = 2.5 x 8 (``tests/cost/test_cost_attribution.py``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from hwsim.cost.records import LayerCost
from hwsim.workload.layer import LayerWorkload


def ratio(baseline: float, pruned: float) -> float:
    """``baseline / pruned`` as an x factor: 1.0 when both are 0, inf when only pruned is 0.

    Example: ratio(10, 4) = 2.5.
    """
    if pruned == 0:
        return 1.0 if baseline == 0 else math.inf
    return baseline / pruned


def _clean(x: float) -> float | None:
    return None if math.isinf(x) else x


@dataclass(frozen=True)
class Savings:
    """Before / after (x) of energy, latency (in seconds: each side's cycles over its own
    clock), weight memory (stored bytes) and per-inference DRAM traffic; 1.0 everywhere for a
    dense workload on the same arch. Below 1 the change costs more (see
    :func:`hwsim.report.text.factor_text`: 0.5x energy reads "2.0x more energy").

    Example: after 800 cycles at 800 MHz (1 us), before 1,400 cycles at 700 MHz (2 us):
    latency 2.0x (the cycle ratio, 1.75x, would ignore the clocks).
    """

    energy: float
    latency: float
    memory: float
    dram_traffic: float

    @staticmethod
    def of(after: LayerCost, before: LayerCost) -> "Savings":
        return Savings(ratio(before.energy_pj, after.energy_pj),
                       ratio(before.latency_s, after.latency_s),
                       ratio(before.weights.stored_bytes, after.weights.stored_bytes),
                       ratio(before.dram_bytes, after.dram_bytes))

    def to_dict(self) -> dict:
        """JSON form; an infinite ratio becomes None (JSON has no infinity)."""
        return {"energy_x": _clean(self.energy), "latency_x": _clean(self.latency),
                "memory_x": _clean(self.memory), "dram_traffic_x": _clean(self.dram_traffic)}


@dataclass(frozen=True)
class Attribution:
    """Where a saving comes from (module docstring): ``accelerator`` dense-B -> dense-A,
    ``pruning`` dense-A -> pruned-A, ``combined`` dense-B -> pruned-A. On one accelerator
    (no baseline accelerator) ``accelerator`` is 1.0 and ``combined`` equals ``pruning``."""

    accelerator: Savings
    pruning: Savings
    combined: Savings

    @staticmethod
    def of(pruned: LayerCost, dense: LayerCost, baseline: LayerCost) -> "Attribution":
        """From the pruned and dense costs on A and the dense cost on B."""
        return Attribution(Savings.of(dense, baseline), Savings.of(pruned, dense),
                           Savings.of(pruned, baseline))

    def to_dict(self) -> dict:
        return {"accelerator": self.accelerator.to_dict(), "pruning": self.pruning.to_dict(),
                "combined": self.combined.to_dict()}


@dataclass(frozen=True)
class Coverage:
    """Which layers of a network a total covers (module docstring).

    ``covered``: names of the layers in the total (``fallback`` lists those of them that ran
    on a fallback accelerator); ``missing``: (name, reason) of the layers left out. Fractions
    are of the whole network: dense MACs, stored weight elements (``weight_fraction``, the
    share of the weight bytes at one precision; act x act matmuls and vector layers store
    none) and input + output activation elements.

    Example: AlexNet on EIE without a fallback covers fc6-fc8: 3 of 8 layers, 8.1 % of the
    MACs, 96.2 % of the weights; the label reads "partial: 3 of 8 layers, ...".
    """

    layers_total: int
    covered: tuple[str, ...]
    fallback: tuple[str, ...]
    missing: tuple[tuple[str, str], ...]
    macs_fraction: float
    weight_fraction: float
    activation_fraction: float

    @property
    def complete(self) -> bool:
        return not self.missing

    def label(self) -> str:
        """"whole network (8 layers)" or "partial: 3 of 8 layers, 8.1 % of MACs, ..."."""
        via = f", {len(self.fallback)} on a fallback accelerator" if self.fallback else ""
        if self.complete and self.layers_total == 1:
            return f"layer {self.covered[0]} only{via}"
        if self.complete:
            return f"whole network ({self.layers_total} layers{via})"
        return (f"partial: {len(self.covered)} of {self.layers_total} layers, "
                f"{100 * self.macs_fraction:.1f} % of MACs, {100 * self.weight_fraction:.1f} % "
                f"of weights, {100 * self.activation_fraction:.1f} % of activations{via}")

    def to_dict(self) -> dict:
        return {"complete": self.complete, "label": self.label(),
                "layers_total": self.layers_total, "layers_covered": list(self.covered),
                "layers_on_fallback": list(self.fallback),
                "layers_missing": [{"name": n, "reason": r} for n, r in self.missing],
                "macs_fraction": self.macs_fraction, "weight_fraction": self.weight_fraction,
                "activation_fraction": self.activation_fraction}

    @staticmethod
    def of(layers: Sequence[LayerWorkload], included: Sequence[bool],
           reasons: Sequence[str | None], fallback: Sequence[bool] = ()) -> "Coverage":
        """Coverage of ``layers`` where ``included[i]`` says layer i is in the total,
        ``reasons[i]`` why it is not, and ``fallback[i]`` that it ran on a fallback."""
        fallback = tuple(fallback) or (False,) * len(layers)

        def share(attr) -> float:
            whole = sum(attr(l) for l in layers)
            part = sum(attr(l) for l, ok in zip(layers, included) if ok)
            return part / whole if whole else 1.0

        return Coverage(
            len(layers), tuple(l.name for l, ok in zip(layers, included) if ok),
            tuple(l.name for l, ok, fb in zip(layers, included, fallback) if ok and fb),
            tuple((l.name, r or "unsupported") for l, ok, r in zip(layers, included, reasons)
                  if not ok),
            share(lambda l: l.macs_dense), share(lambda l: l.stored_weight_count),
            share(lambda l: l.input_count + l.output_count))


__all__ = ["Attribution", "Coverage", "Savings", "ratio"]
