"""Vector layers and act x act matmuls in the simulator, against hand-worked cycles and the
analytical model."""
import sys
from dataclasses import replace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cost"))
from cost_helpers import ARCH_DIR, tiny_arch  # noqa: E402
from hwsim.arch import load_arch  # noqa: E402
from hwsim.arch.vector import VectorUnit  # noqa: E402
from hwsim.cost import estimate_layer  # noqa: E402
from hwsim.errors import UnsupportedLayerError  # noqa: E402
from hwsim.sim import simulate, simulate_network  # noqa: E402
from hwsim.types import LayerKind, Operand, VectorOp  # noqa: E402
from hwsim.workload import builtin_network, LayerWorkload  # noqa: E402


def softmax(n=1000):
    return LayerWorkload("sm", LayerKind.VECTOR, n, n, vector_op=VectorOp.SOFTMAX,
                         ops_per_element=5.0)


def test_softmax_one_chunk_hand_worked():
    """hwsim.sim.vector docstring: load 250 + compute 1,250 + store 250 = 1,750 cycles;
    energy: same DRAM and SRAM bytes and ops as the analytical 222,500 pJ."""
    arch = replace(tiny_arch(), vector=VectorUnit(4, 1.0, 0.5))
    result = simulate(softmax(), arch)
    assert result.cost.model == "simulator"
    assert result.cost.latency_cycles == 1750 and result.cost.compute_cycles == 1250
    assert result.cost.energy_pj == pytest.approx(222_500.0)
    assert result.stats.engine == "vector"


def test_long_vector_op_pipelines_to_the_analytical_latency():
    """1 MiB softmax: 512 chunks of 2 KiB, double buffered, compute-bound: the estimate's
    pipeline (within 1 %)."""
    arch = replace(tiny_arch(), vector=VectorUnit(4, 1.0, 0.5))
    layer = softmax(1 << 20)
    sim, ana = simulate(layer, arch).cost, estimate_layer(layer, arch)
    assert sim.latency_cycles == pytest.approx(ana.latency_cycles, rel=0.01)
    assert sim.dram_read_bytes == ana.dram_read_bytes


def test_no_vector_unit_raises_with_the_reason():
    with pytest.raises(UnsupportedLayerError, match="no vector unit"):
        simulate(softmax(), tiny_arch())


def test_act_matmul_simulated_with_no_stored_weights():
    """Attention scores (2 heads x 8 tokens x 4): the streamed matmul's cycles, weight count
    0, no weight traffic."""
    layer = LayerWorkload("scores", LayerKind.ACT_MATMUL, 8, 16, 8, groups=2)
    result = simulate(layer, tiny_arch())
    plain = simulate(replace(layer, kind=LayerKind.MATMUL), tiny_arch(), weights_resident=False)
    assert result.cost.latency_cycles == plain.cost.latency_cycles
    assert result.cost.weight_count == 0 and result.cost.dram_bytes_of(Operand.WEIGHTS) == 0


def test_bert_block_runs_in_the_simulator_on_systolic_ws():
    """The first BERT-base block (seq 16) on systolic_ws (weight double buffering, wavefront
    folds, separate filter-SRAM ports): every row supported and within 6 % of the analytical
    latency, whose pipeline term (hwsim.cost.pipeline) charges what the DRAM walk cannot
    overlap. A 768 x 768 linear walks 4 DRAM tiles and is DRAM-bound: 22,400 channel cycles
    (21,952 read, 448 written once) against 18,526 of array work -> max(18,526 + 21,952 / 4
    + 448, 22,400 + 18,526 / 4) = 27,031.5 cycles; the simulator: 27,032. The attention
    matmuls (12 heads, one step each) land within 0.8 % (scores) and 5.7 % (context, whose
    DMA also waits for a free buffer)."""
    arch = load_arch(ARCH_DIR / "systolic_ws.yaml")
    layers = builtin_network("bert_base:16").layers[3:17]
    results = simulate_network(layers, arch)
    assert all(r.cost.supported for r in results)
    for r in results:
        assert r.cost.latency_cycles == pytest.approx(r.analytical.latency_cycles, rel=0.06), \
            r.cost.name
    query = results[0]
    assert query.analytical.bottleneck == "dram"
    assert query.analytical.latency_cycles == pytest.approx(27031.5)
    assert query.cost.latency_cycles == 27032
