"""Hardware-aware pruning (issue 15): the searches on hand-checkable fake costs, the cost cache,
the schedule section, and one tiny end-to-end run on eyeriss."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hwsim.arch import load_arch
from hwsim.errors import ConfigError
from hwsim.workload import LayerWorkload, Network
from pruning.hw_cost import CostCache, CostPoint, masked_network, masks_key, sparsity_kind
from pruning.hw_search import budget_search, energy_aware_search

ARCH = Path(__file__).resolve().parents[2] / "arch_configs"


class FakeProblem:
    """State: units kept per layer. Each unit costs ``pj`` energy; removing a unit costs
    ``penalty`` pp of accuracy; a step halves a layer (integer division of the removed part:
    10 -> 5, 5 -> 3, 3 -> 2) and a layer of 1 unit cannot be pruned."""

    def __init__(self, pj, penalty, dense):
        self.layers, self.pj, self.penalty, self.dense = list(pj), pj, penalty, dense
        self.tuned: list[str] = []

    def propose(self, state, layer):
        if state[layer] <= 1:
            return None
        return {**state, layer: state[layer] - state[layer] // 2}

    def measure(self, state):
        energy = {n: self.pj[n] * state[n] for n in self.layers}
        dense = sum(self.pj[n] * self.dense[n] for n in self.layers)
        total = sum(energy.values())
        return CostPoint(total, total, 0.0, total / dense, total / dense, energy, energy,
                         {n: 0.0 for n in self.layers})

    def finetune_and_score(self, state):
        self.tuned.append(dict(state))
        return 100.0 - sum(self.penalty[n] * (self.dense[n] - state[n]) for n in self.layers)


def test_budget_search_keeps_the_largest_saving_per_accuracy_lost():
    """a: 10 units x 2 pJ, 0.1 pp per unit; b: 10 x 8 pJ, 0.3 pp per unit; dense 100 pJ.

    Step 1 from (10, 10), energy 1.00: a -> 5 saves 10 pJ = 0.10 for 0.5 pp (score 0.20);
    b -> 5 saves 0.40 for 1.5 pp (0.267): b. Step 2 from (10, 5), 0.60, acc 98.5: a -> 5
    saves 0.10 for 0.5 pp (0.20); b -> 3 saves 16 pJ = 0.16 for 0.6 pp (0.267): b. Now
    (10, 3): 20 + 24 = 44 pJ = 0.44 <= 0.5, met; accuracy 100 - 7 x 0.3 = 97.9.
    """
    problem = FakeProblem({"a": 2.0, "b": 8.0}, {"a": 0.1, "b": 0.3}, {"a": 10, "b": 10})
    result = budget_search(problem, {"a": 10, "b": 10}, "energy", 0.5, 100.0, 0.1)
    assert result.met and result.state == {"a": 10, "b": 3}
    assert [s.layer for s in result.steps] == ["b", "b"]
    assert result.steps[0].fraction_after == pytest.approx(0.6)
    assert result.steps[1].fraction_after == pytest.approx(0.44)
    assert result.steps[1].accuracy_after_pct == pytest.approx(97.9)
    scores = {p.layer: p.score for p in result.steps[0].alternatives}
    assert scores == pytest.approx({"a": 0.2, "b": 0.4 / 1.5})


def test_budget_search_never_tunes_a_proposal_that_saves_nothing_and_says_when_it_stops():
    """c costs 0 pJ on the target: its proposals are priced, dropped, never fine-tuned. With
    a budget of 0.05 the search runs out: a and b end at 1 unit each (10 pJ = 0.10)."""
    problem = FakeProblem({"a": 2.0, "b": 8.0, "c": 0.0}, {"a": 0.1, "b": 0.3, "c": 0.0},
                          {"a": 10, "b": 10, "c": 10})
    result = budget_search(problem, {"a": 10, "b": 10, "c": 10}, "energy", 0.05, 100.0, 0.1)
    assert not result.met and "no proposal saves energy on the target" in result.stop_reason
    assert all(t["c"] == 10 for t in problem.tuned)
    assert result.state["a"] == 1 and result.state["b"] == 1


def test_budget_search_stops_at_max_loss_instead_of_wrecking_the_model():
    """Same layers, budget 0.05, at most 2 pp below 100 %: step 1 keeps b 10 -> 5 (-1.5 pp,
    score 0.267). Step 2: b 5 -> 3 would be 97.9 % (< 98.0: dropped), a 10 -> 5 is 98.0 %
    (score 0.10 / 0.5 = 0.2): kept. From (5, 5) = 50 pJ = 0.50 at 98.0 %, a 5 -> 3
    (97.8 %) and b 5 -> 3 (97.4 %) are both dropped: stop, budget not met."""
    problem = FakeProblem({"a": 2.0, "b": 8.0}, {"a": 0.1, "b": 0.3}, {"a": 10, "b": 10})
    result = budget_search(problem, {"a": 10, "b": 10}, "energy", 0.05, 100.0, 0.1,
                           max_loss_pp=2.0)
    assert not result.met and "within 2 pp" in result.stop_reason
    assert result.state == {"a": 5, "b": 5}
    assert result.steps[-1].accuracy_after_pct == pytest.approx(98.0)


def test_energy_aware_search_prunes_in_energy_order_within_tolerance():
    """b holds 80 % of the energy, so it goes first: 10 -> 5 (-1.5 pp), -> 3 (-2.1 pp);
    -> 2 would be -2.4 pp > 2.2 pp tolerance: stop. Then a: 10 -> 5 costs 0.5 pp more
    (-2.6 pp in all): rejected at once. c (0 pJ) is never touched."""
    problem = FakeProblem({"a": 2.0, "b": 8.0, "c": 0.0}, {"a": 0.1, "b": 0.3, "c": 0.0},
                          {"a": 10, "b": 10, "c": 10})
    retrained = []
    result = energy_aware_search(problem, {"a": 10, "b": 10, "c": 10}, 100.0, 2.2,
                                 lambda s: retrained.append(dict(s)) or s)
    assert result.order == ("b", "a")
    assert result.state == {"a": 10, "b": 3, "c": 10}
    assert [s.layer for s in result.steps] == ["b", "b"]
    assert retrained == [{"a": 10, "b": 3, "c": 10}] * 2


def _linear(name, c_in, c_out):
    return LayerWorkload(name, "linear", c_in, c_out, input_density=0.5)


def test_masked_network_compacts_zero_rows_and_inputs():
    """fc1 3 -> 2 with mask [[1,0,1],[0,0,0]] becomes 2 -> 1, original 3 and 2."""
    template = Network("t", (_linear("fc1", 3, 2),))
    mask = np.array([[1, 0, 1], [0, 0, 0]], bool)
    layer = masked_network(template, {"fc1": mask}, compact=True).layers[0]
    assert (layer.in_channels, layer.out_channels) == (2, 1)
    assert (layer.original_in_channels, layer.original_out_channels) == (3, 2)
    assert layer.weight_mask.tolist() == [[True, True]]
    masked = masked_network(template, {"fc1": mask}).layers[0]
    assert (masked.in_channels, masked.out_channels, masked.weight_nnz) == (3, 2, 2)


def test_cost_cache_is_keyed_by_mask_content():
    template = Network("t", (_linear("fc1", 64, 32), _linear("fc2", 32, 10)))
    cache = CostCache(template, load_arch(ARCH / "eyeriss.yaml"), compact=True)
    keep = {"fc1": np.ones((32, 64), bool), "fc2": np.ones((10, 32), bool)}
    half = {**keep, "fc1": np.vstack([np.ones((16, 64), bool), np.zeros((16, 64), bool)])}
    dense, again = cache.cost(keep), cache.cost({k: v.copy() for k, v in keep.items()})
    smaller = cache.cost(half)
    assert cache.calls == 3 and cache.hits == 1 and again is dense
    assert masks_key(keep) != masks_key(half)
    assert smaller.energy_fraction < dense.energy_fraction <= 1.0 + 1e-9
    assert sum(smaller.energy_share().values()) == pytest.approx(1.0)


@pytest.mark.parametrize("arch,kind", [("eyeriss", "structured"), ("systolic_ws", "structured"),
                                       ("eie", "unstructured"),
                                       ("sparse_tensor_core", "n_m")])
def test_sparsity_kind_follows_what_the_accelerator_can_use(arch, kind):
    assert sparsity_kind(load_arch(ARCH / f"{arch}.yaml")) == kind


def test_schedule_hardware_section_parses_budget_and_reports_problems():
    from pruning.schedule import parse_schedule

    base = {"name": "x", "pruning": {}}
    ok = parse_schedule({**base, "hardware": {"target_arch": "eie", "budget": "latency=0.2"}})
    assert (ok.hardware.budget.metric, ok.hardware.budget.fraction) == ("latency", 0.2)
    with pytest.raises(ConfigError) as bad:
        parse_schedule({**base, "hardware": {"target_arch": "eie", "budget": "power=0.2",
                                             "sparsity": {"fc1": "blocky"}}})
    text = str(bad.value)
    assert "hardware.budget" in text and "hardware.sparsity" in text
    with pytest.raises(ConfigError, match="hardware.budget"):
        parse_schedule({**base, "hardware": {"target_arch": "eie", "mode": "budget"}})
    with pytest.raises(ConfigError, match="exactly one of iterations and gradual"):
        parse_schedule(base)


def test_run_hw_aware_end_to_end_on_eyeriss(small_data, tmp_path):
    """LeNet-300 on 200 images, budget energy=0.7 on eyeriss: structured neurons, compacted;
    the summary keeps today's layout and adds the targets, shares and hwsim's time."""
    from pruning import run_schedule
    from pruning.schedule import parse_schedule

    schedule = parse_schedule({
        "name": "hw_tiny", "train": {"epochs": 1, "lr": 0.05}, "retrain": {"epochs": 0},
        "pruning": {}, "export": {"samples": 50},
        "hardware": {"target_arch": str(ARCH / "eyeriss.yaml"), "budget": "energy=0.7",
                     "step": 0.5, "finetune_batches": 1, "validation_fraction": 0.25}})
    result = run_schedule("lenet300", schedule, small_data, tmp_path, progress=False)
    summary = json.loads((tmp_path / "summary.json").read_text())
    section = summary["hardware_aware"]
    assert {"dense", "iterations", "final", "export", "files"} <= set(summary)
    assert section["met"] and section["estimate"]["energy_fraction"] <= 0.7
    assert section["kinds"] == {"fc1": "structured", "fc2": "structured", "fc3": "structured"}
    assert (tmp_path / "workload_compacted.yaml").is_file()
    assert result.compacted_network.layers[0].out_channels < 300
    assert section["layers"][2]["why"].startswith("output layer")
    assert 0 < section["hwsim"]["share_of_wall"] < 1


def test_cli_flags_set_the_hardware_section():
    from pruning.hw_aware import with_hardware
    from pruning.schedule import load_schedule

    schedule = load_schedule("han2015_lenet5")
    budget = with_hardware(schedule, str(ARCH / "eyeriss.yaml"), "energy=0.3")
    assert budget.hardware.mode == "budget" and budget.hardware.budget.fraction == 0.3
    ordered = with_hardware(schedule, "eie", None, "unstructured")
    assert ordered.hardware.mode == "energy_aware"
    assert ordered.hardware.sparsity == {"default": "unstructured"}
    with pytest.raises(ConfigError, match="--target-arch"):
        with_hardware(schedule, None, "energy=0.3")


def test_run_config_target_arch_and_budget_become_the_schedule_hardware_section(tmp_path):
    from hwsim.run.config import parse_run_config
    from hwsim.run.prune_stage import resolve_schedule

    config = parse_run_config({"model": "lenet5", "pruning": {
        "schedule": "han2015_lenet5", "target_arch": "eyeriss", "budget": "latency=0.4"}})
    data = resolve_schedule(config, tmp_path, None).data
    assert data["hardware"]["mode"] == "budget" and data["hardware"]["budget"] == "latency=0.4"
    assert Path(data["hardware"]["target_arch"]).name == "eyeriss.yaml"
    with pytest.raises(ConfigError, match="pruning.target_arch"):
        resolve_schedule(parse_run_config({"pruning": {"target_arch": "nowhere.yaml"}}),
                         tmp_path, None)


def test_report_lists_the_chosen_targets_and_energy_shares():
    from hwsim.report.sections import hardware_targets

    section = {"arch": "eyeriss", "mode": "budget", "stop_reason": "energy at 0.25 <= 0.3",
               "estimate": {"energy_fraction": 0.25, "latency_fraction": 0.26},
               "layers": [{"name": "fc1", "kind": "structured", "kept_rows": 12,
                           "dense_rows": 50, "kept_weight_fraction": 0.24,
                           "energy_share_before": 0.786, "energy_share_after": 0.744,
                           "why": "best saving per accuracy lost in steps 1, 2 of 2"}]}
    (table,) = hardware_targets(section)
    assert table.rows[0][:6] == ("fc1", "structured", "12 of 50", "24.0%", "78.6%", "74.4%")
    assert "energy 0.250 and latency 0.260" in table.caption
    assert hardware_targets(None) == []
