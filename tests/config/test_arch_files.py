"""Every file in arch_configs/ loads and builds; the published facts survive the trip."""
from pathlib import Path

import pytest

from hwsim.arch import load_arch
from hwsim.config import load_arch_config
from hwsim.types import (Dataflow, Operand, Residency, SparseFormat, WorkDistribution,
                         ZeroHandling)

ARCH_DIR = Path(__file__).resolve().parents[2] / "arch_configs"
FILES = sorted(ARCH_DIR.glob("*.yaml"))


def test_the_four_reference_accelerators_exist():
    assert {f.stem for f in FILES} >= {"eie", "eyeriss", "systolic_ws", "sparse_tensor_core"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_file_loads_and_builds(path):
    config = load_arch_config(path)
    arch = load_arch(path)
    assert config.name == arch.name == path.stem
    assert arch.memories[0].kind.value == "dram"
    assert all(level.read_energy_pj > 0 and level.bandwidth_bytes_per_cycle > 0
               for level in arch.memories)
    assert arch.compute.mac_energy_pj > 0
    for operand in Operand:
        assert len(arch.path(operand)) >= 2, operand
    assert arch.energy_table and all(row.source for row in arch.energy_table)


def test_eie_as_published():
    """64 PEs x 128 KiB spmat = 8 MiB of weights on chip; 4-bit CSC index, FIFO 8."""
    eie = load_arch(ARCH_DIR / "eie.yaml")
    c, s = eie.compute, eie.sparsity
    assert (c.pe_count, c.clock_hz, c.weight_bits) == (64, 800e6, 16)
    assert c.mac_energy_pj == pytest.approx(0.62 + 0.05)
    assert eie.dataflow is Dataflow.COLUMN_BROADCAST and eie.residency is Residency.PER_LAYER
    spmat = eie.level("spmat")
    assert (spmat.size_bytes, spmat.instances, spmat.width_bits) == (131072, 64, 64)
    assert eie.on_chip_capacity_bytes(Operand.WEIGHTS) == 8 * 2 ** 20
    assert eie.level("ptr").metadata_for == {Operand.WEIGHTS}
    assert eie.level("ptr").total_size_bytes == 64 * 32768
    assert s.weight_format.format is SparseFormat.CSC
    assert (s.weight_format.value_bits, s.weight_format.index_bits) == (4, 4)
    assert s.weight_zeros is s.activation_zeros is ZeroHandling.SKIP
    assert s.distribution is WorkDistribution.ROWS_INTERLEAVED and s.fifo_depth == 8
    assert (s.weight_sharing.codebook_entries, s.weight_sharing.stored_bits) == (16, 4)


def test_eyeriss_as_published():
    """12 x 14 PEs, 108 KB GLB, spads 448 / 24 / 48 B; 65 nm MAC = 0.67 x 1.5776 = 1.057 pJ."""
    eye = load_arch(ARCH_DIR / "eyeriss.yaml")
    assert (eye.compute.array_rows, eye.compute.array_cols, eye.compute.pe_count) == (12, 14, 168)
    assert eye.level("glb").size_bytes == 108 * 1024
    assert [eye.level(n).size_bytes for n in ("filter_spad", "ifmap_spad", "psum_spad")] == \
        [448, 24, 48]
    assert eye.compute.mac_energy_pj == pytest.approx(1.057, abs=1e-3)
    # the normalised table: GLB 6x, RF 1x, DRAM 200x the MAC, per 16-bit word
    mac = eye.compute.mac_energy_pj
    assert eye.level("glb").read_energy_pj * 16 / 64 == pytest.approx(6 * mac, rel=1e-3)
    assert eye.level("psum_spad").read_energy_pj == pytest.approx(mac, rel=1e-3)
    assert eye.dram.read_energy_pj * 16 / 64 == pytest.approx(200 * mac, rel=1e-3)
    assert eye.sparsity.activation_zeros is ZeroHandling.GATE
    assert eye.sparsity.activation_format.format is SparseFormat.RLE
    assert eye.dataflow is Dataflow.ROW_STATIONARY


def test_systolic_baseline_has_no_sparsity_support():
    ws = load_arch(ARCH_DIR / "systolic_ws.yaml")
    assert (ws.compute.array_rows, ws.compute.array_cols) == (32, 32)
    assert [ws.level(n).size_bytes // 1024 for n in ("ifmap_sram", "filter_sram", "ofmap_sram")] \
        == [512, 512, 256]
    s = ws.sparsity
    assert s.weight_zeros is s.activation_zeros is ZeroHandling.NONE
    assert s.weight_format.format is s.activation_format.format is SparseFormat.DENSE
    assert s.structured is None and s.weight_sharing is None


def test_sparse_tensor_core_is_2_of_4():
    stc = load_arch(ARCH_DIR / "sparse_tensor_core.yaml")
    st = stc.sparsity.structured
    assert (st.n, st.m, st.metadata_bits) == (2, 4, 2)
    assert stc.sparsity.distribution is WorkDistribution.DENSE_TILES
    assert stc.sparsity.weight_zeros is ZeroHandling.NONE
    assert stc.compute.peak_macs_per_cycle == 432 * 256
