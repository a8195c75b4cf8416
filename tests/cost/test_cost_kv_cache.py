"""Decoder phases priced by the cost model: weight bytes, KV-cache bytes and the bound, checked
by closed form (issue 12, Done when).

Llama-2-7B (32 layers, hidden 4096, 32 heads of 128, 32 KV heads, FFN 11008, vocab 32000):
stored weights W = 32 x (4 x 4096^2 + 3 x 4096 x 11008) + 32000 x 4096 = 6,607,077,376.
Decode at context L reads every stored weight once and the KV cache
2 x layers x KV heads x head_dim x L x bits / 8 bytes; it appends 2 x 32 x 128 new K, V
elements per layer and sequence.
"""
import json
from dataclasses import replace

import pytest

from hwsim import cli
from hwsim.arch import load_arch
from hwsim.cost import estimate_layer, estimate_network
from hwsim.types import Operand
from hwsim.workload import builtin_network
from hwsim.workload.decoder import PhaseConfig
from hwsim.workload.llm import phase_network

from cost_helpers import ARCH_DIR

SYSTOLIC = str(ARCH_DIR / "systolic_ws.yaml")
SPARSE_TC = str(ARCH_DIR / "sparse_tensor_core.yaml")
W_LLAMA2 = 32 * (4 * 4096 ** 2 + 3 * 4096 * 11008) + 32000 * 4096


def kv_bytes(layers: int, kv_heads: int, head_dim: int, context: int, bits: int,
             batch: int = 1) -> float:
    """2 x layers x KV heads x head_dim x context x bits / 8 (x sequences)."""
    return 2 * layers * kv_heads * head_dim * context * bits / 8 * batch


@pytest.fixture
def run(monkeypatch, capsys):
    monkeypatch.setattr(cli, "COMMANDS", ("estimate",))

    def _run(*argv):
        code = cli.main(["estimate", *argv])
        out, err = capsys.readouterr()
        assert code == 0, err
        return json.loads(out)
    return _run


def test_done_when_command_llama2_7b_decode_on_systolic_ws(run):
    """The issue's command: every linear layer reads its stored weights once (8-bit array:
    1 byte each, W = 6,607,077,376 bytes in total; 13.2 GB at 16 bits, next test), the
    scores and context read K and V of 2048 tokens (32 x 128 x 2048 bytes each), the total
    KV read is 2 x 32 x 32 x 128 x 2048 x 8 / 8 = 536,870,912 bytes; every linear and
    attention layer and the total are bound by DRAM (next tests say why)."""
    data = run("--arch", SYSTOLIC, "--workload", "llama2_7b", "--phase", "decode",
               "--context-len", "2048", "--batch", "1", "--format", "json")
    rows = {r["name"]: r for r in data["layers"]}
    for row in data["layers"]:
        if row["weight_count"]:
            assert row["dram_weight_bytes"] == row["weight_bytes_stored"] == row["weight_count"]
    assert rows["layers.0.self_attn.q_proj"]["dram_weight_bytes"] == 4096 * 4096
    assert rows["layers.5.mlp.down_proj"]["dram_weight_bytes"] == 11008 * 4096
    for name in ("layers.0.self_attn.scores", "layers.31.self_attn.context"):
        assert rows[name]["kv_cache_read_bytes"] == 32 * 128 * 2048
        assert rows[name]["weight_count"] == 0
    assert rows["layers.3.self_attn.kv_append"]["kv_cache_write_bytes"] == 2 * 32 * 128
    total = data["total"]
    assert total["dram_weight_bytes"] == total["weight_bytes_stored"] == W_LLAMA2
    assert total["kv_cache_read_bytes"] == kv_bytes(32, 32, 128, 2048, 8) == 536_870_912
    assert total["kv_cache_write_bytes"] == 32 * 2 * 32 * 128
    heavy = [r for r in data["layers"] if r["weight_count"] or r["kv_cache_read_bytes"]]
    assert len(heavy) == 32 * 9 + 1 and {r["bottleneck"] for r in heavy} == {"dram"}
    assert total["bottleneck"] == "dram"
    phase = data["phase"]["dense"]
    assert phase["tokens"] == 1 and phase["context_len"] == 2048
    assert phase["latency_per_token_s"] == pytest.approx(total["latency_s"])
    assert phase["energy_per_token_pj"] == pytest.approx(total["energy_pj"])


def test_nm_2_4_on_a_16_bit_2_4_accelerator_stores_values_plus_metadata(run):
    """sparse_tensor_core (16-bit, 2:4 with 2-bit metadata): dense W x 2 = 13,214,154,752
    bytes; nm_2_4 keeps W / 2 values of 16 bits + W / 2 x 2 bits of metadata =
    W x 1.125 = 7,432,962,048 bytes (825,884,672 of metadata), all read once per token. The
    KV cache is untouched: 2 x 32 x 32 x 128 x 2048 x 2 = 1 GiB."""
    dense = run("--arch", SPARSE_TC, "--workload", "llama2_7b", "--phase", "decode",
                "--context-len", "2048", "--format", "json")["total"]
    assert dense["dram_weight_bytes"] == dense["weight_bytes_stored"] == 2 * W_LLAMA2
    pruned = run("--arch", SPARSE_TC, "--workload", "llama2_7b", "--phase", "decode",
                 "--context-len", "2048", "--profile", "nm_2_4", "--format", "json")
    total = pruned["total"]
    assert total["weight_bytes_stored"] == W_LLAMA2 // 2 * 2 + W_LLAMA2 // 2 * 2 // 8
    assert total["weight_metadata_bytes"] == W_LLAMA2 // 8 == 825_884_672
    assert total["dram_weight_bytes"] == total["weight_bytes_stored"] == 7_432_962_048
    assert total["kv_cache_read_bytes"] == kv_bytes(32, 32, 128, 2048, 16) == 1 << 30
    assert pruned["phase"]["pruned"]["energy_per_token_pj"] < \
        pruned["phase"]["dense"]["energy_per_token_pj"]


def test_nm_2_4_on_an_array_without_n_m_support_stores_the_zeros(run):
    """systolic_ws has no N:M format: the 2:4 network stores and reads its zeros (W bytes)."""
    total = run("--arch", SYSTOLIC, "--workload", "llama2_7b", "--phase", "decode",
                "--context-len", "128", "--profile", "nm_2_4", "--format", "json")["total"]
    assert total["dram_weight_bytes"] == W_LLAMA2


def test_kv_bits_batch_and_grouped_query_attention():
    """Llama-3-8B (8 KV heads of 128) decode at L = 1000 on systolic_ws: 4-bit KV at batch 3
    reads 2 x 32 x 8 x 128 x 1000 x 4 / 8 x 3 = 98,304,000 bytes and appends 2 x 8 x 128 x
    4 / 8 x 3 = 3,072 bytes per layer; the weights are read once for the batch."""
    arch = load_arch(SYSTOLIC)
    net = phase_network("llama3_8b", PhaseConfig("decode", 1000, batch=3, kv_bits=4))
    total = estimate_network(net, arch).total
    assert total.kv_cache_read_bytes == kv_bytes(32, 8, 128, 1000, 4, batch=3) == 98_304_000
    assert total.kv_cache_write_bytes == 32 * 3072
    weights = sum(l.stored_weight_count for l in net.layers)
    assert total.dram_bytes_of(Operand.WEIGHTS) == weights


def test_attention_operand_b_is_per_sequence():
    """BERT-base scores at batch 4 read Q and K of every sequence: 4 x 2 x 128 x 768 bytes
    (8-bit), not 4 x Q + one K (each image has its own operand B)."""
    arch = load_arch(SYSTOLIC)
    layer = builtin_network("bert_base", batch=4).layer("encoder.layer.0.attention.scores")
    cost = estimate_layer(layer, arch)
    assert cost.dram_read_bytes == 4 * 2 * 128 * 768
    assert cost.batch == 4 and cost.macs_dense == 4 * 128 * 128 * 768


def test_decode_bound_weight_stationary_folds_vs_dram():
    """Why systolic_ws decode is DRAM-bound: q_proj (4096 x 4096, one token) is 16,384 folds
    on the 32 x 32 array. Without weight double buffering (SCALE-Sim's count) a fold is
    2 x 32 + 32 + 1 - 2 = 95 cycles: 1,556,480, compute-bound. Double buffered, 32 + 16,384
    x 63 = 1,032,224, and the filter SRAM's one shared 256-bit port binds: every weight byte
    is written by the DMA and read by the array, 2 x 16,777,216 / 32 = 1,048,576 cycles.
    systolic_ws (TPU1: wavefront folds, a weight FIFO with a read and a write port) streams
    the folds back to back, 32 + 16,384 x 32 + 62 = 524,382 cycles, and the port takes
    16,777,216 / 32 = 524,288; DRAM then binds: 16,777,216 bytes / (19.2 GB/s / 700 MHz =
    27.43 bytes per cycle) = 611,669 cycles (611,968 in whole bursts). Over the 64 DRAM steps
    (dram[K64]) the last step's array work follows the last load: 611,968 + 524,382 / 64 =
    620,161.47 cycles. On the H100 roofline the same layer is bound by HBM."""
    arch = load_arch(SYSTOLIC)
    layer = phase_network("llama2_7b", PhaseConfig("decode", 2048)).layer(
        "layers.0.self_attn.q_proj")
    cost = estimate_layer(layer, arch)
    assert cost.compute_cycles == 32 + 16_384 * 32 + 62 and cost.bottleneck == "dram"
    assert dict(cost.transfer_cycles)["filter_sram"] == 4096 ** 2 / 32
    assert dict(cost.transfer_cycles)["dram"] == pytest.approx(4096 ** 2 / (19.2e9 / 700e6),
                                                               rel=1e-3)
    assert dict(cost.mapping.levels[0].factors) == {"K": 64}
    assert cost.latency_cycles == pytest.approx(dict(cost.transfer_cycles)["dram"]
                                                + cost.compute_cycles / 64)
    shared = replace(arch, compute=replace(arch.compute, weight_wavefront=False),
                     memories=tuple(replace(l, ports="shared") for l in arch.memories))
    tpu_less = estimate_layer(layer, shared)
    assert tpu_less.compute_cycles == 32 + 16_384 * 63
    assert tpu_less.bottleneck == "filter_sram"
    assert dict(tpu_less.transfer_cycles)["filter_sram"] == 2 * 4096 ** 2 / 32
    plain = replace(shared, compute=replace(shared.compute, weight_double_buffer=False))
    scalesim = estimate_layer(layer, plain)
    assert scalesim.compute_cycles == 16_384 * 95 and scalesim.bottleneck == "compute"
    gpu = estimate_layer(layer, load_arch(ARCH_DIR / "h100_sxm.yaml"))
    assert gpu.bottleneck == "dram"


def test_done_when_numbers_on_h100_16_bit_and_dram_bound(run):
    """On the H100 roofline (16-bit, HBM 3.35 TB/s) the same command meets every number of
    the issue: weights 2 x W = 13,214,154,752 bytes read once, KV 2 x 32 x 32 x 128 x 2048 x
    2 = 1 GiB, every linear and attention layer and the total bound by HBM; nm_2_4 runs the 2:4 kernel and reads values +
    metadata, W x 1.125 = 7,432,962,048 bytes, so a token takes less time."""
    h100 = str(ARCH_DIR / "h100_sxm.yaml")
    argv = ("--arch", h100, "--workload", "llama2_7b", "--phase", "decode", "--context-len",
            "2048", "--batch", "1", "--format", "json")
    dense = run(*argv)
    total = dense["total"]
    assert total["dram_weight_bytes"] == total["weight_bytes_stored"] == 2 * W_LLAMA2
    assert total["kv_cache_read_bytes"] == kv_bytes(32, 32, 128, 2048, 16)
    heavy = [r for r in dense["layers"] if r["weight_count"] or r["kv_cache_read_bytes"]]
    assert len(heavy) == 32 * 9 + 1 and {r["bottleneck"] for r in heavy} == {"dram"}
    assert total["bottleneck"] == "dram"       # the small vector ops are launch-bound
    pruned = run(*argv, "--profile", "nm_2_4")
    assert pruned["total"]["dram_weight_bytes"] == 7_432_962_048
    assert pruned["phase"]["pruned"]["latency_per_token_s"] < \
        pruned["phase"]["dense"]["latency_per_token_s"]


def test_context_sweep_grows_with_the_kv_cache(tmp_path, monkeypatch, capsys):
    """GPT-2 decode at L = 16, 256, 1024 on systolic_ws: the KV read is 2 x 12 x 12 x 64 x L
    bytes (8-bit), the weights are the same at every L, so energy per token rises with L;
    the command writes the json / csv / md / png / svg files."""
    from hwsim.cost.context import context_sweep
    arch = load_arch(SYSTOLIC)
    results = context_sweep("gpt2", arch, PhaseConfig("decode", 16), (16, 256, 1024))
    kv = [p["dense"]["kv_cache_read_bytes"] for p in results["points"]]
    assert kv == [2 * 12 * 12 * 64 * L for L in (16, 256, 1024)]
    energy = [p["dense"]["energy_per_token_pj"] for p in results["points"]]
    assert energy == sorted(energy) and energy[0] < energy[-1]
    monkeypatch.setattr(cli, "COMMANDS", ("estimate",))
    code = cli.main(["estimate", "--arch", SYSTOLIC, "--workload", "gpt2", "--context-sweep",
                     "64,16", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0 and "| 16 |" in out and "| 64 |" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"context_sweep.{ext}" for ext in ("csv", "json", "md", "png", "svg")]
    code = cli.main(["estimate", "--arch", SYSTOLIC, "--workload", "gpt2", "--context-sweep",
                     "64,x"])
    assert code == 2


def test_kv_bits_on_the_gpu_roofline():
    """H100 (fp16): an 8-bit KV cache halves the attention's operand-B bytes: Llama-2-7B
    decode at 2048 reads 2 x 32 x 32 x 128 x 2048 bytes and appends 2 x 32 x 128 bytes per
    layer; the token gets faster."""
    arch = load_arch(ARCH_DIR / "h100_sxm.yaml")
    fp16 = estimate_network(phase_network("llama2_7b", PhaseConfig("decode", 2048)), arch)
    int8 = estimate_network(phase_network("llama2_7b", PhaseConfig("decode", 2048, kv_bits=8)),
                            arch)
    assert int8.total.kv_cache_read_bytes == kv_bytes(32, 32, 128, 2048, 8)
    assert int8.total.kv_cache_write_bytes == 32 * 2 * 32 * 128
    assert fp16.total.kv_cache_write_bytes == 32 * 2 * 32 * 128 * 2
    assert int8.total.latency_s < fp16.total.latency_s


def test_simulator_reads_and_appends_the_same_kv_bytes():
    """The event simulator runs the same KV layers: GPT-2 decode at L = 256 with a 4-bit
    cache, block 0: append 2 x 12 x 64 x 4 / 8 = 768 bytes, scores and context read
    12 x 64 x 256 x 4 / 8 = 98,304 bytes each, as the analytical model."""
    from hwsim.sim import SimOptions, simulate
    arch = load_arch(SYSTOLIC)
    net = phase_network("gpt2", PhaseConfig("decode", 256, kv_bits=4))
    expected = {"kv_append": (0, 768), "scores": (98_304, 0), "context": (98_304, 0)}
    for name, (read, write) in expected.items():
        result = simulate(net.layer(f"layers.0.self_attn.{name}"), arch, SimOptions())
        for cost in (result.cost, result.analytical):
            assert (cost.kv_cache_read_bytes, cost.kv_cache_write_bytes) == (read, write)
