"""Bad inputs fail with clear errors; every reference accelerator runs; work preparation."""
import dataclasses
from pathlib import Path

import numpy as np
import pytest

from hwsim.arch import load_arch
from hwsim.errors import ConfigError, UnsupportedLayerError
from hwsim.sim import SimOptions, simulate, simulate_layer, simulate_network
from hwsim.sim.work import (active_columns, pass_matrices, pe_column_counts, spmat_words,
                            synthesise_mask)
from hwsim.types import LayerKind
from hwsim.workload import resolve_network
from hwsim.workload.layer import LayerWorkload

from sim_helpers import masked_fc, with_fifo

ARCH_FILES = sorted(Path("arch_configs").glob("*.yaml"))


def test_fifo_depth_zero_is_rejected():
    with pytest.raises(ConfigError, match=r"fifo_depth must be an integer >= 1.*Got 0"):
        SimOptions(fifo_depth=0)


def test_arch_fifo_depth_zero_is_rejected(eie):
    with pytest.raises(ConfigError, match=r"sparsity.fifo_depth must be an integer >= 1"):
        simulate(masked_fc(rows=64, cols=64), with_fifo(eie, 0))


def test_every_bad_option_is_reported_at_once():
    with pytest.raises(ConfigError) as info:
        SimOptions(dma_chunk_bytes=0, seed=-1, row_miss_cycles=-3)
    paths = sorted(p.path for p in info.value.problems)
    assert paths == ["dma_chunk_bytes", "row_miss_cycles", "seed"]


def test_conv_on_the_column_broadcast_is_unsupported(eie):
    conv = LayerWorkload("conv", LayerKind.CONV2D, 3, 8, 8, 8, (3, 3))
    with pytest.raises(UnsupportedLayerError, match="column_broadcast"):
        simulate_layer(conv, eie)


def test_weights_the_arch_cannot_hold_fail(eie):
    """A dense 4096 x 9216 layer is 37.7 M entries: far beyond EIE's 8 MiB weight SRAM."""
    layer = LayerWorkload("fc6", LayerKind.LINEAR, 9216, 4096)
    with pytest.raises(UnsupportedLayerError, match="on chip"):
        simulate(layer, eie)


def test_busiest_pe_must_fit_its_weight_sram(eie):
    """Weight SRAM cut to 3,000 bytes per PE; all non-zeros in PE 0's rows (0, 64, 128, 192)
    x 1,000 columns = 4,000 one-byte entries > 3,000, though values and pointers (4,000 +
    64 x 1,001 x 2 = 132 kB) fit the 64 x 3,000 = 192 kB in total."""
    spmat = dataclasses.replace(eie.level("spmat"), size_bytes=3000)
    arch = dataclasses.replace(eie, memories=tuple(spmat if m.name == "spmat" else m
                                                   for m in eie.memories))
    mask = np.zeros((256, 1000), dtype=bool)
    mask[::64] = True
    layer = LayerWorkload("fc", LayerKind.LINEAR, 1000, 256, weight_mask=mask)
    with pytest.raises(UnsupportedLayerError, match=r"memories.spmat must hold the busiest PE"):
        simulate(layer, arch)


def test_alexnet_fc6_on_eie_simulates(eie):
    """9216 x 4096 at 9 % weights, 34 % inputs, 64 PEs (~230k events in the per-PE event
    engine; the column-block engine computes the same cycles with a few dozen), mask
    synthesis included. Its speed is a figure of benchmarks/bench_simulate.py, not a test."""
    layer = resolve_network("alexnet", profile="han2015").layer("fc6")
    result = simulate(layer, eie)
    assert result.stats.broadcasts > 3_000  # 34 % of 9,216 columns, every pass


def test_network_runs_keep_unsupported_layers_as_rows(eie):
    results = simulate_network(resolve_network("lenet5", profile="han2015").layers, eie)
    assert [r.cost.supported for r in results] == [False, False, True, True]
    assert "column_broadcast" in results[0].cost.unsupported_reason
    assert all(r.cost.model == "simulator" for r in results)


@pytest.mark.parametrize("path", ARCH_FILES, ids=[p.stem for p in ARCH_FILES])
def test_every_reference_accelerator_simulates(path):
    arch = load_arch(path)
    layer = LayerWorkload("fc", LayerKind.LINEAR, 512, 256, weight_density=0.5,
                          input_density=0.5)
    if arch.gpu is not None:  # GPUs: the roofline model only, with a clear reason here
        with pytest.raises(UnsupportedLayerError, match="does not model GPUs"):
            simulate(layer, arch)
        return
    result = simulate(layer, arch)
    assert result.cost.supported and result.cost.model == "simulator"
    assert result.cost.latency_cycles >= result.cost.compute_cycles > 0
    assert result.cost.energy_pj > 0 and result.stats.events > 0


def test_same_seed_same_result_other_seed_other_mask(eie):
    layer = LayerWorkload("fc", LayerKind.LINEAR, 512, 256, weight_density=0.2,
                          input_density=0.5)
    a, b = simulate(layer, eie, SimOptions(seed=3)), simulate(layer, eie, SimOptions(seed=3))
    c = simulate(layer, eie, SimOptions(seed=4))
    assert a.cost == b.cost and a.stats.mask_synthesised
    assert c.stats.mask_nnz != a.stats.mask_nnz


def test_synthesised_mask_and_active_columns():
    """Density 1 and 0 are exact; 10 columns at 0.3 -> 3 sorted distinct columns."""
    rng = np.random.default_rng(0)
    assert synthesise_mask((300, 5), 1.0, rng).all()
    assert not synthesise_mask((300, 5), 0.0, rng).any()
    cols = active_columns(10, 0.3, rng, True)
    assert len(cols) == 3 and np.all(np.diff(cols) > 0)
    assert active_columns(10, 0.3, rng, False).tolist() == list(range(10))


def test_pe_column_counts_and_spmat_words():
    """4 x 2 mask [[1,0],[1,1],[0,0],[1,1]] over 2 PEs: PE 0 holds rows 0, 2 -> entries
    [1, 0]; PE 1 rows 1, 3 -> [2, 2]. Words of 8 entries: PE 1's columns 0 and 1 occupy
    entries 0-1 and 2-3 of word 0 -> one word each when both are broadcast."""
    mask = np.array([[1, 0], [1, 1], [0, 0], [1, 1]], dtype=bool)
    entries, nnz = pe_column_counts(mask, 2, 4)
    assert entries.tolist() == [[1, 0], [2, 2]] and nnz.tolist() == entries.tolist()
    assert spmat_words(entries, np.array([0, 1]), 8).tolist() == [1, 2]
    assert spmat_words(np.array([[3, 6]]), np.array([0, 1]), 8).tolist() == [3]


def test_relative_index_fillers_and_passes():
    """One column, 4-bit relative indices, rows 2, 3 and 22 non-zero, 1 PE: a gap of 18 zeros
    needs one filler -> 4 entries, 3 non-zeros. Two passes of 12 rows split it 2 + 1 (the
    second pass restarts its indices: row 22 is local row 10, no filler)."""
    mask = np.zeros((24, 1), dtype=bool)
    mask[[2, 3, 22]] = True
    entries, nnz = pe_column_counts(mask, 1, 4)
    assert (entries.tolist(), nnz.tolist()) == ([[4]], [[3]])
    passes = pass_matrices(mask, 1, 4, 12, True)
    assert [p.rows for p in passes] == [(0, 12), (12, 24)]
    assert [p.entries.tolist() for p in passes] == [[[2]], [[1]]]
