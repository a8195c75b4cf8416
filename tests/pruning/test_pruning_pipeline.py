"""End to end on a small slice of the embedded data: summary, files, phases, sensitivity, CLI."""
import json
import subprocess
import sys

import numpy as np
import pytest
import torch
import yaml

from hwsim.cli import main
from hwsim.errors import ConfigError, HwsimError
from hwsim.workload import load_network
from pruning.checkpoint import load_checkpoint
from pruning.data import MnistData, load_embedded_mnist
from pruning.methods import current_mask, current_weight
from pruning.pipeline import run_schedule
from pruning.schedule import parse_schedule
from pruning.sensitivity import SensitivityCurve, SensitivityResult, pick_qualities, \
    sensitivity_analysis


@pytest.fixture(scope="module")
def small_data() -> MnistData:
    full = load_embedded_mnist(seed=0)
    return MnistData(full.train_x[:200], full.train_y[:200], full.test_x[:100],
                     full.test_y[:100], full.source + " (test slice)", 0)


def schedule(**pruning) -> dict:
    return {"name": "tiny", "seed": 0, "train": {"epochs": 1, "lr": 0.05},
            "retrain": {"epochs": 1}, "export": {"samples": 20},
            "pruning": {"method": "han_threshold",
                        "iterations": [{"quality": 0.5}, {"quality": {"default": 0.5, "fc3": 0.2}}],
                        **pruning}}


def test_run_schedule_writes_summary_workload_and_checkpoint(tmp_path, small_data):
    seen, path = [], tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(schedule()))
    result = run_schedule("lenet300", str(path), small_data, tmp_path, progress=False,
                          on_iteration=seen.append)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["dense"]["test_samples"] == 100 and summary["dense"]["weights"] == 266_200
    assert len(summary["iterations"]) == 2 and [r.index for r in seen] == [1, 2]
    last = summary["iterations"][-1]
    assert last["kept_total"] == sum(last["kept_weights"].values())
    assert last["compression_x"] == pytest.approx(266_200 / last["kept_total"])
    assert last["parameters"] == {"fc1": 0.5, "fc2": 0.5, "fc3": 0.2}
    assert summary["final"]["kept_total"] == last["kept_total"]
    assert summary["final"]["test_accuracy_pct"] == last["test_accuracy_pct"]
    network = load_network(tmp_path / "workload.yaml")
    model, _ = load_checkpoint(tmp_path / "pruned.pt")
    assert summary["export"]["traced_with"] == "torch.export"      # the graph export
    assert summary["export"]["coverage"]["mac_fraction"] == 1.0
    for layer in (l for l in network.layers if l.kind.has_weights):   # + two linked ReLUs
        mask = current_mask(getattr(model, layer.name)).numpy()
        assert np.array_equal(layer.weight_mask, mask)
        assert layer.weight_nnz == last["kept_weights"][layer.name]
        assert 0 < layer.input_density <= 1 and layer.effective_macs <= layer.macs_dense
    assert result.network == network
    assert (tmp_path / "dense.pt").is_file()


def test_same_seed_same_run(tmp_path, small_data):
    runs = [run_schedule("lenet300", parse_schedule(schedule()), small_data, tmp_path / str(i),
                         progress=False).summary for i in range(2)]
    assert runs[0]["iterations"] == runs[1]["iterations"]


def test_separate_phases_freeze_the_other_layers(tmp_path, small_data):
    """conv_then_fc: the fc layers do not move while the convs are pruned and retrained, and
    the convs do not move in the fc phase."""
    from pruning.models import LeNet5
    data = schedule(phases="conv_then_fc", remove_dead_neurons=False)
    data["pruning"]["iterations"] = [{"quality": 0.5}]
    model, snapshots = LeNet5(), {}

    def snapshot(record):
        snapshots[record.phase] = {n: effective(getattr(model, n)) for n in ("conv2", "fc1")}

    result = run_schedule(model, parse_schedule(data), small_data, tmp_path, progress=False,
                          on_iteration=snapshot)
    assert [r["phase"] for r in result.iterations] == ["conv", "fc"]
    conv_step, fc_step = result.iterations
    assert conv_step["kept_weights"]["fc1"] == 400_000
    assert conv_step["kept_weights"]["conv2"] < 25_000
    assert fc_step["kept_weights"]["conv2"] == conv_step["kept_weights"]["conv2"]
    dense, _ = load_checkpoint(tmp_path / "dense.pt", LeNet5())  # no unpickled module
    assert torch.equal(snapshots["conv"]["fc1"], dense.fc1.weight)
    assert not torch.equal(snapshots["conv"]["conv2"], dense.conv2.weight)
    assert torch.equal(snapshots["fc"]["conv2"], snapshots["conv"]["conv2"])
    assert not torch.equal(snapshots["fc"]["fc1"], snapshots["conv"]["fc1"])


def effective(module) -> torch.Tensor:
    return (current_weight(module) * current_mask(module)).clone()


def test_sensitivity_curves_and_tolerance_pick(small_data):
    from pruning.models import LeNet300
    torch.manual_seed(0)
    result = sensitivity_analysis(LeNet300(), small_data.test_x, small_data.test_y,
                                  [0.0, 1.0, 3.0], layers=["fc1", "fc3"])
    assert [c.layer for c in result.curves] == ["fc1", "fc3"]
    assert result.curves[0].kept_fraction[0] == 1.0
    assert result.curves[0].kept_fraction[2] < result.curves[0].kept_fraction[1] < 1.0
    assert result.curves[0].accuracy_pct[0] == result.baseline_accuracy_pct


def test_pick_qualities_stops_at_first_violation():
    """Baseline 95.0; accuracies [95.0, 94.7, 93.1, 94.9] at [0.5, 1.0, 1.5, 2.0]; 0.5 pp ->
    1.0 (1.5 loses 1.9 pp; the lucky 2.0 after it is not chosen)."""
    curve = SensitivityCurve("fc1", (0.5, 1.0, 1.5, 2.0), (0.7, 0.4, 0.2, 0.1),
                             (95.0, 94.7, 93.1, 94.9))
    result = SensitivityResult("han_threshold", "quality", 95.0, 1000, (curve,))
    assert pick_qualities(result, 0.5) == {"fc1": 1.0}
    assert SensitivityResult.from_dict(result.to_dict()) == result


def test_cli_prune_prints_table_and_writes_files(tmp_path, capsys):
    path = tmp_path / "tiny.yaml"
    data = schedule()
    data["retrain"]["epochs"] = 0
    data["pruning"]["iterations"] = [{"quality": 0.5}]
    path.write_text(yaml.safe_dump(data))
    code = main(["prune", "--model", "lenet300", "--schedule", str(path), "--out",
                 str(tmp_path / "out"), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0
    assert "fc1 kept" in out and "dense" in out and "x fewer" in out
    assert (tmp_path / "out" / "summary.json").is_file()


def test_cli_bad_schedule_exits_2(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text("name: t\npruning: {iterations: [{quality: 1.0}]}\ntrain: {epoch: 3}\n")
    code = main(["prune", "--model", "lenet300", "--schedule", str(path), "--out",
                 str(tmp_path / "out")])
    assert code == 2
    assert "train.epoch must be a known key" in capsys.readouterr().err


def test_hwsim_cli_does_not_import_torch():
    code = ("import sys, hwsim.cli; hwsim.cli.build_parser(); "
            "sys.exit(1 if 'torch' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


@pytest.mark.parametrize("pruning, expected_fc1_kept", [
    ({"method": "sparsity", "gradual": {"initial_sparsity": 0.5, "final_sparsity": 0.9,
                                        "steps": 2}}, 23_520),
    ({"method": "n_m", "iterations": [{"pattern": "2:4"}]}, 117_600),
    ({"method": "l1_structured", "structure": "neurons",
      "iterations": [{"sparsity": {"fc1": 30, "fc2": 30}}]}, 270 * 784),
    ({"method": "global_magnitude", "iterations": [{"sparsity": 0.8}]}, None),
])
def test_each_method_through_the_pipeline(tmp_path, small_data, pruning, expected_fc1_kept):
    """No training (0 epochs) so the counts are exact: 90 % of 235,200 pruned leaves 23,520;
    2:4 keeps half; 30 of 300 neurons pruned leaves 270 rows of 784; global 80 % of 266,200
    leaves 53,240 over all layers."""
    data = schedule()
    data["pruning"] = {**pruning, "remove_dead_neurons": False}
    data["train"]["epochs"] = data["retrain"]["epochs"] = 0
    result = run_schedule("lenet300", parse_schedule(data), small_data, tmp_path,
                          progress=False)
    kept = result.summary["final"]["kept_weights"]
    if expected_fc1_kept is None:
        assert result.summary["final"]["kept_total"] == 266_200 - round(0.8 * 266_200)
    else:
        assert kept["fc1"] == expected_fc1_kept


def test_count_larger_than_a_layer_names_the_layer(tmp_path, small_data):
    data = schedule()
    data["pruning"] = {"method": "l1_structured", "iterations": [{"sparsity": 30}]}
    with pytest.raises(ConfigError, match="fc3.amount must be <= 10"):
        run_schedule("lenet300", parse_schedule(data), small_data, tmp_path, progress=False)


def test_auto_quality_uses_a_validation_split(tmp_path, small_data):
    data = schedule()
    data["pruning"]["iterations"] = [{"quality": {"default": "auto", "fc3": 0.1}}]
    data["sensitivity"] = {"qualities": [0.0, 0.5, 1.0], "tolerance_pp": 100.0,
                           "validation_fraction": 0.1}
    result = run_schedule("lenet300", parse_schedule(data), small_data, tmp_path,
                          progress=False)
    assert result.iterations[0]["parameters"] == {"fc1": 1.0, "fc2": 1.0, "fc3": 0.1}
    assert result.summary["data"]["validation_samples"] == 20
    assert result.summary["data"]["train_samples"] == 180


def test_model_file_is_pruned_exported_and_reloaded(tmp_path, small_data):
    path = tmp_path / "mlp.py"
    path.write_text("import torch\nfrom torch import nn\n\n"
                    "class Net(nn.Module):\n"
                    "    def __init__(self):\n"
                    "        super().__init__()\n"
                    "        self.hidden, self.out = nn.Linear(784, 32), nn.Linear(32, 10)\n"
                    "    def forward(self, x):\n"
                    "        return self.out(torch.relu(self.hidden(torch.flatten(x, 1))))\n\n"
                    "def build_model():\n    return Net()\n")
    data = schedule()
    data["pruning"]["iterations"] = [{"quality": {"default": 0.5, "out": 0.2}}]
    result = run_schedule(str(path), parse_schedule(data), small_data, tmp_path / "o",
                          progress=False)
    assert result.summary["model"] == "mlp"
    assert [layer.name for layer in result.network.layers] == ["hidden", "hidden.relu", "out"]
    assert result.network.layers[0].output_density < 1.0       # measured after torch.relu
    model, info = load_checkpoint(result.checkpoint_path)
    assert type(model).__name__ == "Net" and info["schedule"] == "tiny"
    assert int(current_mask(model.hidden).sum()) == result.summary["final"]["kept_weights"]["hidden"]


def test_pickled_module_file(tmp_path, monkeypatch):
    """A pickled module runs code when loaded: refused unless trusted explicitly."""
    from pruning.models import build_model
    torch.save(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10)),
               tmp_path / "m.pt")
    monkeypatch.delenv("HWSIM_TRUST_PICKLE", raising=False)
    with pytest.raises(ConfigError, match="--trust-pickle"):
        build_model(tmp_path / "m.pt")
    monkeypatch.setenv("HWSIM_TRUST_PICKLE", "1")
    model, label = build_model(tmp_path / "m.pt")
    assert label == "m" and model(torch.zeros(1, 1, 28, 28)).shape == (1, 10)
    (tmp_path / "m.onnx").write_text("x")
    with pytest.raises(ConfigError, match="must end in .py, .pt or .pth"):
        build_model(tmp_path / "m.onnx")
    with pytest.raises(ConfigError, match="must be one of lenet300, lenet5 or a model file"):
        build_model("resnet9000")


def test_model_that_does_not_fit_mnist_is_a_clear_error(tmp_path, small_data):
    path = tmp_path / "wrong.py"
    path.write_text("from torch import nn\n\ndef build_model():\n"
                    "    return nn.Sequential(nn.Flatten(), nn.Linear(100, 10))\n")
    with pytest.raises(HwsimError, match="must accept MNIST batches"):
        run_schedule(str(path), parse_schedule(schedule()), small_data, tmp_path / "o",
                     progress=False)


def test_cli_sensitivity_writes_data_and_plot(tmp_path, capsys):
    data = schedule()
    data["train"]["epochs"] = 0
    data["sensitivity"] = {"qualities": [0.0, 1.0]}
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(data))
    code = main(["prune", "--model", "lenet300", "--schedule", str(path), "--sensitivity",
                 "--out", str(tmp_path / "s"), "--no-progress"])
    assert code == 0
    saved = json.loads((tmp_path / "s" / "sensitivity.json").read_text())
    assert [c["layer"] for c in saved["curves"]] == ["fc1", "fc2", "fc3"]
    assert (tmp_path / "s" / "sensitivity.png").stat().st_size > 1000
    assert "largest quality within" in capsys.readouterr().out
