"""The ``hardware:`` section of a pruning schedule: prune for an accelerator (issue 15).

A schedule with this section is run by :func:`pruning.hw_aware.run_hw_aware` instead of its
``pruning.iterations``: dense training (``train``), then the hardware-aware search, then
``retrain.epochs`` of retraining and the usual export::

    hardware:
      target_arch: arch_configs/eyeriss.yaml    # the accelerator whose cost steers the pruning
      mode: budget                              # budget (NetAdapt-style) | energy_aware (Yang 2017)
      budget: energy=0.3                        # metric=fraction of dense; metric energy | latency
      sparsity: auto                            # auto | structured | unstructured | n_m, or per layer
      step: 0.25                                # a proposal removes this share of a layer's survivors
      finetune_batches: 20                      # short fine-tune of each proposal (batches)
      validation_fraction: 0.1                  # held out of the training set to score proposals
      tolerance_pp: 1.0                         # energy_aware: validation loss a layer may spend
      max_loss_pp: 2.0                          # budget: stop rather than lose more (validation)
      max_steps: 60

``sparsity: auto`` picks what the accelerator can use (:func:`pruning.hw_cost.sparsity_kind`):
N:M on an accelerator with N:M support, unstructured where zero weights are skipped (EIE),
structured channels / neurons with compaction on dense arrays (systolic_ws, eyeriss).
"""
from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

SparsityKind = Literal["structured", "unstructured", "n_m"]
SPARSITY_KINDS = ("structured", "unstructured", "n_m")
METRICS = ("energy", "latency")


class BudgetConfig(BaseModel):
    """Prune until ``metric`` on the target is at most ``fraction`` of the dense network's."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: Literal["energy", "latency"] = "energy"
    fraction: float = Field(gt=0, lt=1)

    def __str__(self) -> str:
        return f"{self.metric}={self.fraction:g}"


def parse_budget(value: Any) -> Any:
    """``"energy=0.3"`` -> ``{"metric": "energy", "fraction": 0.3}``; mappings pass through.

    Raises ValueError (pydantic turns it into a schedule problem) for anything else.
    """
    if value is None or isinstance(value, (dict, BudgetConfig)):
        return value
    text = str(value)
    metric, sep, fraction = text.partition("=")
    if not sep or metric.strip() not in METRICS:
        raise ValueError(f"must be METRIC=FRACTION with METRIC one of {', '.join(METRICS)}, "
                         f"e.g. energy=0.3 (got {text!r})")
    try:
        number = float(fraction)
    except ValueError:
        raise ValueError(f"must have a number after '=', e.g. energy=0.3 (got {text!r})") from None
    return {"metric": metric.strip(), "fraction": number}


class HardwareAwareConfig(BaseModel):
    """See the module docstring."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    target_arch: str = Field(min_length=1)
    mode: Literal["budget", "energy_aware"] = "budget"
    budget: Optional[BudgetConfig] = None
    sparsity: dict[str, Any] = {"default": "auto"}
    step: float = Field(0.25, gt=0, lt=1)
    finetune_batches: int = Field(20, ge=0)
    validation_fraction: float = Field(0.1, gt=0, lt=1)
    tolerance_pp: float = Field(1.0, ge=0)
    max_loss_pp: float = Field(2.0, ge=0)
    max_steps: int = Field(60, ge=1)
    min_kept_fraction: float = Field(0.02, gt=0, le=1)

    @field_validator("budget", mode="before")
    @classmethod
    def _budget(cls, value):
        return parse_budget(value)

    @field_validator("sparsity", mode="before")
    @classmethod
    def _sparsity(cls, value):
        mapping = value if isinstance(value, dict) else {"default": value}
        for layer, kind in mapping.items():
            if kind != "auto" and kind not in SPARSITY_KINDS:
                raise ValueError(f"must be auto or one of {', '.join(SPARSITY_KINDS)} "
                                 f"({layer}: got {kind!r})")
        return dict(mapping)

    def problems(self) -> list[tuple[str, str, Any]]:
        """Cross-field rules as (dotted path under ``hardware``, rule, value)."""
        if self.mode == "budget" and self.budget is None:
            return [("budget", "must be given with mode budget (e.g. energy=0.3)", None)]
        return []
