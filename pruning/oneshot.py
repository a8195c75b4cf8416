"""One-shot LLM pruning, no retraining: magnitude and Wanda, unstructured or N:M.

Both are ``torch.nn.utils.prune`` methods (:class:`~pruning.methods.MaskMethod` subclasses:
the new mask is AND-ed with the previous one) with a thin function each, like ``l1_unstructured``:

* :class:`Magnitude` scores a weight by |W_ij| (the baseline of Sun et al. 2023 compares the
  whole layer; ``per_row=True`` compares within each output row);
* :class:`Wanda` scores it by |W_ij| x ||X_j||_2, the L2 norm of input feature j over the
  calibration tokens (:mod:`pruning.calibration`), compared within each output row (Sun et al.
  2023, "A Simple and Effective Pruning Approach for Large Language Models", Eq. 1 and
  Section 3: "per output").

A target is a fraction (``amount=0.5``: the lowest-scoring half of each comparison group goes)
or an N:M pattern (``n=2, m=4``: the ``n`` highest scores of every ``m`` consecutive weights of
a row stay). N:M groups are hwsim's, the one definition in :mod:`hwsim.formats.structured`:
selection is :class:`~pruning.methods.NMSparsity` run on the scores instead of the weights, and
:func:`prune_oneshot` checks every mask with :func:`hwsim.formats.check_n_m`.

Worked example (the case in ``tests/pruning/test_pruning_oneshot.py``)::

    W = [[4, 1, 3, 2],           calibration tokens X (3 x 4):  [[0.1, 2, 1, 3],
         [1, 4, 2, 3]]                                           [0.2, 2, 1, 4],
                                                                 [0.2, 1, 2, 0]]
    ||X_j||_2 = sqrt([0.09, 9, 6, 25]) = [0.3, 3, 2.449, 5]
    Wanda scores |W| x ||X||: row 0 [1.2, 3, 7.348, 10], row 1 [0.3, 12, 4.899, 15]
    2:4 magnitude keeps row 0 {4, 3} (cols 0, 2), row 1 {4, 3} (cols 1, 3)
    2:4 Wanda     keeps row 0 cols 2, 3 (7.348, 10), row 1 cols 1, 3 (12, 15)

Row 0 differs: Wanda drops the largest weight (4) because its input feature is nearly silent.
"""
from __future__ import annotations

import re
import time
from abc import abstractmethod
from dataclasses import dataclass
from typing import Mapping, Sequence

import torch
from torch import nn

from hwsim.errors import ConfigError, Problem
from hwsim.formats import NMCheck, check_n_m
from pruning.calibration import batches_of, collect_input_norms
from pruning.methods import (LayerSparsity, MaskMethod, NMSparsity, _check_amount, _scores,
                             amount_to_count, current_mask)


@dataclass(frozen=True)
class SparsityTarget:
    """A fraction (or count) to prune, or an N:M pattern; exactly one is set.

    Examples: ``SparsityTarget.parse("0.5")`` -> amount 0.5 (label ``50%``);
    ``SparsityTarget.parse("2:4")`` -> n 2, m 4 (label ``2:4``).
    """

    amount: float | int | None = None
    n: int | None = None
    m: int | None = None

    def __post_init__(self):
        if (self.amount is None) == (self.n is None or self.m is None):
            raise ConfigError([Problem("target", "must be an amount or an N:M pattern",
                                       (self.amount, self.n, self.m))])
        if self.amount is not None:
            _check_amount(self.amount)
        else:
            NMSparsity(self.n, self.m)          # validates 1 <= n <= m

    @property
    def is_n_m(self) -> bool:
        return self.amount is None

    @property
    def label(self) -> str:
        if self.is_n_m:
            return f"{self.n}:{self.m}"
        return f"{100 * self.amount:g}%" if isinstance(self.amount, float) else str(self.amount)

    @classmethod
    def parse(cls, text: str) -> "SparsityTarget":
        """``"2:4"`` -> N:M; ``"0.5"`` or ``"50%"`` -> a fraction; ``"10"`` -> a count."""
        text = str(text).strip()
        pattern = re.fullmatch(r"(\d+):(\d+)", text)
        if pattern:
            return cls(n=int(pattern[1]), m=int(pattern[2]))
        try:
            if text.endswith("%"):
                return cls(amount=float(text[:-1]) / 100)
            return cls(amount=float(text) if "." in text else int(text))
        except ValueError:
            raise ConfigError([Problem("target", "must be a fraction (0.5), a percentage "
                                       "(50%), a count or N:M (2:4)", text)]) from None


class OneShotMethod(MaskMethod):
    """Keep the highest :meth:`score` per comparison group: the layer, each output row, or
    each N:M group (hwsim's). Already pruned weights rank last, so masks only shrink."""

    def __init__(self, amount: float | int | None = None, n: int | None = None,
                 m: int | None = None, per_row: bool = False):
        self.target = SparsityTarget(amount=amount, n=n, m=m)
        self.per_row = bool(per_row)

    @abstractmethod
    def score(self, t: torch.Tensor) -> torch.Tensor:
        """Non-negative importance of each weight (float64, shaped like ``t``)."""

    def keep(self, t, alive):
        return select_by_score(self.score(t), alive, self.target, self.per_row)


class Magnitude(OneShotMethod):
    """Score |W_ij|. Example: w = [[1, -5], [2, 0.5]], amount 0.5 -> layer-wise mask
    [[0, 1], [1, 0]]; per row the same (each row keeps its larger weight)."""

    def score(self, t):
        return t.abs().double()


class Wanda(OneShotMethod):
    """Score |W_ij| x ||X_j||_2 (``input_norms[j]``), compared per output row by default.

    Only for 2-D weights (Linear: rows are outputs, columns input features). Example: w =
    [[1, 2]], norms [3, 1] -> scores [[3, 2]]: amount 0.5 keeps column 0, magnitude column 1.
    """

    def __init__(self, input_norms: torch.Tensor, amount: float | int | None = None,
                 n: int | None = None, m: int | None = None, per_row: bool = True):
        super().__init__(amount=amount, n=n, m=m, per_row=per_row)
        self.input_norms = torch.as_tensor(input_norms, dtype=torch.float64).detach().cpu()

    def score(self, t):
        if t.dim() != 2 or self.input_norms.shape != (t.shape[1],):
            raise ConfigError([Problem("input_norms", f"must have shape ({t.shape[-1]},) for "
                                       f"a 2-D weight of shape {tuple(t.shape)}",
                                       tuple(self.input_norms.shape))])
        return t.abs().double() * self.input_norms.to(t.device)[None, :]


def select_by_score(scores: torch.Tensor, alive: torch.Tensor, target: SparsityTarget,
                    per_row: bool = False) -> torch.Tensor:
    """Bool keep-mask: N:M by score (:class:`NMSparsity`'s groups), or the lowest ``amount``
    of the layer (``per_row`` False) or of every row pruned.

    Example: scores [[1, 4, 2, 3]], 2:4 -> [[0, 1, 0, 1]]; scores [[1, 2], [3, 4]], amount
    0.5 -> layer [[0, 0], [1, 1]], per row [[0, 1], [0, 1]].
    """
    if target.is_n_m:
        return NMSparsity(target.n, target.m).keep(scores, alive)
    if not per_row:
        return LayerSparsity(target.amount).keep(scores, alive)
    rows = scores.reshape(scores.shape[0], -1)
    ranked = _scores(rows, alive.reshape(rows.shape))
    n_keep = rows.shape[1] - amount_to_count(target.amount, rows.shape[1])
    keep = torch.zeros(rows.shape, dtype=torch.bool, device=rows.device)
    if n_keep > 0:
        keep.scatter_(1, ranked.topk(n_keep, dim=1).indices, True)
    return keep.reshape(scores.shape)


# ---- functions (the torch.nn.utils.prune style entry points) --------------------------------

def magnitude(module: nn.Module, name: str = "weight", amount: float | int | None = None,
              n: int | None = None, m: int | None = None, per_row: bool = False) -> nn.Module:
    """Prune ``module.<name>`` by |W| to ``amount`` or N:M; returns the module."""
    Magnitude.apply(module, name, amount=amount, n=n, m=m, per_row=per_row)
    return module


def wanda(module: nn.Module, input_norms: torch.Tensor, name: str = "weight",
          amount: float | int | None = None, n: int | None = None, m: int | None = None,
          per_row: bool = True) -> nn.Module:
    """Prune ``module.<name>`` by |W| x ||X_j|| (Wanda) to ``amount`` or N:M; returns it."""
    Wanda.apply(module, name, input_norms=input_norms, amount=amount, n=n, m=m,
                per_row=per_row)
    return module


#: One-shot criteria by name, for :func:`prune_oneshot` and the experiment's command line.
ONESHOT_METHODS = ("magnitude", "wanda")


@dataclass(frozen=True)
class OneShotResult:
    """What one :func:`prune_oneshot` call did: per layer the weights kept and in total, the
    calibration tokens each stage saw, the N:M check of every pruned layer (N:M targets) and
    the wall time in seconds."""

    method: str
    target: str
    per_row: bool
    kept: Mapping[str, int]
    total: Mapping[str, int]
    calibration_tokens: int
    n_m: Mapping[str, NMCheck]
    seconds: float

    @property
    def sparsity(self) -> float:
        """Fraction of the pruned layers' weights that are zero (masked)."""
        total = sum(self.total.values())
        return 1.0 - sum(self.kept.values()) / total if total else 0.0

    @property
    def n_m_violations(self) -> int:
        return sum(check.violating for check in self.n_m.values())


def prune_oneshot(model: nn.Module, stages: Sequence[Sequence[str]], method: str,
                  target: SparsityTarget, calibration: torch.Tensor | None = None,
                  per_row: bool | None = None, batch_size: int = 64,
                  sequential: bool = True) -> OneShotResult:
    """Prune the Linear layers named in ``stages`` (e.g. one list per transformer block) in
    place, no retraining.

    Wanda measures the input norms on ``calibration`` (inputs along dim 0, run in batches).
    ``sequential`` (Sun et al.'s procedure) measures each stage's inputs after the earlier
    stages were pruned, so a block sees the activations the pruned model gives it; otherwise
    one pass on the dense model serves every stage. ``per_row`` None: Wanda per row,
    magnitude per layer (the paper's baseline).
    """
    if method not in ONESHOT_METHODS:
        raise ConfigError([Problem("method", f"must be one of {', '.join(ONESHOT_METHODS)}",
                                   method)])
    if method == "wanda" and calibration is None:
        raise ConfigError([Problem("calibration", "must be given for wanda", None)])
    started = time.perf_counter()
    per_row = (method == "wanda") if per_row is None else bool(per_row)
    modules = dict(model.named_modules())
    settings = {"amount": target.amount, "n": target.n, "m": target.m, "per_row": per_row}
    norms, tokens = None, 0
    for index, stage in enumerate(stages):
        if method == "wanda" and (norms is None or sequential):
            layers = list(stage) if sequential else [name for s in stages for name in s]
            norms = collect_input_norms(model, layers, batches_of(calibration, batch_size))
            tokens = max(tokens, max(norms.tokens.values(), default=0))
        for name in stage:
            if method == "wanda":
                wanda(modules[name], norms.norms(name), **settings)
            else:
                magnitude(modules[name], **settings)
    return _result(model, stages, method, target, per_row, tokens,
                   time.perf_counter() - started)


def _result(model, stages, method, target, per_row, tokens, seconds) -> OneShotResult:
    modules = dict(model.named_modules())
    masks = {name: current_mask(modules[name]) for stage in stages for name in stage}
    checks = ({name: check_n_m(mask.cpu().numpy(), target.n, target.m)
               for name, mask in masks.items()} if target.is_n_m else {})
    return OneShotResult(method=method, target=target.label, per_row=per_row,
                         kept={name: int(mask.sum()) for name, mask in masks.items()},
                         total={name: mask.numel() for name, mask in masks.items()},
                         calibration_tokens=tokens, n_m=checks, seconds=seconds)
