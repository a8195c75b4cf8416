"""The two hardware-aware searches, torch-free: they only call the problem's four functions.

A :class:`SearchProblem` knows the prunable ``layers`` and, for an opaque state (a model, or a
dict in the tests):

* ``propose(state, layer)``: a new state with one more step of pruning on ``layer`` (its kind
  of sparsity), or None when the layer cannot be pruned further;
* ``measure(state)``: the state's :class:`pruning.hw_cost.CostPoint` on the target (hwsim,
  cached by mask content);
* ``finetune_and_score(state)``: a short fine-tune, then the accuracy (%) on held-out data.

:func:`budget_search` (NetAdapt, Yang et al. ECCV 2018, with an energy or latency budget as in
ECC, Yang et al. CVPR 2019): while the metric is above ``fraction`` of dense, every layer
proposes one step; each proposal is priced by hwsim (a proposal that saves nothing is dropped
before any fine-tuning) and fine-tuned briefly; the proposal with the largest saving per
accuracy lost, ``(f_now - f_proposal) / max(acc_now - acc_proposal, accuracy_unit_pp)``, is
kept; a proposal more than ``max_loss_pp`` below the first reference is dropped, so an
unreachable budget stops the search instead of wrecking the model. NetAdapt makes every
proposal save the same amount and keeps the most accurate; our
proposals remove the same share of a layer's survivors, so they save different amounts and
the ratio compares them. ``accuracy_unit_pp`` (one held-out image) keeps a free proposal's
score finite: among proposals that lose nothing the largest saving wins.

:func:`energy_aware_search` (energy-aware pruning, Yang, Chen and Sze, CVPR 2017, without
their least-squares weight restoration): layers in order of their current share of the
energy on the target, largest first (re-measured after each layer); each is pruned step by
step while the held-out accuracy after the short fine-tune stays within ``tolerance_pp`` of
``reference_pct``; then ``retrain(state)`` fine-tunes the whole network. A layer that costs
nothing on the target (e.g. a convolution that EIE does not run) is left alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, Sequence

from pruning.hw_cost import CostPoint


class SearchProblem(Protocol):
    layers: Sequence[str]

    def propose(self, state: Any, layer: str) -> Any | None: ...

    def measure(self, state: Any) -> CostPoint: ...

    def finetune_and_score(self, state: Any) -> float: ...


@dataclass(frozen=True)
class Proposal:
    """One layer's proposal in one step: the metric's fraction of dense and the held-out
    accuracy after the short fine-tune (None when it was dropped for saving nothing)."""

    layer: str
    fraction: float
    accuracy_pct: float | None
    score: float | None

    def as_dict(self) -> dict:
        return {"layer": self.layer, "fraction": self.fraction,
                "accuracy_pct": self.accuracy_pct, "score": self.score}


@dataclass(frozen=True)
class SearchStep:
    """The proposal kept in one step, and why (the alternatives it beat)."""

    index: int
    layer: str
    fraction_before: float
    fraction_after: float
    accuracy_before_pct: float
    accuracy_after_pct: float
    reason: str
    alternatives: tuple[Proposal, ...] = ()

    def as_dict(self) -> dict:
        return {"index": self.index, "layer": self.layer,
                "fraction_before": self.fraction_before, "fraction_after": self.fraction_after,
                "accuracy_before_pct": self.accuracy_before_pct,
                "accuracy_after_pct": self.accuracy_after_pct, "reason": self.reason,
                "alternatives": [p.as_dict() for p in self.alternatives]}


@dataclass(frozen=True)
class SearchResult:
    state: Any
    steps: tuple[SearchStep, ...]
    met: bool
    stop_reason: str
    order: tuple[str, ...] = field(default=())


def budget_search(problem: SearchProblem, state: Any, metric: str, fraction: float,
                  accuracy_pct: float, accuracy_unit_pp: float, max_steps: int = 60,
                  on_step: Callable[[SearchStep, Any], None] | None = None,
                  max_loss_pp: float = float("inf")) -> SearchResult:
    """Greedy layer-by-layer pruning until ``metric`` <= ``fraction`` of dense (module doc).

    ``accuracy_pct``: the held-out accuracy of ``state`` (the reference of the first step).
    A proposal more than ``max_loss_pp`` below that reference is dropped: where the budget
    cannot be met within it, the search stops and says so instead of pruning on regardless.
    """
    floor = accuracy_pct - max_loss_pp
    now, steps = problem.measure(state).fraction(metric), []
    for index in range(1, max_steps + 1):
        if now <= fraction:
            return SearchResult(state, tuple(steps), True,
                                f"{metric} at {now:.3f} of dense <= budget {fraction:g}")
        proposals, states = [], {}
        for layer in problem.layers:
            candidate = problem.propose(state, layer)
            if candidate is None:
                continue
            f = problem.measure(candidate).fraction(metric)
            if f >= now:
                proposals.append(Proposal(layer, f, None, None))
                continue
            acc = problem.finetune_and_score(candidate)
            if acc < floor:
                proposals.append(Proposal(layer, f, acc, None))
                continue
            score = (now - f) / max(accuracy_pct - acc, accuracy_unit_pp)
            proposals.append(Proposal(layer, f, acc, score))
            states[layer] = candidate
        scored = [p for p in proposals if p.score is not None]
        if not scored:
            return SearchResult(state, tuple(steps), False,
                                f"{_why_stuck(proposals, metric, max_loss_pp)} ({metric} at "
                                f"{now:.3f} of the unpruned network, budget {fraction:g})")
        best = max(scored, key=lambda p: p.score)
        step = SearchStep(index, best.layer, now, best.fraction, accuracy_pct, best.accuracy_pct,
                          f"largest {metric} saved per accuracy lost: {now - best.fraction:.4f} "
                          f"of dense for {accuracy_pct - best.accuracy_pct:+.2f} pp",
                          tuple(proposals))
        state, now, accuracy_pct = states[best.layer], best.fraction, best.accuracy_pct
        steps.append(step)
        if on_step is not None:
            on_step(step, state)
    met = now <= fraction
    return SearchResult(state, tuple(steps), met, f"stopped after {max_steps} steps "
                        f"({metric} at {now:.3f} of dense, budget {fraction:g})")


def _why_stuck(proposals: list[Proposal], metric: str, max_loss_pp: float) -> str:
    if not proposals:
        return "every layer is pruned as far as its kind of sparsity allows"
    if any(p.accuracy_pct is not None for p in proposals):
        return f"no layer can save more {metric} within {max_loss_pp:g} pp of held-out accuracy"
    return f"no proposal saves {metric} on the target"


def energy_aware_search(problem: SearchProblem, state: Any, reference_pct: float,
                        tolerance_pp: float, retrain: Callable[[Any], Any],
                        max_steps: int = 60,
                        on_step: Callable[[SearchStep, Any], None] | None = None) -> SearchResult:
    """Yang et al. 2017's order: the most energy-hungry layer first (module docstring)."""
    remaining, steps, order = list(problem.layers), [], []
    accuracy = reference_pct
    while remaining and len(steps) < max_steps:
        share = problem.measure(state).energy_share()
        layer = max(remaining, key=lambda name: share.get(name, 0.0))
        remaining.remove(layer)
        if share.get(layer, 0.0) <= 0.0:
            continue
        order.append(layer)
        while len(steps) < max_steps:
            candidate = problem.propose(state, layer)
            if candidate is None:
                break
            acc = problem.finetune_and_score(candidate)
            if acc < reference_pct - tolerance_pp:
                break
            before, after = problem.measure(state), problem.measure(candidate)
            step = SearchStep(len(steps) + 1, layer, before.energy_fraction,
                              after.energy_fraction, accuracy, acc,
                              f"{layer} held {share[layer]:.1%} of the energy; held-out "
                              f"accuracy {acc:.2f} % within {tolerance_pp:g} pp of "
                              f"{reference_pct:.2f} %")
            state, accuracy = candidate, acc
            steps.append(step)
            if on_step is not None:
                on_step(step, state)
        state = retrain(state)
    return SearchResult(state, tuple(steps), True,
                        f"every layer pruned within {tolerance_pp:g} pp, in energy order",
                        tuple(order))
