"""Decoders exported from transformers (random weights, nothing downloaded) run in a phase:
roles found from the export, every MAC and KV byte equal to the built-in decoder of the same
shape (hwsim/workload/decoder_export.py)."""
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from hwsim.arch import load_arch  # noqa: E402
from hwsim.cost import estimate_network  # noqa: E402
from hwsim.errors import ConfigError  # noqa: E402
from hwsim.types import LayerKind  # noqa: E402
from hwsim.workload import builtin_network, load_network, save_network  # noqa: E402
from hwsim.workload.decoder import DecoderSpec, PhaseConfig, decoder_layers  # noqa: E402
from hwsim.workload.decoder_export import (TokenRole, decoder_roles,  # noqa: E402
                                           exported_phase)
from hwsim.workload.llm import phase_network  # noqa: E402

from pathlib import Path  # noqa: E402

ARCH = Path(__file__).resolve().parents[2] / "arch_configs" / "systolic_ws.yaml"
SEQ = 16
COMMON = dict(name="tiny", description="", layers=2, hidden=64, heads=4, intermediate=256,
              vocab=100, max_context=1024, source="test")


def _export(model):
    from pruning.graph_export import export_graph
    torch.manual_seed(0)
    ids = torch.randint(0, 100, (2, SEQ))
    return export_graph(model.eval(), ids, "tiny").network


@pytest.fixture(scope="module")
def gpt2():
    torch.manual_seed(0)
    return _export(transformers.GPT2Model(transformers.GPT2Config(
        n_embd=64, n_layer=2, n_head=4, vocab_size=100, use_cache=False, bos_token_id=0,
        eos_token_id=0)))


@pytest.fixture(scope="module")
def llama():
    torch.manual_seed(0)
    return _export(transformers.LlamaModel(transformers.LlamaConfig(
        hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        intermediate_size=128, vocab_size=100, use_cache=False)))


def _mac_totals(layers):
    """(linear MACs, attention MACs) of a layer list."""
    linear = sum(l.macs_dense for l in layers if l.kind is LayerKind.LINEAR)
    attention = sum(l.macs_dense for l in layers if l.kind is LayerKind.ACT_MATMUL)
    return linear, attention


@pytest.mark.parametrize("phase, context, batch", [("decode", 40, 3), ("prefill", 24, 2)])
def test_exported_gpt2_matches_the_builtin_shape(gpt2, phase, context, batch):
    """GPT-2 (2 blocks, 64 wide, 4 heads of 16, FFN 256): the export's roles give the
    built-in decoder's linear and attention MACs (the built-in adds the LM head: 64 x 100 per
    sequence) and its KV-cache bytes: 2 x 2 x 4 x 16 x L x 1 byte x batch."""
    info = decoder_roles(gpt2)
    assert info.seq_len == SEQ and set(info.kv_heads.values()) == {4}
    assert info.roles.count(TokenRole.SCORES) == info.roles.count(TokenRole.CONTEXT) == 2
    pc = PhaseConfig(phase, context, batch)
    net = exported_phase(gpt2, pc)
    spec = DecoderSpec(**COMMON, kv_heads=4, mlp="gelu", norm="layernorm", position="learned")
    built = decoder_layers(spec, pc)
    linear, attention = _mac_totals(built)
    assert _mac_totals(net.layers) == (linear - batch * 64 * 100, attention)
    total = estimate_network(net, load_arch(ARCH)).total
    assert total.kv_cache_read_bytes == 2 * 2 * 4 * 16 * context * batch
    tokens = context if phase == "prefill" else 1
    assert total.kv_cache_write_bytes == 2 * 2 * 4 * 16 * tokens * batch


def test_exported_llama_finds_its_grouped_kv_heads(llama):
    """Llama with 2 KV heads for 4 query heads: k_proj / v_proj are 64 -> 32 = 2 x 16, so the
    cache holds 2 heads: decode at L = 64 reads 2 layers x 2 x 2 heads x 16 x 64 bytes."""
    info = decoder_roles(llama)
    assert set(info.kv_heads.values()) == {2}
    net = exported_phase(llama, PhaseConfig("decode", 64))
    spec = DecoderSpec(**{**COMMON, "intermediate": 128}, kv_heads=2, mlp="gated_silu",
                       norm="rmsnorm", position="rotary")
    built = decoder_layers(spec, PhaseConfig("decode", 64))
    linear, attention = _mac_totals(built)
    assert _mac_totals(net.layers) == (linear - 64 * 100, attention)
    scores = [l for l in net.layers if l.name.endswith("scores")]
    assert [(l.groups, l.in_height) for l in scores] == [(2, 2), (2, 2)]
    total = estimate_network(net, load_arch(ARCH)).total
    assert total.kv_cache_read_bytes == 2 * 2 * 2 * 16 * 64


def test_export_keeps_masks_through_a_file_and_the_phase_option(gpt2, tmp_path):
    """An export saved to a workload file runs with --phase: the weights' masks and nnz are
    kept (they do not depend on the tokens), kv_cache flags are written and read back."""
    path = save_network(gpt2, tmp_path / "gpt2.yaml")
    net = phase_network(path, PhaseConfig("decode", 32, batch=2, kv_bits=4), profile=None)
    assert net.layer("h.0.attn.attention.scores").kv_bits == 4
    fc = net.layer("h.0.mlp.c_fc")
    assert fc.in_height == 1 and fc.weight_nnz == gpt2.layer("h.0.mlp.c_fc").weight_nnz
    assert (fc.weight_mask is None) == (gpt2.layer("h.0.mlp.c_fc").weight_mask is None)
    back = load_network(save_network(net, tmp_path / "decode.yaml"))
    assert back.layer("h.1.attn.attention_1.context").kv_cache
    assert back.layer("h.1.attn.attention_1.kv_append").kv_bits == 4
    assert back == net


def test_a_network_that_is_not_a_decoder_is_refused():
    with pytest.raises(ConfigError, match="must scale with the sequence length"):
        exported_phase(builtin_network("lenet5"), PhaseConfig("decode", 8))
