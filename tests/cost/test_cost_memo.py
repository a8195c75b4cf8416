"""Memoisation (the speed work) never changes a result: storage keyed on the mask's content,
nests and flow tables shared across accelerator variants through one caller-owned
:class:`~hwsim.cost.cache.CostCache` give what a cold computation gives, and the cost model
keeps no module-level memo of its own."""
import numpy as np
import yaml

from hwsim.arch import arch_from_dict, load_arch
from hwsim.cost import EstimateOptions, estimate_network, nest, operands, search
from hwsim.cost.cache import CostCache
from hwsim.cost.operands import layer_weight_storage
from hwsim.types import LayerKind
from hwsim.workload import resolve_network
from hwsim.workload.layer import LayerWorkload

from cost_helpers import ARCH_DIR


def test_no_module_level_memo_in_the_cost_model():
    """The search, nest and storage helpers carry no lru_cache (a cache is the caller's)."""
    for module in (search, nest, operands):
        for name in dir(module):
            assert not hasattr(getattr(module, name), "cache_clear"), f"{module.__name__}.{name}"


def test_equal_layers_with_different_masks_get_their_own_storage():
    """Masks are not part of a layer's equality; the cache keys on the mask's content. A
    4 x 4 layer with 2 vs 4 x 2 + 2 = 10 kept weights (CSC on EIE) stores 2 vs 10 values,
    through one cache."""
    arch = load_arch(ARCH_DIR / "eie.yaml")
    few, many = np.zeros((4, 4), bool), np.zeros((4, 4), bool)
    few[0, :2] = True
    many[:, :2] = True
    many[0, 2:] = True
    a = LayerWorkload("fc", LayerKind.LINEAR, 4, 4, weight_mask=few)
    b = LayerWorkload("fc", LayerKind.LINEAR, 4, 4, weight_mask=many)
    assert a == b
    cache = CostCache()
    assert layer_weight_storage(a, arch, cache).values == 2
    assert layer_weight_storage(b, arch, cache).values == 10


def variant(size_bytes: int, preset: str):
    data = yaml.safe_load((ARCH_DIR / "systolic_ws.yaml").read_text())
    data["memories"]["filter_sram"]["size_bytes"] = size_bytes
    data["memories"]["dram"]["preset"] = preset
    return arch_from_dict(data)


def test_cached_runs_equal_cold_runs_across_variants():
    """Three systolic variants (filter SRAM size, DRAM preset) of AlexNet han2015, warm (in
    alternating order, sharing nests and flow tables through one cache) vs each computed with
    an empty cache."""
    net = resolve_network("alexnet", profile="han2015")
    archs = [variant(64 * 1024, "ddr4"), variant(512 * 1024, "hbm2"),
             variant(96 * 1024, "lpddr4")]
    options = EstimateOptions(cache=CostCache())
    warm = [estimate_network(net, a, options=options) for a in archs + archs[::-1]]
    assert options.cache.size("nest") and options.cache.size("flows")
    for i, arch in enumerate(archs):
        cold = estimate_network(net, arch)  # a fresh cache of its own
        for again in (warm[i], warm[len(warm) - 1 - i]):
            assert [c.energy_pj for c in cold.layers] == [c.energy_pj for c in again.layers]
            assert [c.latency_cycles for c in cold.layers] == [c.latency_cycles
                                                               for c in again.layers]
            assert [str(c.mapping) for c in cold.layers] == [str(c.mapping)
                                                              for c in again.layers]
