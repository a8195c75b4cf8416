"""Human-readable numbers and the text / markdown tables of a report.

Units are converted only here, at the edge: pJ -> nJ/µJ/mJ, bytes -> KiB/MiB, counts -> k/M/G.

Example: ``energy_text(1.5e6)`` -> ``"1.5 µJ"``; ``bytes_text(471040)`` -> ``"460 KiB"``;
``count_text(235200)`` -> ``"235k"``; ``times_text(40.0)`` -> ``"40.0x"``.
"""
from __future__ import annotations

import math
from typing import Sequence

from hwsim.report.tables import EstimateTable, LayerRow
from hwsim.report.wording import factor_text


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


def signed_times_text(value, better: str = "less", worse: str = "more") -> str:
    """A saving ratio in a table cell, costlier changes shown as their inverse with the
    direction in words: 40.0 -> '40.0x less', 0.5 -> '2.0x more', 1.0 -> 'same';
    ``signed_times_text(0.25, "faster", "slower")`` -> '4.0x slower'."""
    if not _finite(value) or value <= 0:
        return "-"
    if abs(value - 1.0) < 0.005:
        return "same"
    return f"{times_text(value)} {better}" if value > 1 else f"{times_text(1 / value)} {worse}"


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
ATTRIBUTION_HEADERS = ("layer", "accelerator: energy", "accelerator: time", "pruning: energy",
                       "pruning: time", "both: energy", "both: time")


def savings_cells(row: LayerRow) -> list[str]:
    """The cells of one row of the per-layer savings table."""
    if not row.supported:
        return [row.name, "unsupported", row.unsupported_reason or "", "", "", "", "", ""]
    return [
        row.name,
        f"{count_text(row.weights_kept)} ({pct_text(row.weight_density)})",
        f"{count_text(row.macs_dense)} -> {count_text(row.macs_effective)}",
        f"{bytes_text(row.weight_bytes_baseline)} -> {bytes_text(row.weight_bytes_stored)} "
        f"({signed_times_text(row.storage_x)})",
        "yes" if row.weights_fit_on_chip else "no",
        f"{energy_text(row.energy_pj_dense)} -> {energy_text(row.energy_pj_pruned)} "
        f"({signed_times_text(row.energy_x)})",
        f"{seconds_text(row.latency_s_dense)} -> {seconds_text(row.latency_s_pruned)} "
        f"({signed_times_text(row.latency_x, 'faster', 'slower')})",
        f"{row.bottleneck_dense} | {row.bottleneck_pruned}",
    ]


def attribution_cells(row: LayerRow) -> list[str]:
    """One row of the attribution table: each saving in words ("1.7x more energy")."""
    if not row.supported or row.energy_x is None:
        return [row.name, *(["-"] * 6)]
    return [row.name, factor_text(row.accelerator_energy_x, "energy"),
            factor_text(row.accelerator_latency_x, "latency"),
            factor_text(row.energy_x, "energy"), factor_text(row.latency_x, "latency"),
            factor_text(row.combined_energy_x, "energy"),
            factor_text(row.combined_latency_x, "latency")]


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
    """One line per headline total, pruning on the same accelerator first (energy, latency,
    weight storage, DRAM traffic, weights), then what the change of accelerator buys and
    both, then what the totals cover."""
    t, arch = table.total, table.arch
    lines = [
        f"energy per inference on {arch}: {energy_text(t.energy_pj_dense)} dense -> "
        f"{energy_text(t.energy_pj_pruned)} pruned ({factor_text(t.energy_x, 'energy')})",
        f"latency on {arch}: {seconds_text(t.latency_s_dense)} "
        f"({count_text(t.latency_cycles_dense)} cycles) dense -> "
        f"{seconds_text(t.latency_s_pruned)} ({count_text(t.latency_cycles_pruned)} cycles) "
        f"pruned ({factor_text(t.latency_x, 'latency')})",
        f"weight storage on {arch}: {bytes_text(t.weight_bytes_baseline)} dense -> "
        f"{bytes_text(t.weight_bytes_stored)} pruned, of which "
        f"{bytes_text(t.weight_metadata_bytes)} metadata "
        f"({factor_text(t.storage_x, 'memory')}); "
        f"{'fits' if t.weights_fit_on_chip else 'does not fit'} on chip",
        f"DRAM traffic per inference on {arch}: {bytes_text(t.dram_bytes_dense)} dense -> "
        f"{bytes_text(t.dram_bytes_pruned)} pruned ({factor_text(t.dram_x, 'dram_traffic')})",
        f"weights kept: {t.weights_kept:,} of {t.weights_dense:,} "
        f"({pct_text(t.weight_density)}); MACs {count_text(t.macs_dense)} dense -> "
        f"{count_text(t.macs_effective)} effective",
    ]
    if not table.same_accelerator and t.energy_pj_baseline is not None:
        base = table.baseline_arch
        lines += [
            f"accelerator {base} -> {arch}, dense network on both: "
            f"{factor_text(t.accelerator_energy_x, 'energy')}, "
            f"{factor_text(t.accelerator_latency_x, 'latency')} "
            f"({energy_text(t.energy_pj_baseline)}, {seconds_text(t.latency_s_baseline)} "
            f"dense on {base})",
            f"both, dense on {base} -> pruned on {arch}: "
            f"{factor_text(t.combined_energy_x, 'energy')}, "
            f"{factor_text(t.combined_latency_x, 'latency')}",
        ]
    lines.append(f"totals cover: {table.coverage_label}")
    return lines
