"""The GPU roofline on hand-worked cases (tests/data/tiny_gpu.yaml: 100,000 dense MACs/cycle,
200,000 with 2:4, 10,000 on CUDA cores, HBM 1,000 B/cycle, L2 10,000, shared memory 12,800,
efficiencies 1, no launch overhead) and on the shipped GPU files."""
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from hwsim.arch import load_arch
from hwsim.cost import estimate_layer
from hwsim.cost.gpu import block_fraction, kernel_work, roofline
from hwsim.cost.gpu.layer import GUESSED_NM_NOTE
from hwsim.types import GpuKernel, LayerKind
from hwsim.workload.layer import LayerWorkload

ROOT = Path(__file__).resolve().parents[2]
TINY = load_arch(ROOT / "tests" / "data" / "tiny_gpu.yaml")
H100 = load_arch(ROOT / "arch_configs" / "h100_sxm.yaml")


def fc(batch=1, density=1.0, n=4096):
    return LayerWorkload("fc", LayerKind.LINEAR, n, n, batch=batch, weight_density=density)


def line(layer, kernel, arch=TINY):
    return roofline(kernel_work(layer, arch, kernel), arch)


def test_gemv_at_batch_1_is_hbm_bound_time_is_bytes_over_bandwidth():
    """4096 x 4096 FP16 weights = 33,554,432 B + 8,192 B in + 8,192 B out = 33,570,816 B over
    1,000 B/cycle = 33,570.816 cycles; math 16,777,216 / 100,000 = 167.8 cycles; L2
    33,554,432 + 8,192 x 32 + 8,192 = 33,824,768 / 10,000 = 3,382.5; shared memory
    16,777,216 x 2 x (1/1 + 1/64) / 12,800 = 2,662.4."""
    cost = estimate_layer(fc(), TINY)
    assert cost.bottleneck == "dram"
    assert cost.latency_cycles == pytest.approx(33_570_816 / 1_000)
    assert cost.compute_cycles == pytest.approx(167.77216)
    terms = dict(cost.transfer_cycles)
    assert terms["l2"] == pytest.approx(3_382.4768)
    assert terms["smem"] == pytest.approx(2_662.4)
    assert cost.dram_read_bytes == pytest.approx(33_554_432 + 8_192)
    assert cost.roofline.intensity == pytest.approx(2 * 16_777_216 / 33_570_816)


def test_2_4_halves_the_math_time_of_a_compute_bound_gemm():
    """Batch 4096: 68,719,476,736 MACs / 100,000 = 687,194.8 cycles dense, / 200,000 =
    343,597.4 with 2:4; HBM 3 x 33,554,432 / 1,000 = 100,663 and L2 (x 32 reuse) 218,000
    stay below, so both are compute-bound."""
    layer = fc(batch=4096, density=0.5)
    dense, sparse = line(layer, GpuKernel.DENSE), line(layer, GpuKernel.SEMI_STRUCTURED)
    assert dense.bottleneck == sparse.bottleneck == "compute"
    assert dense.term("compute") == pytest.approx(687_194.76736)
    assert sparse.term("compute") == pytest.approx(dense.term("compute") / 2)
    assert sparse.latency_cycles == pytest.approx(dense.latency_cycles / 2)


def test_2_4_math_time_scales_with_the_efficiency_ratio_on_h100():
    """H100: sparse_math 0.55 vs dense_math 0.75 -> 2:4 takes 0.5 x 0.75 / 0.55 = 0.68 of the
    dense math time, not 0.5 (to 1e-4: the datasheet's 1,978.9 is not exactly 2 x 989.4)."""
    layer = fc(batch=4096, density=0.5)
    ratio = line(layer, GpuKernel.SEMI_STRUCTURED, H100).term("compute") / \
        line(layer, GpuKernel.DENSE, H100).term("compute")
    assert ratio == pytest.approx(0.5 * 0.75 / 0.55, rel=1e-4)


@pytest.mark.parametrize("batch", [1, 16, 64, 256])
def test_csr_at_half_density_is_slower_than_dense(batch):
    """At batch 1: CSR moves 8,388,608 x (2 + 4) B + 4,097 x 4 B = 50.3 MB from HBM against
    33.6 MB dense; at larger batches its CUDA-core math and L2 gathers fall further behind."""
    layer = fc(batch=batch, density=0.5)
    assert line(layer, GpuKernel.CSR).latency_cycles > line(layer, GpuKernel.DENSE).latency_cycles
    assert estimate_layer(layer, TINY).weights.format != "csr"


def test_csr_wins_only_at_low_density_and_small_batch():
    """5 % density at batch 1: 838,861 x 6 B = 5.0 MB from HBM, 6.7x fewer bytes than dense;
    at batch 256 the gathers (838,861 x 256 x 2 B from L2) and CUDA-core math lose to 2:4-free
    tensor cores."""
    assert estimate_layer(fc(density=0.05), TINY).weights.format == "csr"
    assert estimate_layer(fc(batch=256, density=0.05), TINY).weights.format != "csr"


def test_pruned_layer_without_mask_runs_2_4_with_a_caveat_and_dense_layer_has_no_note():
    cost = estimate_layer(fc(batch=4096, density=0.5), TINY)
    assert cost.weights.format == "semi_structured" and GUESSED_NM_NOTE in cost.notes
    assert cost.weights.stored_bytes == pytest.approx(4096 * 4096 / 2 * (2 + 2 / 8))
    assert estimate_layer(fc(), TINY).notes == ()


def test_a_mask_that_breaks_2_4_runs_another_kernel():
    mask = np.zeros((8, 8), bool)
    mask[:, :3] = True  # 3 of the first 4 columns: every first group breaks 2:4
    layer = LayerWorkload("fc", LayerKind.LINEAR, 8, 8, weight_mask=mask)
    cost = estimate_layer(layer, TINY)
    assert cost.weights.format != "semi_structured"


def test_block_fraction_exact_and_expected():
    """A 4 x 4 mask with only its top-left 2 x 2 block set -> 1 of 4 blocks; without a mask at
    density 0.1 and 2 x 2 blocks: 1 - 0.9**4 = 0.3439."""
    mask = np.zeros((4, 4), bool)
    mask[:2, :2] = True
    assert block_fraction(LayerWorkload("fc", LayerKind.LINEAR, 4, 4, weight_mask=mask), 2) == 0.25
    assert block_fraction(fc(density=0.1), 2) == pytest.approx(1 - 0.9 ** 4)


def test_launch_overhead_is_added_and_can_be_the_bottleneck():
    """H100: 4 us x 1.83 GHz = 7,320 cycles on top of the slowest term; a 64 x 64 layer is all
    launch."""
    cost = estimate_layer(LayerWorkload("fc", LayerKind.LINEAR, 64, 64), H100)
    assert cost.bottleneck == "launch"
    assert dict(cost.transfer_cycles)["launch"] == pytest.approx(7_320)
    assert cost.latency_cycles > 7_320


def test_energy_is_macs_and_bytes_times_the_table():
    """GEMV: 16,777,216 MACs x 0.5 pJ + HBM (33,570,816 B x 8 x 3.97 pJ/bit) + L2 + smem."""
    cost = estimate_layer(fc(), TINY)
    parts = cost.energy_breakdown_pj
    assert parts["mac"] == pytest.approx(16_777_216 * 0.5)
    assert parts["dram"] == pytest.approx(33_570_816 * 8 * 3.97)
    assert cost.energy_pj == pytest.approx(sum(parts.values()))


def test_vgg16_fc6_on_h100_bottlenecks_follow_the_roofline():
    """Batch 1: every FC layer is HBM-bound (weights dominate); batch 64 conv layers with many
    channels are compute-bound."""
    fc6 = LayerWorkload("fc6", LayerKind.LINEAR, 25088, 4096)
    assert estimate_layer(fc6, H100).bottleneck == "dram"
    conv = LayerWorkload("conv4_2", LayerKind.CONV2D, 512, 512, 28, 28, (3, 3), padding=1,
                         batch=64)
    assert estimate_layer(conv, H100).bottleneck == "compute"


def test_resident_weights_leave_hbm():
    cost = estimate_layer(fc(), TINY, weights_resident=True)
    assert cost.weights_on_chip and cost.dram_read_bytes == pytest.approx(8_192)


def test_the_simulator_reports_gpu_layers_unsupported():
    from hwsim.sim import simulate_network
    rows = simulate_network([fc()], TINY)
    cost = rows[0].cost if hasattr(rows[0], "cost") else rows[0]
    assert not cost.supported and "does not model GPUs" in cost.unsupported_reason


def test_kernels_the_file_does_not_list_are_not_run():
    only_dense = replace(TINY, gpu=replace(TINY.gpu, kernels=(GpuKernel.DENSE,)))
    assert estimate_layer(fc(density=0.05), only_dense).weights.format == "dense"


@pytest.mark.parametrize("batch, expect", [
    ("1", {"fc6": "dram", "fc7": "launch|dram", "conv4_2": "launch|compute"}),
    ("64", {"fc6": "dram", "conv4_2": "compute", "conv1_1": "dram"})])
def test_done_when_vgg16_han2015_on_h100_per_layer_bottlenecks(capsys, batch, expect):
    """Issue 13's done-when command, at batch 1 and 64: the pruned|dense bottleneck column
    follows the roofline (HBM-bound FC layers, compute-bound convs at batch 64, launch-bound
    small kernels at batch 1)."""
    from hwsim import cli
    arch = str(ROOT / "arch_configs" / "h100_sxm.yaml")
    code = cli.main(["estimate", "--arch", arch, "--workload", "vgg16", "--profile", "han2015",
                     "--baseline-arch", arch, "--batch", batch])
    out = capsys.readouterr().out
    assert code == 0
    table = [line.split() for line in out.splitlines() if line.split()
             and line.split()[0] in expect and line.split()[2].endswith("J")]  # "301 µJ"
    rows = {cells[0]: cells[-2] for cells in table}
    assert rows == expect


def test_power_above_tdp_is_noted():
    """80 mJ in 100 us at 1 GHz (100,000 cycles) = 800 W > 700 W; 7 mJ = 70 W is not noted."""
    from hwsim.cost.gpu.layer import power_note
    hot = replace(TINY, gpu=replace(TINY.gpu, tdp_w=700.0))
    assert "800 W exceeds the 700 W TDP" in power_note(hot, 80e9, 100_000)[0]
    assert power_note(hot, 7e9, 100_000) == ()
    assert power_note(TINY, 80e9, 100_000) == ()  # no tdp_w given
