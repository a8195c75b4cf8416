"""Pruning methods as ``torch.nn.utils.prune`` methods: one small class each, plus a function.

Every class implements :meth:`MaskMethod.keep` (which weights survive, given the weights and the
current mask); the base class intersects it with the previous mask, so a pruned weight is never
revived and iterative pruning composes through torch's ``PruningContainer``. Masks live in the
module as ``weight_mask`` and the forward pre-hook recomputes ``weight = weight_orig * weight_mask``
before every forward pass: pruned weights stay exactly zero through retraining (their gradient is
zero) and surviving weights keep their trained values.

Amounts follow torch's convention: a ``float`` in [0, 1] is a fraction, an ``int`` a count
(``1`` prunes one weight, ``1.0`` prunes all of them). Targets are *cumulative*: ``amount`` is what
is pruned in total after this step, counting weights that were already pruned.

Worked example (Han's rule)::

    layer = nn.Linear(4, 2)                       # 8 weights
    han_threshold(layer, quality=1.0)             # prune |w| < 1.0 x std(w)
    layer.weight_mask.sum()                       # the survivors
"""
from __future__ import annotations

from abc import abstractmethod
from dataclasses import replace
from typing import Callable, Iterable, Mapping, Sequence

import torch
from torch import nn
from torch.nn.utils import prune

from hwsim.errors import ConfigError, Problem
from hwsim.formats import reduction_order


class MaskMethod(prune.BasePruningMethod):
    """Base class: ``compute_mask`` = previous mask AND :meth:`keep` (never revives a weight)."""

    # "global": torch's container hands this method the whole tensor and the previous mask.
    PRUNING_TYPE = "global"

    def compute_mask(self, t: torch.Tensor, default_mask: torch.Tensor) -> torch.Tensor:
        alive = default_mask.bool()
        keep = self.keep(t.detach(), alive)
        return (alive & keep).to(dtype=default_mask.dtype)

    @abstractmethod
    def keep(self, t: torch.Tensor, alive: torch.Tensor) -> torch.Tensor:
        """Bool tensor shaped like ``t``: True where the weight survives this step."""


class HanThreshold(MaskMethod):
    """Han et al. 2015: prune |w| < quality x std of the layer's weights.

    The standard deviation is the population one over the layer's *surviving* weights (pruned
    connections are no longer part of the layer), so repeating a quality in a later iteration
    prunes further among the survivors. Example: w = [-2, -1, 0, 1, 2] (none pruned yet),
    quality 1 -> std = sqrt(10 / 5) = 1.414, survivors [-2, 2].
    """

    def __init__(self, quality: float):
        if not quality >= 0:
            raise ConfigError([Problem("quality", "must be >= 0", quality)])
        self.quality = float(quality)

    def keep(self, t, alive):
        survivors = t[alive].double()
        if survivors.numel() == 0:
            return alive
        threshold = self.quality * survivors.std(unbiased=False)
        return t.abs().double() >= threshold


class LayerSparsity(MaskMethod):
    """Prune the smallest-magnitude weights until ``amount`` of the layer is pruned in total.

    Example: w = [0.1, -3, 0.2, 4], amount 0.5 (= 2 weights) -> mask [0, 1, 0, 1].
    """

    def __init__(self, amount: int | float):
        _check_amount(amount)
        self.amount = amount

    def keep(self, t, alive):
        n_prune = amount_to_count(self.amount, t.numel())
        return _keep_top(_scores(t.abs(), alive), t.numel() - n_prune)


class FixedMask(MaskMethod):
    """Apply a given mask (a known mask in tests, a global ranking, a checkpoint, dead neurons)."""

    def __init__(self, mask: torch.Tensor):
        self.mask = torch.as_tensor(mask).bool()

    def keep(self, t, alive):
        if self.mask.shape != t.shape:
            raise ConfigError([Problem("mask", f"must have shape {tuple(t.shape)}",
                                       tuple(self.mask.shape))])
        return self.mask.to(t.device)


class L1Structured(MaskMethod):
    """Prune whole slices along ``dim`` with the smallest L1 norm until ``amount`` are pruned.

    ``dim=0``: filters (conv output channels) or neurons (linear output rows); ``dim=1``: input
    channels (conv) or input features (linear). Example: w = [[1, 1], [0, 3], [5, 0]], dim 0,
    amount 1 -> row norms 2, 3, 5 -> row 0 pruned.
    """

    def __init__(self, amount: int | float, dim: int = 0):
        _check_amount(amount)
        self.amount, self.dim = amount, int(dim)

    def keep(self, t, alive):
        dim = self.dim % t.dim()
        other = [d for d in range(t.dim()) if d != dim]
        norms = (t * alive).abs().sum(dim=other)
        slice_alive = alive.sum(dim=other) > 0
        n_slices = t.shape[dim]
        keep_slice = _keep_top(_scores(norms, slice_alive),
                               n_slices - amount_to_count(self.amount, n_slices))
        shape = [1] * t.dim()
        shape[dim] = n_slices
        return keep_slice.reshape(shape).expand_as(t)


class NMSparsity(MaskMethod):
    """N:M: keep the ``n`` largest of every ``m`` consecutive weights along the reduction.

    Groups are hwsim's (:mod:`hwsim.formats.structured`, the one definition the export check
    and the cost model use too): the (K, C*R*S) matrix view with a conv's reduction walked in
    (R, S, C) order (:func:`hwsim.formats.reduction_order`), the implicit-GEMM order of NHWC
    sparse tensor cores, so groups run along input channels when C is a multiple of m; a linear
    layer's reduction is its input features. A partial group at the end of a row keeps its n
    largest. Already pruned weights rank last, so the pattern only tightens. Example (2:4):
    row [1, -5, 2, 0.5] -> mask [0, 1, 1, 0].
    """

    def __init__(self, n: int, m: int):
        if not (isinstance(n, int) and isinstance(m, int) and 1 <= n <= m):
            raise ConfigError([Problem("pattern", "must be N:M with 1 <= N <= M", f"{n}:{m}")])
        self.n, self.m = n, m

    def keep(self, t, alive):
        rows = _reduction_view(t)
        scores = _scores(rows.abs(), _reduction_view(alive))
        k, length = scores.shape
        pad = (-length) % self.m
        padded = torch.cat([scores, torch.full((k, pad), -2.0, dtype=scores.dtype)], dim=1)
        groups = padded.reshape(k, -1, self.m)
        top = groups.topk(self.n, dim=2).indices
        keep = torch.zeros_like(groups, dtype=torch.bool).scatter_(2, top, True)
        keep = keep.reshape(k, -1)[:, :length]
        return _from_reduction_view(keep, t.shape)


# ---- functions (the torch.nn.utils.prune style entry points) --------------------------------

def han_threshold(module: nn.Module, name: str = "weight", quality: float = 1.0) -> nn.Module:
    """Prune ``module.<name>`` with :class:`HanThreshold`; returns the module."""
    HanThreshold.apply(module, name, quality=quality)
    return module


def layer_sparsity(module: nn.Module, name: str = "weight",
                   amount: int | float = 0.5) -> nn.Module:
    """Prune ``module.<name>`` to a cumulative sparsity with :class:`LayerSparsity`."""
    LayerSparsity.apply(module, name, amount=amount)
    return module


def fixed_mask(module: nn.Module, mask: torch.Tensor, name: str = "weight") -> nn.Module:
    """AND ``mask`` into ``module.<name>``'s mask with :class:`FixedMask`."""
    FixedMask.apply(module, name, mask=mask)
    return module


def l1_structured(module: nn.Module, name: str = "weight", amount: int | float = 0.5,
                  dim: int = 0) -> nn.Module:
    """Prune slices of ``module.<name>`` along ``dim`` with :class:`L1Structured`."""
    L1Structured.apply(module, name, amount=amount, dim=dim)
    return module


def n_m_sparsity(module: nn.Module, name: str = "weight", n: int = 2, m: int = 4) -> nn.Module:
    """Prune ``module.<name>`` to an N:M pattern with :class:`NMSparsity`."""
    NMSparsity.apply(module, name, n=n, m=m)
    return module


def global_magnitude(modules: Sequence[nn.Module], amount: int | float,
                     name: str = "weight") -> None:
    """Prune the smallest weights over all ``modules`` together until ``amount`` is pruned.

    One ranking over the concatenated weights (already pruned ones first), then a
    :class:`FixedMask` per module. Example: layers [1, 4] and [2, 3], amount 0.5 -> the 1 and
    the 2 go.
    """
    weights = [current_weight(m, name) for m in modules]
    alive = [current_mask(m, name) for m in modules]
    flat = torch.cat([w.flatten() for w in weights])
    keep = _keep_top(_scores(flat.abs(), torch.cat([a.flatten() for a in alive])),
                     flat.numel() - amount_to_count(amount, flat.numel()))
    for module, weight, part in zip(modules, weights, torch.split(keep, [w.numel() for w in weights])):
        fixed_mask(module, part.reshape(weight.shape), name)


# ---- masks of a model -------------------------------------------------------------------------

def current_weight(module: nn.Module, name: str = "weight") -> torch.Tensor:
    """The trained values (``weight_orig`` when pruned, else the weight), detached."""
    orig = getattr(module, f"{name}_orig", None)
    return (orig if orig is not None else getattr(module, name)).detach()


def current_mask(module: nn.Module, name: str = "weight") -> torch.Tensor:
    """Bool mask of ``module.<name>`` (all True when the module was never pruned)."""
    mask = getattr(module, f"{name}_mask", None)
    if mask is None:
        return torch.ones_like(getattr(module, name), dtype=torch.bool)
    return mask.detach().bool()


def make_permanent(modules: Iterable[nn.Module], name: str = "weight") -> None:
    """Fold masks into the weights (``prune.remove``): plain tensors with exact zeros."""
    for module in modules:
        if prune.is_pruned(module) and hasattr(module, f"{name}_mask"):
            prune.remove(module, name)


def amount_to_count(amount: int | float, total: int) -> int:
    """How many of ``total`` to prune: an int as is, a float as round(amount x total).

    Examples: (3, 10) -> 3; (0.25, 10) -> round(2.5) = 2 (banker's rounding, as torch);
    (1.0, 10) -> 10.
    """
    _check_amount(amount)
    count = amount if _is_int(amount) else int(round(amount * total))
    if count > total:
        raise ConfigError([Problem("amount", f"must be <= {total} (the number of units)",
                                   amount)])
    return int(count)


def _check_amount(amount) -> None:
    if isinstance(amount, bool) or not isinstance(amount, (int, float)):
        raise ConfigError([Problem("amount", "must be an int count or a float fraction", amount)])
    if _is_int(amount) and amount < 0:
        raise ConfigError([Problem("amount", "must be >= 0", amount)])
    if not _is_int(amount) and not 0.0 <= amount <= 1.0:
        raise ConfigError([Problem("amount", "must be in [0, 1] as a fraction", amount)])


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _scores(magnitudes: torch.Tensor, alive: torch.Tensor) -> torch.Tensor:
    """Magnitudes in float64 with dead entries at -1 (they rank below every live weight)."""
    return torch.where(alive, magnitudes.double(), torch.full_like(magnitudes.double(), -1.0))


def _keep_top(scores: torch.Tensor, n_keep: int) -> torch.Tensor:
    """Bool mask of the ``n_keep`` highest scores (flattened ranking, shape preserved)."""
    keep = torch.zeros(scores.numel(), dtype=torch.bool)
    if n_keep > 0:
        keep[scores.flatten().topk(n_keep).indices] = True
    return keep.reshape(scores.shape)


def _reduction_view(t: torch.Tensor) -> torch.Tensor:
    """(K, reduction) in N:M group order: hwsim's :func:`~hwsim.formats.reduction_order`."""
    order = torch.from_numpy(reduction_order(tuple(t.shape)).astype("int64"))
    return t.reshape(t.shape[0], -1)[:, order.to(t.device)]


def _from_reduction_view(rows: torch.Tensor, shape: torch.Size) -> torch.Tensor:
    """Inverse of :func:`_reduction_view`: scatter the columns back, reshape to ``shape``."""
    order = torch.from_numpy(reduction_order(tuple(shape)).astype("int64")).to(rows.device)
    flat = torch.empty_like(rows)
    flat[:, order] = rows
    return flat.reshape(shape)


LayerStep = Callable[[Mapping[str, nn.Module], Mapping[str, dict]], None]


def _per_layer(function: Callable) -> LayerStep:
    def step(modules: Mapping[str, nn.Module], kwargs: Mapping[str, dict]) -> None:
        for layer, module in modules.items():
            try:
                function(module, **kwargs[layer])
            except ConfigError as exc:
                raise ConfigError([replace(p, path=f"{layer}.{p.path}")
                                   for p in exc.problems]) from None
    return step


def _global_step(modules: Mapping[str, nn.Module], kwargs: Mapping[str, dict]) -> None:
    amounts = {repr(kwargs[layer]["amount"]) for layer in modules}
    if len(amounts) != 1:
        raise ConfigError([Problem("sparsity", "must be one value for global_magnitude",
                                   sorted(amounts))])
    global_magnitude(list(modules.values()), kwargs[next(iter(modules))]["amount"])


def _wanda_step(modules: Mapping[str, nn.Module], kwargs: Mapping[str, dict]) -> None:
    """Wanda (:func:`pruning.oneshot.wanda`); each layer's kwargs carry its ``input_norms``
    (:func:`pruning.calibration.collect_input_norms`). Imported here: oneshot builds on this
    module."""
    from pruning.oneshot import wanda
    _per_layer(wanda)(modules, kwargs)


#: Pruning criteria by name: ``step(modules by layer name, keyword arguments by layer name)``.
#: A new criterion registers itself here (see :func:`register_method`); nothing else changes.
METHODS: dict[str, LayerStep] = {
    "han_threshold": _per_layer(han_threshold),
    "sparsity": _per_layer(layer_sparsity),
    "global_magnitude": _global_step,
    "l1_structured": _per_layer(l1_structured),
    "n_m": _per_layer(n_m_sparsity),
    "wanda": _wanda_step,
}


def register_method(name: str, step: LayerStep) -> None:
    """Add a criterion to :data:`METHODS` (the schedule's ``pruning.method`` must then allow it)."""
    METHODS[name] = step


def prune_layers(method: str, modules: Mapping[str, nn.Module],
                 kwargs: Mapping[str, dict]) -> None:
    """Run one pruning step of ``method`` on ``modules`` with per-layer keyword arguments.

    Example: ``prune_layers("han_threshold", {"fc1": fc1}, {"fc1": {"quality": 1.2}})``.
    """
    if method not in METHODS:
        raise ConfigError([Problem("pruning.method", f"must be one of {', '.join(METHODS)}",
                                   method)])
    if modules:
        METHODS[method](modules, kwargs)


def method_kwargs(method: str, value, dim: int = 0) -> dict:
    """Keyword arguments of ``method``'s function for one schedule value.

    Examples: ("han_threshold", 1.2) -> {"quality": 1.2}; ("l1_structured", 0.5, 1) ->
    {"amount": 0.5, "dim": 1}; ("n_m", (2, 4)) -> {"n": 2, "m": 4}.
    """
    if method == "han_threshold":
        return {"quality": value}
    if method == "n_m":
        return {"n": value[0], "m": value[1]}
    if method == "l1_structured":
        return {"amount": value, "dim": dim}
    return {"amount": value}
