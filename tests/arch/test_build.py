"""Config -> Accelerator: unit conversions hand-worked in the docstrings."""
import copy

import pytest

from hwsim.arch import Accelerator, arch_from_dict, build_accelerator, bytes_per_cycle
from hwsim.config import parse_arch_config
from hwsim.errors import ConfigError
from hwsim.types import MemoryKind, Operand, SparseFormat

BASE = {
    "name": "tiny",
    "dataflow": "output_stationary",
    "memories": {
        "dram": {"kind": "dram", "size_bytes": 2 ** 30, "width_bits": 64,
                 "read_energy_pj_per_bit": 4.0, "bandwidth_gb_per_s": 12.8},
        "glb": {"kind": "sram", "size_bytes": 131072, "width_bits": 64,
                "operands": ["weights", "inputs", "outputs"]},
        "rf": {"kind": "regfile", "size_bytes": 64, "instances": 16, "width_bits": 16,
               "operands": ["weights", "inputs", "outputs"]},
    },
    "compute": {"pe_count": 16, "array_rows": 4, "array_cols": 4, "clock_hz": 800e6,
                "weight_bits": 16, "activation_bits": 16, "accumulator_bits": 16},
}


def build(**changes):
    data = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        node = data
        *parents, last = dotted.split("__")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return arch_from_dict(data)


def test_dram_per_bit_energy_to_per_access():
    """4 pJ/bit at a 64-bit width -> 4 x 64 = 256 pJ per access; write defaults to read."""
    dram = build().dram
    assert dram.kind is MemoryKind.DRAM
    assert dram.read_energy_pj == pytest.approx(256.0)
    assert dram.write_energy_pj == pytest.approx(256.0)
    assert dram.read_energy_pj_per_byte == pytest.approx(32.0)


def test_dram_write_energy_per_bit():
    """write 6 pJ/bit x 64 = 384 pJ while read stays 256 pJ."""
    dram = build(memories__dram__write_energy_pj_per_bit=6.0).dram
    assert (dram.read_energy_pj, dram.write_energy_pj) == (pytest.approx(256), pytest.approx(384))


def test_gb_per_s_to_bytes_per_cycle():
    """12.8 GB/s = 12.8e9 B/s at 800e6 cycles/s -> 16 B/cycle."""
    assert bytes_per_cycle(12.8, 800e6) == pytest.approx(16.0)
    assert build().dram.bandwidth_bytes_per_cycle == pytest.approx(16.0)


def test_bytes_per_cycle_given_directly():
    assert build(memories__glb__bandwidth_bytes_per_cycle=24).level("glb") \
        .bandwidth_bytes_per_cycle == 24


def test_dram_preset_lpddr4():
    """lpddr4: 4.0 pJ/bit x 32 bits = 128 pJ; 12.8 GB/s at 800 MHz = 16 B/cycle; burst 32 B."""
    dram = build(memories__dram={"kind": "dram", "preset": "lpddr4", "size_bytes": 2 ** 30}).dram
    assert (dram.width_bits, dram.read_energy_pj, dram.burst_bytes) == (32, 128.0, 32)
    assert dram.bandwidth_bytes_per_cycle == pytest.approx(16.0)
    assert "lpddr4" in dram.source


def test_dram_preset_with_overrides():
    """ddr4 at 64 bits, energy overridden to 10 pJ/bit -> 640 pJ; bandwidth stays 19.2 GB/s
    = 24 B/cycle at 800 MHz."""
    dram = build(memories__dram={"kind": "dram", "preset": "ddr4", "size_bytes": 2 ** 30,
                                 "read_energy_pj_per_bit": 10.0}).dram
    assert dram.read_energy_pj == pytest.approx(640.0)
    assert dram.bandwidth_bytes_per_cycle == pytest.approx(24.0)


def test_sram_without_energy_uses_the_model():
    """128 KiB x 64 bits: 3.802 x 128**0.4726 = 37.67 pJ; default bandwidth one 64-bit word
    per cycle = 8 B/cycle."""
    glb = build().level("glb")
    assert glb.read_energy_pj == pytest.approx(37.67, abs=0.01)
    assert glb.write_energy_pj == glb.read_energy_pj
    assert glb.bandwidth_bytes_per_cycle == 8.0


def test_banks_multiply_default_bandwidth():
    assert build(memories__glb__banks=4).level("glb").bandwidth_bytes_per_cycle == 32.0


def test_sram_per_bit_energy():
    """0.5 pJ/bit x 64 bits = 32 pJ per access."""
    assert build(memories__glb__read_energy_pj_per_bit=0.5).level("glb").read_energy_pj == 32.0


def test_regfile_default_energy():
    """Register file 1 pJ per 32 bits (Han 2015) -> 1/32 pJ/bit x 16 bits = 0.5 pJ."""
    assert build().level("rf").read_energy_pj == pytest.approx(0.5)


def test_default_mac_energy_16_bit():
    """16b int mult 0.62 pJ (3.1 / 5) + 16b int add 0.05 pJ = 0.67 pJ."""
    assert build().compute.mac_energy_pj == pytest.approx(0.67)


def test_technology_scaling_applies_to_derived_energies_only():
    """At 7 nm, 0.9 V the factor is 0.10239: MAC 0.67 -> 0.0686 pJ, RF 0.5 -> 0.0512 pJ;
    the DRAM (device energy) and given energies are not scaled."""
    factor = 0.086453 / 0.84433
    arch = build(technology_nm=7, memories__glb__read_energy_pj=20.0)
    assert arch.compute.mac_energy_pj == pytest.approx(0.67 * factor, rel=1e-4)
    assert arch.level("rf").read_energy_pj == pytest.approx(0.5 * factor, rel=1e-4)
    assert arch.level("glb").read_energy_pj == 20.0
    assert arch.dram.read_energy_pj == pytest.approx(256.0)
    assert arch.technology_nm == 7
    assert float(arch.meta["energy_scale_factor"]) == pytest.approx(factor, rel=1e-5)


def test_vdd_changes_the_scale():
    """65 nm at 1.0 V: f65(1.0) = 3.755 - 4.398 + 1.975 = 1.332; / f45(0.9) = 0.84433."""
    arch = build(technology_nm=65, vdd_v=1.0)
    assert arch.compute.mac_energy_pj == pytest.approx(0.67 * 1.332 / 0.84433, rel=1e-4)


def test_sparsity_defaults_are_dense():
    s = build().sparsity
    assert s.weight_format.format is SparseFormat.DENSE and s.weight_format.value_bits == 16
    assert s.structured is None and s.weight_sharing is None and s.fifo_depth is None


def test_weight_sharing_defaults():
    """16-entry codebook of 4-bit indices: weights stored at 4 bits; lookup = RF read of the
    16-bit arithmetic width = 16 / 32 pJ = 0.5 pJ."""
    s = build(sparsity={"weight_format": {"format": "csc", "index_bits": 4},
                        "weight_sharing": {"codebook_entries": 16, "stored_bits": 4}}).sparsity
    assert s.weight_format.value_bits == 4
    assert s.weight_format.pointer_bits == 32  # default pointer width for CSR/CSC
    assert s.weight_sharing.lookup_energy_pj == pytest.approx(0.5)


def test_structured_metadata_default():
    """2:4 -> ceil(log2 4) = 2 metadata bits per kept weight."""
    st = build(sparsity={"structured": {"n": 2, "m": 4}}).sparsity.structured
    assert (st.n, st.m, st.metadata_bits) == (2, 4, 2)


def test_energy_table_lists_every_action_with_a_source():
    arch = build(sparsity={"weight_sharing": {"codebook_entries": 16, "stored_bits": 4}},
                 compute__gated_mac_energy_fraction=0.25)
    rows = {(r.component, r.action.split(" (")[0]): r for r in arch.energy_table}
    for name in ("dram", "glb", "rf"):
        assert rows[(name, "read")].energy_pj == arch.level(name).read_energy_pj
        assert rows[(name, "write")].energy_pj == arch.level(name).write_energy_pj
    assert rows[("mac", "MAC")].energy_pj == pytest.approx(0.67)
    assert rows[("mac", "gated MAC")].energy_pj == pytest.approx(0.67 * 0.25)
    assert rows[("codebook", "lookup")].energy_pj == pytest.approx(0.5)
    assert all(r.source for r in arch.energy_table)


def test_path_runs_from_dram_inwards():
    arch = build()
    assert [m.name for m in arch.path(Operand.WEIGHTS)] == ["dram", "glb", "rf"]
    assert arch.on_chip_capacity_bytes(Operand.INPUTS) == 131072


def test_arch_from_dict_reports_problems_with_its_source():
    data = copy.deepcopy(BASE)
    data["compute"]["pe_count"] = 3
    with pytest.raises(ConfigError) as err:
        arch_from_dict(data, source="sweep[3]")
    assert str(err.value).startswith("sweep[3]: compute.pe_count must be 16")


def test_build_accelerator_is_pure():
    config = parse_arch_config(copy.deepcopy(BASE))
    first, second = build_accelerator(config), build_accelerator(config)
    assert isinstance(first, Accelerator) and first == second
