"""estimate_layer on a tiny hand-worked layer: every term of traffic, energy and latency.

The layer: linear 4 -> 4 (16 weights, 4 inputs, 4 outputs), batch 1, on the tiny 4x4
weight-stationary array of ``cost_helpers`` (8-bit operands, 32-bit partial sums, DRAM
100 pJ/byte at 4 B/cycle, a 64 KiB buffer at 5 pJ/byte and 16 B/cycle, 1 pJ per MAC).
Everything fits, so each tensor crosses DRAM once:

* DRAM: weights 16 B + inputs 4 B read, outputs 4 B written = 24 B -> 2,400 pJ.
* buffer: weights 16 B in + 16 B to the array (one read per PE, stationary); inputs 4 B in +
  4 B out (each read once, passed along the 4 columns); outputs 4 partial sums x 4 B in from
  the array (reduced down the rows) + 4 final bytes out = 60 B -> 300 pJ.
* MACs: 16 x 1 pJ. Total 2,716 pJ.
* Cycles: one fold, 2*4 + 4 + 1 - 2 = 11; DRAM 24 B / 4 = 6, buffer 60 / 16 = 3.75; one DRAM
  step, so fill (5) and drain (1) overlap nothing: latency 17.
"""
import numpy as np
import pytest

from hwsim.arch.model import FormatSpec, SparsitySupport
from hwsim.cost.layer import EstimateOptions, estimate_layer
from hwsim.types import LayerKind, MemoryKind, Objective, Operand, SparseFormat
from hwsim.workload.layer import LayerWorkload

from cost_helpers import dram, sram, tiny_arch

W, I, O = Operand.WEIGHTS, Operand.INPUTS, Operand.OUTPUTS
FC = LayerWorkload("fc", LayerKind.LINEAR, 4, 4)


def traffic(cost):
    return {(t.level, str(t.operand)): (t.read_bytes, t.write_bytes) for t in cost.traffic}


def test_traffic_per_level_and_operand():
    t = traffic(estimate_layer(FC, tiny_arch()))
    assert t[("dram", "weights")] == (16, 0)
    assert t[("dram", "inputs")] == (4, 0)
    assert t[("dram", "outputs")] == (0, 4)
    assert t[("buf", "weights")] == (16, 16)
    assert t[("buf", "inputs")] == (4, 4)
    assert t[("buf", "outputs")] == (4, 16)


def test_energy_is_counts_times_energy_per_access():
    cost = estimate_layer(FC, tiny_arch())
    for t in cost.traffic:
        level = next(m for m in tiny_arch().memories if m.name == t.level)
        assert t.reads == pytest.approx(t.read_bytes / 4)  # 32-bit accesses
        assert t.energy_pj == pytest.approx(t.reads * level.read_energy_pj
                                            + t.writes * level.write_energy_pj)
    parts = cost.energy_breakdown_pj
    assert parts["dram"] == pytest.approx(2400)
    assert parts["buf"] == pytest.approx(300)
    assert parts["mac"] == pytest.approx(16)
    assert cost.energy_pj == pytest.approx(2716) == pytest.approx(sum(parts.values()))
    by_op = cost.energy_by_operand_pj
    assert (by_op["weights"], by_op["inputs"], by_op["outputs"]) == pytest.approx(
        (1600 + 160, 400 + 40, 400 + 100))


def test_one_dram_step_overlaps_nothing():
    """Everything fits, so the DRAM-level walk is one step (hwsim.cost.pipeline): the array
    waits for the 20 bytes read (5 cycles), computes 11, then the 4 output bytes are written
    (1 cycle): max(11 + 5/1 + 1/1, 6 + 11/1) = 17 cycles, 6 beyond the steady-state bound
    max(11, 6, 3.75) = 11, which still names compute as the bottleneck."""
    cost = estimate_layer(FC, tiny_arch())
    assert cost.compute_cycles == 11
    assert dict(cost.transfer_cycles) == pytest.approx({"dram": 6, "buf": 3.75})
    assert (cost.latency_cycles, cost.pipeline_cycles, cost.bottleneck) == (17, 6, "compute")


def test_dram_steps_overlap_all_but_fill_and_drain():
    """A 32 B buffer tiles K by 4 (test_compulsory_bound_and_small_buffers): 4 steps, each
    writing its outputs. Fill 5/4, drain 1/4: max(11 + 1.25 + 0.25, 6 + 11/4) = 12.5 cycles
    (the simulator, whose first step also loads the whole input: 14)."""
    cost = estimate_layer(FC, tiny_arch(memories=(dram(), sram(size=32))))
    assert dict(cost.mapping.levels[0].factors) == {"K": 4}
    assert (cost.latency_cycles, cost.pipeline_cycles) == (12.5, 1.5)


def test_slow_dram_becomes_the_bottleneck():
    """At 1 B/cycle the 24 DRAM bytes take 24 cycles > 11: DRAM-bound, and in one step the
    array's 11 cycles come after the reads: max(11 + 20 + 4, 24 + 11) = 35."""
    cost = estimate_layer(FC, tiny_arch(memories=(dram(bandwidth=1.0), sram())))
    assert (cost.latency_cycles, cost.bottleneck) == (35, "dram")


def test_leakage_is_power_times_latency():
    """With 2 mW of leakage time costs energy, and the mapper (which scores the pipelined
    latency) splits K into 4 DRAM steps: the same 24 DRAM bytes and buffer traffic, 12.5
    cycles instead of the single step's 17 (test_dram_steps_overlap_all_but_fill_and_drain).
    2 mW for 12.5 cycles at 1 GHz = 2e-3 W x 12.5e-9 s = 25 pJ (34 pJ in one step)."""
    cost = estimate_layer(FC, tiny_arch(memories=(dram(), sram(leakage_mw=2.0))))
    assert dict(cost.mapping.levels[0].factors) == {"K": 4}
    assert cost.latency_cycles == 12.5
    assert cost.energy_breakdown_pj["leakage"] == pytest.approx(25)
    assert cost.energy_pj == pytest.approx(2716 + 25)


def test_compulsory_bound_and_small_buffers():
    """Everything fits: DRAM traffic equals the compulsory 24 B. A 32 B buffer (16 B usable
    when double buffered) still avoids refetches: one filter row at a time (K tiles of 1:
    4 weights + 4 inputs + one 4-byte partial sum = 12 B), inputs reused across the K loop.
    A 16 B buffer (8 B usable) must also split C (2 + 2 + 4 B): something is fetched twice."""
    cost = estimate_layer(FC, tiny_arch())
    assert cost.compulsory_dram_bytes == cost.dram_bytes == 24
    mid = estimate_layer(FC, tiny_arch(memories=(dram(), sram(size=32))))
    assert mid.dram_bytes == 24 and dict(mid.mapping.levels[0].factors) == {"K": 4}
    small = estimate_layer(FC, tiny_arch(memories=(dram(), sram(size=16))))
    assert small.supported
    assert small.dram_bytes > small.compulsory_dram_bytes == 24
    assert dict(small.mapping.levels[0].factors)  # the DRAM-level loops are tiled


def test_nothing_fits_is_unsupported_with_the_reason():
    """The smallest tile (1 weight + 1 input + a 4-byte partial sum) needs 6 B, 12 B double
    buffered: an 8 B buffer cannot run the layer."""
    cost = estimate_layer(FC, tiny_arch(memories=(dram(), sram(size=8))))
    assert not cost.supported
    assert "memories.buf" in cost.unsupported_reason and cost.energy_pj == 0
    relaxed = estimate_layer(FC, tiny_arch(memories=(dram(), sram(size=8))),
                             options=EstimateOptions(double_buffering=False))
    assert relaxed.supported


def test_resident_weights_load_once():
    """Resident weights: no per-inference weight DRAM traffic, 16 B once per model load."""
    cost = estimate_layer(FC, tiny_arch(resident=True))
    assert cost.weights_on_chip and cost.model_load_dram_bytes == 16
    assert cost.dram_bytes_of(W) == 0 and cost.compulsory_dram_bytes == 8


def test_compressed_activations_move_their_stored_bits():
    """Bitmap activations at 50 % density: 2 values x 8 bits + 4 bitmap bits = 20 bits =
    2.5 bytes read from DRAM for the 4 inputs."""
    sp = SparsitySupport(FormatSpec(value_bits=8), FormatSpec(SparseFormat.BITMAP, 8))
    layer = LayerWorkload("fc", LayerKind.LINEAR, 4, 4, input_density=0.5)
    cost = estimate_layer(layer, tiny_arch(sparsity=sp))
    assert traffic(cost)[("dram", "inputs")][0] == pytest.approx(2.5)


def test_compressed_weights_move_values_and_metadata():
    """CSC weights (8-bit values, 4-bit indices, 16-bit pointers) of a 4x4 identity mask:
    4 values x 12 bits + 5 pointers x 16 bits = 128 bits = 16 B from DRAM; dense would be 16 B
    too, so use 2 non-zeros: 2 x 12 + 80 = 104 bits = 13 B."""
    sp = SparsitySupport(FormatSpec(SparseFormat.CSC, 8, 4, 16), FormatSpec(value_bits=8))
    mask = np.zeros((4, 4), bool)
    mask[0, 0] = mask[1, 1] = True
    layer = LayerWorkload("fc", LayerKind.LINEAR, 4, 4, weight_mask=mask)
    cost = estimate_layer(layer, tiny_arch(sparsity=sp))
    assert traffic(cost)[("dram", "weights")][0] == pytest.approx(13)
    assert cost.weights.stored_bytes == pytest.approx(13)
    assert cost.weights.metadata_bytes == pytest.approx(11)
    assert cost.weights.dense_bytes == 16 and cost.weight_nnz == 2


@pytest.mark.parametrize("objective", list(Objective))
def test_objectives_pick_feasible_mappings(objective):
    cost = estimate_layer(FC, tiny_arch(memories=(dram(), sram(size=32))),
                          options=EstimateOptions(objective))
    assert cost.supported and cost.mapping.objective == str(objective)
    assert "spatial[" in str(cost.mapping)


def test_latency_objective_never_slower_than_energy_objective():
    arch = tiny_arch(memories=(dram(bandwidth=1.0), sram(size=48)))
    e = estimate_layer(FC, arch)
    lat = estimate_layer(FC, arch, options=EstimateOptions(Objective.LATENCY))
    assert lat.latency_cycles <= e.latency_cycles
    assert e.energy_pj <= lat.energy_pj + 1e-9


def test_dram_level_kind_is_recorded():
    cost = estimate_layer(FC, tiny_arch())
    kinds = {t.level: t.kind for t in cost.traffic}
    assert kinds == {"dram": MemoryKind.DRAM, "buf": MemoryKind.SRAM}


def test_pipelined_latency_formula():
    """hwsim.cost.pipeline's worked examples: one step (A 1,000, R 256, W 4, D 260) ->
    max(1,000 + 256 + 4, 260 + 1,000) = 1,260; BERT's query projection (T 4, A 18,526,
    R 21,952, W 448, V 1, D 22,400) -> max(24,462, 22,400 + 4,631.5) = 27,031.5; no DRAM
    traffic -> A; and per variant (arrays) the same numbers."""
    from hwsim.cost.pipeline import pipelined_latency_cycles as f
    assert f(array_cycles=1000.0, dram_read_cycles=256.0, dram_write_cycles=4.0,
             dram_cycles=260.0, steps=1.0, output_visits=1.0) == 1260
    assert f(array_cycles=18526.0, dram_read_cycles=21952.0, dram_write_cycles=448.0,
             dram_cycles=22400.0, steps=4.0, output_visits=1.0) == 27031.5
    assert f(array_cycles=7.0, dram_read_cycles=0.0, dram_write_cycles=0.0, dram_cycles=0.0,
             steps=3.0, output_visits=3.0) == 7
    both = f(array_cycles=np.array([1000.0, 18526.0]),
             dram_read_cycles=np.array([256.0, 21952.0]),
             dram_write_cycles=np.array([4.0, 448.0]), dram_cycles=np.array([260.0, 22400.0]),
             steps=np.array([1.0, 4.0]), output_visits=np.array([1.0, 1.0]))
    assert both.tolist() == [1260.0, 27031.5]


def test_latency_objective_ranks_the_pipelined_latency():
    """Every tiling of the 4 -> 4 layer has the same compute (11 cycles); ranked by the
    pipelined latency, the latency objective splits K and C by 4 at the DRAM level (16 steps,
    outputs written once per K tile: 4 visits). Inputs are refetched per K tile: weights 16 B
    + inputs 4 x 4 B = 32 B read (8 cycles), 4 B written (1 cycle), D = 9:
    max(11 + 8/16 + 1/4, 9 + 11/16) = 11.75 cycles, against 17 for the single step that the
    steady-state bound (11 for both) could not tell apart."""
    cost = estimate_layer(FC, tiny_arch(), options=EstimateOptions(objective=Objective.LATENCY))
    assert dict(cost.mapping.levels[0].factors) == {"K": 4, "C": 4}
    assert (cost.dram_read_bytes, cost.dram_write_bytes) == (32, 4)
    assert cost.latency_cycles == 11.75


def test_latency_objective_takes_the_least_energy_within_one_percent_of_the_fastest():
    """objective_scores' worked example: latencies (100, 100.5, 120) with energies (9, 3, 1):
    100.5 is within 1 % of 100 and 120 is not, so the scores are (9, 3, inf) and the second
    candidate wins; an infeasible candidate neither wins nor sets the fastest. Per variant
    rows (axis 1) each have their own fastest."""
    from hwsim.cost.search import objective_scores
    lat, energy = np.array([100.0, 100.5, 120.0]), np.array([9.0, 3.0, 1.0])
    keep = np.array([True, True, True])
    assert objective_scores(Objective.LATENCY, energy, lat, keep).tolist() == [9, 3, np.inf]
    assert objective_scores(Objective.LATENCY, energy, lat,
                            np.array([False, True, True])).tolist() == [np.inf, 3, np.inf]
    rows = objective_scores(Objective.LATENCY, np.array([[9.0, 3.0, 1.0]] * 2),
                            np.array([[100.0, 100.5, 120.0], [200.0, 130.0, 120.0]]),
                            np.ones((2, 3), bool), axis=1)
    assert rows.tolist() == [[9, 3, np.inf], [np.inf, np.inf, 1]]
    assert objective_scores(Objective.EDP, energy, lat, keep).tolist() == [900, 301.5, 120]
