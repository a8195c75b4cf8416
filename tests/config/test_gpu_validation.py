"""One failing input per ``gpu:`` rule (hwsim/config/gpu_checks.py and the GpuConfig fields),
each asserting the dotted path and the bad value; the shipped GPU files as published."""
import copy
from pathlib import Path

import pytest
import yaml

from hwsim.arch import load_arch

ROOT = Path(__file__).resolve().parents[2]
GPU = yaml.safe_load((ROOT / "tests" / "data" / "tiny_gpu.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def gpu():
    return copy.deepcopy(GPU)


def only(msgs):
    assert len(msgs) == 1, msgs
    return msgs[0]


def test_the_tiny_gpu_is_valid(gpu, messages):
    assert messages(gpu) == []


def test_precision_must_have_a_math_rate(gpu, messages):
    gpu["gpu"]["precision"] = "fp8"
    gpu["gpu"]["kernels"] = ["dense"]
    gpu["compute"]["weight_bits"] = gpu["compute"]["activation_bits"] = 8
    assert only(messages(gpu)) == ("t.yaml: gpu.precision must be one of ['fp16', "
                                          "'fp32'] (the precisions listed in gpu.math). "
                                          "Got 'fp8' instead.")


def test_precision_bits_must_match_the_compute_section(gpu, messages):
    gpu["compute"]["weight_bits"] = 8
    assert only(messages(gpu)) == ("t.yaml: compute.weight_bits must be 16 "
                                          "(gpu.precision fp16 stores 16-bit values). "
                                          "Got 8 instead.")


def test_l2_level_must_name_an_on_chip_level(gpu, messages):
    gpu["gpu"]["l2_level"] = "llc"
    assert only(messages(gpu)) == ("t.yaml: gpu.l2_level must name an on-chip level "
                                          "of memories (l2, rf, smem). Got 'llc' instead.")


def test_semi_structured_needs_a_sparse_rate(gpu, messages):
    del gpu["gpu"]["math"]["fp16"]["sparse_tops"]
    msg = only(messages(gpu))
    assert msg.startswith("t.yaml: gpu.math.fp16.sparse_tops must be given when gpu.kernels")


def test_semi_structured_needs_structured_sparsity(gpu, messages):
    del gpu["sparsity"]["structured"]
    msg = only(messages(gpu))
    assert msg.startswith("t.yaml: sparsity.structured must be given (e.g. {n: 2, m: 4})")


def test_csr_needs_a_cuda_core_rate(gpu, messages):
    gpu["gpu"]["simt_tops"] = {}
    msg = only(messages(gpu))
    assert msg.startswith("t.yaml: gpu.simt_tops must give a rate for fp16 when gpu.kernels "
                          "lists csr")


def test_kernels_must_not_repeat(gpu, messages):
    gpu["gpu"]["kernels"] = ["dense", "dense"]
    assert "gpu.kernels must not list a kernel twice" in only(messages(gpu))


def test_efficiency_must_be_a_fraction(gpu, messages):
    gpu["gpu"]["efficiency"]["hbm"] = 1.5
    assert only(messages(gpu)).startswith("t.yaml: gpu.efficiency.hbm must be <= 1")


def test_unknown_gpu_key_is_an_error(gpu, messages):
    gpu["gpu"]["launch_us"] = 4
    assert "gpu.launch_us must be a known key" in only(messages(gpu))


@pytest.mark.parametrize("name, sms, fp16_tflops, hbm_gb_s, l2_mib", [
    ("a100_sxm", 108, 312, 2039, 40), ("h100_sxm", 132, 989.4, 3350, 50),
    ("h200", 132, 989.4, 4800, 50)])
def test_gpu_files_as_published(name, sms, fp16_tflops, hbm_gb_s, l2_mib):
    """Peak FP16 MACs/cycle x 2 x clock = the datasheet's dense TFLOPS; 2:4 doubles it."""
    arch = load_arch(ROOT / "arch_configs" / f"{name}.yaml")
    g, clock = arch.gpu, arch.compute.clock_hz
    assert g.sms == sms and arch.level("smem").instances == sms
    assert g.dense_macs_per_cycle * 2 * clock == pytest.approx(fp16_tflops * 1e12)
    assert g.sparse_macs_per_cycle == pytest.approx(2 * g.dense_macs_per_cycle, rel=1e-3)
    assert arch.compute.peak_macs_per_cycle * 2 * clock == pytest.approx(fp16_tflops * 1e12,
                                                                        rel=1e-3)
    assert arch.dram.bandwidth_bytes_per_cycle * clock == pytest.approx(hbm_gb_s * 1e9)
    assert arch.level("l2").size_bytes == l2_mib * 2 ** 20


def test_arch_show_prints_the_gpu_section():
    from hwsim.commands.arch import format_text
    text = format_text(load_arch(ROOT / "arch_configs" / "h100_sxm.yaml"))
    assert "math fp16: dense 989.4 TOPS, 2:4 1979 TOPS, CUDA cores 133.8 TOPS" in text
    assert "launch 4 µs" in text and "TDP 700 W" in text
