"""Analytical EIE latency within 10 % of the event-driven simulator, per layer, on real
exported masks and on the built-in han2015 profiles (issue 9, part 3).

The masks in tests/data/real_masks/ are the workload files written by ``hwsim prune --model
lenet300`` and ``--model lenet5`` (schedules han2015_lenet300 / han2015_lenet5, seed 0, the
bundled MNIST subset), unchanged. Both sides use the layer alone (``estimate_layer`` is what
``simulate`` compares with). Measured figures: docs/cost_model.md, "Column broadcast (EIE)".
"""
from dataclasses import replace
from pathlib import Path

import pytest

from hwsim.arch import load_arch
from hwsim.cost.layer import estimate_layer
from hwsim.sim import SimOptions, simulate
from hwsim.types import LayerKind
from hwsim.workload import resolve_network

from cost_helpers import ARCH_DIR

DATA = Path(__file__).resolve().parents[1] / "data" / "real_masks"
BAND = 0.10


@pytest.fixture(scope="module")
def eie():
    return load_arch(ARCH_DIR / "eie.yaml")


def _fc_layers(network):
    return [l for l in network.layers if l.kind is LayerKind.LINEAR]


def _relative_gap(layer, arch, depth):
    arch = replace(arch, sparsity=replace(arch.sparsity, fifo_depth=depth))
    simulated = simulate(layer, arch, SimOptions(fifo_depth=depth)).cost.latency_cycles
    return estimate_layer(layer, arch).latency_cycles / simulated - 1


@pytest.mark.parametrize("depth", [1, 2, 4, 8, 16])
@pytest.mark.parametrize("model", ["lenet300", "lenet5"])
def test_real_masks_within_band(eie, model, depth):
    net = resolve_network(str(DATA / f"{model}.yaml"))
    layers = _fc_layers(net)
    assert layers and all(l.matrix_mask() is not None for l in layers)
    gaps = {l.name: _relative_gap(l, eie, depth) for l in layers}
    assert all(abs(g) <= BAND for g in gaps.values()), gaps


@pytest.mark.parametrize("depth", [1, 2, 4, 8, 16])
@pytest.mark.parametrize("model", ["lenet300", "lenet5"])
def test_small_han2015_profiles_within_band(eie, model, depth):
    gaps = {l.name: _relative_gap(l, eie, depth)
            for l in _fc_layers(resolve_network(model, profile="han2015"))}
    assert all(abs(g) <= BAND for g in gaps.values()), gaps


@pytest.mark.parametrize("model", ["alexnet", "vgg16"])
def test_large_han2015_profiles_within_band_at_the_built_depth(eie, model):
    """fc6-fc8 at EIE's depth 8 (synthesised i.i.d. masks, seed 0; about 2 s per network)."""
    gaps = {l.name: _relative_gap(l, eie, 8)
            for l in _fc_layers(resolve_network(model, profile="han2015"))}
    assert len(gaps) == 3 and all(abs(g) <= BAND for g in gaps.values()), gaps
