"""Memoisation (the speed work) never changes a result: storage keyed on the mask, nests and
flow tables shared across accelerator variants give what a cold computation gives."""
import numpy as np
import yaml

from hwsim.arch import arch_from_dict, load_arch
from hwsim.cost import estimate_network, search
from hwsim.cost.operands import _weight_storage, layer_weight_storage
from hwsim.types import LayerKind
from hwsim.workload import resolve_network
from hwsim.workload.layer import LayerWorkload

from cost_helpers import ARCH_DIR


def clear_caches():
    search.full_nest.cache_clear()
    _weight_storage.cache_clear()


def test_equal_layers_with_different_masks_get_their_own_storage():
    """Masks are not part of a layer's equality; the cache keys on the mask's identity. A
    4 x 4 layer with 2 vs 4 x 2 + 2 = 10 kept weights (CSC on EIE) stores 2 vs 10 values."""
    arch = load_arch(ARCH_DIR / "eie.yaml")
    few, many = np.zeros((4, 4), bool), np.zeros((4, 4), bool)
    few[0, :2] = True
    many[:, :2] = True
    many[0, 2:] = True
    a = LayerWorkload("fc", LayerKind.LINEAR, 4, 4, weight_mask=few)
    b = LayerWorkload("fc", LayerKind.LINEAR, 4, 4, weight_mask=many)
    assert a == b
    assert layer_weight_storage(a, arch).values == 2
    assert layer_weight_storage(b, arch).values == 10


def variant(size_bytes: int, preset: str):
    data = yaml.safe_load((ARCH_DIR / "systolic_ws.yaml").read_text())
    data["memories"]["filter_sram"]["size_bytes"] = size_bytes
    data["memories"]["dram"]["preset"] = preset
    return arch_from_dict(data)


def test_cached_runs_equal_cold_runs_across_variants():
    """Three systolic variants (filter SRAM size, DRAM preset) of AlexNet han2015, warm (in
    alternating order, sharing nests and flow tables) vs each computed with empty caches."""
    net = resolve_network("alexnet", profile="han2015")
    archs = [variant(64 * 1024, "ddr4"), variant(512 * 1024, "hbm2"),
             variant(96 * 1024, "lpddr4")]
    warm = [estimate_network(net, a) for a in archs + archs[::-1]]
    for i, arch in enumerate(archs):
        clear_caches()
        cold = estimate_network(net, arch)
        for again in (warm[i], warm[len(warm) - 1 - i]):
            assert [c.energy_pj for c in cold.layers] == [c.energy_pj for c in again.layers]
            assert [c.latency_cycles for c in cold.layers] == [c.latency_cycles
                                                               for c in again.layers]
            assert [str(c.mapping) for c in cold.layers] == [str(c.mapping)
                                                              for c in again.layers]
