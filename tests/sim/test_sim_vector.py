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
    """The first BERT-base block (seq 16) on systolic_ws: every row supported, within 15 % of
    the analytical latency, and the excess is the simulator's named pipeline fill and drain
    (the array waiting for the first DRAM tile, the last write-back). The 768 x 768 linears
    walk 4 DRAM tiles: the first tile's load (5,488 cycles) plus the drain (448) over the
    double-buffered array's 32 + 576 x (32 + 32 + 16 - 2) = 44,960 compute cycles -> 50,896
    simulated (+13.2 %; 69,296 vs 63,360, +9.4 %, before weight double buffering)."""
    arch = load_arch(ARCH_DIR / "systolic_ws.yaml")
    layers = builtin_network("bert_base:16").layers[3:17]
    results = simulate_network(layers, arch)
    assert all(r.cost.supported for r in results)
    for r in results:
        stalls = dict(r.stats.stall_cycles)
        named = stalls.get("array_wait_dram", 0) + stalls.get("drain_tail", 0)
        assert r.cost.latency_cycles == pytest.approx(r.analytical.latency_cycles + named,
                                                      rel=0.01), r.cost.name
        assert r.cost.latency_cycles == pytest.approx(r.analytical.latency_cycles, rel=0.15), \
            r.cost.name
