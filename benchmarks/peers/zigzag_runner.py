"""Run ZigZag 3.9.1 one layer at a time and save per-layer raw results as JSON.

This script runs INSIDE the ZigZag peer venv (benchmarks/.peer-venvs/zigzag), never inside
hwsim's: it imports zigzag and nothing from hwsim. benchmarks/compare_zigzag.py launches it.

Each layer of a ZigZag workload YAML is evaluated on its own (its operand sources pointed at
itself, so it reads I and W from memory, exactly what ZigZag does for every layer when inter-layer
data locality is off, its default), which gives the wall time of every layer; the JSON is rewritten
after every layer, so an interrupted run keeps what it finished and a rerun skips those layers.

Per layer the JSON holds ZigZag's chosen cost-model evaluation (CME): total, MAC and memory energy
(pJ), energy per operand per memory level split by data direction, memory word accesses per operand
per level and direction (in units of the port's max bandwidth, as ZigZag counts them), latency
terms (cycles), the spatial mapping and the temporal mapping (loops per operand per memory level,
innermost first).

Example::

    benchmarks/.peer-venvs/zigzag/bin/python benchmarks/peers/zigzag_runner.py \\
        --workload /work/shared/peers/zigzag/workload_lenet5.yaml \\
        --accelerator tpu_like --mapping /work/shared/peers/zigzag/mapping_tpu_like.yaml \\
        --out benchmarks/results/peers/zigzag_tpu_like_lenet5_latency.json
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import os
import tempfile
import time

try:  # run as a script inside the peer venv: this folder is sys.path[0]
    from common import save_layers, take_lock
except ImportError:  # imported as peers.<runner> by the tests
    from peers.common import save_layers, take_lock

import yaml


def accelerator_path(name: str) -> str:
    """Return the path of a bundled ZigZag accelerator YAML ('tpu_like') or a given path as is."""
    if name.endswith(".yaml"):
        return os.path.abspath(name)
    import zigzag

    return os.path.join(os.path.dirname(zigzag.__file__), "inputs", "hardware", f"{name}.yaml")


def as_float(value) -> float:
    """Convert a ZigZag number (python or numpy scalar) to a plain float."""
    return float(value)


def per_level(cme, table) -> dict:
    """Return {operand: [{"memory": name, direction: value, ...}, ...]} for a per-level table.

    ``table`` is a CME dict {LayerOperand: [per-level record]} where each record is indexable by
    DataDirection (MemoryAccesses / AccessEnergy) or a plain float.
    """
    hierarchy = cme.accelerator.memory_hierarchy
    out = {}
    for layer_op, levels in table.items():
        mem_op = cme.memory_operand_links.layer_to_mem_op(layer_op)
        names = [level.name for level in hierarchy.get_memory_levels(mem_op=mem_op)]
        rows = []
        for name, record in zip(names, levels):
            row = {"memory": name}
            if hasattr(record, "data"):
                row.update({str(key): as_float(val) for key, val in record.data.items()})
            elif isinstance(record, dict):
                row.update({str(key): as_float(val) for key, val in record.items()})
            else:
                row["total"] = as_float(record)
            rows.append(row)
        out[str(layer_op)] = rows
    return out


def cme_record(cme) -> dict:
    """Extract the numbers we compare from one ZigZag cost-model evaluation."""
    return {
        "energy_total_pj": as_float(cme.energy_total),
        "mac_energy_pj": as_float(cme.mac_energy),
        "mem_energy_pj": as_float(cme.mem_energy),
        "mem_energy_by_level": per_level(cme, cme.mem_energy_breakdown),
        "mem_energy_by_level_and_direction": per_level(cme, cme.mem_energy_breakdown_further),
        "memory_word_access": per_level(cme, cme.memory_word_access),
        "latency_total2_cycles": as_float(cme.latency_total2),
        "ideal_cycle": as_float(cme.ideal_cycle),
        "ideal_temporal_cycle": as_float(cme.ideal_temporal_cycle),
        "stall_slack_comb_cycles": as_float(cme.stall_slack_comb),
        "data_onloading_cycles": as_float(cme.data_onloading_cycle),
        "data_offloading_cycles": as_float(cme.data_offloading_cycle),
        "systolic_drain_cycles": as_float(getattr(cme, "systolic_drain_cycle", 0.0)),
        "mac_spatial_utilization": as_float(cme.mac_spatial_utilization),
        "total_mac_count": int(cme.layer.total_mac_count),
        "spatial_mapping": str(cme.layer.spatial_mapping),
        "temporal_mapping": {
            str(op): [[[str(dim), int(size)] for dim, size in level] for level in levels]
            for op, levels in cme.temporal_mapping.mapping_dic_origin.items()
        },
    }


def run_layer(layer: dict, accelerator: str, mapping: str, opt: str) -> dict:
    """Evaluate one ZigZag workload layer and return its record with the wall time (s)."""
    from zigzag.api import get_hardware_performance_zigzag  # only the peer venv has it

    single = copy.deepcopy(layer)
    single["operand_source"] = {op: single["id"] for op in single.get("operand_source", {})}
    with tempfile.TemporaryDirectory(prefix="zigzag_") as tmp:
        start, cpu_start = time.perf_counter(), time.process_time()
        _, _, cmes = get_hardware_performance_zigzag(
            [single], accelerator, mapping, opt=opt, dump_folder=tmp,
            pickle_filename=os.path.join(tmp, "cmes.pickle"), loma_show_progress_bar=False)
        wall_s = time.perf_counter() - start
        cpu_s = time.process_time() - cpu_start
    layer_cmes = cmes[0][1]
    cme = layer_cmes[0][0]
    record = cme_record(cme)
    record["wall_s"] = round(wall_s, 3)
    record["cpu_s"] = round(cpu_s, 3)
    record["layer"] = layer
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", required=True)
    parser.add_argument("--accelerator", required=True, help="bundled name or YAML path")
    parser.add_argument("--mapping", required=True)
    parser.add_argument("--opt", default="latency", choices=["latency", "energy", "EDP"])
    parser.add_argument("--out", required=True)
    parser.add_argument("--layers", nargs="*", help="only these layer names (default: all)")
    parser.add_argument("--fresh", action="store_true", help="ignore layers already in --out")
    args = parser.parse_args()
    logging.disable(logging.WARNING)

    with open(args.workload) as handle:
        layers = yaml.safe_load(handle)
    accelerator = accelerator_path(args.accelerator)
    result = {"peer": "zigzag", "version": "3.9.1", "accelerator": accelerator,
              "mapping": os.path.abspath(args.mapping), "workload": os.path.abspath(args.workload),
              "opt": args.opt, "layers": {}}
    if os.path.exists(args.out) and not args.fresh:
        with open(args.out) as handle:
            result["layers"] = json.load(handle).get("layers", {})
    lock = take_lock(args.out)
    try:
        run_missing(result, layers, accelerator, args)
    finally:
        os.remove(lock)


def run_missing(result: dict, layers: list[dict], accelerator: str, args) -> None:
    """Evaluate the requested layers not yet in ``result``, saving after each one."""
    for layer in layers:
        name = layer["name"]
        if args.layers and name not in args.layers:
            continue
        if name in result["layers"] and result["layers"][name]["layer"] == layer:
            continue
        result["layers"][name] = run_layer(layer, accelerator, args.mapping, args.opt)
        rec = result["layers"][name]
        print(f"{name}: {rec['energy_total_pj']:.4g} pJ, "
              f"{rec['latency_total2_cycles']:.0f} cycles, {rec['wall_s']:.1f} s", flush=True)
        save_layers(result, args.out)


if __name__ == "__main__":
    main()
