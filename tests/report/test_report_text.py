"""Human-readable numbers and tables (worked examples from hwsim/report/text.py)."""
from hwsim.report.text import (bytes_text, count_text, energy_text, markdown_table,
                               seconds_text, text_table, times_text)


def test_number_formats():
    assert energy_text(1.5e6) == "1.5 µJ" and energy_text(12.0) == "12 pJ"
    assert bytes_text(471040) == "460 KiB" and bytes_text(512) == "512 B"
    assert count_text(235200) == "235k" and count_text(12) == "12"
    assert times_text(40.0) == "40.0x" and times_text(1234.5) == "1234x"
    assert times_text(None) == "-" and times_text(float("inf")) == "-"
    assert seconds_text(3.99e-5) == "39.9 µs"


def test_text_table_aligns_columns():
    out = text_table(("layer", "x"), [("fc1", "1.0x"), ("total", "10.0x")]).splitlines()
    assert out[0] == "layer      x"
    assert out[2] == "fc1     1.0x" and out[3] == "total  10.0x"


def test_markdown_table_escapes_pipes():
    out = markdown_table(("a", "b"), [("x | y", "1")])
    assert out.splitlines()[1] == "|:--|--:|"
    assert "x \\| y" in out
