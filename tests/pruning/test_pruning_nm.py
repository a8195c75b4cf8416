"""N:M through the whole pipeline: the pattern survives retraining and dead-neuron removal,
the export reports violating groups by layer, and the shipped 2:4 LeNet-5 schedule exports a
workload with no violation that costs less than dense on the sparse tensor core."""
import json
import warnings
from pathlib import Path

import pytest
import torch
from torch import nn

from hwsim.arch.build import load_arch
from hwsim.cost.network import estimate_network
from hwsim.formats import check_n_m, reduction_matrix
from hwsim.workload import load_network
from pruning.dead import remove_dead_neurons
from pruning.export import export_model
from pruning.graph import trace_model
from pruning.methods import current_mask, current_weight, fixed_mask, n_m_sparsity
from pruning.models import LeNet5, prunable_layers
from pruning.nm import check_model, schedule_patterns, violation_message
from pruning.pipeline import run_schedule
from pruning.schedule import load_schedule, parse_schedule
from pruning.schedule import RegularizationConfig
from pruning.train import TrainSettings, seed_everything, train_model

ARCH_DIR = Path(__file__).resolve().parents[2] / "arch_configs"


@pytest.mark.parametrize("shape", [(6, 8, 3, 3), (5, 20, 5, 5), (4, 1, 5, 5), (7, 30)])
def test_method_groups_are_the_checks_groups(shape):
    """The method keeps exactly n of every full group in hwsim's group order (one definition):
    after 2:4 every full group of reduction_matrix(mask) holds exactly 2."""
    torch.manual_seed(0)
    layer = nn.Conv2d(shape[1], shape[0], shape[2:]) if len(shape) == 4 else \
        nn.Linear(shape[1], shape[0])
    n_m_sparsity(layer, n=2, m=4)
    matrix = reduction_matrix(current_mask(layer).numpy())
    full = matrix.shape[1] - matrix.shape[1] % 4
    assert (matrix[:, :full].reshape(matrix.shape[0], -1, 4).sum(axis=2) == 2).all()
    assert check_n_m(current_mask(layer).numpy(), 2, 4).ok


def test_pattern_survives_retraining_and_dead_neuron_removal(small_data):
    """LeNet-5 pruned 2:4, a row of fc1 emptied by hand (a dead neuron), two epochs of
    retraining: every group still holds <= 2, pruned weights stay exactly 0, the weight is
    weight_orig x mask."""
    generator = seed_everything(0)
    model = LeNet5()
    layers = prunable_layers(model)
    for module in layers.values():
        n_m_sparsity(module, n=2, m=4)
    dead_row = torch.ones_like(current_mask(layers["fc1"]))
    dead_row[3] = False
    fixed_mask(layers["fc1"], dead_row)
    remove_dead_neurons(model, trace_model(model, small_data.train_x[:2]).links)
    settings = TrainSettings(2, 32, 0.05, 0.9, "constant", RegularizationConfig())
    train_model(model, small_data.train_x, small_data.train_y, settings, list(layers.values()),
                generator)
    checks = check_model(model, {name: (2, 4) for name in layers})
    assert all(check.ok for check in checks.values()), checks
    with torch.no_grad():
        model.eval()(small_data.test_x[:1])            # the pre-hook recomputes the weights
    for module in layers.values():
        mask = current_mask(module)
        assert torch.equal(module.weight, current_weight(module) * mask)
        assert (module.weight[~mask] == 0).all()
    assert not current_mask(layers["fc1"])[3].any()


def test_export_reports_violating_groups_by_layer():
    """fc1 of LeNet-5 pruned 2:4, then one group of row 0 set to keep 3 of 4: the export
    still writes fc1, lists 1 violating group of 100,000 for fc1 and 0 for fc2, warns with
    the layer's name, and writes the total into the workload's provenance."""
    torch.manual_seed(0)
    model = LeNet5()
    layers = prunable_layers(model)
    for name in ("fc1", "fc2"):
        n_m_sparsity(layers[name], n=2, m=4)
    with torch.no_grad():
        layers["fc1"].weight_mask[0, :4] = torch.tensor([1.0, 1.0, 1.0, 0.0])
    with pytest.warns(UserWarning, match=r"fc1: 1 of 100,000 4-weight groups breaks the 2:4"):
        result = export_model(model, torch.rand(4, 1, 28, 28), "lenet5-bad",
                              n_m={"fc1": (2, 4), "fc2": (2, 4)})
    assert (result.n_m["fc1"].violating, result.n_m["fc1"].groups) == (1, 100_000)
    assert result.n_m["fc2"].ok
    assert "fc1" in [layer.name for layer in result.network.layers]
    assert "N:M verified: 1 of 101,250 groups break the pattern (2:4)" in \
        result.network.profile
    assert violation_message({"fc2": result.n_m["fc2"]}, "x") is None


def test_schedule_patterns_take_each_layers_last_pattern():
    schedule = parse_schedule({"name": "t", "pruning": {"method": "n_m", "iterations": [
        {"pattern": "2:4"}, {"pattern": {"fc1": "1:4"}}]}})
    assert schedule_patterns(schedule, ["conv1", "fc1"]) == {"conv1": (2, 4), "fc1": (1, 4)}
    han = parse_schedule({"name": "t", "pruning": {"method": "han_threshold",
                                                   "iterations": [{"quality": 1.0}]}})
    assert schedule_patterns(han, ["fc1"]) == {}


def test_shipped_2_4_lenet5_schedule_end_to_end(tmp_path, small_data):
    """The shipped nm_2_4_lenet5 schedule, shortened (1 epoch each, 20 export images): the
    workload has 0 violating groups, every layer is stored N:M (values + 2-bit metadata) with
    no 'runs dense' note, and the sparse tensor core spends less energy than on dense."""
    data = load_schedule("nm_2_4_lenet5").model_dump(mode="json")
    data["train"]["epochs"], data["retrain"]["epochs"] = 1, 1
    data["export"]["samples"] = 20
    with warnings.catch_warnings():
        warnings.simplefilter("error")                 # a violation would warn
        result = run_schedule("lenet5", parse_schedule(data), small_data, tmp_path,
                              progress=False)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert {c["violating_groups"] for c in summary["export"]["n_m"].values()} == {0}
    network = load_network(result.workload_path)
    arch = load_arch(ARCH_DIR / "sparse_tensor_core.yaml")
    pruned = estimate_network(network, arch)
    dense = estimate_network(tuple(layer.with_densities() for layer in network.layers), arch)
    for cost, layer in zip(pruned.layers, network.layers):
        if not layer.kind.has_weights:   # ReLUs and pools of the graph export
            continue
        assert cost.weights.format == "n:m" and cost.notes == ()
        assert cost.weights.metadata_bytes == pytest.approx(cost.weights.value_bytes / 8)
    assert pruned.total.energy_pj < dense.total.energy_pj
    assert pruned.total.latency_cycles < dense.total.latency_cycles


def test_prune_command_prints_the_n_m_check_per_layer():
    """`hwsim prune` prints the export's verification, not only a Python warning."""
    from hwsim.commands.prune import n_m_lines
    lines = n_m_lines({"conv2": {"pattern": "2:4", "groups": 6250, "violating_groups": 0,
                                 "rows_violating": 0},
                       "fc1": {"pattern": "2:4", "groups": 100000, "violating_groups": 12,
                               "rows_violating": 3}})
    assert lines[0] == "N:M check conv2 (2:4): 0 of 6,250 groups break the pattern"
    assert lines[1].startswith("N:M check fc1 (2:4): 12 of 100,000 groups break the pattern")
    assert "runs dense" in lines[1]
