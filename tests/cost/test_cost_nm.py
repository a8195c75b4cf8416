"""N:M on the sparse tensor core: compressed weights at every level, halved MACs, and a layer
that breaks the pattern runs dense and says so (``LayerCost.notes``)."""
import numpy as np
import pytest

from hwsim.arch.build import load_arch
from hwsim.cost.compute import mac_counts, structured_notes
from hwsim.cost.layer import estimate_layer
from hwsim.types import LayerKind, Operand
from hwsim.workload.layer import LayerWorkload

from cost_helpers import ARCH_DIR

STC = load_arch(ARCH_DIR / "sparse_tensor_core.yaml")


def two_of_four(rows: int, cols: int, seed: int = 0) -> np.ndarray:
    keep = np.argsort(np.random.default_rng(seed).random((rows, cols // 4, 4)), axis=2) < 2
    return keep.reshape(rows, cols)


def fc(mask: np.ndarray) -> LayerWorkload:
    return LayerWorkload("fc", LayerKind.LINEAR, mask.shape[1], mask.shape[0], weight_mask=mask)


def weight_bytes(cost, level: str) -> float:
    return sum(t.read_bytes for t in cost.traffic
               if t.level == level and t.operand is Operand.WEIGHTS)


def test_two_four_layer_moves_values_plus_metadata():
    """64 x 64 at exactly 2:4, FP16, 2-bit metadata: 2,048 slots x (16 + 2) bits = 36,864
    bits = 4,608 bytes (512 of them metadata) against 8,192 dense; DRAM, L2 and shared
    memory each read those 4,608 bytes once; 2,048 of the 4,096 MACs are issued."""
    cost = estimate_layer(fc(two_of_four(64, 64)), STC)
    w = cost.weights
    assert (w.format, w.stored_bytes, w.metadata_bytes, w.dense_bytes) == ("n:m", 4608, 512, 8192)
    assert [weight_bytes(cost, level) for level in ("dram", "l2", "smem")] == [4608] * 3
    assert (cost.macs_dense, cost.macs_effective) == (4096, 2048)
    assert cost.notes == () and cost.to_dict()["notes"] == []


def test_one_broken_group_runs_dense_and_says_so():
    """The same layer with one group keeping 3 of 4: stored dense (8,192 bytes, no
    metadata), all 4,096 MACs issued, more energy, and a note naming the group count."""
    mask = two_of_four(64, 64)
    mask[5, 8:12] = [True, True, True, False]
    layer = fc(mask)
    cost = estimate_layer(layer, STC)
    assert (cost.weights.format, cost.weights.stored_bytes, cost.weights.metadata_bytes) == (
        "dense", 8192, 0)
    assert cost.macs_effective == 4096 and not mac_counts(layer, STC).structured
    note = "runs dense: 1 of 1,024 4-weight groups breaks the 2:4 pattern"
    assert cost.notes == (note,) and cost.to_dict()["notes"] == [note]
    assert cost.energy_pj > estimate_layer(fc(two_of_four(64, 64)), STC).energy_pj


def test_density_decides_without_a_mask():
    """No mask: 50 % density runs 2:4 (no note); 60 % runs dense with the density in the note;
    an arch without N:M support, a dense format and no zero skipping (systolic_ws) says that
    the zeros are stored and multiplied."""
    half = LayerWorkload("fc", LayerKind.LINEAR, 64, 64, weight_density=0.5)
    assert structured_notes(half, STC) == () and mac_counts(half, STC).structured
    more = LayerWorkload("fc", LayerKind.LINEAR, 64, 10, weight_density=0.6)
    assert structured_notes(more, STC) == (
        "runs dense: weight density 60.0% is above 2:4 (50%) and the layer has no mask to "
        "check",)
    assert structured_notes(more, load_arch(ARCH_DIR / "systolic_ws.yaml")) == (
        "zeros stored and multiplied: 40% of the weights are zero, but systolic_ws keeps "
        "weights dense (no sparse format, no zero skipping)",)
    dense = LayerWorkload("fc", LayerKind.LINEAR, 64, 10)
    assert structured_notes(dense, load_arch(ARCH_DIR / "systolic_ws.yaml")) == ()


def test_l2_bandwidth_is_the_whitepapers():
    """A100 whitepaper p. 35: L2 read bandwidth 5120 bytes/clk; shared memory 164 KB per SM."""
    l2, smem = STC.level("l2"), STC.level("smem")
    assert l2.bandwidth_bytes_per_cycle == pytest.approx(5120)
    assert smem.size_bytes == 164 * 1024 and smem.instances == 108
