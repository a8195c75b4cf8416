"""Formula tests for the reference data: SRAM model, MAC energies, DRAM presets, scaling."""
import math

import pytest

from hwsim.config import tables


@pytest.fixture(scope="module")
def table():
    return tables.energy_table()


def test_sram_fit_matches_published_points_within_stated_error(table):
    """Horowitz 64-bit: 8 KB 10 pJ, 32 KB 20 pJ, 1 MB 100 pJ.

    ln-ln least squares: x = ln(8, 32, 1024) = (2.079, 3.466, 6.931), mean 4.159;
    y = ln(10, 20, 100) = (2.303, 2.996, 4.605), mean 3.301; slope = 0.4726,
    a = exp(3.301 - 0.4726 x 4.159) = exp(1.336) = 3.802 pJ.
    Fit: 8 KB 10.16 (+1.6 %), 32 KB 19.56 (-2.2 %), 1 MB 100.6 (+0.6 %).
    """
    fit = tables.fit_sram_model(table.sram_model)
    assert fit.exponent == pytest.approx(0.4726, abs=1e-4)
    assert fit.coefficient_pj == pytest.approx(3.802, abs=1e-3)
    assert [round(e, 3) for e in fit.relative_errors] == [0.016, -0.022, 0.006]
    assert max(abs(e) for e in fit.relative_errors) <= table.sram_model.max_relative_error
    for point in table.sram_model.points:
        assert tables.sram_energy_pj(point.size_bytes, 64, table) == \
            pytest.approx(point.energy_pj, rel=table.sram_model.max_relative_error)


def test_sram_model_is_linear_in_width(table):
    """8 KB read 32 bits wide = half the 64-bit energy (Horowitz's 5 pJ per 32-bit read)."""
    e64 = tables.sram_energy_pj(8192, 64, table)
    assert tables.sram_energy_pj(8192, 32, table) == pytest.approx(e64 / 2)
    assert tables.sram_energy_pj(8192, 32, table) == pytest.approx(5, rel=0.02)


def test_sram_model_grows_with_size(table):
    sizes = [512, 2048, 8192, 131072, 2 ** 20, 2 ** 24]
    energies = [tables.sram_energy_pj(s, 64, table) for s in sizes]
    assert energies == sorted(energies)


def test_fit_recovers_an_exact_power_law():
    """Points on E = 2 * KiB**0.5 give coefficient 2, exponent 0.5, zero error."""
    pts = tuple(tables.SramPointRecord(size_bytes=1024 * k, energy_pj=2 * k ** 0.5, source="x")
                for k in (1, 4, 16))
    record = tables.SramModelRecord(reference_width_bits=64, max_relative_error=0, source="x",
                                    points=pts)
    fit = tables.fit_sram_model(record)
    assert (fit.coefficient_pj, fit.exponent) == (pytest.approx(2), pytest.approx(0.5))
    assert all(abs(e) < 1e-12 for e in fit.relative_errors)


@pytest.mark.parametrize("fmt, bits, acc, expected", [
    ("int", 16, 16, 0.62 + 0.05),   # derived 16b mult (3.1 / 5) + 16b add
    ("int", 8, 32, 0.2 + 0.1),      # 8b mult + 32b add
    ("int", 4, 8, 0.2 + 0.03),      # 4 bits round up to the 8-bit multiplier
    ("int", 32, 32, 3.1 + 0.1),
    ("float", 16, 32, 1.1 + 0.9),   # fp16 mult + fp32 add
])
def test_mac_energy_by_precision(table, fmt, bits, acc, expected):
    energy, source = tables.mac_energy_pj(table, fmt, bits, acc)
    assert energy == pytest.approx(expected)
    assert "horowitz_45nm" in source


def test_mac_energy_absent_beyond_table(table):
    assert tables.mac_energy_pj(table, "int", 64, 64) is None


def test_16_bit_multiply_is_derived_from_eie_ratio(table):
    """3.1 pJ (32b) / 5 (EIE: 32b fixed mult = 5 x 16b) = 0.62 pJ, documented as derived."""
    entry = table.arithmetic["int"]["mult"][16]
    assert entry.energy_pj == pytest.approx(table.arithmetic["int"]["mult"][32].energy_pj / 5)
    assert entry.provenance == "derived" and "5" in entry.note


def test_every_table_entry_names_a_known_source(table):
    for ops in table.arithmetic.values():
        for widths in ops.values():
            for entry in widths.values():
                assert entry.source in table.sources
    assert table.register_file.source in table.sources


def test_dram_presets_have_sources():
    presets = tables.dram_presets()
    assert set(presets.presets) >= {"lpddr2", "lpddr4", "ddr4", "hbm2"}
    for name, preset in presets.presets.items():
        assert preset.energy_source in presets.sources, name
        assert preset.bandwidth_source in presets.sources, name
        assert preset.energy_provenance


@pytest.mark.parametrize("name, rate_mts, width_bits", [
    ("lpddr2", 1066, 32), ("lpddr4", 3200, 32), ("ddr4", 2400, 64)])
def test_dram_bandwidth_is_rate_times_width(name, rate_mts, width_bits):
    """JEDEC arithmetic: DDR4-2400 x 64 bits = 2400e6 x 8 B = 19.2 GB/s."""
    preset = tables.dram_presets().presets[name]
    assert preset.bandwidth_gb_per_s == pytest.approx(rate_mts * 1e6 * width_bits / 8 / 1e9,
                                                      rel=1e-3)


def test_hbm2_bandwidth():
    """1024 pins x 2.0 Gb/s / 8 = 256 GB/s."""
    assert tables.dram_presets().presets["hbm2"].bandwidth_gb_per_s == 1024 * 2.0 / 8


def test_technology_scaling_worked_example():
    """45 nm 0.9 V -> 7 nm 0.9 V: (0.1776*0.81 - 0.09097*0.9 + 0.02447) /
    (1.103*0.81 - 0.362*0.9 + 0.2767) = 0.086453 / 0.84433 = 0.10239."""
    assert tables.energy_scale_factor(45, 0.9, 7, 0.9) == pytest.approx(0.086453 / 0.84433)
    assert tables.energy_scale_factor(45, 0.9, 7, 0.9) == pytest.approx(0.1024, abs=1e-4)


def test_technology_scaling_erratum_example():
    """Stillmaker & Baas erratum: EnergyFactor_y (65 nm, 1.3 V) = 3.755*1.69 - 4.398*1.3 + 1.975
    = 2.604; relative to 45 nm at 0.9 V: 2.604 / 0.84433."""
    assert tables.energy_scale_factor(45, 0.9, 65, 1.3) == pytest.approx(2.604 / 0.84433,
                                                                          rel=1e-3)


def test_technology_scaling_identity_and_inverse():
    assert tables.energy_scale_factor(45, 0.9, 45, 0.9) == 1.0
    there = tables.energy_scale_factor(45, 0.9, 16, 0.8)
    back = tables.energy_scale_factor(16, 0.8, 45, 0.9)
    assert there * back == pytest.approx(1.0)
    assert there < 1


def test_scaling_decreases_with_node_at_fixed_supply():
    nodes = sorted(tables.technology_scaling().nodes, reverse=True)
    factors = [tables.energy_scale_factor(45, 0.9, n, 0.9) for n in nodes]
    assert all(a > b for a, b in zip(factors, factors[1:])), list(zip(nodes, factors))


def test_unknown_node_raises_key_error():
    with pytest.raises(KeyError):
        tables.energy_scale_factor(45, 0.9, 28, 0.9)


def test_table_is_data_not_python():
    """The numbers are read from hwsim/data; changing the file would change them."""
    assert math.isclose(tables.energy_table().register_file.energy_pj_per_bit, 1 / 32)
