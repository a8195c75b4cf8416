"""Vector layers and act x act matmuls on the GPU roofline (hwsim/cost/gpu/vector.py), hand-worked
on tests/data/tiny_gpu.yaml (HBM 1,000 B/cycle, L2 10,000 B/cycle, 10,000 CUDA-core ops per
cycle at fp16, tensor cores 100,000 MACs/cycle, MAC energy 0.5 pJ, efficiencies 1, no launch
overhead), and BERT-base on the shipped H100 covering every layer."""
import json
from pathlib import Path

import pytest

from hwsim.arch import load_arch
from hwsim.cli import main
from hwsim.cost import estimate_layer
from hwsim.types import LayerKind
from hwsim.workload.layer import LayerWorkload

ROOT = Path(__file__).resolve().parents[2]
TINY = load_arch(ROOT / "tests" / "data" / "tiny_gpu.yaml")


def test_residual_add_moves_its_elements_through_hbm_and_runs_on_cuda_cores():
    """Add of two 128 x 768 tensors at fp16: reads 196,608 elements, writes 98,304 ->
    HBM (196,608 + 98,304) x 2 B = 589,824 B / 1,000 = 589.824 cycles; L2 the same bytes /
    10,000 = 58.98; 98,304 ops / 10,000 = 9.83 cycles: HBM-bound, latency 589.824 cycles;
    op energy 98,304 x 0.5 pJ = 49,152 pJ."""
    add = LayerWorkload("add", LayerKind.VECTOR, 196_608, 98_304, vector_op="elementwise")
    cost = estimate_layer(add, TINY)
    assert cost.supported and cost.bottleneck == "dram"
    assert cost.latency_cycles == pytest.approx(589.824)
    assert cost.compute_cycles == pytest.approx(9.8304)
    assert dict(cost.transfer_cycles)["l2"] == pytest.approx(58.9824)
    assert cost.dram_read_bytes == pytest.approx(393_216)
    assert cost.dram_write_bytes == pytest.approx(196_608)
    assert dict(cost.energy_by_component)["vector"] == pytest.approx(49_152)
    assert cost.weight_count == 0 and cost.macs_dense == 0


def test_softmax_ops_scale_the_cuda_core_time():
    """Softmax over 1,000,000 elements at 5 ops each: 5,000,000 / 10,000 = 500 cycles of
    math against 4,000,000 B / 1,000 = 4,000 cycles of HBM: still HBM-bound."""
    softmax = LayerWorkload("softmax", LayerKind.VECTOR, 1_000_000, 1_000_000,
                            vector_op="softmax", ops_per_element=5)
    cost = estimate_layer(softmax, TINY)
    assert cost.compute_cycles == pytest.approx(500.0)
    assert cost.latency_cycles == pytest.approx(4_000.0) and cost.bottleneck == "dram"


def test_attention_scores_are_a_dense_batched_gemm_with_no_stored_weights():
    """BERT scores at sequence 128: 12 heads x 128 x 64 x 128 = 12,582,912 MACs / 100,000 =
    125.8 cycles; HBM: Q 128 x 768 x 2 = 196,608 B + K^T 12 x 64 x 128 x 2 = 196,608 B (an
    activation, read every time) + scores 12 x 128 x 128 x 2 = 393,216 B written =
    786,432 B / 1,000 = 786.432 cycles: HBM-bound; no stored weights, K^T counted as
    inputs."""
    scores = LayerWorkload("scores", LayerKind.ACT_MATMUL, 768, 12 * 128, 128, groups=12)
    cost = estimate_layer(scores, TINY)
    assert cost.supported and cost.weight_count == 0
    assert cost.compute_cycles == pytest.approx(125.82912)
    assert cost.latency_cycles == pytest.approx(786.432) and cost.bottleneck == "dram"
    assert cost.dram_read_bytes == pytest.approx(393_216)
    assert not any(t.operand == "weights" for t in cost.traffic)


def test_bert_base_on_h100_covers_every_layer(capsys):
    """`hwsim estimate --arch arch_configs/h100_sxm.yaml --workload bert_base`: every row
    supported; the GELUs are applied in the intermediate GEMM's epilogue (fused)."""
    assert main(["estimate", "--arch", str(ROOT / "arch_configs" / "h100_sxm.yaml"),
                 "--workload", "bert_base", "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["total"]["coverage"]["complete"]
    rows = {r["name"]: r for r in result["layers"]}
    assert all(r["supported"] for r in rows.values()) and len(rows) == 173
    assert rows["encoder.layer.0.gelu"]["latency_cycles"] == 0
    assert rows["encoder.layer.0.attention.softmax"]["energy_pj"] > 0
    assert rows["encoder.layer.0.attention.scores"]["weight_count"] == 0
