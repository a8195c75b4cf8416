"""summarize_network: per-layer numbers and weighted totals, hand-worked."""
import pytest

from hwsim.types import LayerKind
from hwsim.workload import LayerWorkload, Network, summarize_network


def test_two_layer_totals():
    """a: 10x20 = 200 weights at 0.5 -> 100 kept; 200 MACs x 0.5 x 1.0 = 100 effective.
    b: 5x10 = 50 weights at 0.2 -> 10 kept, input 0.4: 50 x 0.2 x 0.4 = 4 MACs.
    Total: 250 -> 110 weights (2.27x), 250 -> 104 MACs. Input density weighted by input
    count: (20 x 1.0 + 10 x 0.4) / 30 = 0.8; output by output count: (10 x .4 + 5 x 1) / 15."""
    net = Network("n", (
        LayerWorkload("a", LayerKind.LINEAR, 20, 10, weight_density=0.5, output_density=0.4),
        LayerWorkload("b", LayerKind.LINEAR, 10, 5, weight_density=0.2, input_density=0.4)))
    summary = summarize_network(net)
    a, b = summary.layers
    assert (a.weight_nnz, a.macs_effective, b.weight_nnz, b.macs_effective) == (100, 100, 10, 4)
    total = summary.total
    assert (total.weight_count, total.weight_nnz, total.macs_dense, total.macs_effective) == \
        (250, 110, 250, 104)
    assert summary.compression_x == pytest.approx(250 / 110)
    assert total.input_density == pytest.approx(0.8)
    assert total.output_density == pytest.approx(9 / 15)
    assert not total.macs_exact
    data = summary.as_dict()
    assert data["total"]["compression_x"] == pytest.approx(250 / 110)
    assert data["layers"][1]["compression_x"] == 5.0


def test_exact_macs_and_empty_layer():
    layer = LayerWorkload("a", LayerKind.LINEAR, 4, 2, weight_density=0.0, effective_macs=0)
    summary = summarize_network(Network("n", (layer,)))
    assert summary.layers[0].macs_exact and summary.total.macs_exact
    assert summary.as_dict()["total"]["compression_x"] is None
