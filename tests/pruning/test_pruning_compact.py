"""Compaction of structurally pruned networks: the compacted model computes the same outputs
as the masked one on real images (the correctness proof), keeps what it must (residual
branches, padded consumers), and its export shows the saving on a dense accelerator."""
import json

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from hwsim.arch import load_arch
from hwsim.cost import compare_network
from hwsim.errors import ConfigError, HwsimError
from hwsim.run.prune_stage import read_entry
from hwsim.workload import load_network
from pruning.compact import compact_model, export_compacted, with_original_shapes
from pruning.data import MnistData
from pruning.dead import remove_dead_neurons
from pruning.export import export_model
from pruning.graph import trace_model
from pruning.methods import current_mask, fixed_mask, l1_structured
from pruning.models import LeNet5, LeNet300, prunable_layers
from pruning.pipeline import run_schedule
from pruning.schedule import load_schedule, parse_schedule


@pytest.fixture
def mnist(small_data) -> MnistData:
    """The shared 200 / 100 image slice (tests/pruning/conftest.py)."""
    return small_data


def _counts(result) -> dict:
    return {c.name: (c.in_after, c.out_after) for c in result.layers}


def _prune_rows(module: nn.Module, rows) -> None:
    mask = torch.ones_like(module.weight, dtype=torch.bool)
    mask[list(rows)] = False
    fixed_mask(module, mask)


def _assert_same_outputs(masked: nn.Module, compacted: nn.Module, x: torch.Tensor) -> None:
    with torch.no_grad():
        assert torch.allclose(compacted(x), masked.eval()(x), rtol=1e-4, atol=1e-5)


def test_lenet300_half_the_neurons_with_dead_neuron_folding(mnist):
    """50 % of fc1's and fc2's neurons by L1 norm, dead-neuron pass (fc2's columns of removed
    fc1 neurons are pruned, their relu(b) folded): 784-300-100-10 -> 784-150-50-10, nnz kept."""
    torch.manual_seed(0)
    model = LeNet300()
    l1_structured(model.fc1, amount=0.5)
    l1_structured(model.fc2, amount=0.5)
    remove_dead_neurons(model, trace_model(model, mnist.test_x[:2]).links)
    result = compact_model(model, mnist.test_x)
    assert _counts(result) == {"fc1": (784, 150), "fc2": (150, 50), "fc3": (50, 10)}
    _assert_same_outputs(model, result.model, mnist.test_x)
    assert result.max_abs_diff < 1e-5 and result.samples == 100
    kept = {n: int(current_mask(m).sum()) for n, m in prunable_layers(model).items()}
    assert {n: int(current_mask(m).sum()) for n, m in
            prunable_layers(result.model).items()} == kept
    assert all(isinstance(getattr(m, "weight_mask", None), torch.Tensor)
               for m in prunable_layers(result.model).values())   # masks carried over
    assert model.fc1.weight.shape == (300, 784)                   # the input model is untouched


def test_lenet300_constants_folded_without_dead_neuron_pass(mnist):
    """Without the dead-neuron pass fc2 still reads relu(b_j) from each removed neuron j:
    compaction folds W2[:, j] relu(b_j) into fc2's bias and the outputs do not change."""
    torch.manual_seed(1)
    model = LeNet300()
    with torch.no_grad():
        model.fc1.bias.uniform_(0.1, 0.5)                 # every removed neuron outputs > 0
    l1_structured(model.fc1, amount=0.6)
    result = compact_model(model, mnist.test_x)
    assert _counts(result)["fc1"] == (784, 120) and _counts(result)["fc2"] == (120, 100)
    _assert_same_outputs(model, result.model, mnist.test_x)


def test_lenet5_filters_through_pool_and_flatten(mnist):
    """Half of conv1's and conv2's filters and of fc1's neurons: conv2 loses 10 input
    channels, fc1 loses 25 channels x 4 x 4 = 400 flattened features."""
    torch.manual_seed(0)
    model = LeNet5()
    for name in ("conv1", "conv2", "fc1"):
        l1_structured(getattr(model, name), amount=0.5)
    result = compact_model(model, mnist.test_x[:100])
    assert _counts(result) == {"conv1": (1, 10), "conv2": (10, 25), "fc1": (400, 250),
                               "fc2": (250, 10)}
    _assert_same_outputs(model, result.model, mnist.test_x)


class ResidualConcat(nn.Module):
    """conv1-BN-ReLU (a); conv2-BN (b, padded); relu(a + b); concat of conv3 and conv4
    (no bias) along the channels; ReLU, max-pool, flatten, fc."""

    def __init__(self):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(1, 8, 3), nn.BatchNorm2d(8)
        self.conv2, self.bn2 = nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8)
        self.conv3, self.conv4 = nn.Conv2d(8, 6, 3), nn.Conv2d(8, 4, 3, bias=False)
        self.fc = nn.Linear(10 * 5 * 5, 10)

    def forward(self, x):
        x = F.max_pool2d(x, 2)
        a = F.relu(self.bn1(self.conv1(x)))
        r = F.relu(a + self.bn2(self.conv2(a)))
        c = torch.cat([self.conv3(r), self.conv4(r)], dim=1)
        return self.fc(torch.flatten(F.max_pool2d(F.relu(c), 2), 1))


def _residual_model(mnist) -> ResidualConcat:
    torch.manual_seed(0)
    model = ResidualConcat()
    model.train()
    with torch.no_grad():                          # non-trivial BatchNorm statistics
        for start in range(0, 96, 32):
            model(mnist.train_x[start:start + 32])
    model.eval()
    return model


def test_residual_add_concat_and_batchnorm(mnist):
    """Channels 0-2 are pruned in both branches of the add (conv1 and conv2), channel 3 only
    in conv1; bn1's shift makes relu(a_j) = 0 for the pruned conv1 channels, so the padded
    conv2 can drop them. Channels 0-2 go (from conv1, bn1, conv2, bn2 and the inputs of
    conv2-4); channel 3 stays. Concat: conv3 filter 1 and conv4 filter 0 go, i.e. fc inputs
    25-49 and 150-174."""
    model = _residual_model(mnist)
    with torch.no_grad():
        model.bn1.bias[:4] = -10.0
    _prune_rows(model.conv1, range(4))
    _prune_rows(model.conv2, range(3))
    _prune_rows(model.conv3, [1])
    _prune_rows(model.conv4, [0])
    result = compact_model(model, mnist.test_x)
    assert _counts(result) == {"conv1": (1, 5), "conv2": (5, 5), "conv3": (5, 5),
                               "conv4": (5, 3), "fc": (200, 10)}
    compacted = result.model
    assert compacted.bn1.num_features == compacted.bn2.num_features == 5
    assert compacted.bn2.running_mean.shape == (5,)
    assert compacted.conv4.bias is not None              # absorbed the removed constants
    _assert_same_outputs(model, compacted, mnist.test_x)


def test_padded_consumer_keeps_a_nonzero_constant_channel(mnist):
    """Without the BatchNorm shift, relu(a_j) of a pruned conv1 channel is a non-zero
    constant and conv2 pads with zeros: it cannot absorb it, so the channel stays."""
    model = _residual_model(mnist)
    with torch.no_grad():
        model.bn1.bias[:3] = 1.0
    _prune_rows(model.conv1, range(3))
    _prune_rows(model.conv2, range(3))
    result = compact_model(model, mnist.test_x[:50])
    assert _counts(result)["conv1"] == (1, 8)
    _assert_same_outputs(model, result.model, mnist.test_x[:50])


def test_unknown_ops_keep_their_channels(mnist):
    """A ``view`` and a layer called twice (fc3) are not followed: the channels they touch
    stay (conv's, fc2's), the rest is still compacted (fc1 -> fc2), outputs unchanged."""
    class Viewed(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.fc1 = nn.Conv2d(1, 4, 5), nn.Linear(4 * 24 * 24, 20)
            self.fc2, self.fc3 = nn.Linear(20, 10), nn.Linear(10, 10)

        def forward(self, x):
            x = torch.relu(self.conv(x)).view(x.shape[0], -1)
            x = torch.relu(self.fc2(torch.relu(self.fc1(x))))
            return self.fc3(torch.relu(self.fc3(x)))

    torch.manual_seed(0)
    model = Viewed()
    for name, rows in (("conv", [0]), ("fc1", [0, 1]), ("fc2", [0]), ("fc3", [0])):
        _prune_rows(getattr(model, name), rows)
    result = compact_model(model, mnist.test_x[:50])
    assert _counts(result) == {"conv": (1, 4), "fc1": (2304, 18), "fc2": (18, 10),
                               "fc3": (10, 10)}
    _assert_same_outputs(model, result.model, mnist.test_x[:50])


def test_untraceable_model_is_an_error(mnist):
    class Branchy(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(784, 10)

        def forward(self, x):
            x = torch.flatten(x, 1)
            return self.fc(x) if x.sum() > 0 else -self.fc(x)

    with pytest.raises(HwsimError, match="torch.fx cannot trace"):
        compact_model(Branchy(), mnist.test_x[:4])


def test_export_records_original_shapes_and_round_trips(tmp_path, mnist):
    torch.manual_seed(0)
    model = LeNet300()
    l1_structured(model.fc1, amount=0.5)
    remove_dead_neurons(model, trace_model(model, mnist.test_x[:2]).links)
    exported = export_compacted(model, mnist.test_x[:50], "l300c", tmp_path / "c.yaml")
    fc1, fc2, fc3 = [l for l in exported.network.layers if l.kind.has_weights]  # + ReLUs
    assert (fc1.in_channels, fc1.out_channels, fc1.original_in_channels,
            fc1.original_out_channels) == (784, 150, None, 300)
    assert (fc2.in_channels, fc2.original_in_channels, fc2.original_out_channels) == (150, 300,
                                                                                      None)
    assert not fc3.is_compacted
    assert fc2.with_densities().weight_count == 30_000
    assert load_network(exported.path) == exported.network
    summary = exported.as_dict()
    assert summary["weights"] == 784 * 150 + 150 * 100 + 1000
    assert summary["weights_before"] == 266_200


def test_masked_network_is_1x_and_compacted_saves_on_dense_hardware(mnist):
    """On systolic_ws (dense) the masked export saves nothing; the compacted one (half of the
    hidden neurons gone: 266,200 -> 125,600 weights, 2.1x) saves about that in energy,
    latency and weight memory."""
    torch.manual_seed(0)
    model = LeNet300()
    l1_structured(model.fc1, amount=0.5)
    l1_structured(model.fc2, amount=0.5)
    remove_dead_neurons(model, trace_model(model, mnist.test_x[:2]).links)
    masked = export_model(model, mnist.test_x[:50], "l300").network
    result = compact_model(model, mnist.test_x[:50])
    compacted = with_original_shapes(export_model(result.model, mnist.test_x[:50],
                                                  "l300c").network, result)
    arch = load_arch("arch_configs/systolic_ws.yaml")
    flat = compare_network(masked, arch).savings
    assert (flat.energy, flat.latency, flat.memory) == pytest.approx((1.0, 1.0, 1.0), abs=0.01)
    saved = compare_network(compacted, arch)
    weights = 266_200 / 125_600
    for value in (saved.savings.energy, saved.savings.latency, saved.savings.memory):
        assert 0.85 * weights < value < 1.15 * weights
    assert saved.baseline.total.macs_dense == 266_200       # the baseline is the original net


def test_shipped_schedule_and_compact_key():
    schedule = load_schedule("lenet300_structured")
    assert schedule.export.compact and schedule.pruning.method == "l1_structured"
    assert schedule.pruning.structure == "neurons"
    assert not load_schedule("han2015_lenet300").export.compact
    bad = {"name": "x", "pruning": {"iterations": [{"quality": 1.0}]},
           "export": {"compacted": True, "compacted_workload_file": "c.txt"}}
    with pytest.raises(ConfigError) as err:
        parse_schedule(bad, "s.yaml")
    paths = {p.path for p in err.value.problems}
    assert {"export.compacted", "export.compacted_workload_file"} <= paths


def test_pipeline_writes_both_networks_and_the_main_job_reads_the_compacted(tmp_path, mnist):
    """The shipped schedule, shortened (1 epoch each): both workload files, the summary's
    compaction section, and read_entry (the main job) picks the compacted network."""
    data = load_schedule("lenet300_structured").model_dump(mode="json")
    data["train"]["epochs"] = 1
    data["retrain"]["epochs"] = 1
    data["export"]["samples"] = 50
    result = run_schedule("lenet300", parse_schedule(data), mnist, tmp_path, progress=False)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["files"]["compacted_workload"] == "workload_compacted.yaml"
    assert summary["compaction"]["max_abs_diff"] < 1e-4
    layers = {c["name"]: c for c in summary["compaction"]["layers"]}
    assert layers["fc1"]["out_after"] <= 150 and layers["fc2"]["out_after"] <= 50
    assert result.compacted_network == load_network(tmp_path / "workload_compacted.yaml")
    assert result.network.layer("fc1").out_channels == 300
    (tmp_path / "extras.json").write_text("{}")
    network, _, _ = read_entry(tmp_path)
    assert network == result.compacted_network
