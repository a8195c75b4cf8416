"""A decoder phase priced at several context lengths: energy and latency per token against
the context (the report draws it: :mod:`hwsim.report.context_figures`).

:func:`context_sweep` estimates the network of ``workload`` for each context length
(:func:`hwsim.workload.llm.phase_network`, pruned with ``profile`` and dense) on one
accelerator, and returns the plain results document the figure and tables are made from::

    {"workload": "llama2_7b", "arch": "systolic_ws", "phase": "decode", "batch": 1,
     "kv_bits": null, "profile": "nm_2_4",
     "points": [{"context_len": 128, "pruned": {PhaseFigures}, "dense": {...}}, ...]}

Each side is :meth:`hwsim.workload.llm.PhaseFigures.to_dict` (per token, per sequence, KV
bytes) plus the total DRAM bytes and the bottleneck. Worked example: Llama-2-7B decode at
batch 1 on an 8-bit array reads W = 6,607,077,376 weight bytes at every context, and a KV
cache of 2 x 32 x 32 x 128 x L bytes: 33.6 MB at L = 128, 537 MB at 2,048, so energy per
token grows with L by the KV bytes' DRAM energy.
"""
from __future__ import annotations

from typing import Sequence

from hwsim.arch.model import Accelerator
from hwsim.cost.layer import EstimateOptions
from hwsim.cost.network import compare_network
from hwsim.errors import ConfigError, Problem
from hwsim.workload.decoder import PhaseConfig
from hwsim.workload.llm import phase_figures, phase_network


def parse_contexts(text: str) -> tuple[int, ...]:
    """``"128,512,2048"`` -> (128, 512, 2048): integers >= 1, sorted, no repeats."""
    try:
        values = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        values = ()
    if not values or values[0] < 1:
        raise ConfigError([Problem("context_sweep", "must be a comma-separated list of "
                                   "integers >= 1 (e.g. 128,512,2048)", text)])
    return values


def _side(total, phase: PhaseConfig) -> dict:
    row = phase_figures(total, phase).to_dict()
    row.update(dram_bytes=total.dram_bytes, bottleneck=total.bottleneck)
    return row


def context_sweep(workload: str, arch: Accelerator, phase: PhaseConfig,
                  contexts: Sequence[int], profile: str | None = None,
                  options: EstimateOptions = EstimateOptions(),
                  residency: str | None = None) -> dict:
    """The results document of ``workload`` running ``phase`` at each context length (module
    docstring); ``phase.context_len`` is replaced by each value of ``contexts``."""
    points = []
    for ctx in contexts:
        pc = PhaseConfig(phase=phase.phase, context_len=ctx, batch=phase.batch,
                         kv_bits=phase.kv_bits)
        cmp = compare_network(phase_network(workload, pc, profile), arch, options=options,
                              residency=residency)
        points.append({"context_len": ctx, "coverage": cmp.coverage.label(),
                       "pruned": _side(cmp.pruned.total, pc),
                       "dense": _side(cmp.dense.total, pc)})
    return {"workload": str(workload), "arch": arch.name, "phase": str(phase.phase),
            "batch": phase.batch, "kv_bits": phase.kv_bits, "profile": profile,
            "points": points}


__all__ = ["context_sweep", "parse_contexts"]
