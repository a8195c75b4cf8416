"""The per-layer savings table and the totals lines of a report (``hwsim run`` and
``hwsim report`` print them; summary.md and report.html show them).

Numbers are formatted by :mod:`hwsim.report.units` (J, s with SI prefixes, bytes binary) and
laid out by :mod:`hwsim.report.layout` (fits the terminal width); both are re-exported here.

Example: ``savings_table(estimate_table(estimate))`` -> the table text, one row per layer and
the total last.
"""
from __future__ import annotations

from hwsim.report.layout import markdown_table, text_table
from hwsim.report.tables import EstimateTable, LayerRow
from hwsim.report.units import (UNITS_NOTE, bytes_text, count_text, energy_text, pct_text,
                                seconds_text, signed_times_text, times_text)
from hwsim.report.wording import factor_text


SAVINGS_HEADERS = ("layer", "weights kept", "MACs dense -> effective",
                   "weight storage dense -> stored", "on chip", "energy dense -> pruned",
                   "time dense -> pruned", "bottleneck dense | pruned")
ATTRIBUTION_HEADERS = ("layer", "accelerator: energy", "accelerator: time", "pruning: energy",
                       "pruning: time", "both: energy", "both: time")


def savings_cells(row: LayerRow) -> list[str]:
    """The cells of one row of the per-layer savings table."""
    if not row.supported:
        return [row.name, "unsupported", row.unsupported_reason or "", "", "", "", "", ""]
    stores = row.weights_dense > 0  # act x act matmuls and vector layers store no weights
    return [
        row.name,
        f"{count_text(row.weights_kept)} ({pct_text(row.weight_density)})" if stores else "-",
        f"{count_text(row.macs_dense)} -> {count_text(row.macs_effective)}",
        f"{bytes_text(row.weight_bytes_baseline)} -> {bytes_text(row.weight_bytes_stored)} "
        f"({signed_times_text(row.storage_x)})",
        ("yes" if row.weights_fit_on_chip else "no") if stores else "-",
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


def savings_table(table: EstimateTable, markdown: bool = False) -> str:
    """The per-layer savings table with the total as the last row."""
    rows = [savings_cells(r) for r in table.rows]
    if markdown:
        return markdown_table(SAVINGS_HEADERS, rows)
    return text_table(SAVINGS_HEADERS, rows, rule_before_last=True, caption=UNITS_NOTE)


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


def phase_lines(figures, label: str = "") -> list[str]:
    """Two lines for a decoder phase (a :class:`hwsim.workload.llm.PhaseFigures`): per token
    and per sequence, e.g. ``decode at context 2048, batch 1: 1 token(s), 940 mJ and 948 ms
    per token, 1.06 tokens/s`` and ``  per sequence 940 mJ, 948 ms; KV cache read 1 GiB,
    appended 512 KiB``."""
    f = figures
    head = f"{label}: " if label else ""
    rate = f"{f.tokens_per_s:,.0f}" if f.tokens_per_s >= 100 else f"{f.tokens_per_s:.3g}"
    return [f"{head}{f.phase} at context {f.context_len}, batch {f.batch}: {f.tokens} "
            f"token(s), {energy_text(f.energy_per_token_pj)} and "
            f"{seconds_text(f.latency_per_token_s)} per token, {rate} tokens/s",
            f"  per sequence {energy_text(f.energy_per_sequence_pj)}, "
            f"{seconds_text(f.latency_per_sequence_s)}; KV cache read "
            f"{bytes_text(f.kv_cache_read_bytes)}, appended {bytes_text(f.kv_cache_write_bytes)}"]
