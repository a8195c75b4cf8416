"""hwsim's analytical model inside the pruning loop: masks -> per-layer energy, latency, DRAM.

Torch-free (numpy masks in, hwsim records out), so the search can be tested with fake costs.

* :func:`masked_network`: the network the accelerator would run for the current masks. The
  layer shapes and activation densities come from one export of the dense model (``template``,
  measured once on a probe sample); ``compact=True`` removes all-zero output rows and all-zero
  input channels (what :mod:`pruning.compact` does on the real model), keeping the original
  channel counts so that hwsim's dense baseline is the original network.
* :class:`CostCache`: an explicit object the caller owns. ``cost(masks)`` estimates the network
  with :func:`hwsim.cost.estimate_network` once per distinct set of masks, keyed by a SHA-256
  of the masks' bytes (shapes included); it counts calls, hits and the seconds spent in hwsim.
  Two references are estimated once each: the unpruned network as measured (``template``: all
  weights, the probe's activation densities), which the budget reads (``energy_fraction``:
  what pruning itself saves), and the dense network as :func:`hwsim.cost.compare_network`
  defines it (``with_densities()``: all inputs non-zero too), the pruning attribution of
  issue 9 (``attribution_energy_fraction``). They differ where the target exploits zero
  activations: on EIE the unpruned LeNet-300 already costs 0.25 of the attribution's dense.
* :func:`sparsity_kind`: what the accelerator can use (N:M, unstructured, structured).
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from hwsim.arch import Accelerator
from hwsim.cost import NetworkCost, estimate_network
from hwsim.types import LayerKind, ZeroHandling
from hwsim.workload import LayerWorkload, Network


def sparsity_kind(arch: Accelerator) -> str:
    """``n_m`` with N:M support, ``unstructured`` where zero weights are skipped (EIE),
    else ``structured`` (dense arrays compute every weight they store)."""
    if arch.sparsity.structured is not None:
        return "n_m"
    if arch.sparsity.weight_zeros is ZeroHandling.SKIP:
        return "unstructured"
    return "structured"


@dataclass(frozen=True)
class CostPoint:
    """One network's cost on the target: totals over the layers the accelerator runs, as
    fractions of the dense network's, and per-layer energy / latency / DRAM bytes."""

    energy_pj: float
    latency_s: float
    dram_bytes: float
    energy_fraction: float
    latency_fraction: float
    layer_energy_pj: dict[str, float]
    layer_latency_s: dict[str, float]
    layer_dram_bytes: dict[str, float]
    attribution_energy_fraction: float = 1.0
    attribution_latency_fraction: float = 1.0

    def fraction(self, metric: str) -> float:
        return {"energy": self.energy_fraction, "latency": self.latency_fraction}[metric]

    def energy_share(self) -> dict[str, float]:
        """Each layer's share of the total energy (0 for a layer the target does not run)."""
        total = sum(self.layer_energy_pj.values()) or 1.0
        return {name: e / total for name, e in self.layer_energy_pj.items()}


def masked_network(template: Network, masks: Mapping[str, np.ndarray],
                   compact: bool = False) -> Network:
    """``template``'s layers with ``masks`` (layer name -> bool array shaped like its weight);
    a layer without a mask stays as it is. See the module docstring for ``compact``.

    Example: a linear 3 -> 2 layer with mask [[1, 0, 1], [0, 0, 0]] compacts to 2 -> 1 with
    mask [[1, 1]] (row 1 and input 1 are all zero), original channels 3 and 2.
    """
    layers = []
    for layer in template.layers:
        mask = masks.get(layer.name)
        layers.append(layer if mask is None else _with_mask(layer, np.asarray(mask, bool),
                                                            compact))
    return Network(template.name, tuple(layers), template.profile)


def _with_mask(layer: LayerWorkload, mask: np.ndarray, compact: bool) -> LayerWorkload:
    rows = mask.reshape(mask.shape[0], -1).any(axis=1)
    axes = (0, 2, 3) if layer.kind is LayerKind.CONV2D else (0,)
    cols = mask.any(axis=axes)
    if not compact or (rows.all() and cols.all()) or not rows.any():
        return _layer(layer, mask, layer.in_channels, layer.out_channels, None, None)
    sliced = mask[rows][:, cols]
    return _layer(layer, sliced, int(cols.sum()), int(rows.sum()),
                  layer.original_in_channels or layer.in_channels,
                  layer.original_out_channels or layer.out_channels)


def _layer(layer, mask, c_in, c_out, original_in, original_out) -> LayerWorkload:
    return LayerWorkload(layer.name, layer.kind, c_in, c_out, layer.in_height, layer.in_width,
                         layer.kernel, layer.stride, layer.padding, layer.dilation, layer.groups,
                         layer.batch, float(mask.mean()), layer.input_density,
                         layer.output_density, weight_mask=mask,
                         original_in_channels=original_in if c_in != original_in else None,
                         original_out_channels=original_out if c_out != original_out else None)


def masks_key(masks: Mapping[str, np.ndarray]) -> str:
    """SHA-256 over each layer's name, shape and packed mask bits (order-independent)."""
    digest = hashlib.sha256()
    for name in sorted(masks):
        mask = np.asarray(masks[name], dtype=bool)
        digest.update(f"{name}:{mask.shape};".encode())
        digest.update(np.packbits(mask).tobytes())
    return digest.hexdigest()


@dataclass
class CostCache:
    """Per-iteration hwsim estimates for one (template, accelerator), cached by mask content.

    Owned by the caller (one per search; no module-level state). ``seconds`` is the time spent
    building workloads and inside :func:`hwsim.cost.estimate_network`.
    """

    template: Network
    arch: Accelerator
    compact: bool = False
    calls: int = 0
    hits: int = 0
    seconds: float = 0.0
    _entries: dict = field(default_factory=dict, repr=False)
    _dense: NetworkCost | None = field(default=None, repr=False)
    _unpruned: NetworkCost | None = field(default=None, repr=False)

    @property
    def dense(self) -> NetworkCost:
        """The dense network (``with_densities()``, as compare_network's dense side)."""
        if self._dense is None:
            started = time.perf_counter()
            layers = tuple(l.with_densities() for l in self.template.layers)
            self._dense = estimate_network(layers, self.arch)
            self.seconds += time.perf_counter() - started
        return self._dense

    @property
    def unpruned(self) -> NetworkCost:
        """The unpruned network with the probe's activation densities (the budget's 1.0)."""
        if self._unpruned is None:
            started = time.perf_counter()
            self._unpruned = estimate_network(self.template, self.arch)
            self.seconds += time.perf_counter() - started
        return self._unpruned

    def cost(self, masks: Mapping[str, np.ndarray]) -> CostPoint:
        """The :class:`CostPoint` of ``masks`` (estimated once per distinct content)."""
        self.calls += 1
        unpruned, dense = self.unpruned, self.dense  # timed by their own properties, once
        started = time.perf_counter()
        key = masks_key(masks)
        point = self._entries.get(key)
        if point is not None:
            self.hits += 1
        else:
            network = masked_network(self.template, masks, self.compact)
            point = cost_point(estimate_network(network, self.arch), unpruned, dense)
            self._entries[key] = point
        self.seconds += time.perf_counter() - started
        return point

    def stats(self) -> dict:
        return {"calls": self.calls, "hits": self.hits, "estimates": len(self._entries) + 2,
                "seconds": self.seconds}


def cost_point(pruned: NetworkCost, unpruned: NetworkCost,
               dense: NetworkCost | None = None) -> CostPoint:
    """Totals over the layers every side runs (a layer the target cannot run counts 0);
    fractions of ``unpruned`` and of ``dense`` (default: ``unpruned``)."""
    dense = dense or unpruned
    both = [p.supported and u.supported and d.supported
            for p, u, d in zip(pruned.layers, unpruned.layers, dense.layers)]

    def total(cost: NetworkCost, attr: str) -> float:
        return sum(getattr(r, attr) for r, ok in zip(cost.layers, both) if ok)

    energy, latency = total(pruned, "energy_pj"), total(pruned, "latency_s")
    return CostPoint(energy, latency, total(pruned, "dram_bytes"),
                     energy / (total(unpruned, "energy_pj") or 1.0),
                     latency / (total(unpruned, "latency_s") or 1.0),
                     {p.name: (p.energy_pj if ok else 0.0) for p, ok in zip(pruned.layers, both)},
                     {p.name: (p.latency_s if ok else 0.0) for p, ok in zip(pruned.layers, both)},
                     {p.name: (p.dram_bytes if ok else 0.0) for p, ok in zip(pruned.layers, both)},
                     energy / (total(dense, "energy_pj") or 1.0),
                     latency / (total(dense, "latency_s") or 1.0))
