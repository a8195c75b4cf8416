"""Loop-nest reuse, tiles and halos (hwsim.cost.nest), hand-worked."""
import numpy as np
import pytest

from hwsim.cost.nest import LoopBounds, build_nest, halo, product, tile_elements
from hwsim.types import LayerKind, Operand
from hwsim.workload.layer import LayerWorkload

W, I, O = Operand.WEIGHTS, Operand.INPUTS, Operand.OUTPUTS


def bounds(n=1, k=2, c=3, p=5, q=1, r=1, s=1, stride=1, h=None):
    return LoopBounds((("N", n), ("K", k), ("C", c), ("P", p), ("Q", q), ("R", r), ("S", s)),
                      1, (stride, stride), (1, 1), (h or p, q))


def test_reuse_rule():
    """Buffer-tile loops K, CRS, NPQ (outer -> inner) with trips 2, 3, 5 above the buffer:
    NPQ is innermost and irrelevant to weights -> weights fetched 2 x 3 = 6 times; inputs
    and outputs 2 x 3 x 5 = 30; distinct output tiles 2 x 5 = 10."""
    nest = build_nest(bounds(), {"K": np.array([2.0]), "C": np.array([3.0]),
                                 "P": np.array([5.0])}, {}, [("K", "CRS", "NPQ")],
                      [("K", "CRS", "NPQ")])
    assert nest.visits(W, 3).item() == 6
    assert nest.visits(I, 3).item() == 30
    assert nest.visits(O, 3).item() == 30
    assert nest.distinct(O, 3).item() == 10


def test_reuse_skips_single_trip_loops():
    """Order K, NPQ, CRS with trips 2, 5, 1: CRS has one trip, so the innermost loop that
    moves is NPQ, irrelevant to weights -> weights fetched 2 times; outputs: CRS (irrelevant,
    1 trip) innermost -> 10 fetches, all distinct (no partial-sum refetch)."""
    nest = build_nest(bounds(c=1), {"K": np.array([2.0]), "P": np.array([5.0])}, {},
                      [("K", "NPQ", "CRS")], [("K", "CRS", "NPQ")])
    assert nest.visits(W, 3).item() == 2
    assert nest.visits(O, 3).item() == nest.distinct(O, 3).item() == 10


def test_orders_vectorise_along_the_first_axes():
    """Two buffer-tile orders at once: (K, CRS, NPQ) -> weights 6; (NPQ, K, CRS) -> CRS
    innermost is relevant to weights, so 30."""
    nest = build_nest(bounds(), {"K": np.array([2.0]), "C": np.array([3.0]),
                                 "P": np.array([5.0])}, {},
                      [("K", "CRS", "NPQ"), ("NPQ", "K", "CRS")], [("K", "CRS", "NPQ")])
    assert nest.shape == (2, 1, 1)
    assert nest.visits(W, 3).ravel().tolist() == [6, 30]


def test_fractional_trips_do_not_pad():
    """P = 5 in tiles of ceil(5/2) = 3: 2 integer trips, 5/3 fractional; the tile is 3 rows,
    so outputs moved = 3 x 5/3 = 5 (no padding to 6)."""
    nest = build_nest(bounds(k=1, c=1), {"P": np.array([2.0])}, {}, [("NPQ", "K", "CRS")],
                      [("NPQ", "K", "CRS")])
    tile = tile_elements(O, nest.extents(3, nest.spatial, "x"), bounds(k=1, c=1))
    assert tile.item() == 3
    assert (tile * nest.visits(O, 3)).item() == pytest.approx(5)


def test_spatial_factors_cap_at_the_tile():
    """s_K = 4 but a K tile of 2 -> effective 2, one trip inside the tile."""
    nest = build_nest(bounds(k=4), {"K": np.array([2.0])}, {"K": 4}, [("K", "CRS", "NPQ")],
                      [("K", "CRS", "NPQ")])
    assert nest.spatial["K"].item() == 2 and nest.t1["K"].item() == 1


def test_halo_and_tile_elements():
    """3 outputs x 3 taps, stride 1 -> 5 input rows; stride 2 -> 7; 1 tap at stride 2 -> 3
    (rows between are skipped: min(p r, span)). Tile N1 K2 C3 P4 Q4 R3 S3: weights 54,
    outputs 32, inputs 3 x 6 x 6 = 108."""
    assert halo(3, 3, 1, 1, 100) == 5
    assert halo(3, 3, 2, 1, 100) == 7
    assert halo(3, 1, 2, 1, 100) == 3
    assert halo(3, 3, 1, 1, 4) == 4
    geo = bounds(k=2, c=3, p=4, q=4, r=3, s=3, h=6)
    geo = LoopBounds(geo.bounds, 1, (1, 1), (1, 1), (6, 6))
    ext = {"N": 1, "K": 2, "C": 3, "P": 4, "Q": 4, "R": 3, "S": 3}
    assert tile_elements(W, ext, geo) == 54
    assert tile_elements(O, ext, geo) == 32
    assert tile_elements(I, ext, geo) == 108


def test_touched_rows_exclude_padding_and_gaps():
    """3x3 conv pad 1 on 5 rows: all 5 rows touched; 1x1 stride 2 on 5 rows: rows 0, 2, 4."""
    conv = LayerWorkload("c", LayerKind.CONV2D, 1, 1, 5, 5, (3, 3), padding=(1, 1))
    assert LoopBounds.of(conv).touched_rows(0) == 5
    down = LayerWorkload("d", LayerKind.CONV2D, 1, 1, 5, 5, (1, 1), (2, 2))
    assert LoopBounds.of(down).touched_rows(0) == 3


def test_product_of_relevant_factors():
    """{C: 3, K: 4}: all 12; outputs ignore C (reduced) -> 4; inputs ignore K -> 3."""
    f = {"C": 3, "K": 4}
    assert (product(f), product(f, O), product(f, I), product(f, W)) == (12, 4, 3, 12)
