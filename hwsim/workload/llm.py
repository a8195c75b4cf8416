"""The one resolver for LLM phases, and the per-token / per-sequence figures of a run.

:func:`phase_network` turns ``--workload`` (a built-in decoder, or a decoder workload file /
ONNX export) and a :class:`~hwsim.workload.decoder.PhaseConfig` into the network the cost
model prices: built-ins through :func:`hwsim.workload.decoder.decoder_layers`, exports
through :func:`hwsim.workload.decoder_export.exported_phase`; then the sparsity profile.

:func:`phase_figures` restates a network total per token and per sequence:

* ``tokens`` = batch x new tokens (prefill: batch x context_len; decode: batch);
* ``energy_per_token_pj`` = energy / tokens; ``energy_per_sequence_pj`` = energy / batch;
* ``latency_per_token_s`` = latency / new tokens per sequence (decode: the step itself, the
  time between two tokens of a sequence; prefill: the prompt's time shared over its tokens);
  ``latency_per_sequence_s`` = the step's latency (prefill: time to the first token);
* ``tokens_per_s`` = tokens / latency.

Worked example: decode at batch 4 taking 10 ms and 2 J -> 4 tokens, 0.5 J per token and per
sequence, 10 ms per token, 400 tokens/s.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from hwsim.errors import ConfigError, Problem
from hwsim.workload.builtin import canonical_network_name
from hwsim.workload.decoder import PhaseConfig, decoder_layers, decoder_specs, network_name
from hwsim.workload.decoder_export import exported_phase
from hwsim.workload.files import resolve_network
from hwsim.workload.layer import Network
from hwsim.workload.profiles import apply_profile


def phase_network(name_or_path: str | os.PathLike, phase: PhaseConfig,
                  profile: str | None = None) -> Network:
    """The network of a decoder running ``phase`` (module docstring), then ``profile``.

    Example: ``phase_network("llama2_7b", PhaseConfig("decode", 2048)).name ==
    "llama2_7b[decode@2048xB1]"``. A built-in that is not a decoder is a ConfigError.
    """
    canonical = canonical_network_name(str(name_or_path))
    specs = decoder_specs()
    if canonical in specs:
        network = Network(network_name(canonical, phase),
                          decoder_layers(specs[canonical], phase))
    elif canonical is not None:
        raise ConfigError([Problem("workload", "must be a decoder for --phase (built-ins "
                                   f"{', '.join(specs)}, or a decoder's workload file)",
                                   str(name_or_path))])
    else:
        network = exported_phase(resolve_network(name_or_path), phase)
    return apply_profile(network, profile) if profile is not None else network


@dataclass(frozen=True)
class PhaseFigures:
    """A total restated per token and per sequence (module docstring); seconds and pJ."""

    phase: str
    context_len: int
    batch: int
    kv_bits: int | None
    tokens: int
    energy_pj: float
    latency_s: float
    energy_per_token_pj: float
    energy_per_sequence_pj: float
    latency_per_token_s: float
    latency_per_sequence_s: float
    tokens_per_s: float
    kv_cache_read_bytes: float
    kv_cache_write_bytes: float

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def phase_figures(total, phase: PhaseConfig) -> PhaseFigures:
    """Per-token and per-sequence figures of a network ``total`` (a ``NetworkTotal``)."""
    per_seq = phase.new_tokens
    tokens = phase.batch * per_seq
    latency = total.latency_s
    return PhaseFigures(
        phase=str(phase.phase), context_len=phase.context_len, batch=phase.batch,
        kv_bits=phase.kv_bits, tokens=tokens, energy_pj=total.energy_pj, latency_s=latency,
        energy_per_token_pj=total.energy_pj / tokens,
        energy_per_sequence_pj=total.energy_pj / phase.batch,
        latency_per_token_s=latency / per_seq, latency_per_sequence_s=latency,
        tokens_per_s=tokens / latency if latency else 0.0,
        kv_cache_read_bytes=total.kv_cache_read_bytes,
        kv_cache_write_bytes=total.kv_cache_write_bytes)


__all__ = ["PhaseFigures", "phase_figures", "phase_network"]
