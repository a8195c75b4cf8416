"""Which layers keep their weights on chip across inferences: decided here, once, for the
analytical model (:func:`hwsim.cost.estimate_network`) and the simulator
(:func:`hwsim.sim.simulate_network`) alike, and the same way for a pruned network and its
dense baseline.

The policy (:class:`hwsim.types.Residency`) comes from the accelerator's YAML
(``residency.policy``) unless the caller overrides it (``--residency`` on the CLI):

* ``streamed``: no layer is resident; weights cross the DRAM interface every inference.
* ``per_layer``: a layer is resident when its own stored weights (values + metadata) fit the
  on-chip weight capacity (:func:`hwsim.cost.layer.weight_capacity_bytes`).
* ``network``: first fit in network order: a layer is resident while its stored weights plus
  those of the earlier resident layers fit the capacity; a layer that does not fit streams and
  later, smaller layers may still fit.

Worked example (capacity 100 B; stored weights 60, 50, 30 B): ``per_layer`` keeps all three
(each fits alone); ``network`` keeps the first (60), streams the second (60 + 50 > 100) and
keeps the third (60 + 30 = 90 <= 100); ``streamed`` keeps none. ``model_fits_on_chip`` is
False in every case (140 B > 100 B) (``tests/cost/test_cost_residency.py``).

Approximation: resident weights of other layers are not subtracted from the capacity a
streamed layer's tiles may use (each layer's mapping search sees the whole level).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from hwsim.arch.model import Accelerator
from hwsim.cost.layer import unsupported_reason, weight_capacity_bytes
from hwsim.cost.operands import layer_weight_storage
from hwsim.types import LayerKind, Residency
from hwsim.workload.layer import LayerWorkload


@dataclass(frozen=True, kw_only=True)
class ResidencyPlan:
    """Per-layer residency decisions of one network on one accelerator.

    ``resident[i]`` is layer i's decision (False for layers the arch cannot run);
    ``reasons[i]`` says why in words; ``model_fits_on_chip``: the stored weights of every
    supported layer fit the capacity together; ``capacity_bytes``: the on-chip weight capacity.
    """

    policy: Residency
    resident: tuple[bool, ...]
    reasons: tuple[str, ...]
    model_fits_on_chip: bool
    capacity_bytes: float

    def to_dict(self) -> dict:
        return {"policy": str(self.policy), "capacity_bytes": self.capacity_bytes,
                "model_fits_on_chip": self.model_fits_on_chip}


def resolve_policy(arch: Accelerator, override: Residency | str | None = None) -> Residency:
    """The policy in force: ``override`` (a :class:`Residency` or its text) or the arch's."""
    if override is None:
        return arch.residency
    return override if isinstance(override, Residency) else Residency.parse(override)


def plan_residency(layers: Sequence[LayerWorkload], arch: Accelerator,
                   policy: Residency | str | None = None, cache=None) -> ResidencyPlan:
    """Residency of every layer of ``layers`` on ``arch`` under ``policy`` (module docstring);
    ``cache``: a :class:`hwsim.cost.cache.CostCache` for the weight storage."""
    policy = resolve_policy(arch, policy)
    capacity = float(weight_capacity_bytes(arch))
    flags, reasons, used, total = [], [], 0.0, 0.0
    for layer in layers:
        if unsupported_reason(layer, arch):
            flags.append(False)
            reasons.append("not run on this accelerator")
            continue
        if not layer.kind.has_weights:
            flags.append(False)
            reasons.append("no stored weights (" + ("vector op" if layer.kind is
                           LayerKind.VECTOR else "act x act matmul: operand B is an activation")
                           + ")")
            continue
        stored = layer_weight_storage(layer, arch, cache).total_bits / 8
        total += stored
        keep, why = _decide(policy, stored, used, capacity)
        used += stored if keep and policy is Residency.NETWORK else 0.0
        flags.append(keep)
        reasons.append(why)
    return ResidencyPlan(policy=policy, resident=tuple(flags), reasons=tuple(reasons),
                         model_fits_on_chip=total <= capacity, capacity_bytes=capacity)


def _decide(policy: Residency, stored: float, used: float, capacity: float) -> tuple[bool, str]:
    if policy is Residency.STREAMED:
        return False, "streamed (policy)"
    if policy is Residency.PER_LAYER:
        if stored <= capacity:
            return True, "resident (per layer: fits alone)"
        return False, f"streamed ({stored:,.0f} B do not fit {capacity:,.0f} B on chip)"
    if used + stored <= capacity:
        return True, f"resident (first fit: {used + stored:,.0f} of {capacity:,.0f} B used)"
    return False, (f"streamed (first fit: {stored:,.0f} B do not fit the "
                   f"{capacity - used:,.0f} B left on chip)")


def layer_resident(layer: LayerWorkload, arch: Accelerator,
                   policy: Residency | str | None = None) -> bool:
    """One layer alone: ``network`` and ``per_layer`` agree on a single layer."""
    return plan_residency((layer,), arch, policy).resident[0]


__all__ = ["ResidencyPlan", "layer_resident", "plan_residency", "resolve_policy"]
