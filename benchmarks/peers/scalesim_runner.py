"""Run SCALE-Sim 3.0.0 one layer at a time and save per-layer raw results as JSON.

This script runs INSIDE the SCALE-Sim peer venv (benchmarks/.peer-venvs/scalesim), never inside
hwsim's: it imports scalesim and nothing from hwsim. benchmarks/compare_scalesim.py launches it.

Each layer of the topology CSV is written to its own one-row topology and simulated by a fresh
``scalesim`` object (SCALE-Sim already simulates every layer independently, with a fresh memory
system, so splitting changes no number), which gives the wall time of every layer and lets a long
run (AlexNet fc6 alone takes ~10 min) be saved layer by layer: the JSON is rewritten after every
layer, so an interrupted run keeps what it finished and a rerun skips those layers.

Output JSON (one file per topology x config)::

    {"peer": "scalesim", "version": "3.0.0", "config": "...cfg", "topology": "...csv",
     "dataflow": "ws", "layers": {"conv1": {"row": [...topology row...],
        "total_cycles_incl_prefetch": int, "compute_cycles": int, "stall_cycles": int,
        "overall_util_pct": float, "mapping_efficiency_pct": float, "compute_util_pct": float,
        "sram_ifmap_reads": int, "sram_filter_reads": int, "sram_ofmap_writes": int,
        "dram_ifmap_reads": int, "dram_filter_reads": int, "dram_ofmap_writes": int,
        "wall_s": float, "cpu_s": float}, ...}}

Counts are in words; SCALE-Sim's word is 1 byte.

Example::

    benchmarks/.peer-venvs/scalesim/bin/python benchmarks/peers/scalesim_runner.py \\
        --config /work/shared/peers/scalesim/scale_32x32_ws.cfg \\
        --topology /work/shared/peers/scalesim/lenet5.csv \\
        --layout /work/shared/peers/scalesim/layout_default.csv \\
        --out benchmarks/results/peers/scalesim_lenet5_ws.json
"""

from __future__ import annotations

import argparse
import configparser
import contextlib
import csv
import io
import json
import os
import tempfile
import time

try:  # run as a script inside the peer venv: this folder is sys.path[0]
    from common import save_layers, take_lock
except ImportError:  # imported as peers.<runner> by the tests
    from peers.common import save_layers, take_lock

COMPUTE_KEYS = (
    "total_cycles_incl_prefetch", "compute_cycles", "stall_cycles",
    "overall_util_pct", "mapping_efficiency_pct", "compute_util_pct",
)
DETAIL_KEYS = {  # column index in DETAILED_ACCESS_REPORT.csv (after LayerID) -> our key
    2: "sram_ifmap_reads", 5: "sram_filter_reads", 8: "sram_ofmap_writes",
    11: "dram_ifmap_reads", 14: "dram_filter_reads", 17: "dram_ofmap_writes",
}


def read_topology(path: str) -> tuple[str, list[list[str]]]:
    """Return (header line, data rows) of a SCALE-Sim topology CSV; rows keep their fields."""
    with open(path) as handle:
        lines = [line.strip() for line in handle if line.strip()]
    rows = [[field.strip() for field in line.split(",")[:-1]] for line in lines[1:]]
    return lines[0], rows


def parse_report_row(path: str) -> list[str]:
    """Return the fields of the one data row of a SCALE-Sim report CSV (LayerID dropped)."""
    with open(path) as handle:
        rows = list(csv.reader(handle))
    return [field.strip() for field in rows[1][1:] if field.strip() != ""]


def number(text: str) -> float | int:
    """Parse a report field as int when integral, else float ('12.0' -> 12)."""
    value = float(text)
    return int(value) if value.is_integer() else value


def run_layer(header: str, row: list[str], config: str, layout: str) -> dict:
    """Simulate one topology row with SCALE-Sim and return its raw counts and wall time."""
    from scalesim.scale_sim import scalesim  # imported here: only the peer venv has it

    run_name = configparser.ConfigParser()
    run_name.read(config)
    name = run_name.get("general", "run_name")
    with tempfile.TemporaryDirectory(prefix="scalesim_") as tmp:
        topo = os.path.join(tmp, f"{row[0]}.csv")
        with open(topo, "w") as handle:
            handle.write(header + "\n" + ", ".join(row) + ",\n")
        start, cpu_start = time.perf_counter(), time.process_time()
        with contextlib.redirect_stdout(io.StringIO()):
            sim = scalesim(save_disk_space=True, verbose=False, config=config, topology=topo,
                           layout=layout, input_type_gemm=False)
            sim.run_scale(top_path=tmp)
        wall_s = time.perf_counter() - start
        cpu_s = time.process_time() - cpu_start
        compute = parse_report_row(os.path.join(tmp, name, "COMPUTE_REPORT.csv"))
        detail = parse_report_row(os.path.join(tmp, name, "DETAILED_ACCESS_REPORT.csv"))
    record = {"row": row, "wall_s": round(wall_s, 3), "cpu_s": round(cpu_s, 3)}
    record.update({key: number(compute[i]) for i, key in enumerate(COMPUTE_KEYS)})
    record.update({key: int(float(detail[i])) for i, key in DETAIL_KEYS.items()})
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--topology", required=True)
    parser.add_argument("--layout", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--layers", nargs="*", help="only these layer names (default: all)")
    parser.add_argument("--fresh", action="store_true", help="ignore layers already in --out")
    args = parser.parse_args()

    header, rows = read_topology(args.topology)
    cfg = configparser.ConfigParser()
    cfg.read(args.config)
    result = {"peer": "scalesim", "version": "3.0.0", "config": os.path.abspath(args.config),
              "topology": os.path.abspath(args.topology),
              "dataflow": cfg.get("architecture_presets", "Dataflow").strip(), "layers": {}}
    if os.path.exists(args.out) and not args.fresh:
        with open(args.out) as handle:
            result["layers"] = json.load(handle).get("layers", {})
    lock = take_lock(args.out)
    try:
        run_missing(result, rows, header, args)
    finally:
        os.remove(lock)


def run_missing(result: dict, rows: list[list[str]], header: str, args) -> None:
    """Simulate the requested rows not yet in ``result``, saving after each one."""
    for row in rows:
        if args.layers and row[0] not in args.layers:
            continue
        if row[0] in result["layers"] and result["layers"][row[0]]["row"] == row:
            continue
        result["layers"][row[0]] = run_layer(header, row, args.config, args.layout)
        print(f"{row[0]}: {result['layers'][row[0]]['compute_cycles']} cycles, "
              f"{result['layers'][row[0]]['wall_s']:.1f} s", flush=True)
        save_layers(result, args.out)


if __name__ == "__main__":
    main()
