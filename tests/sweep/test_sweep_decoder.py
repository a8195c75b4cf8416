"""Decoder phases in sweep specs: phase / context_len / kv_bits on a workload entry, a list of
context lengths expanding into one workload each (issue 12)."""
import pytest

from hwsim.errors import ConfigError
from hwsim.sweep import EngineConfig, load_plan, run_sweep


def test_context_list_expands_and_runs(sweep_file, tmp_path):
    """gpt2 decode at 16 and 64 tokens, 4-bit KV: two workloads, labelled by phase and
    context; each point's network is the decoder phase (scores read 12 x 64 x L x 4 / 8
    bytes of K per block); a plain workload keeps its old identity (no phase keys)."""
    spec = {"workloads": ["lenet300", {"workload": "gpt2", "phase": "decode",
                                       "context_len": [16, 64], "kv_bits": 4}],
            "grid": {"compute.clock_hz": [1e9]}}
    plan = load_plan(sweep_file(spec))
    labels = [w.label for w in plan.workloads]
    assert labels == ["lenet300", "gpt2:decode@16/kv4", "gpt2:decode@64/kv4"]
    assert "phase" not in plan.workloads[0].entry.identity()
    nets = {w.label: w.network for w in plan.workloads}
    scores = nets["gpt2:decode@64/kv4"].layer("layers.0.self_attn.scores")
    assert scores.weight_count == 12 * 64 * 64 and scores.kv_bits == 4
    assert len({p.id for p in plan.points}) == 3
    result = run_sweep(plan, tmp_path / "out", EngineConfig("serial"))
    assert {r["status"] for r in result.rows} <= {"ok", "partial"}


def test_bad_phase_keys_name_the_entry(sweep_file):
    with pytest.raises(ConfigError) as err:
        load_plan(sweep_file({"workloads": [{"workload": "gpt2", "phase": "decoding",
                                             "context_len": 0}],
                              "grid": {"compute.clock_hz": [1e9]}}))
    text = str(err.value)
    assert "workloads.0.phase" in text and "workloads.0.context_len" in text
