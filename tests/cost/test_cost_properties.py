"""Properties of the analytical model (hypothesis): monotone in density under skipping, never
below the compulsory DRAM traffic, savings exactly 1 for a dense workload."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwsim.arch.model import (Accelerator, ComputeArray, FormatSpec, SparsitySupport)
from hwsim.cost.layer import EstimateOptions, estimate_layer
from hwsim.cost.network import compare_network
from hwsim.types import (Dataflow, LayerKind, Objective, SparseFormat, WorkDistribution,
                         ZeroHandling)
from hwsim.workload.layer import LayerWorkload, Network

from cost_helpers import dram, sram, tiny_arch

SKIP = ZeroHandling.SKIP
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True)


def skip_arch(kind: str) -> Accelerator:
    """A skipping arch: EIE-like column broadcast (CSC weights) or a ws array on dense tiles."""
    if kind == "broadcast":
        sp = SparsitySupport(FormatSpec(SparseFormat.CSC, 8, 4, 16), FormatSpec(value_bits=8),
                             SKIP, SKIP, distribution=WorkDistribution.ROWS_INTERLEAVED,
                             fifo_depth=4)
        return Accelerator("bc", (dram(), sram()), ComputeArray(8, 1, 8, 1, 1e9, 8, 8, 32, 1.0),
                           Dataflow.COLUMN_BROADCAST, sp)
    sp = SparsitySupport(FormatSpec(SparseFormat.BITMAP, 8), FormatSpec(SparseFormat.BITMAP, 8),
                         SKIP, SKIP)
    return tiny_arch(sparsity=sp, memories=(dram(), sram(size=2048)))


densities = st.tuples(st.floats(0.05, 1.0), st.floats(0.05, 1.0)).map(sorted)


@SETTINGS
@given(kind=st.sampled_from(["broadcast", "array"]), c=st.integers(4, 48),
       k=st.integers(4, 48), dw=densities, da=densities)
def test_lower_density_never_costs_more_on_a_skip_arch(kind, c, k, dw, da):
    arch = skip_arch(kind)
    lo = LayerWorkload("fc", LayerKind.LINEAR, c, k, weight_density=dw[0], input_density=da[0])
    hi = LayerWorkload("fc", LayerKind.LINEAR, c, k, weight_density=dw[1], input_density=da[1])
    e_lo, e_hi = estimate_layer(lo, arch), estimate_layer(hi, arch)
    assert e_lo.energy_pj <= e_hi.energy_pj * (1 + 1e-9)
    assert e_lo.compute_cycles <= e_hi.compute_cycles * (1 + 1e-9)
    fast = EstimateOptions(Objective.LATENCY)
    assert (estimate_layer(lo, arch, options=fast).latency_cycles
            <= estimate_layer(hi, arch, options=fast).latency_cycles * (1 + 1e-9))


conv_layers = st.builds(
    lambda c, k, h, r, s, pad, dw, da: LayerWorkload(
        "conv", LayerKind.CONV2D, c, k, h, h, (r, r), (s, s), (min(pad, r - 1),) * 2,
        weight_density=dw, input_density=da),
    st.integers(1, 16), st.integers(1, 16), st.integers(5, 20), st.integers(1, 5),
    st.integers(1, 3), st.integers(0, 2), st.floats(0.1, 1.0), st.floats(0.1, 1.0))


@SETTINGS
@given(layer=conv_layers, size=st.sampled_from([256, 1024, 8192, 65536]),
       dataflow=st.sampled_from([Dataflow.WEIGHT_STATIONARY, Dataflow.OUTPUT_STATIONARY,
                                 Dataflow.ROW_STATIONARY]))
def test_dram_traffic_never_below_the_compulsory_bound(layer, size, dataflow):
    arch = tiny_arch(dataflow, memories=(dram(), sram(size=size),
                                         sram("rf", 16, instances=16, width=8, energy=0.5)))
    cost = estimate_layer(layer, arch)
    if cost.supported:
        assert cost.dram_bytes >= cost.compulsory_dram_bytes * (1 - 1e-9)


@SETTINGS
@given(c=st.integers(1, 32), k=st.integers(1, 32), h=st.integers(3, 12),
       arch_kind=st.sampled_from(["broadcast", "array", "dense"]))
def test_savings_are_exactly_one_for_a_dense_workload(c, k, h, arch_kind):
    arch = tiny_arch() if arch_kind == "dense" else skip_arch(arch_kind)
    net = Network("n", (LayerWorkload("conv", LayerKind.CONV2D, c, k, h, h, (3, 3),
                                      padding=(1, 1)),
                        LayerWorkload("fc", LayerKind.LINEAR, c * h, k)))
    cmp = compare_network(net, arch)
    s = cmp.savings
    assert (s.energy, s.latency, s.memory, s.dram_traffic) == (1.0, 1.0, 1.0, 1.0)
    for per_layer in cmp.layer_savings:
        assert per_layer is None or per_layer.energy == 1.0


def test_mask_and_density_agree_in_expectation_for_dense_layers():
    """A full mask and density 1 describe the same dense layer: same energy."""
    import numpy as np
    arch = skip_arch("broadcast")
    exact = LayerWorkload("fc", LayerKind.LINEAR, 8, 16, weight_mask=np.ones((16, 8), bool))
    dense = LayerWorkload("fc", LayerKind.LINEAR, 8, 16)
    assert estimate_layer(exact, arch).energy_pj == pytest.approx(
        estimate_layer(dense, arch).energy_pj)
