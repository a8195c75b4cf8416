"""DRAM layouts, segment merging, request splitting and the DRAM-level tile walk."""
import numpy as np

from hwsim.cost.nest import LoopBounds
from hwsim.cost.records import LayerMapping, LevelTiling
from hwsim.sim.layout import TensorLayout, allocate, merge_segments, split_requests
from hwsim.sim.tiles import tile_walk
from hwsim.types import LayerKind
from hwsim.workload.layer import LayerWorkload


def test_full_width_rows_merge_into_one_segment_per_channel():
    """Inputs 1 x 2 x 4 x 4 at 2 bytes, tile c 0..2, rows 1..3, all columns: channel 0 rows
    1-2 = bytes [8, 24), channel 1 rows 1-2 = [40, 56)."""
    starts, lengths = TensorLayout(0, (1, 2, 4, 4), 2.0).segments(((0, 1), (0, 2), (1, 3),
                                                                   (0, 4)))
    assert starts.tolist() == [8, 40] and lengths.tolist() == [16, 16]


def test_fractional_bytes_round_outwards():
    """0.5 bytes per element (4-bit codebook indices): elements 1..4 -> bytes [0, 2)."""
    starts, lengths = TensorLayout(100, (8,), 0.5).segments(((1, 4),))
    assert starts.tolist() == [100] and lengths.tolist() == [2]


def test_merge_and_split():
    assert [a.tolist() for a in merge_segments(np.array([0, 4, 10]), np.array([4, 4, 2]))] == \
        [[0, 10], [8, 2]]
    parts = split_requests(np.array([0]), np.array([5000]), 2048)
    assert [(s.tolist(), n.tolist()) for s, n in parts] == \
        [([0], [2048]), ([2048], [2048]), ([4096], [904])]


def test_allocate_aligns_to_pages_or_rows():
    assert allocate({"w": 5000, "x": 10}) == {"w": 0, "x": 8192}
    assert allocate({"w": 5000, "x": 10}, row_bytes=8192) == {"w": 0, "x": 8192}


def _walk(order, trips=(("K", 2), ("C", 2)), max_steps=4096):
    layer = LayerWorkload("x", LayerKind.LINEAR, 4, 4)
    mapping = LayerMapping("weight_stationary", (), (LevelTiling("dram", order, trips),))
    return tile_walk(mapping, LoopBounds.of(layer), max_steps)


def test_walk_k_outer_fetches_everything_and_writes_final_outputs():
    """K=4, C=4 in tiles of 2, order K > CRS: 4 steps, weights and inputs at every step, each
    output tile visited once and written once, final."""
    steps = _walk(("NPQ", "K", "CRS")).steps
    assert [s.fetch for s in steps] == [("weights", "inputs")] * 4
    assert [s.write for s in steps] == ["", "final", "", "final"]
    assert not any(s.psum_read for s in steps)


def test_walk_c_outer_revisits_outputs_with_partial_sums():
    """Order CRS > K: the inputs are reused across the inner K loop, each output tile is
    visited twice: written partial then read back and written final."""
    steps = _walk(("NPQ", "CRS", "K")).steps
    assert [s.fetch for s in steps] == [("weights", "inputs"), ("weights",),
                                        ("weights", "inputs"), ("weights",)]
    assert [s.write for s in steps] == ["partial", "partial", "final", "final"]
    assert [s.psum_read for s in steps] == [False, False, True, True]
    assert sum(s.macs_share for s in steps) == 1.0


def test_batching_the_innermost_loop_keeps_the_fetch_pattern():
    """K = 8 in 4 tiles, C in 2, order CRS > K, max 4 steps: the inner K loop is walked 2
    tiles at a time (2 trips left), so outputs are still visited twice each (partial, then
    final after a partial-sum read) and the bytes moved do not change."""
    layer = LayerWorkload("x", LayerKind.LINEAR, 4, 8)
    mapping = LayerMapping("weight_stationary", (), (LevelTiling(
        "dram", ("NPQ", "CRS", "K"), (("K", 4), ("C", 2))),))
    full = tile_walk(mapping, LoopBounds.of(layer))
    walk = tile_walk(mapping, LoopBounds.of(layer), max_steps=4)
    assert (len(full.steps), walk.batch, walk.batched_dim, len(walk.steps)) == (8, 2, "K", 4)
    assert [s.write for s in walk.steps] == ["partial", "partial", "final", "final"]
    assert [s.psum_read for s in walk.steps] == [False, False, True, True]
    assert [s.extent("K") for s in walk.steps] == [4, 4, 4, 4]


def test_batching_never_collapses_a_loop():
    """A 2-trip innermost loop cannot be batched without changing reuse: left as is."""
    assert _walk(("NPQ", "CRS", "K"), max_steps=2).batch == 1


def test_index_arrays_select_separate_elements():
    """Shape (2, 4), row 0, columns [0, 2] -> two 1-byte segments; rows [0] x cols 0..4 of
    a 1-byte layout is one 4-byte segment."""
    starts, lengths = TensorLayout(0, (2, 4), 1.0).segments(((0, 1), [0, 2]))
    assert starts.tolist() == [0, 2] and lengths.tolist() == [1, 1]
    starts, lengths = TensorLayout(0, (2, 4), 1.0).segments(([0], (0, 4)))
    assert starts.tolist() == [0] and lengths.tolist() == [4]


def test_strided_tiles_touch_only_their_rows():
    """A 1x1 stride-2 conv reads rows and columns 0, 2, 4, 6 of an 8x8 input; 3x3 stride 1
    pad 1 over outputs 0..3 reads the contiguous rows 0..4."""
    from hwsim.sim.tiled import Geometry, _halo
    strided = Geometry(1, 1, 1, (8, 8), (1, 1), (2, 2), (0, 0), (1, 1))
    assert _halo(0, 4, 0, strided).tolist() == [0, 2, 4, 6]
    padded = Geometry(1, 1, 9, (8, 8), (3, 3), (1, 1), (1, 1), (1, 1))
    assert _halo(0, 4, 0, padded) == (0, 5)
