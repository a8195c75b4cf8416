"""The one number-formatting module (hwsim/report/units.py): worked examples."""
import pytest

from hwsim.report.units import (bytes_text, count_text, edp_text, energy_text, pct_text,
                                pick_unit, power_text, seconds_text, shares_text,
                                signed_pct_text, signed_times_text, times_text,
                                ENERGY_PJ_UNITS)


@pytest.mark.parametrize("pj, text", [(1.5e6, "1.5 µJ"), (12.0, "12 pJ"), (3.4e9, "3.4 mJ"),
                                      (2.5e12, "2.5 J"), (0.205, "0.205 pJ"), (0, "0 pJ"),
                                      (999.7e6, "1 mJ"), (None, "-"), (float("nan"), "-")])
def test_energy(pj, text):
    assert energy_text(pj) == text


@pytest.mark.parametrize("s, text", [(3.99e-5, "39.9 µs"), (0.25, "250 ms"), (2.0, "2 s"),
                                     (0.99998, "1 s"), (6.9e-10, "690 ps")])
def test_seconds(s, text):
    assert seconds_text(s) == text


def test_power_bytes_counts():
    assert power_text(350_000) == "350 W" and power_text(12.5) == "12.5 mW"
    assert power_text(0) == "0 mW"
    # binary: 471040 / 1024 = 460 KiB; 1.5 * 2**20 = 1.5 MiB
    assert bytes_text(471040) == "460 KiB" and bytes_text(1.5 * 2 ** 20) == "1.5 MiB"
    assert bytes_text(512) == "512 B" and bytes_text(80 * 2 ** 30) == "80 GiB"
    assert count_text(235200) == "235k" and count_text(1.2e6) == "1.2M"
    assert count_text(12) == "12" and count_text(3.4) == "3.4" and count_text(999_999) == "1M"


def test_ratios_and_fractions():
    assert times_text(40.0) == "40.0x" and times_text(1234.5) == "1234x"
    assert times_text(float("inf")) == "-"
    assert signed_times_text(0.25, "faster", "slower") == "4.0x slower"
    assert signed_times_text(1.001) == "same" and signed_times_text(40.0) == "40.0x less"
    assert pct_text(0.0912) == "9.1%" and signed_pct_text(-0.5) == "-50.0%"
    assert shares_text({"dram": 60, "mac": 30, "glb": 10}, 100) == "dram 60%, mac 30%, glb 10%"


def test_edp_and_pick_unit():
    # 2e6 pJ x 1e-3 s = 2e-6 J x 1e-3 s = 2e-9 J·s
    assert edp_text(2e6, 1e-3) == "2 nJ·s"
    assert pick_unit(2.5e6, ENERGY_PJ_UNITS) == (1e6, "µJ")
