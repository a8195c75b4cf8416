"""Decoder-only language models as data, and their prefill / decode phases as networks.

A :class:`DecoderSpec` is a published configuration (``hwsim/data/llm_configs.yaml``: layers,
hidden width, query and KV heads, feed-forward width, vocabulary, MLP, norm and position
kinds); :class:`PhaseConfig` says what runs: ``prefill`` (a prompt of ``context_len`` tokens per
sequence) or ``decode`` (one new token per sequence attending to ``context_len`` cached tokens,
its own included: the new K,V are appended first, as vLLM writes them before attention), for
``batch`` sequences, the KV cache at ``kv_bits`` per element (None: the accelerator's activation
bits). :func:`decoder_layers` is the one pure function from the two to layers.

Per block, with T new tokens per sequence (prefill: T = L = context_len; decode: T = 1),
L attended tokens, h = hidden, d = h / heads, g = heads / kv_heads query heads per KV head:

* ``attn_norm``, ``self_attn.{q,k,v}_proj`` (h -> heads x d, kv x d, kv x d, T rows),
  ``self_attn.rope`` (rotary models: q and k, 3 ops per element), ``self_attn.kv_append``
  (the new K and V, 2 x kv x d x T elements, written to the cache at ``kv_bits``);
* ``self_attn.scores`` = Q K^T and ``self_attn.context`` = P V as act x act matmuls with one
  group per KV head: the g query heads sharing a KV head are stacked as rows (g x T rows), so
  the KV cache is operand B, read once per KV head and sequence (grouped-query attention
  shares it): scores reduce over d into L columns, context over L into d columns;
  ``self_attn.softmax`` over heads x T x L elements. Prefill computes all T x L scores (the
  causal mask is applied, not skipped, as HF's eager attention and AccelForge's model do);
* ``self_attn.o_proj``, residual ``add``, ``mlp_norm``, the MLP (``gelu``: fc, gelu, proj;
  ``gated_silu``: gate_proj, up_proj, silu, mul, down_proj), residual ``add``.

Around the blocks: ``embed_tokens`` (a gather of h elements per token: the table is not read
whole, so it is not a stored weight here), ``embed_positions`` (learned positions: one add),
``final_norm`` and ``lm_head`` (h -> vocab) on the last token of each sequence only (prefill
produces the first new token; decode the next).

Worked example (Llama-2-7B, decode, L = 2048, batch 1): per block 4 x 4096^2 + 3 x 4096 x
11008 = 202,375,168 stored weights, x 32 + LM head 32000 x 4096 = 6,607,077,376 (13.2 GB at
16 bits; the published 6.74 B adds the 131 M embedding table); attention MACs per block
2 x 32 x 1 x 2048 x 128 = 16,777,216; KV cache read 2 x 32 layers x 32 KV heads x 128 x 2048
x 16 / 8 = 1,073,741,824 bytes (1 GiB).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hwsim.config.problems import problems_from_validation_error
from hwsim.errors import ConfigError, Problem
from hwsim.types import LayerKind, VectorOp
from hwsim.workload.layer import LayerWorkload

LLM_DATA = Path(__file__).resolve().parent.parent / "data" / "llm_configs.yaml"
DEFAULT_CONTEXT_LEN = 128
NORM_OPS = {"layernorm": 7.0, "rmsnorm": 4.0}   # LayerNorm as bert_base; RMSNorm: square,
# accumulate, scale, weight multiply
SOFTMAX_OPS = 5.0
ACTIVATION_OPS = 4.0      # GELU (tanh form) and SiLU, as the zoo built-ins
ROPE_OPS = 3.0            # x cos + rotate_half(x) sin: two multiplies and an add per element

Size = Annotated[int, Field(ge=1)]


class DecoderSpec(BaseModel):
    """One decoder's published configuration (the keys of ``llm_configs.yaml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    description: str
    layers: Size
    hidden: Size
    heads: Size
    kv_heads: Size
    intermediate: Size
    vocab: Size
    mlp: Literal["gelu", "gated_silu"]
    norm: Literal["layernorm", "rmsnorm"]
    position: Literal["learned", "rotary"]
    max_context: Size
    source: str

    @model_validator(mode="after")
    def _heads_divide(self) -> "DecoderSpec":
        if self.hidden % self.heads:
            raise ValueError(f"hidden must be divisible by heads ({self.heads}). "
                             f"Got {self.hidden} instead.")
        if self.heads % self.kv_heads:
            raise ValueError(f"heads must be divisible by kv_heads ({self.kv_heads}). "
                             f"Got {self.heads} instead.")
        return self

    @property
    def head_dim(self) -> int:
        """hidden / heads, e.g. 4096 / 32 = 128."""
        return self.hidden // self.heads

    @property
    def stored_weight_count(self) -> int:
        """Weights of every linear layer: blocks x (attention + MLP) + LM head.

        Llama-2-7B: 32 x (4096 x (32 + 2 x 32) x 128 + 4096^2 + 3 x 4096 x 11008) + 32000 x
        4096 = 6,607,077,376."""
        d, h = self.head_dim, self.hidden
        attention = h * (self.heads + 2 * self.kv_heads) * d + self.heads * d * h
        mlp = (3 if self.mlp == "gated_silu" else 2) * h * self.intermediate
        return self.layers * (attention + mlp) + h * self.vocab


class Phase(StrEnum):
    """``prefill``: the prompt, every token at once; ``decode``: one new token per sequence."""

    PREFILL = "prefill"
    DECODE = "decode"


@dataclass(frozen=True)
class PhaseConfig:
    """What a decoder runs: ``phase``, ``context_len`` (prefill: prompt tokens; decode: tokens
    the new one attends to, itself included), ``batch`` sequences, KV-cache ``kv_bits`` per
    element (None: the accelerator's activation bits). Invalid values raise ConfigError.

    Example: ``PhaseConfig("decode", 2048).new_tokens == 1``.
    """

    phase: Phase = Phase.PREFILL
    context_len: int = DEFAULT_CONTEXT_LEN
    batch: int = 1
    kv_bits: int | None = None

    def __post_init__(self) -> None:
        problems = []
        if self.phase not in Phase._value2member_map_:
            problems.append(Problem("phase", "must be prefill or decode", self.phase))
        else:
            object.__setattr__(self, "phase", Phase(self.phase))
        for key in ("context_len", "batch", "kv_bits"):
            value = getattr(self, key)
            if value is None and key == "kv_bits":
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                problems.append(Problem(key, "must be an integer >= 1", value))
        if problems:
            raise ConfigError(problems)

    @property
    def new_tokens(self) -> int:
        """Tokens computed per sequence: context_len in prefill, 1 in decode."""
        return self.context_len if self.phase is Phase.PREFILL else 1

    def label(self) -> str:
        """``decode@2048xB1`` style tag used in network names."""
        return f"{self.phase}@{self.context_len}xB{self.batch}"


@lru_cache(maxsize=1)
def decoder_specs() -> dict[str, DecoderSpec]:
    """name -> :class:`DecoderSpec`, read once from :data:`LLM_DATA` (validated; callers must
    not mutate the dict)."""
    with open(LLM_DATA, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)["decoders"]
    specs, problems = {}, []
    for name, entry in raw.items():
        try:
            specs[name] = DecoderSpec.model_validate({"name": name, **entry})
        except ValidationError as exc:
            problems += [Problem(f"decoders.{name}.{p.path}".rstrip("."), p.requirement,
                                 p.value, str(LLM_DATA))
                         for p in problems_from_validation_error(exc, DecoderSpec, None)]
    if problems:
        raise ConfigError(problems)
    return specs


def decoder_spec(name: str) -> DecoderSpec:
    """The spec of built-in decoder ``name`` (e.g. ``llama2_7b``); ConfigError lists them."""
    specs = decoder_specs()
    if name not in specs:
        raise ConfigError([Problem("decoder", f"must be one of {', '.join(specs)}", name)])
    return specs[name]


# ---- layers ----------------------------------------------------------------------------------
def _vector(name: str, inputs: int, outputs: int, op: VectorOp, ops: float, batch: int,
            **extra) -> LayerWorkload:
    return LayerWorkload(name=name, kind=LayerKind.VECTOR, in_channels=inputs,
                         out_channels=outputs, batch=batch, vector_op=op,
                         ops_per_element=ops, **extra)


def _linear(name: str, rows: int, d_in: int, d_out: int, batch: int) -> LayerWorkload:
    return LayerWorkload(name=name, kind=LayerKind.LINEAR, in_channels=d_in,
                         out_channels=d_out, in_height=rows, batch=batch)


def attention_layers(prefix: str, heads: int, kv_heads: int, head_dim: int, phase: PhaseConfig
                     ) -> tuple[LayerWorkload, ...]:
    """KV append, scores, softmax and context of one attention (module docstring).

    Example (Llama-3-8B decode at L = 8, batch 1): scores has 8 groups of 4 rows x 128 x 8
    columns: 8 x 4 x 128 x 8 = 32,768 MACs = 32 heads x 1 token x 8 x 128.
    """
    t, ctx, b = phase.new_tokens, phase.context_len, phase.batch
    rows = t * (heads // kv_heads)
    kv = {"kv_cache": True, "kv_bits": phase.kv_bits}
    return (
        _vector(f"{prefix}.kv_append", 2 * kv_heads * head_dim * t,
                2 * kv_heads * head_dim * t, VectorOp.COPY, 1.0, b, **kv),
        LayerWorkload(name=f"{prefix}.scores", kind=LayerKind.ACT_MATMUL,
                      in_channels=kv_heads * head_dim, out_channels=kv_heads * ctx,
                      in_height=rows, groups=kv_heads, batch=b, **kv),
        _vector(f"{prefix}.softmax", heads * t * ctx, heads * t * ctx, VectorOp.SOFTMAX,
                SOFTMAX_OPS, b),
        LayerWorkload(name=f"{prefix}.context", kind=LayerKind.ACT_MATMUL,
                      in_channels=kv_heads * ctx, out_channels=kv_heads * head_dim,
                      in_height=rows, groups=kv_heads, batch=b, **kv),
    )


def _block(spec: DecoderSpec, i: int, phase: PhaseConfig) -> list[LayerWorkload]:
    t, b, h, d = phase.new_tokens, phase.batch, spec.hidden, spec.head_dim
    p, norm_ops = f"layers.{i}", NORM_OPS[spec.norm]
    att = f"{p}.self_attn"
    layers = [_vector(f"{p}.attn_norm", t * h, t * h, VectorOp.NORM, norm_ops, b),
              _linear(f"{att}.q_proj", t, h, spec.heads * d, b),
              _linear(f"{att}.k_proj", t, h, spec.kv_heads * d, b),
              _linear(f"{att}.v_proj", t, h, spec.kv_heads * d, b)]
    if spec.position == "rotary":
        qk = (spec.heads + spec.kv_heads) * d * t
        layers.append(_vector(f"{att}.rope", qk, qk, VectorOp.ELEMENTWISE, ROPE_OPS, b))
    layers += attention_layers(att, spec.heads, spec.kv_heads, d, phase)
    layers += [_linear(f"{att}.o_proj", t, spec.heads * d, h, b),
               _vector(f"{p}.attn_add", 2 * t * h, t * h, VectorOp.ELEMENTWISE, 1.0, b),
               _vector(f"{p}.mlp_norm", t * h, t * h, VectorOp.NORM, norm_ops, b)]
    return layers + _mlp(spec, f"{p}.mlp", phase) + [
        _vector(f"{p}.mlp_add", 2 * t * h, t * h, VectorOp.ELEMENTWISE, 1.0, b)]


def _mlp(spec: DecoderSpec, p: str, phase: PhaseConfig) -> list[LayerWorkload]:
    t, b, h, f = phase.new_tokens, phase.batch, spec.hidden, spec.intermediate
    if spec.mlp == "gelu":
        return [_linear(f"{p}.fc", t, h, f, b),
                _vector(f"{p}.gelu", t * f, t * f, VectorOp.ACTIVATION, ACTIVATION_OPS, b),
                _linear(f"{p}.proj", t, f, h, b)]
    return [_linear(f"{p}.gate_proj", t, h, f, b), _linear(f"{p}.up_proj", t, h, f, b),
            _vector(f"{p}.silu", t * f, t * f, VectorOp.ACTIVATION, ACTIVATION_OPS, b),
            _vector(f"{p}.mul", 2 * t * f, t * f, VectorOp.ELEMENTWISE, 1.0, b),
            _linear(f"{p}.down_proj", t, f, h, b)]


def decoder_layers(spec: DecoderSpec, phase: PhaseConfig) -> tuple[LayerWorkload, ...]:
    """Every layer of ``spec`` running ``phase`` (module docstring), in execution order."""
    if phase.context_len > spec.max_context:
        raise ConfigError([Problem("context_len", f"must be <= {spec.max_context} (the "
                                   f"longest context {spec.name} was trained for)",
                                   phase.context_len)])
    t, b, h = phase.new_tokens, phase.batch, spec.hidden
    layers = [_vector("embed_tokens", t * h, t * h, VectorOp.GATHER, 1.0, b)]
    if spec.position == "learned":
        layers.append(_vector("embed_positions", 2 * t * h, t * h, VectorOp.ELEMENTWISE,
                              1.0, b))
    for i in range(spec.layers):
        layers += _block(spec, i, phase)
    layers += [_vector("final_norm", t * h, t * h, VectorOp.NORM, NORM_OPS[spec.norm], b),
               _linear("lm_head", 1, h, spec.vocab, b)]
    return tuple(layers)


def network_name(spec_name: str, phase: PhaseConfig) -> str:
    """``llama2_7b[decode@2048xB1]``: the built-in's name with its phase."""
    return f"{spec_name}[{phase.label()}]"


__all__ = ["DEFAULT_CONTEXT_LEN", "DecoderSpec", "Phase", "PhaseConfig", "attention_layers",
           "decoder_layers", "decoder_spec", "decoder_specs", "network_name"]
