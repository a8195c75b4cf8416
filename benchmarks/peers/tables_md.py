"""Markdown tables for docs/PEERS.md from the saved comparison JSONs (no tool is rerun).

Reads benchmarks/results/compare_scalesim.json and compare_zigzag_<objective>.json (written by
benchmarks/compare_scalesim.py and compare_zigzag.py) and prints the tables pasted into
docs/PEERS.md, so the write-up is reproducible from the saved results alone.

Examples::

    .venv/bin/python benchmarks/peers/tables_md.py                     # print the tables
    .venv/bin/python benchmarks/peers/tables_md.py --update docs/PEERS.md  # refresh the page
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[1] / "results"


def md_table(headers: list[str], rows: list[list[object]]) -> str:
    """A GitHub markdown table; numbers right-aligned."""
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---:" if i else "---" for i in range(len(headers))) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def scalesim_tables(data: dict) -> str:
    out = []
    summary = []
    for res in data["results"]:
        if not res["layers"]:
            continue
        t = res["totals"]
        summary.append([f"{res['network']} {res['dataflow']}", str(len(res["layers"])),
                        f"{t['scalesim_cycles']:,.0f}", f"{t['hwsim_cycles']:,.0f}",
                        f"{t['cycles_diff_pct']:+.4f}",
                        f"{t['max_abs_layer_cycles_diff_pct']:.3f}",
                        f"{t['scalesim_wall_s']:,.1f} s",
                        f"{1e3 * t.get('hwsim_cpu_s', t['hwsim_wall_s']):.0f} ms"])
    out.append(md_table(["network / dataflow", "layers", "SCALE-Sim cycles", "hwsim cycles",
                         "diff %", "worst layer abs diff %", "SCALE-Sim wall",
                         "hwsim CPU"], summary))
    keys = ["sram_ifmap_reads", "sram_filter_reads", "sram_ofmap_writes", "dram_ifmap_reads",
            "dram_filter_reads", "dram_ofmap_writes"]
    for res in data["results"]:
        if not res["layers"]:
            continue
        out.append(f"\n**{res['network']} / {res['dataflow']}** (SCALE-Sim / hwsim, "
                   "1-byte words)\n")
        rows = [[r["layer"], f"{r['scalesim_cycles']:,} / {r['hwsim_cycles']:,.0f}",
                 f"{r['cycles_diff_pct']:+.3f}",
                 *[f"{r['scalesim_' + k]:,.0f} / {r['hwsim_' + k]:,.0f}" for k in keys],
                 f"{r['scalesim_wall_s']:.1f}",
                 f"{1e3 * r.get('hwsim_cpu_s', r['hwsim_wall_s']):.0f}"]
                for r in res["layers"]]
        out.append(md_table(["layer", "cycles", "diff %", "SRAM ifmap rd", "SRAM filter rd",
                             "SRAM ofmap wr", "DRAM ifmap rd", "DRAM filter rd",
                             "DRAM ofmap wr", "SCALE-Sim wall s", "hwsim CPU ms"], rows))
    return "\n".join(out)


def zigzag_summary(by_objective: dict[str, dict]) -> str:
    """One row per accelerator x network x objective: network energy, worst layer, run time."""
    rows = []
    for objective, data in by_objective.items():
        for res in data["results"]:
            if not res["layers"]:
                continue
            t = res["totals"]
            rows.append([res["accelerator"], res["network"], objective,
                         f"{t['zigzag_energy_pj'] / 1e6:,.1f}",
                         f"{t['hwsim_energy_pj'] / 1e6:,.1f}", f"{t['energy_diff_pct']:+.1f}",
                         f"{t['max_abs_layer_energy_diff_pct']:.1f}",
                         f"{t['zigzag_wall_s']:.0f} s",
                         f"{1e3 * t.get('hwsim_cpu_s', t['hwsim_wall_s']):.0f} ms"])
    return md_table(["accelerator", "network", "objective", "ZigZag uJ", "hwsim uJ", "diff %",
                     "worst layer abs diff %", "ZigZag wall", "hwsim CPU"], rows)


def zigzag_details(data: dict, per_level: bool = True) -> str:
    """Per accelerator x network: energy per level over the network, then per layer."""
    out = []
    for res in data["results"]:
        if not res["layers"]:
            continue
        t = res["totals"]
        total = t["zigzag_energy_pj"]
        out.append(f"\n**{res['accelerator']} / {res['network']}** ({res['objective']} "
                   "objective)\n")
        if per_level:
            rows = [[lvl, f"{zz / 1e6:,.2f}", f"{t['hwsim_by_level_pj'].get(lvl, 0) / 1e6:,.2f}",
                     f"{100 * zz / total:.1f}",
                     f"{100 * (t['hwsim_by_level_pj'].get(lvl, 0) - zz) / total:+.1f}"]
                    for lvl, zz in t["zigzag_by_level_pj"].items()]
            out.append(md_table(["level (network)", "ZigZag uJ", "hwsim uJ", "ZigZag share %",
                                 "(hwsim - ZigZag) / ZigZag total %"], rows) + "\n")
        rows = [[r["layer"], f"{r['zigzag_energy_pj'] / 1e6:,.2f}",
                 f"{r['hwsim_energy_pj'] / 1e6:,.2f}", f"{r['energy_diff_pct']:+.1f}",
                 f"{r['zigzag_latency_cycles']:,.0f}", f"{r['hwsim_latency_cycles']:,.0f}",
                 f"{r['zigzag_wall_s']:.1f}",
                 f"{1e3 * r.get('hwsim_cpu_s', r['hwsim_wall_s']):.0f}"]
                for r in res["layers"]]
        out.append(_details("per layer", md_table(
            ["layer", "ZigZag uJ", "hwsim uJ", "diff %", "ZigZag cycles", "hwsim cycles",
             "ZigZag wall s", "hwsim CPU ms"], rows)))
    return "\n".join(out)


def _details(summary: str, body: str) -> str:
    """A collapsed HTML block (GitHub renders the markdown inside)."""
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>"


def runtime_rows(data: dict, peer: str, key: str) -> list[list[str]]:
    """Peer wall / CPU time (recorded) and hwsim CPU time per comparison in ``data``."""
    rows = []
    for res in data["results"]:
        if not res["layers"]:
            continue
        cpu = [r.get(f"{key}_cpu_s") for r in res["layers"]]
        hw = sum(r.get("hwsim_cpu_s", r["hwsim_wall_s"]) for r in res["layers"])
        peer_cpu = sum(cpu) if None not in cpu else None
        what = f"{res.get('accelerator', '')} {res['network']} " + \
            (res.get("dataflow") or res.get("objective", ""))
        rows.append([peer, what.strip(), str(len(res["layers"])),
                     f"{sum(r[f'{key}_wall_s'] for r in res['layers']):,.1f}",
                     "-" if peer_cpu is None else f"{peer_cpu:,.1f}", f"{1e3 * hw:.0f}",
                     "-" if peer_cpu is None else f"{peer_cpu / hw:,.0f}x"])
    return rows


def runtime_table(scalesim: dict | None, zigzag: dict[str, dict]) -> str:
    rows = runtime_rows(scalesim, "SCALE-Sim 3.0.0", "scalesim") if scalesim else []
    for data in zigzag.values():
        rows += runtime_rows(data, "ZigZag 3.9.1", "zigzag")
    return md_table(["peer", "run", "layers", "peer wall s", "peer CPU s", "hwsim CPU ms",
                     "peer CPU / hwsim CPU"], rows)


def sections() -> dict[str, str]:
    """The generated tables, by section name (``scalesim``, ``zigzag``, ``runtimes``)."""
    ss = RESULTS / "compare_scalesim.json"
    scalesim = json.loads(ss.read_text()) if ss.exists() else None
    by_objective = {path.stem.rsplit("_", 1)[-1]: json.loads(path.read_text())
                    for path in sorted(RESULTS.glob("compare_zigzag_*.json"), reverse=True)}
    out = {}
    if scalesim:
        out["scalesim"] = scalesim_tables(scalesim)
    if by_objective:
        out["zigzag"] = "\n".join([zigzag_summary(by_objective)] + [
            zigzag_details(data) for data in by_objective.values()])
    out["runtimes"] = runtime_table(scalesim, by_objective)
    return out


def update_doc(path: Path, tables: dict[str, str]) -> None:
    """Replace the text between ``<!-- tables:NAME -->`` and ``<!-- /tables:NAME -->``."""
    text = path.read_text()
    for name, body in tables.items():
        start, end = f"<!-- tables:{name} -->", f"<!-- /tables:{name} -->"
        if start in text and end in text:
            head, rest = text.split(start, 1)
            text = head + start + "\n" + body + "\n" + end + rest.split(end, 1)[1]
    path.write_text(text)


def main() -> int:
    tables = sections()
    if len(sys.argv) == 3 and sys.argv[1] == "--update":
        update_doc(Path(sys.argv[2]), tables)
        return 0
    for name, body in tables.items():
        print(f"\n## {name}\n\n{body}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
