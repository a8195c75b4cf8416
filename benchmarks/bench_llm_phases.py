"""Speed of the decoder phases (issue 12): a 7B model is shapes only (no masks), so building
and estimating it takes seconds. Prints, per accelerator and phase, the layers, the wall time
of building the network and of ``compare_network`` (pruned with nm_2_4 and dense), and the
figures per token (weights and KV bytes read, latency, energy, bound).

    python benchmarks/bench_llm_phases.py                 # llama2_7b on three accelerators
    python benchmarks/bench_llm_phases.py llama3_8b
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from hwsim.arch import load_arch
from hwsim.cost import compare_network
from hwsim.types import Operand
from hwsim.workload.decoder import PhaseConfig
from hwsim.workload.llm import phase_figures, phase_network

ARCHS = ("systolic_ws", "sparse_tensor_core", "h100_sxm")
ROOT = Path(__file__).resolve().parents[1]


def main(model: str = "llama2_7b") -> None:
    print(f"{model}: build and estimate (pruned = nm_2_4, and dense), wall seconds")
    print(f"{'arch':<19}{'phase':<14}{'layers':>7}{'build':>7}{'est':>7}  "
          f"{'weights GB':>10}{'KV MB':>9}{'ms/token':>10}{'mJ/token':>10}  bound")
    for name in ARCHS:
        arch = load_arch(ROOT / "arch_configs" / f"{name}.yaml")
        for phase in (PhaseConfig("decode", 2048), PhaseConfig("prefill", 2048)):
            start = time.perf_counter()
            net = phase_network(model, phase, profile="nm_2_4")
            built = time.perf_counter()
            cmp = compare_network(net, arch)
            done = time.perf_counter()
            for side, total in (("nm_2_4", cmp.pruned.total), ("dense", cmp.dense.total)):
                f = phase_figures(total, phase)
                print(f"{name:<19}{phase.phase + '@2048':<14}{len(net.layers):>7}"
                      f"{built - start:>7.2f}{done - built:>7.2f}  "
                      f"{total.dram_bytes_of(Operand.WEIGHTS) / 1e9:>10.3f}"
                      f"{total.kv_cache_read_bytes / 1e6:>9.1f}"
                      f"{f.latency_per_token_s * 1e3:>10.3f}"
                      f"{f.energy_per_token_pj / 1e9:>10.3f}  {total.bottleneck} ({side})")


if __name__ == "__main__":
    main(*sys.argv[1:2])
