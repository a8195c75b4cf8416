"""hwsim's analytical energy model side by side with ZigZag 3.9.1 (tpu_like, eyeriss_like).

ZigZag's bundled tpu_like and eyeriss_like accelerators are translated to hwsim YAML with the
same sizes, per-access energies and bandwidths (benchmarks/peers/zigzag_*.yaml); both tools
run the same layer shapes (built from the ZigZag workload files: LeNet-5, AlexNet without
groups, VGG-16; batch 1, 8-bit operands, 16-bit partial sums) at the same mapping objective
(ZigZag's default: lowest latency; ``--objective energy`` for both). Printed per layer: total
energy of both tools, the energy per memory level (the same level names in both), latency,
and the run time of both tools. Checked: energy per network within 15 %, per layer within
30 % (docs/PEERS.md explains every systematic difference).

ZigZag runs in its own venv (benchmarks/.peer-venvs/zigzag, created on first use); its
per-layer results (energy breakdown, access counts, chosen temporal mapping, wall time) are
cached in benchmarks/results/peers/zigzag_<accelerator>_<net>_<objective>.json and reused
unless ``--fresh`` is given (VGG-16: 40-55 s per accelerator on 2026-12-07, 3-6 min before).

Examples::

    .venv/bin/python benchmarks/compare_zigzag.py                          # all nets, both
    .venv/bin/python benchmarks/compare_zigzag.py --accelerators tpu_like --networks lenet5
    .venv/bin/python benchmarks/compare_zigzag.py --objective energy --fresh
    .venv/bin/python benchmarks/compare_zigzag.py --pinned-rs   # Eyeriss RS mapping pinned

``--pinned-rs``: ZigZag's eyeriss_like with hwsim's row-stationary mapping of each AlexNet
conv layer pinned (spatial unrolling and temporal order; benchmarks/peers/rs_pinned.py).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from peers import common  # noqa: E402
from peers.topologies import zigzag_layers  # noqa: E402

from hwsim.arch import load_arch  # noqa: E402
from hwsim.cost import EstimateOptions, estimate_layer  # noqa: E402
from hwsim.types import Objective  # noqa: E402

INPUTS = common.INPUTS_DIR / "zigzag"
ACCELERATORS = ("tpu_like", "eyeriss_like")
NETWORKS = ("lenet5", "alexnet", "vgg16")
NETWORK_BAND_PCT = 15.0
LAYER_BAND_PCT = 30.0
ZZ_OPT = {"latency": "latency", "energy": "energy", "edp": "EDP"}


def peer_results(acc: str, net: str, objective: str, fresh: bool) -> dict:
    """ZigZag's per-layer results (cached, or run now for the layers missing)."""
    out = common.RESULTS_DIR / f"zigzag_{acc}_{net}_{objective}.json"
    workload = INPUTS / f"workload_{net}.yaml"
    names = [layer.name for layer in zigzag_layers(workload)]
    cached = common.load_json(out)
    if fresh or cached is None or not set(names) <= set(cached["layers"]):
        pid = common.running_pid(out)
        if pid is not None:
            print(f"[zigzag] {out.name} is being written by pid {pid}: comparing its cached "
                  "layers only", file=sys.stderr)
            return cached or {"layers": {}}
        python = common.ensure_venv(common.ZIGZAG)
        out.parent.mkdir(parents=True, exist_ok=True)
        print(f"[zigzag] running {acc} {net} (objective {objective})", file=sys.stderr)
        common.run_peer(python, "zigzag_runner.py", [
            "--workload", str(workload), "--accelerator", acc,
            "--mapping", str(INPUTS / f"mapping_{acc}.yaml"), "--opt", ZZ_OPT[objective],
            "--out", str(out)], fresh)
        cached = common.load_json(out)
    return cached


def zigzag_by_level(record: dict) -> dict[str, float]:
    """ZigZag's memory energy per memory level (summed over operands) plus ``mac``, pJ."""
    out: dict[str, float] = {}
    for levels in record["mem_energy_by_level"].values():
        for level in levels:
            out[level["memory"]] = out.get(level["memory"], 0.0) + level["total"]
    out["mac"] = record["mac_energy_pj"]
    return out


def hwsim_by_level(cost) -> dict[str, float]:
    """hwsim's energy per component (DRAM is called ``dram`` in both tools), pJ; the zero
    leakage and codebook terms are dropped."""
    return {k: v for k, v in cost.energy_by_component if v or k not in ("leakage", "codebook")}


def compare(acc: str, net: str, objective: str, fresh: bool, double_buffering: bool) -> dict:
    """Per-layer records and network totals of one accelerator x network."""
    peer = peer_results(acc, net, objective, fresh)
    arch = load_arch(common.PEERS_DIR / f"zigzag_{acc}.yaml")
    options = EstimateOptions(objective=Objective(objective), double_buffering=double_buffering)
    layers = zigzag_layers(INPUTS / f"workload_{net}.yaml")
    complete = all(l.name in peer["layers"] for l in layers)
    layers = [l for l in layers if l.name in peer["layers"]]
    if not layers:
        return {"accelerator": acc, "network": net, "objective": objective, "layers": [],
                "complete": False}
    rows = []
    for layer in layers:
        start, cpu_start = time.perf_counter(), time.process_time()
        cost = estimate_layer(layer, arch, options=options)
        hw_s, hw_cpu = time.perf_counter() - start, time.process_time() - cpu_start
        zz = peer["layers"][layer.name]
        rows.append({
            "layer": layer.name, "zigzag_energy_pj": zz["energy_total_pj"],
            "hwsim_energy_pj": cost.energy_pj,
            "energy_diff_pct": common.rel_diff_pct(cost.energy_pj, zz["energy_total_pj"]),
            "zigzag_latency_cycles": zz["latency_total2_cycles"],
            "hwsim_latency_cycles": cost.latency_cycles,
            "zigzag_wall_s": zz["wall_s"], "zigzag_cpu_s": zz.get("cpu_s"),
            "hwsim_wall_s": hw_s, "hwsim_cpu_s": hw_cpu,
            "zigzag_by_level_pj": zigzag_by_level(zz), "hwsim_by_level_pj": hwsim_by_level(cost),
            "zigzag_spatial": zz["spatial_mapping"], "zigzag_temporal": zz["temporal_mapping"],
            "hwsim_mapping": str(cost.mapping), "supported": cost.supported})
    totals = {k: sum(r[k] for r in rows) for k in ("zigzag_energy_pj", "hwsim_energy_pj",
                                                   "zigzag_latency_cycles",
                                                   "hwsim_latency_cycles", "zigzag_wall_s",
                                                   "hwsim_wall_s", "hwsim_cpu_s")}
    totals["energy_diff_pct"] = common.rel_diff_pct(totals["hwsim_energy_pj"],
                                                    totals["zigzag_energy_pj"])
    worst = max(abs(r["energy_diff_pct"]) for r in rows)
    totals["max_abs_layer_energy_diff_pct"] = worst
    for tool in ("zigzag", "hwsim"):
        by_level: dict[str, float] = {}
        for r in rows:
            for level, pj in r[f"{tool}_by_level_pj"].items():
                by_level[level] = by_level.get(level, 0.0) + pj
        totals[f"{tool}_by_level_pj"] = by_level
    return {"accelerator": acc, "network": net, "objective": objective, "layers": rows,
            "totals": totals, "complete": complete,
            "network_within_band": abs(totals["energy_diff_pct"]) <= NETWORK_BAND_PCT,
            "layers_within_band": worst <= LAYER_BAND_PCT}


def print_result(res: dict) -> None:
    """Per-layer energy / latency table, per-level breakdown and run times of both tools."""
    rows = res["layers"]
    partial = "" if res["complete"] else " [PARTIAL: peer run in progress]"
    print(f"\n=== {res['accelerator']} / {res['network']} (objective: {res['objective']})"
          f"{partial} ===")
    if not rows:
        return
    print(common.format_table(
        ["layer", "ZigZag uJ", "hwsim uJ", "diff %", "ZigZag cycles", "hwsim cycles",
         "ZZ wall s", "ZZ CPU s", "hwsim CPU ms"],
        [[r["layer"], r["zigzag_energy_pj"] / 1e6, r["hwsim_energy_pj"] / 1e6,
          r["energy_diff_pct"], r["zigzag_latency_cycles"], float(r["hwsim_latency_cycles"]),
          float(r["zigzag_wall_s"]), "-" if r["zigzag_cpu_s"] is None
          else float(r["zigzag_cpu_s"]), 1e3 * r["hwsim_cpu_s"]] for r in rows]))
    levels = list(rows[0]["zigzag_by_level_pj"])
    print("\nenergy per level, uJ (ZigZag / hwsim):")
    print(common.format_table(
        ["layer", *levels],
        [[r["layer"], *[f"{r['zigzag_by_level_pj'].get(l, 0) / 1e6:.4g} / "
                        f"{r['hwsim_by_level_pj'].get(l, 0) / 1e6:.4g}" for l in levels]]
         for r in rows]))
    t = res["totals"]
    zz_total = t["zigzag_energy_pj"]
    print("\nnetwork energy per level (share of ZigZag's total; hwsim - ZigZag):")
    print(common.format_table(
        ["level", "ZigZag uJ", "hwsim uJ", "ZigZag share %", "diff / ZigZag total %"],
        [[lvl, zz / 1e6, t["hwsim_by_level_pj"].get(lvl, 0.0) / 1e6, f"{100 * zz / zz_total:.1f}",
          100 * (t["hwsim_by_level_pj"].get(lvl, 0.0) - zz) / zz_total]
         for lvl, zz in t["zigzag_by_level_pj"].items()]))
    print(f"\nnetwork energy: ZigZag {t['zigzag_energy_pj'] / 1e6:.4g} uJ, hwsim "
          f"{t['hwsim_energy_pj'] / 1e6:.4g} uJ ({t['energy_diff_pct']:+.2f} %, band "
          f"{NETWORK_BAND_PCT:g} %: {'ok' if res['network_within_band'] else 'OUTSIDE'}); "
          f"worst layer {t['max_abs_layer_energy_diff_pct']:.2f} % (band {LAYER_BAND_PCT:g} %: "
          f"{'ok' if res['layers_within_band'] else 'OUTSIDE'})")
    cpu = [r["zigzag_cpu_s"] for r in rows]
    cpu_text = f", {sum(cpu):.1f} s CPU" if None not in cpu else ""
    print(f"run time: ZigZag {t['zigzag_wall_s']:.1f} s wall{cpu_text} (recorded), hwsim "
          f"{1e3 * t['hwsim_wall_s']:.1f} ms wall, {1e3 * t['hwsim_cpu_s']:.1f} ms CPU")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accelerators", nargs="+", choices=ACCELERATORS,
                        default=list(ACCELERATORS))
    parser.add_argument("--networks", nargs="+", choices=NETWORKS, default=list(NETWORKS))
    parser.add_argument("--objective", choices=list(ZZ_OPT), default="latency",
                        help="mapping objective of both tools (ZigZag's default: latency)")
    parser.add_argument("--double-buffering", action=argparse.BooleanOptionalAction,
                        default=False, help="hwsim tiles fit half of each buffer (ZigZag "
                        "lets a tile use the whole buffer, hence off by default)")
    parser.add_argument("--use-cache", action=argparse.BooleanOptionalAction, default=True,
                        help="reuse cached ZigZag results (default; --no-use-cache = --fresh)")
    parser.add_argument("--fresh", action="store_true", help="rerun ZigZag")
    parser.add_argument("--json", type=Path, default=None,
                        help="where to save the comparison (default benchmarks/results/"
                        "compare_zigzag_<objective>.json)")
    parser.add_argument("--pinned-rs", action="store_true", help="ZigZag eyeriss_like with "
                        "hwsim's row-stationary AlexNet conv mappings pinned, then stop")
    args = parser.parse_args(argv)
    fresh = args.fresh or not args.use_cache
    if args.pinned_rs:
        from peers.rs_pinned import compare_pinned

        res = compare_pinned(fresh=True)
        common.write_json(args.json or common.RESULTS_DIR / "compare_zigzag_rs_pinned.json", res)
        chip = res["eyeriss_like_chip_spads"]
        return 0 if chip["within_band"] and chip["pinned"] else 1
    results = [compare(acc, net, args.objective, fresh, args.double_buffering)
               for acc in args.accelerators for net in args.networks]
    for res in results:
        print_result(res)
    path = args.json or common.BENCH_DIR / "results" / f"compare_zigzag_{args.objective}.json"
    common.write_json(path, {"peer": "zigzag 3.9.1", "results": results})
    ok = all(r.get("network_within_band") and r.get("layers_within_band") for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
