"""Published sparsity profiles: per-layer densities applied to a built-in network's shapes.

Two profiles: ``dense_act`` (dense weights; the activation zeros of the trained dense AlexNet
as the Eyeriss chip measured them, JSSC 2017 Table V, ``hwsim/data/dense_act.json``) and
``han2015`` (Han et al. 2015, "Learning both Weights and Connections",
Tables 2-5), kept as data in ``hwsim/data/han2015.json`` with its sources. The tables give, per
layer, the percentage of weights kept and of non-zero activations of the layer's OUTPUT; the
paper's FLOP column follows FLOP%(i) ~= Weights%(i) x Act%(i-1), with 100 % for the input image.
So for layer i::

    weight_density = weights_pct(i) / 100
    input_density  = act_pct(i-1) / 100      (1.0 for the first layer)
    output_density = act_pct(i) / 100

Worked example (AlexNet conv2): weights 38 %, conv1's output 88 % non-zero -> expected FLOP
kept 0.38 x 0.88 = 33 %, as printed in Table 4. Han's AlexNet fc1/fc2/fc3 are our fc6/fc7/fc8.

Rule profiles (:data:`RULE_PROFILES`) apply one rule to any network instead of a table:
``nm_2_4`` / ``nm_4_8`` make every layer with stored weights (linear, conv2d, matmul) N:M,
i.e. keep n of every m weights of each row of the matrix view (N:M as
:mod:`hwsim.formats.structured` defines it, the one definition): weight density
``slots_per_row(cols) / cols`` (0.5 for 2:4 when the row length is a multiple of 4), inputs
and outputs untouched. An accelerator with 2:4 support (``sparsity.structured``) then stores
values + metadata; one without stores and computes the zeros. Example: Llama-2-7B's q_proj
(4096 x 4096) under ``nm_2_4``: 8,388,608 of 16,777,216 weights.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from hwsim.errors import ConfigError, Problem
from hwsim.workload.builtin import canonical_network_name
from hwsim.workload.layer import Network

_DATA_DIR = Path(__file__).resolve().parent.parent / "data"
_PROFILE_FILES = {"han2015": "han2015.json", "dense_act": "dense_act.json"}
RULE_PROFILES = {"nm_2_4": (2, 4), "nm_4_8": (4, 8)}   # name -> (n, m), any network


@dataclass(frozen=True)
class LayerDensities:
    """The three densities a profile gives one layer (fractions in [0, 1])."""

    weight: float
    inputs: float
    outputs: float


def list_profiles() -> tuple[str, ...]:
    """Names of the built-in sparsity profiles, e.g. ``("han2015", "dense_act")``."""
    return tuple(_PROFILE_FILES)


def profile_data(name: str) -> Mapping:
    """The raw JSON of profile ``name`` (tables, sources, paper totals), read on each call (a
    few KB; no module-level cache whose shared mapping a caller could mutate)."""
    if name not in _PROFILE_FILES:
        known = ", ".join((*list_profiles(), *RULE_PROFILES))
        raise ConfigError([Problem("profile", f"must be one of {known}", name)])
    with open(_DATA_DIR / _PROFILE_FILES[name], encoding="utf-8") as handle:
        return json.load(handle)


def profile_networks(name: str) -> tuple[str, ...]:
    """Built-in networks profile ``name`` has data for, e.g. ``("lenet300", ..., "vgg16")``."""
    return tuple(profile_data(name)["networks"])


def profile_densities(name: str, network: str) -> dict[str, LayerDensities]:
    """Layer name (ours, after the profile's layer map) -> densities, in network order.

    Example: ``profile_densities("han2015", "alexnet")["fc6"]`` is
    ``LayerDensities(weight=0.09, inputs=0.34, outputs=0.36)`` (conv5's output is 34 % non-zero).
    """
    table = _network_table(name, network)
    layer_map = table["layer_map"]
    result: dict[str, LayerDensities] = {}
    previous_act = 100.0
    for row in table["layers"]:
        ours = layer_map.get(row["layer"], row["layer"])
        result[ours] = LayerDensities(row["weights_pct"] / 100, previous_act / 100,
                                      row["act_pct"] / 100)
        previous_act = row["act_pct"]
    return result


def apply_profile(network: Network, name: str) -> Network:
    """A copy of ``network`` with the densities of profile ``name`` (exact data dropped).

    The network is matched by name (``lenet300``, ``alexnet``, ... or an alias) and every layer
    by name; a layer missing on either side is a :class:`ConfigError`, as is a network the
    profile has no data for (e.g. ``resnet18``). Batch and shapes are kept.
    Example: ``apply_profile(builtin_network("lenet300"), "han2015").layers[0].weight_density
    == 0.08``. A rule profile (``nm_2_4``) applies to any network (:func:`apply_n_m`).
    """
    if name in RULE_PROFILES:
        return apply_n_m(network, *RULE_PROFILES[name], name)
    densities = profile_densities(name, network.name)
    ours = [layer.name for layer in network.layers]
    problems = [Problem(f"{network.name}.layers", f"must include layer {missing!r} of profile "
                        f"{name}", ", ".join(ours))
                for missing in densities if missing not in ours]
    problems += [Problem(f"{network.name}.layers.{layer}", f"must be a layer that profile {name} "
                         f"has data for ({', '.join(densities)})", layer)
                 for layer in ours if layer not in densities]
    if problems:
        raise ConfigError(problems)
    layers = tuple(layer.with_densities(densities[layer.name].weight,
                                        densities[layer.name].inputs,
                                        densities[layer.name].outputs)
                   for layer in network.layers)
    return Network(network.name, layers, name)


def apply_n_m(network: Network, n: int, m: int, label: str | None = None) -> Network:
    """Every layer with stored weights N:M at the densest the pattern allows (module
    docstring); other layers and the activation densities unchanged, exact data dropped from
    the weighted layers. ``label`` becomes :attr:`Network.profile` (default ``nm_<n>_<m>``)."""
    from hwsim.arch.model import StructuredSparsity
    from hwsim.formats.structured import slots_per_row
    pattern = StructuredSparsity(n, m, 0)
    layers = []
    for layer in network.layers:
        if layer.stored_weight_count:
            cols = layer.matrix_shape[1]
            layer = dataclasses.replace(layer, weight_density=slots_per_row(cols, pattern)
                                        / cols, weight_mask=None, row_nnz=None, col_nnz=None,
                                        effective_macs=None)
        layers.append(layer)
    return Network(network.name, tuple(layers), label or f"nm_{n}_{m}")


def _network_table(name: str, network: str) -> Mapping:
    data = profile_data(name)
    canonical = canonical_network_name(network) or network
    if canonical not in data["networks"]:
        known = ", ".join(data["networks"])
        raise ConfigError([Problem("network", f"must be one that profile {name} has data for "
                                   f"({known})", network)])
    return data["networks"][canonical]
