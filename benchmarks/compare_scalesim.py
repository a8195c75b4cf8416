"""hwsim's systolic model side by side with SCALE-Sim 3.0.0 (32 x 32 array, ws and os).

For each network and dataflow: SCALE-Sim's per-layer compute cycles and SRAM / DRAM access
counts (CALC bandwidth mode, so DRAM never stalls) next to hwsim's, on the same layer shapes
(built from SCALE-Sim's own topology CSVs: its AlexNet has no padding and no groups, its FC
layers are 1x1 convolutions), and the run time of both tools. The requirement checked: compute
cycles per layer within 1 % (docs/PEERS.md explains every difference in the access counts).
hwsim runs with ``compute.weight_double_buffer`` off here, as SCALE-Sim does not overlap a
fold's weight fill with the previous fold (arch_configs/systolic_ws.yaml turns it on, with
TPU1's wavefront folds and separate weight-FIFO ports; the translation leaves both off).

SCALE-Sim runs in its own venv (benchmarks/.peer-venvs/scalesim, created on first use) and
its per-layer results are cached in benchmarks/results/peers/scalesim_<net>_<df>.json with
their wall time: AlexNet takes 20-27 min per dataflow on a 2-core machine (fc6 alone ~10 min,
~10 GB), VGG-16 hours. By default cached layers are reused and only missing ones are run;
``--fresh`` reruns the peer.

Examples::

    .venv/bin/python benchmarks/compare_scalesim.py    # LeNet-5, AlexNet, VGG-16 conv1_1 + conv5_1
    .venv/bin/python benchmarks/compare_scalesim.py --networks lenet5 --fresh
    .venv/bin/python benchmarks/compare_scalesim.py --networks vgg16 --vgg16-layers conv4_1
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from peers import common  # noqa: E402
from peers.topologies import scalesim_layers  # noqa: E402

from hwsim.arch import arch_from_dict  # noqa: E402
from hwsim.cost import estimate_layer  # noqa: E402
from hwsim.types import Operand  # noqa: E402

INPUTS = common.INPUTS_DIR / "scalesim"
ARCH_YAML = common.PEERS_DIR / "scalesim_32x32.yaml"
NETWORKS = ("lenet5", "alexnet", "vgg16")
DATAFLOWS = {"ws": "weight_stationary", "os": "output_stationary"}
CYCLES_BAND_PCT = 1.0
# VGG-16 layers run by default: a large image with 3 channels and a small one with 512.
VGG16_LAYERS = ("conv1_1", "conv5_1")
# SCALE-Sim report key -> (hwsim level, operand, "read_bytes" | "write_bytes")
ACCESS_KEYS = {
    "sram_ifmap_reads": ("ifmap_sram", Operand.INPUTS, "read_bytes"),
    "sram_filter_reads": ("filter_sram", Operand.WEIGHTS, "read_bytes"),
    "sram_ofmap_writes": ("ofmap_sram", Operand.OUTPUTS, "write_bytes"),
    "dram_ifmap_reads": ("dram", Operand.INPUTS, "read_bytes"),
    "dram_filter_reads": ("dram", Operand.WEIGHTS, "read_bytes"),
    "dram_ofmap_writes": ("dram", Operand.OUTPUTS, "write_bytes"),
}


def hwsim_arch(dataflow: str):
    """The 32 x 32 SCALE-Sim translation (benchmarks/peers/scalesim_32x32.yaml) at a dataflow,
    with ``compute.weight_double_buffer`` off: SCALE-Sim loads each fold's weights before the
    fold streams (no overlap), which is what its cycle counts are matched against."""
    data = yaml.safe_load(ARCH_YAML.read_text())
    data["dataflow"] = DATAFLOWS[dataflow]
    data["compute"]["weight_double_buffer"] = False
    return arch_from_dict(data, source=str(ARCH_YAML), base_dir=str(ARCH_YAML.parent))


def peer_results(net: str, dataflow: str, names: list[str], fresh: bool) -> dict:
    """SCALE-Sim's per-layer results (cached, or run now for the layers missing)."""
    out = common.RESULTS_DIR / f"scalesim_{net}_{dataflow}.json"
    cached = common.load_json(out)
    have = set(cached["layers"]) if cached else set()
    if fresh or not set(names) <= have:
        pid = common.running_pid(out)
        if pid is not None:
            print(f"[scalesim] {out.name} is being written by pid {pid}: comparing its cached "
                  "layers only", file=sys.stderr)
            return cached or {"layers": {}}
        python = common.ensure_venv(common.SCALESIM)
        out.parent.mkdir(parents=True, exist_ok=True)
        todo = "all layers" if fresh else ", ".join(sorted(set(names) - have))
        print(f"[scalesim] running {net} {dataflow}: {todo} (AlexNet: ~25 min)",
              file=sys.stderr)
        common.run_peer(python, "scalesim_runner.py", [
            "--config", str(INPUTS / f"scale_32x32_{dataflow}.cfg"),
            "--topology", str(INPUTS / f"{net}.csv"),
            "--layout", str(INPUTS / "layout_default.csv"),
            "--out", str(out), "--layers", *names], fresh)
        cached = common.load_json(out)
    return cached


def traffic_of(cost, level: str, operand: Operand, attr: str) -> float:
    return sum(getattr(t, attr) for t in cost.traffic
               if t.level == level and t.operand is operand)


def compare(net: str, dataflow: str, names: list[str] | None, fresh: bool) -> dict:
    """Per-layer records and totals of one network x dataflow."""
    layers = scalesim_layers(INPUTS / f"{net}.csv", names)
    peer = peer_results(net, dataflow, [l.name for l in layers], fresh)
    complete = all(l.name in peer["layers"] for l in layers)
    layers = [l for l in layers if l.name in peer["layers"]]
    if not layers:
        return {"network": net, "dataflow": dataflow, "layers": [], "complete": False}
    arch = hwsim_arch(dataflow)
    rows = []
    for layer in layers:
        start, cpu_start = time.perf_counter(), time.process_time()
        cost = estimate_layer(layer, arch)
        hw_s, hw_cpu = time.perf_counter() - start, time.process_time() - cpu_start
        ss = peer["layers"][layer.name]
        row = {"layer": layer.name, "scalesim_cycles": ss["compute_cycles"],
               "hwsim_cycles": cost.compute_cycles,
               "cycles_diff_pct": common.rel_diff_pct(cost.compute_cycles, ss["compute_cycles"]),
               "scalesim_wall_s": ss["wall_s"], "scalesim_cpu_s": ss.get("cpu_s"),
               "hwsim_wall_s": hw_s, "hwsim_cpu_s": hw_cpu,
               "scalesim_util_pct": ss["compute_util_pct"],
               "hwsim_util_pct": 100 * cost.utilization, "mapping": str(cost.mapping)}
        for key, (level, operand, attr) in ACCESS_KEYS.items():
            row[f"scalesim_{key}"] = ss[key]
            row[f"hwsim_{key}"] = traffic_of(cost, level, operand, attr)
        row["hwsim_sram_ofmap_reads"] = traffic_of(cost, "ofmap_sram", Operand.OUTPUTS,
                                                   "read_bytes")
        row["hwsim_dram_ofmap_reads"] = traffic_of(cost, "dram", Operand.OUTPUTS, "read_bytes")
        rows.append(row)
    totals = {key: sum(r[key] for r in rows) for key in rows[0] if key.startswith(
        ("scalesim_", "hwsim_")) and isinstance(rows[0][key], (int, float))
        and key != "scalesim_cpu_s"}
    totals["cycles_diff_pct"] = common.rel_diff_pct(totals["hwsim_cycles"],
                                                    totals["scalesim_cycles"])
    totals["max_abs_layer_cycles_diff_pct"] = max(abs(r["cycles_diff_pct"]) for r in rows)
    return {"network": net, "dataflow": dataflow, "layers": rows, "totals": totals,
            "complete": complete,
            "within_band": totals["max_abs_layer_cycles_diff_pct"] <= CYCLES_BAND_PCT}


def print_result(res: dict) -> None:
    """Per-layer cycles table, access-count table and the run times of both tools."""
    rows = res["layers"]
    partial = "" if res["complete"] else " [PARTIAL: peer run in progress]"
    print(f"\n=== {res['network']} / {res['dataflow']} (32 x 32, CALC bandwidth){partial} ===")
    if not rows:
        return
    print(common.format_table(
        ["layer", "SCALE-Sim cycles", "hwsim cycles", "diff %", "SS util %", "hw util %",
         "SS wall s", "SS CPU s", "hwsim CPU ms"],
        [[r["layer"], r["scalesim_cycles"], r["hwsim_cycles"], r["cycles_diff_pct"],
          float(r["scalesim_util_pct"]), r["hwsim_util_pct"], float(r["scalesim_wall_s"]),
          "-" if r["scalesim_cpu_s"] is None else float(r["scalesim_cpu_s"]),
          1e3 * r["hwsim_cpu_s"]] for r in rows]))
    print("\naccess counts (1-byte words), SCALE-Sim / hwsim:")
    keys = list(ACCESS_KEYS)
    print(common.format_table(
        ["layer", *[k.replace("_", " ") for k in keys]],
        [[r["layer"], *[f"{r['scalesim_' + k]:.0f} / {r['hwsim_' + k]:.0f}" for k in keys]]
         for r in rows]))
    t = res["totals"]
    verdict = "within" if res["within_band"] else "OUTSIDE"
    print(f"\ntotal cycles: SCALE-Sim {t['scalesim_cycles']:.0f}, hwsim {t['hwsim_cycles']:.0f} "
          f"({t['cycles_diff_pct']:+.3f} %); worst layer "
          f"{t['max_abs_layer_cycles_diff_pct']:.3f} % -> {verdict} the {CYCLES_BAND_PCT:g} % band")
    cpu = [r["scalesim_cpu_s"] for r in rows]
    cpu_text = f", {sum(cpu):.1f} s CPU" if None not in cpu else ""
    print(f"run time: SCALE-Sim {t['scalesim_wall_s']:.1f} s wall{cpu_text} (recorded), "
          f"hwsim {1e3 * t['hwsim_wall_s']:.1f} ms wall, {1e3 * t['hwsim_cpu_s']:.1f} ms CPU")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", nargs="+", choices=NETWORKS, default=list(NETWORKS))
    parser.add_argument("--dataflows", nargs="+", choices=list(DATAFLOWS), default=["ws", "os"])
    parser.add_argument("--layers", nargs="+", help="only these layers (of every network)")
    parser.add_argument("--vgg16-layers", nargs="+", default=list(VGG16_LAYERS),
                        help="VGG-16 layers to compare when --layers is not given (all 16 "
                        "take SCALE-Sim hours; default: %(default)s)")
    parser.add_argument("--use-cache", action=argparse.BooleanOptionalAction, default=True,
                        help="reuse cached SCALE-Sim layers (default; --no-use-cache = --fresh)")
    parser.add_argument("--fresh", action="store_true", help="rerun SCALE-Sim")
    parser.add_argument("--json", type=Path, default=common.BENCH_DIR / "results" /
                        "compare_scalesim.json", help="where to save the comparison")
    args = parser.parse_args(argv)
    fresh = args.fresh or not args.use_cache
    def layers_of(net: str) -> list[str] | None:
        return args.layers or (args.vgg16_layers if net == "vgg16" else None)
    results = [compare(net, df, layers_of(net), fresh)
               for net in args.networks for df in args.dataflows]
    for res in results:
        print_result(res)
    common.write_json(args.json, {"peer": "scalesim 3.0.0", "results": results})
    return 0 if all(r.get("within_band", False) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
