"""Shared test data: a hand-made estimate row (``ROW``) and a real results document built
without torch (``make_results``): LeNet-300-100 under the han2015 profile, estimated on EIE
against the dense network on the systolic array, with a hand-made pruning summary."""
from pathlib import Path

import numpy as np

from hwsim.arch import load_arch
from hwsim.run.config import parse_run_config
from hwsim.run.job import LoadedArch, estimate_all, results_document
from hwsim.run.prune_stage import PruneOutcome, histogram_record
from hwsim.workload import resolve_network

ARCH_DIR = Path(__file__).resolve().parents[2] / "arch_configs"

SUMMARY = {
    "model": "lenet300",
    "schedule": {"name": "hand"},
    "data": {"source": "hand-made"},
    "layers": [{"name": "fc1", "kind": "linear", "weights": 235200},
               {"name": "fc2", "kind": "linear", "weights": 30000},
               {"name": "fc3", "kind": "linear", "weights": 1000}],
    "dense": {"test_accuracy_pct": 97.0, "weights": 266200, "test_samples": 1000},
    "iterations": [
        {"index": 1, "phase": "all", "kept_weights": {"fc1": 47040, "fc2": 6000, "fc3": 500},
         "kept_total": 53540, "compression_x": 266200 / 53540, "accuracy_pruned_pct": 95.0,
         "test_accuracy_pct": 96.8},
        {"index": 2, "phase": "all", "kept_weights": {"fc1": 18816, "fc2": 2700, "fc3": 260},
         "kept_total": 21776, "compression_x": 266200 / 21776, "accuracy_pruned_pct": 93.0,
         "test_accuracy_pct": 96.5}],
    "final": {"compression_x": 266200 / 21776, "test_accuracy_pct": 96.5},
    "files": {"workload": "workload.yaml"},
}


def make_results() -> dict:
    network = resolve_network("lenet300", profile="han2015")
    archs = (LoadedArch("pruned", ARCH_DIR / "eie.yaml", load_arch(ARCH_DIR / "eie.yaml")),
             LoadedArch("baseline", ARCH_DIR / "systolic_ws.yaml",
                        load_arch(ARCH_DIR / "systolic_ws.yaml")))
    rng = np.random.default_rng(0)
    dense = rng.normal(0, 0.05, 500)
    extras = {"histograms": {"fc1": histogram_record(dense, dense[np.abs(dense) > 0.05], 20)},
              "sensitivity": {"method": "han_threshold", "parameter": "quality",
                              "baseline_accuracy_pct": 97.0, "eval_samples": 1000,
                              "curves": [{"layer": "fc1", "values": [0.0, 1.0],
                                          "kept_fraction": [1.0, 0.3],
                                          "accuracy_pct": [97.0, 95.0]}]}}
    prune = PruneOutcome(network, SUMMARY, extras, "0123456789abcdef0123", None, True, 0.1)
    config = parse_run_config({"name": "hand"})
    comparisons = estimate_all(network, archs, progress=False)
    return results_document(config, "<test>", prune, network, archs, comparisons, None,
                            {"prune": 0.1, "estimate": 0.2})



ROW = {
    "name": "fc1", "supported": True, "weight_count": 1000, "weight_nnz": 90,
    "macs_dense": 1000, "macs_effective": 36.0, "weight_bytes_dense": 2000.0,
    "weight_bytes_stored": 150.0, "weight_metadata_bytes": 60.0, "weight_format": "csc",
    "weights_fit_on_chip": True, "dram_read_bytes": 10.0, "dram_write_bytes": 2.0,
    "energy_pj": 500.0, "energy_breakdown_pj": {"spmat": 300.0, "mac": 200.0},
    "latency_cycles": 40.0, "latency_s": 5e-8, "bottleneck": "compute",
    "traffic": [{"level": "spmat", "reads": 19, "writes": 0},
                {"level": "act", "reads": 5, "writes": 4},
                {"level": "act", "reads": 1, "writes": 0}],
    "baseline": {"energy_pj": 20000.0, "latency_cycles": 400.0, "latency_s": 4e-7,
                 "dram_read_bytes": 1000.0, "dram_write_bytes": 24.0,
                 "weight_bytes_stored": 1000.0, "bottleneck": "dram",
                 "energy_breakdown_pj": {"dram": 18000.0, "mac": 2000.0}},
    # latency_x is a ratio of seconds: 4e-7 s / 5e-8 s = 8 (the cycles 400 / 40 = 10 come
    # from two clocks, 1 GHz dense and 800 MHz pruned)
    "savings": {"energy_x": 40.0, "latency_x": 8.0, "memory_x": 1000 / 150,
                "dram_traffic_x": 1024 / 12},
}
