"""Energy and latency per token against context length, from a context sweep's results
document alone (:func:`hwsim.cost.context.context_sweep`; ``hwsim estimate ...
--context-sweep 128,512,2048 --out DIR``). Never computes cost.

Files written by :func:`write_context_report` into ``DIR``: ``context_sweep.json`` (the
document), ``context_sweep.csv`` (one row per context: per-token energy in J and latency in
s, pruned and dense, KV-cache MiB, tokens/s), ``context_sweep.png`` / ``.svg`` (two panels:
energy per token and latency per token against the context, pruned solid, dense dashed) and
``context_sweep.md`` (the table). Example: ``write_context_report(load_json(p), "out/")``
rebuilds the files from a saved document.
"""
from __future__ import annotations

import io
from pathlib import Path

from hwsim.report.writers import csv_text, write_bytes, write_json, write_text

COLUMNS = ("context_len", "energy_per_token_j_pruned", "energy_per_token_j_dense",
           "latency_per_token_s_pruned", "latency_per_token_s_dense", "tokens_per_s_pruned",
           "tokens_per_s_dense", "kv_cache_read_mib", "bottleneck_pruned", "bottleneck_dense")


def context_rows(results: dict) -> list[dict]:
    """One flat row per context length (columns :data:`COLUMNS`; J, s, binary MiB)."""
    rows = []
    for point in results["points"]:
        p, d = point["pruned"], point["dense"]
        rows.append({"context_len": point["context_len"],
                     "energy_per_token_j_pruned": p["energy_per_token_pj"] * 1e-12,
                     "energy_per_token_j_dense": d["energy_per_token_pj"] * 1e-12,
                     "latency_per_token_s_pruned": p["latency_per_token_s"],
                     "latency_per_token_s_dense": d["latency_per_token_s"],
                     "tokens_per_s_pruned": p["tokens_per_s"],
                     "tokens_per_s_dense": d["tokens_per_s"],
                     "kv_cache_read_mib": p["kv_cache_read_bytes"] / 2**20,
                     "bottleneck_pruned": p["bottleneck"], "bottleneck_dense": d["bottleneck"]})
    return rows


def _title(results: dict) -> str:
    profile = results.get("profile") or "dense"
    bits = results.get("kv_bits")
    kv = f"KV cache {bits} bits" if bits else "KV cache at activation bits"
    return (f"{results['workload']} {results['phase']} on {results['arch']}, batch "
            f"{results['batch']}, {kv}, pruned = {profile}")


def _plot_per_token(ax, results: dict, key: str, ylabel: str):
    """``key`` (``energy_per_token_j`` or ``latency_per_token_s``) x 1e3, pruned solid and
    dense dashed, against the context length on a log axis; returns the figure."""
    rows = context_rows(results)
    x = [r["context_len"] for r in rows]
    ax.plot(x, [r[f"{key}_pruned"] * 1e3 for r in rows], "o-", label="pruned")
    ax.plot(x, [r[f"{key}_dense"] * 1e3 for r in rows], "s--", label="dense")
    ax.set(xscale="log", xlabel="context length (tokens)", ylabel=ylabel)
    ax.minorticks_off()
    ax.set_xticks(x, [str(v) for v in x])
    ax.grid(True, alpha=0.3)
    ax.legend()
    return ax.figure


def plot_energy_per_token(ax, results: dict):
    """Energy per token (mJ) against the context length; returns the figure."""
    return _plot_per_token(ax, results, "energy_per_token_j", "energy per token (mJ)")


def plot_latency_per_token(ax, results: dict):
    """Latency per token (ms) against the context length; returns the figure."""
    return _plot_per_token(ax, results, "latency_per_token_s", "latency per token (ms)")


def context_figure(results: dict):
    """Both panels side by side (matplotlib's object API; no global state)."""
    from matplotlib.figure import Figure
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    plot_energy_per_token(left, results)
    plot_latency_per_token(right, results)
    fig.suptitle(_title(results))
    return fig


def context_markdown(results: dict) -> str:
    """The rows as a Markdown table under a title line."""
    head = ("context", "energy/token pruned (mJ)", "dense (mJ)", "latency/token pruned (ms)",
            "dense (ms)", "tokens/s pruned", "KV read (MiB)", "bound pruned / dense")
    lines = [f"# {_title(results)}", "", "| " + " | ".join(head) + " |",
             "|" + "---|" * len(head)]
    for r in context_rows(results):
        cells = (str(r["context_len"]), f"{r['energy_per_token_j_pruned'] * 1e3:.4g}",
                 f"{r['energy_per_token_j_dense'] * 1e3:.4g}",
                 f"{r['latency_per_token_s_pruned'] * 1e3:.4g}",
                 f"{r['latency_per_token_s_dense'] * 1e3:.4g}",
                 f"{r['tokens_per_s_pruned']:.4g}", f"{r['kv_cache_read_mib']:.4g}",
                 f"{r['bottleneck_pruned']} / {r['bottleneck_dense']}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_context_report(results: dict, out_dir) -> tuple[Path, ...]:
    """The files of the module docstring in ``out_dir`` (created; each written atomically)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = [write_json(out / "context_sweep.json", results),
             write_text(out / "context_sweep.csv", csv_text(context_rows(results), COLUMNS)),
             write_text(out / "context_sweep.md", context_markdown(results))]
    fig = context_figure(results)
    for fmt in ("png", "svg"):
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=120)
        files.append(write_bytes(out / f"context_sweep.{fmt}", buf.getvalue()))
    return tuple(files)


__all__ = ["COLUMNS", "context_figure", "context_markdown", "context_rows",
           "plot_energy_per_token", "plot_latency_per_token", "write_context_report"]
