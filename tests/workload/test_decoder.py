"""Decoder built-ins and their phases: closed-form shapes (Llama-2-7B, Llama-3-8B, GPT-3 6.7B)
and an exact match with AccelForge's GPT-3 6.7B workloads (issue 12, part 4)."""
import math

import pytest

from hwsim.arch import load_arch
from hwsim.cost import estimate_layer
from hwsim.errors import ConfigError
from hwsim.types import LayerKind
from hwsim.workload import (builtin_network, canonical_network_name, list_builtin_networks,
                            resolve_network)
from hwsim.workload.decoder import (DecoderSpec, PhaseConfig, decoder_layers, decoder_spec,
                                    decoder_specs)
from hwsim.workload.llm import phase_figures, phase_network

from pathlib import Path

ARCH_DIR = Path(__file__).resolve().parents[2] / "arch_configs"


def _block(net, i=0):
    prefix = f"layers.{i}."
    return {l.name[len(prefix):]: l for l in net.layers if l.name.startswith(prefix)}


# ---- published configurations -------------------------------------------------------------
@pytest.mark.parametrize("name, shape", [
    # (layers, hidden, heads, kv_heads, intermediate, vocab) as each config.json / paper prints
    ("gpt2", (12, 768, 12, 12, 3072, 50257)),
    ("llama2_7b", (32, 4096, 32, 32, 11008, 32000)),
    ("llama3_8b", (32, 4096, 32, 8, 14336, 128256)),
    ("tinyllama_1b", (22, 2048, 32, 4, 5632, 32000)),
    ("gpt3_6.7b", (32, 4096, 32, 32, 16384, 50257)),
])
def test_published_configs(name, shape):
    spec = decoder_spec(name)
    assert (spec.layers, spec.hidden, spec.heads, spec.kv_heads, spec.intermediate,
            spec.vocab) == shape
    assert spec.source


@pytest.mark.parametrize("name, weights", [
    # linear layers + LM head (test_published_parameter_totals adds the embedding table)
    ("llama2_7b", 32 * (4 * 4096 ** 2 + 3 * 4096 * 11008) + 32000 * 4096),
    ("llama3_8b", 32 * (2 * 4096 ** 2 + 2 * 4096 * 1024 + 3 * 4096 * 14336) + 128256 * 4096),
    ("tinyllama_1b", 22 * (2 * 2048 ** 2 + 2 * 2048 * 256 + 3 * 2048 * 5632) + 32000 * 2048),
    ("gpt2", 12 * (4 * 768 ** 2 + 2 * 768 * 3072) + 50257 * 768),
])
def test_stored_weights(name, weights):
    net = builtin_network(name)
    assert sum(l.stored_weight_count for l in net.layers) == weights
    assert decoder_spec(name).stored_weight_count == weights


def test_published_parameter_totals():
    """Stored weights + the embedding table (+ biases, norms: < 0.1 %) give the published
    sizes: Llama-2-7B 6.74 B, Llama-3-8B 8.03 B, TinyLlama 1.1 B, GPT-2 124 M (tied head:
    the table counted once)."""
    def total(name, tied=False):
        spec = decoder_spec(name)
        embed = spec.vocab * spec.hidden
        return spec.stored_weight_count + (0 if tied else embed)
    assert total("llama2_7b") / 1e9 == pytest.approx(6.74, abs=0.005)
    assert total("llama3_8b") / 1e9 == pytest.approx(8.03, abs=0.005)
    assert total("tinyllama_1b") / 1e9 == pytest.approx(1.10, abs=0.005)
    assert (total("gpt2", tied=True) + 1024 * 768) / 1e6 == pytest.approx(124.3, abs=0.2)


def test_names_aliases_and_default_phase():
    assert list_builtin_networks()[-5:] == ("gpt2", "llama2_7b", "llama3_8b", "tinyllama_1b",
                                           "gpt3_6.7b")
    assert canonical_network_name("Llama-2-7B") == "llama2_7b"
    assert canonical_network_name("gpt-3-6.7b") == "gpt3_6.7b"
    assert builtin_network("tinyllama_1b:256").layer("layers.0.self_attn.q_proj").in_height \
        == 256
    assert builtin_network("gpt2").layer("layers.0.mlp.fc").in_height == 128
    net = resolve_network("gpt2", batch=3)
    assert {l.batch for l in net.layers} == {3}


# ---- closed forms per layer ---------------------------------------------------------------
@pytest.mark.parametrize("phase, context, batch", [("prefill", 512, 1), ("decode", 2048, 1),
                                                    ("decode", 300, 4)])
def test_llama2_7b_per_layer_closed_form(phase, context, batch):
    """T new tokens (prefill: L; decode: 1), L attended, B sequences, d = 128:
    q/k/v/o: B T 4096^2; gate/up/down: B T 4096 x 11008; scores and context: B x 32 x T x L
    x 128 MACs each with a 32 x 128 x L operand B (the K or V cache); softmax B x 32 x T x L
    elements; LM head on the last token: B x 4096 x 32000."""
    t = context if phase == "prefill" else 1
    net = phase_network("llama2_7b", PhaseConfig(phase, context, batch))
    block = _block(net, 7)
    for name in ("q_proj", "k_proj", "v_proj", "o_proj"):
        layer = block[f"self_attn.{name}"]
        assert layer.macs_dense == batch * t * 4096 ** 2
        assert layer.stored_weight_count == 4096 ** 2
    for name in ("gate_proj", "up_proj", "down_proj"):
        assert block[f"mlp.{name}"].macs_dense == batch * t * 4096 * 11008
    for name in ("scores", "context"):
        layer = block[f"self_attn.{name}"]
        assert layer.kind is LayerKind.ACT_MATMUL and layer.kv_cache
        assert layer.macs_dense == batch * 32 * t * context * 128
        assert layer.weight_count == 32 * 128 * context     # operand B: K^T or V per sequence
    assert block["self_attn.softmax"].output_count == batch * 32 * t * context
    assert block["self_attn.kv_append"].output_count == batch * 2 * 32 * 128 * t
    assert net.layer("lm_head").macs_dense == batch * 4096 * 32000
    assert len([l for l in net.layers if l.kv_cache and l.kind is LayerKind.ACT_MATMUL]) == 64


def test_grouped_query_attention_shares_kv_heads():
    """Llama-3-8B decode at L = 4096: each of the 8 KV heads serves 4 query heads, stacked as
    4 rows: scores = 8 groups x 4 rows x 128 x 4096 = 16,777,216 MACs (= 32 heads x 4096 x
    128) with operand B 8 x 128 x 4096 = 4,194,304 elements (a quarter of MHA's)."""
    block = _block(phase_network("llama3_8b", PhaseConfig("decode", 4096)))
    scores = block["self_attn.scores"]
    assert (scores.groups, scores.in_height) == (8, 4)
    assert scores.macs_dense == 32 * 4096 * 128 == 16_777_216
    assert scores.weight_count == 8 * 128 * 4096
    assert block["self_attn.k_proj"].out_channels == 8 * 128


def test_kv_cache_bytes_closed_form_on_an_8_bit_array():
    """One scores layer of Llama-2-7B decode at L = 2048 reads its K cache once:
    32 x 128 x 2048 x 8 / 8 = 8,388,608 bytes; with kv_bits 16: twice that."""
    arch = load_arch(ARCH_DIR / "systolic_ws.yaml")
    for bits, expected in ((None, 8_388_608), (16, 16_777_216)):
        net = phase_network("llama2_7b", PhaseConfig("decode", 2048, kv_bits=bits))
        cost = estimate_layer(net.layer("layers.0.self_attn.scores"), arch)
        assert cost.kv_cache_read_bytes == expected


# ---- AccelForge's GPT-3 6.7B, transcribed ---------------------------------------------------
# accelforge 1.0.467 (PyPI wheel: pip download --no-deps accelforge), examples/workloads/
# gpt3_6.7B.yaml and gpt3_6.7B_kv_cache.yaml: rank sizes H 32, E 128, F 128, D 4096, C 16384,
# J 4096, G 4096, bits_per_value 8; prefill P = M = N_TOKENS; KV cache: M = N_NEW_TOKENS (1),
# M_FULL = N_TOKENS. Einsums (output <- operand A, operand B), one per block:
ACCELFORGE_EINSUMS = {
    # AccelForge einsum: (hwsim layer in the block, output ranks, A ranks, B ranks)
    "V": ("self_attn.v_proj", "BMHE", "BMD", "HED"),
    "K": ("self_attn.k_proj", "BMHE", "BMD", "HED"),
    "Q": ("self_attn.q_proj", "BMHE", "BMD", "HED"),
    "QK": ("self_attn.scores", "BMPH", "BMHE", "BPHE"),
    "QK_softmax": ("self_attn.softmax", "BMPH", "BMPH", ""),
    "AV": ("self_attn.context", "BMHF", "BMPH", "BPHF"),
    "Z": ("self_attn.o_proj", "BMG", "BMHF", "HFG"),
    "FFA": ("mlp.fc", "BMC", "BMG", "GC"),
    "FFB": ("mlp.proj", "BMJ", "BMC", "CJ"),
}
RANKS = {"H": 32, "E": 128, "F": 128, "D": 4096, "C": 16384, "J": 4096, "G": 4096}


def _size(ranks: str, sizes: dict) -> int:
    return math.prod(sizes[r] for r in ranks)


@pytest.mark.parametrize("phase, tokens, batch", [("prefill", 1024, 2), ("decode", 2048, 3)])
def test_gpt3_6_7b_matches_accelforge_shapes(phase, tokens, batch):
    """Every AccelForge einsum of a block has our layer's MACs (the product of all its ranks),
    operand sizes and output size. Prefill: M = P = N_TOKENS; decode is the KV-cache workload
    with N_NEW_TOKENS = 1, M_FULL (P here) = N_TOKENS = our context_len: the cache after the
    new token's K, V are appended."""
    sizes = {**RANKS, "B": batch, "M": tokens if phase == "prefill" else 1, "P": tokens}
    block = _block(phase_network("gpt3_6.7b", PhaseConfig(phase, tokens, batch)))
    for einsum, (ours, out, a, b) in ACCELFORGE_EINSUMS.items():
        layer = block[ours]
        assert layer.output_count == _size(out, sizes), einsum
        assert layer.input_count == _size(a, sizes), einsum
        if not b:                                   # the softmax: elementwise, no MACs
            continue
        assert layer.macs_dense == _size("".join(dict.fromkeys(out + a + b)), sizes), einsum
        per_sequence_b = _size(b.replace("B", ""), sizes)
        assert layer.weight_count == per_sequence_b, einsum
        assert layer.batch * layer.weight_count == (_size(b, sizes) if "B" in b
                                                    else batch * per_sequence_b), einsum


def test_gpt3_6_7b_kv_cache_bytes_match_accelforge_at_8_bits():
    """AccelForge's K and V tensors (B x M_FULL x H x E at 8 bits) are what our scores and
    context read from DRAM on the 8-bit array: 2 x 2048 x 32 x 128 bytes per block."""
    arch = load_arch(ARCH_DIR / "systolic_ws.yaml")
    net = phase_network("gpt3_6.7b", PhaseConfig("decode", 2048, batch=2))
    block = _block(net, 0)
    read = sum(estimate_layer(block[f"self_attn.{n}"], arch).kv_cache_read_bytes
               for n in ("scores", "context"))
    assert read == 2 * _size("BPHE", {**RANKS, "B": 2, "P": 2048})


# ---- options and figures --------------------------------------------------------------------
def test_phase_config_and_spec_errors_name_the_key():
    with pytest.raises(ConfigError) as err:
        PhaseConfig("decoding", 0, batch=0, kv_bits=0)
    text = str(err.value)
    for key in ("phase", "context_len", "batch", "kv_bits"):
        assert key in text
    with pytest.raises(ConfigError, match="context_len must be <= 1024"):
        phase_network("gpt2", PhaseConfig("decode", 2048))
    with pytest.raises(ConfigError, match="must be a decoder"):
        phase_network("bert_base", PhaseConfig("decode", 16))
    bad = {**decoder_spec("gpt2").model_dump(), "heads": 7}
    with pytest.raises(ValueError, match="hidden must be divisible by heads"):
        DecoderSpec.model_validate(bad)


def test_every_spec_builds_both_phases():
    for name, spec in decoder_specs().items():
        for phase in ("prefill", "decode"):
            layers = decoder_layers(spec, PhaseConfig(phase, 64, batch=2))
            assert sum(l.stored_weight_count for l in layers) == spec.stored_weight_count


def test_phase_figures_per_token_and_sequence():
    """Decode at batch 4: 4 tokens; prefill of 100 tokens at batch 2: 200 tokens, latency per
    token = step / 100."""
    from hwsim.cost.records import LayerCost
    total = LayerCost(name="total", arch="a", batch=4, energy_pj=2e12, latency_cycles=1e7,
                      clock_hz=1e9, kv_cache_read_bytes=5.0)
    f = phase_figures(total, PhaseConfig("decode", 512, batch=4))
    assert (f.tokens, f.energy_per_token_pj, f.energy_per_sequence_pj) == (4, 5e11, 5e11)
    assert f.latency_per_token_s == pytest.approx(0.01) and f.tokens_per_s == pytest.approx(400)
    p = phase_figures(total, PhaseConfig("prefill", 100, batch=2))
    assert (p.tokens, p.energy_per_token_pj, p.energy_per_sequence_pj) == (200, 1e10, 1e12)
    assert p.latency_per_token_s == pytest.approx(1e-4) and p.latency_per_sequence_s == 0.01


def test_nm_2_4_profile_uses_the_n_m_definition():
    """Every layer with stored weights keeps n of every m per row (slots_per_row / cols):
    LeNet-300 fc1 (784 columns) 0.5; a row of 10 under 2:4 keeps 6 -> 0.6; vector and
    attention layers untouched."""
    net = resolve_network("lenet300", profile="nm_2_4")
    assert net.profile == "nm_2_4" and net.layers[0].weight_nnz == 117_600
    llm = phase_network("gpt2", PhaseConfig("decode", 16), profile="nm_2_4")
    assert all(l.weight_density == 0.5 for l in llm.layers if l.stored_weight_count)
    assert all(l.weight_density == 1.0 for l in llm.layers if not l.stored_weight_count)
    from hwsim.workload.layer import LayerWorkload, Network
    from hwsim.workload.profiles import apply_n_m
    odd = apply_n_m(Network("x", (LayerWorkload(name="f", kind="linear", in_channels=10,
                                                out_channels=1),)), 2, 4)
    assert odd.layers[0].weight_density == pytest.approx(0.6)


def test_context_len_zero_is_refused_not_taken_as_the_default(capsys):
    """``--context-len 0`` used to fall back silently to 128 (``0 or 128``)."""
    from hwsim import cli
    assert cli.main(["estimate", "--arch", "systolic_ws", "--workload", "gpt2",
                     "--phase", "decode", "--context-len", "0"]) == 2
    assert "context_len must be an integer >= 1. Got 0 instead." in capsys.readouterr().err


def test_phase_lines_use_the_shared_units():
    """Llama-2-7B decode at 2048, 16-bit KV: 2 x 32 x 32 x 128 x 2048 x 2 B = 1 GiB read,
    2 x 32 x 32 x 128 x 2 B = 512 KiB appended (binary bytes, as every table)."""
    from hwsim.report.text import phase_lines
    from hwsim.workload.llm import PhaseFigures
    f = PhaseFigures(phase="decode", context_len=2048, batch=1, kv_bits=16, tokens=1,
                     energy_pj=9.4e11, latency_s=0.948, energy_per_token_pj=9.4e11,
                     energy_per_sequence_pj=9.4e11, latency_per_token_s=0.948,
                     latency_per_sequence_s=0.948, tokens_per_s=1 / 0.948,
                     kv_cache_read_bytes=2 * 32 * 32 * 128 * 2048 * 2,
                     kv_cache_write_bytes=2 * 32 * 32 * 128 * 2)
    first, second = phase_lines(f, "pruned")
    assert first == ("pruned: decode at context 2048, batch 1: 1 token(s), 940 mJ and "
                     "948 ms per token, 1.05 tokens/s")
    assert second == "  per sequence 940 mJ, 948 ms; KV cache read 1 GiB, appended 512 KiB"
