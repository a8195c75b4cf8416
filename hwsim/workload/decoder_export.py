"""Phases of a decoder exported from a torch model (``pruning.graph_export``, ONNX import).

An exported decoder is one forward pass over a prompt of S tokens (S: the sample inputs'
sequence length). Each layer gets a *role* (:class:`TokenRole`), from its kind and shape:

* ``scores`` / ``context``: the act x act matmuls of attention (the exporter's
  ``attention.scores`` / ``attention.context``): S rows per head and S columns (scores) or an
  S-long reduction (context); when S equals the head size the name decides;
* ``softmax``: the softmax right after a scores layer (heads x S x S elements);
* ``token``: everything else (linear layers of S rows, vector layers whose elements are a
  multiple of S): its work scales with the tokens computed.

:func:`exported_phase` rescales every layer for a :class:`~hwsim.workload.decoder.PhaseConfig`
(T new tokens, L attended, B sequences): ``token`` layers to T rows (vector elements x T / S),
attention rebuilt by :func:`hwsim.workload.decoder.attention_layers` (with a ``kv_append``
before the scores, the KV cache as operand B); masks and measured densities are kept, exact
effective MACs (measured over S tokens) dropped. Grouped-query attention: the exported graph
repeats K and V per query head (HF's ``repeat_kv``), so the KV heads are read off the block's
projections: the linear layers since the previous attention whose outputs are a multiple of
the head size and narrower than heads x head size (Llama's k_proj and v_proj); none (GPT-2's
fused c_attn): as many KV heads as query heads.

Worked example (tests/workload/test_decoder_export.py): a transformers GPT-2 with 2 blocks,
n_embd 64, 4 heads, exported at S = 16 and run in decode at L = 32: c_attn becomes 1 row of
64 x 192, scores 4 groups of 1 row x 16 x 32, a 4 x 1 x 32 softmax; the same MACs as the
built-in decoder of that shape.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum

from hwsim.errors import ConfigError, Problem
from hwsim.types import LayerKind, VectorOp
from hwsim.workload.decoder import PhaseConfig, attention_layers
from hwsim.workload.layer import LayerWorkload, Network


class TokenRole(StrEnum):
    """How a layer of a decoder scales with tokens (module docstring)."""

    TOKEN = "token"
    SCORES = "scores"
    SOFTMAX = "softmax"
    CONTEXT = "context"


@dataclass(frozen=True)
class DecoderRoles:
    """The roles of an exported decoder's layers: ``seq_len`` S of the export, one role per
    layer, and for each scores layer the KV heads found for it (``kv_heads[i]``)."""

    seq_len: int
    roles: tuple[TokenRole, ...]
    kv_heads: dict


def export_seq_len(network: Network) -> int:
    """S: the rows of every linear layer of an export (all equal), e.g. 16."""
    rows = {l.in_height for l in network.layers if l.kind is LayerKind.LINEAR}
    if len(rows) != 1:
        raise ConfigError([Problem(f"{network.name}.layers", "must be a decoder export whose "
                                   "linear layers all have the same rows (the sequence length)",
                                   sorted(rows) or "no linear layer")])
    return rows.pop()


def decoder_roles(network: Network) -> DecoderRoles:
    """Roles of every layer of an exported decoder (module docstring)."""
    seq = export_seq_len(network)
    roles, kv_heads, problems = [], {}, []
    for i, layer in enumerate(network.layers):
        after_scores = bool(roles) and roles[-1] is TokenRole.SCORES
        role = _role(layer, seq, after_scores)
        if role is None:
            problems.append(Problem(f"{network.name}.layers.{layer.name}", "must scale with "
                                    f"the sequence length {seq} (a per-token or attention "
                                    "layer)", _shape_text(layer)))
            role = TokenRole.TOKEN
        if role is TokenRole.SCORES:
            kv_heads[i] = _kv_heads(network.layers[:i], layer)
        roles.append(role)
    if problems:
        raise ConfigError(problems)
    if TokenRole.SCORES not in roles:
        raise ConfigError([Problem(f"{network.name}.layers", "must include attention "
                                   "(act_matmul scores and context) to run a decoder phase",
                                   "none")])
    return DecoderRoles(seq, tuple(roles), kv_heads)


def _role(layer: LayerWorkload, seq: int, after_scores: bool = False) -> TokenRole | None:
    if layer.kind is LayerKind.ACT_MATMUL:
        columns = layer.out_channels // layer.groups
        reduction = layer.in_channels // layer.groups
        if layer.in_height == seq and columns == seq and reduction != seq:
            return TokenRole.SCORES
        if layer.in_height == seq and reduction == seq and columns != seq:
            return TokenRole.CONTEXT
        if layer.in_height == seq and columns == reduction == seq:
            return TokenRole.SCORES if layer.name.endswith("scores") else TokenRole.CONTEXT
        return None
    if layer.kind is LayerKind.VECTOR:
        if (after_scores and layer.vector_op is VectorOp.SOFTMAX
                and layer.output_count % (seq * seq) == 0):
            return TokenRole.SOFTMAX
        ok = layer.in_channels % seq == 0 and layer.out_channels % seq == 0
        return TokenRole.TOKEN if ok else None
    return TokenRole.TOKEN if layer.in_height == seq and layer.in_width == 1 else None


def _kv_heads(before, scores: LayerWorkload) -> int:
    heads, head_dim = scores.groups, scores.in_channels // scores.groups
    block = []
    for layer in reversed(before):
        if layer.kind is LayerKind.ACT_MATMUL:
            break
        block.append(layer)
    narrow = {l.out_channels // head_dim for l in block if l.kind is LayerKind.LINEAR
              and l.out_channels % head_dim == 0 and l.out_channels < heads * head_dim}
    if len(narrow) == 1 and heads % next(iter(narrow)) == 0:
        return narrow.pop()
    return heads


def _shape_text(layer: LayerWorkload) -> str:
    return (f"{layer.kind} in {layer.in_channels} out {layer.out_channels} rows "
            f"{layer.in_height} groups {layer.groups}")


def exported_phase(network: Network, phase: PhaseConfig) -> Network:
    """``network`` (an exported decoder) rescaled for ``phase`` (module docstring)."""
    info = decoder_roles(network)
    seq, t = info.seq_len, phase.new_tokens
    layers: list[LayerWorkload] = []
    for i, (layer, role) in enumerate(zip(network.layers, info.roles)):
        if role is TokenRole.TOKEN:
            layers.append(_per_token(layer, seq, t, phase.batch))
        elif role is TokenRole.SCORES:
            heads, d = layer.groups, layer.in_channels // layer.groups
            prefix = layer.name.rpartition(".")[0] or layer.name
            attention = attention_layers(prefix, heads, info.kv_heads[i], d, phase)
            layers += [attention[0], _keep(attention[1], layer)]
        elif role is TokenRole.SOFTMAX:
            heads = layer.output_count // (seq * seq)
            count = heads * t * phase.context_len
            layers.append(dataclasses.replace(layer, in_channels=count, out_channels=count,
                                              batch=phase.batch))
        else:
            scores_i = max(j for j in info.kv_heads if j < i)
            heads, d = layer.groups, layer.out_channels // layer.groups
            context = attention_layers("x", heads, info.kv_heads[scores_i], d, phase)[3]
            layers.append(_keep(dataclasses.replace(context, name=layer.name), layer))
    return Network(f"{network.name}[{phase.label()}]", tuple(layers), network.profile)


def _per_token(layer: LayerWorkload, seq: int, tokens: int, batch: int) -> LayerWorkload:
    if layer.kind is LayerKind.VECTOR:
        return dataclasses.replace(layer, in_channels=layer.in_channels // seq * tokens,
                                   out_channels=layer.out_channels // seq * tokens,
                                   batch=batch, effective_macs=None)
    return dataclasses.replace(layer, in_height=tokens, batch=batch, effective_macs=None)


def _keep(new: LayerWorkload, old: LayerWorkload) -> LayerWorkload:
    """The rebuilt attention matmul ``new`` with the exported one's name and measured
    densities (operand B's density is ``weight_density``)."""
    return dataclasses.replace(new, name=old.name, weight_density=old.weight_density,
                               input_density=old.input_density,
                               output_density=old.output_density)


__all__ = ["DecoderRoles", "TokenRole", "decoder_roles", "export_seq_len", "exported_phase"]
