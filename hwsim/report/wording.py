"""A saving in words, whichever way it goes.

A ratio ``before / after`` above 1 is a saving ("8.0x less energy", "14.7x faster"); below 1
the change costs more, and the text says so with the inverse ratio ("1.7x more energy",
"28x slower") instead of "0.6x less energy" / "0.0x faster".

Worked examples (``tests/report/test_wording.py``): ``factor_text(8.0, "energy")`` ->
``"8.0x less energy"``; ``factor_text(0.6, "energy")`` -> ``"1.7x more energy"``;
``factor_text(1 / 28, "latency")`` -> ``"28x slower"``; ``factor_text(1.0, "latency")`` ->
``"same time (1.00x)"``; ``factor_text(None, "energy")`` -> ``"energy: n/a"``.
"""
from __future__ import annotations

import math

# measure -> (word when the ratio is > 1, word when < 1)
WORDS = {"energy": ("less energy", "more energy"), "latency": ("faster", "slower"),
         "memory": ("smaller weight storage", "larger weight storage"),
         "dram_traffic": ("less DRAM traffic", "more DRAM traffic")}
SAME = {"energy": "same energy", "latency": "same time", "memory": "same weight storage",
        "dram_traffic": "same DRAM traffic"}


def ratio_number(x: float) -> str:
    """2.345 -> '2.3x', 107.4 -> '107x', 1.004 -> '1.00x'."""
    if x < 1.1:
        return f"{x:.2f}x"
    return f"{x:.1f}x" if x < 100 else f"{x:,.0f}x"


def factor_text(x: float | None, measure: str) -> str:
    """The ratio ``x`` (before / after) of ``measure`` (a key of :data:`WORDS`) in words."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return f"{measure.replace('_', ' ')}: n/a"
    if math.isinf(x):
        return f"{WORDS[measure][0]} (nothing left)"
    if x <= 0:
        return f"{measure.replace('_', ' ')}: n/a"
    if abs(x - 1.0) < 0.005:
        return f"{SAME[measure]} (1.00x)"
    better, worse = WORDS[measure]
    return f"{ratio_number(x)} {better}" if x > 1 else f"{ratio_number(1 / x)} {worse}"


def savings_text(savings: dict | None, measures=("energy", "latency")) -> str:
    """A savings record (``{"energy_x": ..., "latency_x": ...}``) in words, comma-separated:
    ``{"energy_x": 8.0, "latency_x": 0.5}`` -> ``"8.0x less energy, 2.0x slower"``."""
    if not savings:
        return "n/a (a side is unsupported)"
    return ", ".join(factor_text(savings.get(f"{m}_x"), m) for m in measures)


__all__ = ["factor_text", "ratio_number", "savings_text"]
