"""The mapping search: candidates, representative orders, inner orders, objectives."""
import pytest

from hwsim.arch import load_arch
from hwsim.cost import search
from hwsim.cost.dataflow import inner_orders, spatial_unrolling
from hwsim.cost.layer import estimate_layer
from hwsim.cost.nest import ORDERS, REPRESENTATIVE_ORDERS, LoopBounds
from hwsim.types import Dataflow, LayerKind
from hwsim.workload.layer import LayerWorkload

from cost_helpers import ARCH_DIR, compute, dram, sram, tiny_arch

LAYERS = (LayerWorkload("conv", LayerKind.CONV2D, 16, 32, 14, 14, (3, 3), padding=(1, 1),
                        weight_density=0.4, input_density=0.6),
          LayerWorkload("fc", LayerKind.LINEAR, 256, 96, weight_density=0.1))


def test_trip_candidates():
    """Powers of two below D and D, thinned log-evenly: (55, 4) -> (1, 4, 16, 55)."""
    assert search.trip_candidates(55, 4) == (1, 4, 16, 55)
    assert search.trip_candidates(1, 4) == (1,)
    assert search.trip_candidates(3, 7) == (1, 2, 3)


@pytest.mark.parametrize("name", ["eyeriss", "systolic_ws", "sparse_tensor_core"])
def test_three_orders_find_what_all_six_find(monkeypatch, name):
    """Every ordered pair of loop groups appears in one of the three representative orders,
    so searching all six permutations finds the same optimum."""
    arch = load_arch(ARCH_DIR / f"{name}.yaml")
    few = [estimate_layer(l, arch).energy_pj for l in LAYERS]
    monkeypatch.setattr(search, "REPRESENTATIVE_ORDERS", ORDERS)
    assert [estimate_layer(l, arch).energy_pj for l in LAYERS] == pytest.approx(few,
                                                                                  rel=1e-12)


def test_inner_orders_follow_the_register_files():
    """A 1-byte weight register keeps the dataflow's own order; a 64-byte per-PE RF (or row
    stationary) lets the search try the representative orders too."""
    assert inner_orders(load_arch(ARCH_DIR / "systolic_ws.yaml")) == (("K", "CRS", "NPQ"),)
    roomy = tiny_arch(memories=(dram(), sram(), sram("rf", 64, instances=16)))
    assert inner_orders(roomy) == (("K", "CRS", "NPQ"), ("NPQ", "K", "CRS"), ("NPQ", "CRS", "K"))
    assert len(inner_orders(tiny_arch(Dataflow.ROW_STATIONARY))) == 3


def test_spatial_unrolling_per_dataflow():
    """32x32 ws on AlexNet conv1 (C 3, R = S = 11, K 96): the flattened reduction fills the 32
    rows with C3 S10.67 (363 / 32 = 11.3 row folds on average, as SCALE-Sim), cols K32; row
    stationary keeps whole filter rows (R11, then P14 on 14 columns); a 256-MAC PE adds lanes
    C8 K8 Q4."""
    conv1 = LayerWorkload("conv1", LayerKind.CONV2D, 3, 96, 227, 227, (11, 11), (4, 4))
    ws = spatial_unrolling(tiny_arch(array=compute(32, 32)), LoopBounds.of(conv1))
    assert [d for d, _ in ws.slots] == ["C", "S", "K"]
    assert [f for _, f in ws.slots] == pytest.approx([3, 32 / 3, 32])
    rs = spatial_unrolling(tiny_arch(Dataflow.ROW_STATIONARY, array=compute(12, 14)),
                           LoopBounds.of(conv1))
    assert rs.slots == (("R", 11), ("P", 14))
    fc = LayerWorkload("fc", LayerKind.LINEAR, 64, 64)
    tc = spatial_unrolling(tiny_arch(Dataflow.OUTPUT_STATIONARY, array=compute(2, 2, 256)),
                           LoopBounds.of(fc))
    assert tc.factors == {"K": 16, "C": 8}  # 2 x 2 PEs: K 2 on cols; lanes C8 K8 (Q is 1)
    assert tc.above(2) == {"K": 2}  # 2 storage instances: one per PE column


def test_mapping_is_printable_and_counts_candidates():
    cost = estimate_layer(LAYERS[0], tiny_arch(memories=(dram(), sram(size=4096))))
    text = str(cost.mapping)
    assert text.startswith("dram[") and "spatial[" in text and "weight_stationary" in text
    assert cost.mapping.candidates >= len(REPRESENTATIVE_ORDERS)
    assert cost.mapping.to_dict()["text"] == text
