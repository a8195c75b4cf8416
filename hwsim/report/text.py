"""Human-readable numbers and the text / markdown tables of a report.

Units are converted only here, at the edge: pJ -> nJ/µJ/mJ, bytes -> KiB/MiB, counts -> k/M/G.

Example: ``energy_text(1.5e6)`` -> ``"1.5 µJ"``; ``bytes_text(471040)`` -> ``"460 KiB"``;
``count_text(235200)`` -> ``"235k"``; ``times_text(40.0)`` -> ``"40.0x"``.
"""
from __future__ import annotations

import math
from typing import Sequence

from hwsim.report.tables import EstimateTable, LayerRow


def _finite(value) -> bool:
    return value is not None and isinstance(value, (int, float)) and math.isfinite(value)


def count_text(value) -> str:
    """235200 -> '235k', 1.2e6 -> '1.20M', 12 -> '12', 3.4 -> '3.4'."""
    if not _finite(value):
        return "-"
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            scaled = value / scale
            return f"{scaled:.3g}{suffix}" if scaled < 100 else f"{scaled:.0f}{suffix}"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.3g}"


def bytes_text(value) -> str:
    """Bytes with binary prefixes: 471040 -> '460 KiB', 512 -> '512 B'."""
    if not _finite(value):
        return "-"
    for scale, unit in ((2 ** 30, "GiB"), (2 ** 20, "MiB"), (2 ** 10, "KiB")):
        if abs(value) >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value:.0f} B"


def energy_text(pj) -> str:
    """pJ with SI prefixes: 1.5e6 -> '1.5 µJ', 12.0 -> '12 pJ'."""
    if not _finite(pj):
        return "-"
    for scale, unit in ((1e9, "mJ"), (1e6, "µJ"), (1e3, "nJ")):
        if abs(pj) >= scale:
            return f"{pj / scale:.3g} {unit}"
    return f"{pj:.3g} pJ"


def times_text(value) -> str:
    """A saving ratio: 40.0 -> '40.0x', 1234.5 -> '1234x', None -> '-'."""
    if not _finite(value):
        return "-"
    return f"{value:.1f}x" if value < 100 else f"{value:.0f}x"


def pct_text(fraction) -> str:
    """0.0912 -> '9.1%'."""
    return "-" if not _finite(fraction) else f"{100 * fraction:.1f}%"


def seconds_text(seconds) -> str:
    """Seconds with SI prefixes: 3.99e-5 -> '39.9 µs'."""
    if not _finite(seconds):
        return "-"
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if abs(seconds) >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


SAVINGS_HEADERS = ("layer", "weights kept", "MACs dense -> effective",
                   "weight storage dense -> stored", "on chip", "energy dense -> pruned",
                   "time dense -> pruned", "bottleneck dense | pruned")


def savings_cells(row: LayerRow) -> list[str]:
    """The cells of one row of the per-layer savings table."""
    if not row.supported:
        return [row.name, "unsupported", row.unsupported_reason or "", "", "", "", "", ""]
    return [
        row.name,
        f"{count_text(row.weights_kept)} ({pct_text(row.weight_density)})",
        f"{count_text(row.macs_dense)} -> {count_text(row.macs_effective)}",
        f"{bytes_text(row.weight_bytes_baseline)} -> {bytes_text(row.weight_bytes_stored)} "
        f"({times_text(row.storage_x)})",
        "yes" if row.weights_fit_on_chip else "no",
        f"{energy_text(row.energy_pj_dense)} -> {energy_text(row.energy_pj_pruned)} "
        f"({times_text(row.energy_x)})",
        f"{seconds_text(row.latency_s_dense)} -> {seconds_text(row.latency_s_pruned)} "
        f"({times_text(row.latency_x)})",
        f"{row.bottleneck_dense} | {row.bottleneck_pruned}",
    ]


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Fixed-width table: first column left-aligned, the others right-aligned."""
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]

    def line(cells) -> str:
        return "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)]) + "\n"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """GitHub markdown table (first column left, others right); '|' in cells escaped."""
    def esc(cell) -> str:
        return str(cell).replace("|", "\\|")

    out = ["| " + " | ".join(esc(h) for h in headers) + " |",
           "|" + "|".join([":--"] + ["--:"] * (len(headers) - 1)) + "|"]
    out += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return "\n".join(out) + "\n"


def savings_table(table: EstimateTable, markdown: bool = False) -> str:
    """The per-layer savings table with the total as the last row."""
    rows = [savings_cells(r) for r in table.rows]
    return (markdown_table if markdown else text_table)(SAVINGS_HEADERS, rows)


def totals_lines(table: EstimateTable) -> list[str]:
    """One line per headline total: energy, latency, weight storage, DRAM traffic, weights."""
    t = table.total
    return [
        f"energy per inference: {energy_text(t.energy_pj_dense)} dense on {table.baseline_arch}"
        f" -> {energy_text(t.energy_pj_pruned)} pruned on {table.arch} "
        f"({times_text(t.energy_x)})",
        f"latency: {seconds_text(t.latency_s_dense)} ({count_text(t.latency_cycles_dense)} "
        f"cycles) dense on {table.baseline_arch} -> {seconds_text(t.latency_s_pruned)} "
        f"({count_text(t.latency_cycles_pruned)} cycles) pruned on {table.arch} "
        f"({times_text(t.latency_x)} in time)",
        f"weight storage: {bytes_text(t.weight_bytes_baseline)} dense on {table.baseline_arch}"
        f" -> {bytes_text(t.weight_bytes_stored)} stored on {table.arch}, of which "
        f"{bytes_text(t.weight_metadata_bytes)} metadata ({times_text(t.storage_x)}); "
        f"{'fits' if t.weights_fit_on_chip else 'does not fit'} on chip",
        f"DRAM traffic per inference: {bytes_text(t.dram_bytes_dense)} -> "
        f"{bytes_text(t.dram_bytes_pruned)} ({times_text(t.dram_x)})",
        f"weights kept: {t.weights_kept:,} of {t.weights_dense:,} "
        f"({pct_text(t.weight_density)}); MACs {count_text(t.macs_dense)} dense -> "
        f"{count_text(t.macs_effective)} effective",
    ]
