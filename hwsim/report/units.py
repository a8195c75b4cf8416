"""Numbers for people: the one place where hwsim's internal units become text.

Inside hwsim every quantity has one unit (pJ, cycles, bytes, seconds, mW); this module is the
edge where they are shown. One convention for every command, table and report:

* energy in joules, time in seconds and power in watts, with SI prefixes (p n µ m, k M G);
* bytes with binary prefixes: 1 KiB = 1024 B, 1 MiB = 1024 KiB (what SRAM sizes use);
* counts (weights, MACs, cycles) with SI suffixes k M G T;
* ratios as ``40.0x``, fractions as ``9.1%``.

:data:`UNITS_NOTE` says this in one line; each table's caption or header repeats it.
Three significant digits everywhere, and ``-`` for a missing or non-finite value.

Worked examples: ``energy_text(1.5e6)`` (pJ) -> ``"1.5 µJ"``; ``seconds_text(3.99e-5)`` ->
``"39.9 µs"``; ``power_text(350_000)`` (mW) -> ``"350 W"``; ``bytes_text(471040)`` ->
``"460 KiB"`` (471040 / 1024 = 460); ``count_text(235200)`` -> ``"235k"``;
``times_text(40.0)`` -> ``"40.0x"``; ``pct_text(0.0912)`` -> ``"9.1%"``.
"""
from __future__ import annotations

import math

UNITS_NOTE = "units: J, s, W with SI prefixes; bytes binary (1 KiB = 1024 B)"

# (scale, symbol) of each dimension, largest first; values are in hwsim's internal unit
ENERGY_PJ_UNITS = ((1e12, "J"), (1e9, "mJ"), (1e6, "µJ"), (1e3, "nJ"), (1.0, "pJ"))
SECONDS_UNITS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns"), (1e-12, "ps"))
POWER_MW_UNITS = ((1e6, "kW"), (1e3, "W"), (1.0, "mW"), (1e-3, "µW"))
BYTES_UNITS = ((2 ** 40, "TiB"), (2 ** 30, "GiB"), (2 ** 20, "MiB"), (2 ** 10, "KiB"),
               (1, "B"))
EDP_UNITS = ((1.0, "J·s"), (1e-3, "mJ·s"), (1e-6, "µJ·s"), (1e-9, "nJ·s"), (1e-12, "pJ·s"),
             (1e-15, "fJ·s"), (1e-18, "aJ·s"))
COUNT_UNITS = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def finite(value) -> bool:
    """True for a real, finite number (not None, bool, nan or inf)."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def pick_unit(value: float, units) -> tuple[float, str]:
    """The largest ``(scale, symbol)`` of ``units`` with ``|value| >= scale`` (the smallest
    unit when none is): ``pick_unit(2.5e6, ENERGY_PJ_UNITS)`` -> ``(1e6, "µJ")``."""
    for scale, symbol in units:
        if abs(value) >= scale:
            return scale, symbol
    return units[-1]


def axis_unit(values, units) -> tuple[str, float]:
    """The unit of a figure axis showing ``values`` (internal units): :func:`pick_unit` of the
    largest, as (symbol, scale to divide by). ``axis_unit([2.4e-6, 1e-7], SECONDS_UNITS)`` ->
    ``("µs", 1e-6)``; no values -> the smallest unit."""
    scale, symbol = pick_unit(max((abs(v) for v in values), default=0.0), units)
    return symbol, scale


def sig3(value: float) -> str:
    """Three significant digits without an exponent: 1.5 -> '1.5', 123.4 -> '123',
    1234.5 -> '1234' (a value that rounding pushes past 999 keeps its digits)."""
    if value == 0:
        return "0"
    text = f"{value:.3g}"
    return f"{value:.0f}" if "e" in text else text


def _scaled(value, units) -> str:
    if not finite(value):
        return "-"
    if value == 0:
        return "0 " + next((sym for scale, sym in units if scale == 1.0), units[-1][1])
    scale, symbol = pick_unit(value, units)
    index = [u[0] for u in units].index(scale)
    if index and abs(float(f"{value / scale:.3g}")) * scale >= units[index - 1][0]:
        scale, symbol = units[index - 1]  # 999.98 ms rounds to '1 s', not '1000 ms'
    return f"{sig3(value / scale)} {symbol}"


def energy_text(pj) -> str:
    """Energy given in pJ: 1.5e6 -> '1.5 µJ', 12.0 -> '12 pJ', 3.4e9 -> '3.4 mJ'."""
    return _scaled(pj, ENERGY_PJ_UNITS)


def seconds_text(seconds) -> str:
    """Time given in s: 3.99e-5 -> '39.9 µs', 0.25 -> '250 ms'."""
    return _scaled(seconds, SECONDS_UNITS)


def power_text(mw) -> str:
    """Power given in mW: 350000 -> '350 W', 12.5 -> '12.5 mW'."""
    return _scaled(mw, POWER_MW_UNITS)


def edp_text(energy_pj, seconds) -> str:
    """Energy-delay product from pJ and s, in J·s: 2e6 pJ x 1e-3 s = 2e-9 J·s -> '2 nJ·s'."""
    if not (finite(energy_pj) and finite(seconds)):
        return "-"
    value = energy_pj * 1e-12 * seconds
    return "0 J·s" if value == 0 else _scaled(value, EDP_UNITS)


def bytes_text(value) -> str:
    """Bytes with binary prefixes: 471040 -> '460 KiB', 512 -> '512 B', 1.5 * 2**20 ->
    '1.5 MiB'."""
    if finite(value) and abs(round(value)) < 1024:
        return f"{value:.0f} B" if float(value).is_integer() else f"{sig3(value)} B"
    return _scaled(value, BYTES_UNITS)


def count_text(value) -> str:
    """A count: 235200 -> '235k', 1.2e6 -> '1.2M', 12 -> '12', 3.4 -> '3.4'."""
    if not finite(value):
        return "-"
    if abs(value) < 1e3:
        return f"{value:.0f}" if float(value).is_integer() else sig3(value)
    value = float(f"{value:.3g}")
    scale, symbol = pick_unit(value, COUNT_UNITS)
    return f"{sig3(value / scale)}{symbol}"


def times_text(value) -> str:
    """A ratio: 40.0 -> '40.0x', 1234.5 -> '1234x', None or inf -> '-'."""
    if not finite(value):
        return "-"
    return f"{value:.1f}x" if abs(value) < 100 else f"{value:.0f}x"


def signed_times_text(value, better: str = "less", worse: str = "more") -> str:
    """A saving ratio (before / after) in a cell, costlier changes as their inverse:
    40.0 -> '40.0x less', 0.5 -> '2.0x more', 1.0 -> 'same';
    ``signed_times_text(0.25, "faster", "slower")`` -> '4.0x slower'."""
    if not finite(value) or value <= 0:
        return "-"
    if abs(value - 1.0) < 0.005:
        return "same"
    return f"{times_text(value)} {better}" if value > 1 else f"{times_text(1 / value)} {worse}"


def pct_text(fraction) -> str:
    """A fraction as a percentage: 0.0912 -> '9.1%'."""
    return "-" if not finite(fraction) else f"{100 * fraction:.1f}%"


def signed_pct_text(fraction) -> str:
    """A relative difference: 0.0123 -> '+1.2%', -0.5 -> '-50.0%'."""
    return "-" if not finite(fraction) else f"{100 * fraction:+.1f}%"


def shares_text(parts: dict, total: float, top: int = 4) -> str:
    """The largest ``top`` parts as shares of ``total``:
    ``{"dram": 60, "mac": 30, "glb": 10}``, 100 -> 'dram 60%, mac 30%, glb 10%'."""
    if not finite(total) or total <= 0:
        return "-"
    ranked = sorted(((v, k) for k, v in parts.items() if finite(v) and v > 0), reverse=True)
    return ", ".join(f"{k} {100 * v / total:.0f}%" for v, k in ranked[:top])


__all__ = ["UNITS_NOTE", "axis_unit", "bytes_text", "count_text", "edp_text", "energy_text", "finite",
           "pct_text", "pick_unit", "power_text", "seconds_text", "shares_text", "sig3",
           "signed_pct_text", "signed_times_text", "times_text"]
