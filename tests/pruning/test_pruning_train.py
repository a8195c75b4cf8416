"""Training helpers, Han's dropout formula and dead-neuron removal."""
import pytest
import torch
from torch import nn

from pruning.dead import remove_dead_neurons
from pruning.graph import trace_model
from pruning.methods import current_mask, fixed_mask
from pruning.models import LeNet5, LeNet300
from pruning.schedule import RegularizationConfig
from pruning.train import (TrainSettings, adjusted_dropout, evaluate, regularization_penalty,
                           seed_everything, train_model)


def test_dropout_formula():
    """D_r = D_o sqrt(C_ir / C_io): 0.5 x sqrt(900 / 10,000) = 0.5 x 0.3 = 0.15."""
    assert adjusted_dropout(0.5, 10_000, 900) == pytest.approx(0.15)
    assert adjusted_dropout(0.3, 100, 100) == pytest.approx(0.3)
    assert adjusted_dropout(0.0, 100, 4) == 0.0


def test_regularization_penalties():
    """w = [1, -2], strength 0.1: l1 = 0.1 x 3 = 0.3; l2 = 0.05 x (1 + 4) = 0.25."""
    layer = nn.Linear(2, 1)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, -2.0]]))
    l1 = regularization_penalty([layer], RegularizationConfig(kind="l1", strength=0.1))
    l2 = regularization_penalty([layer], RegularizationConfig(kind="l2", strength=0.1))
    assert float(l1.detach()) == pytest.approx(0.3)
    assert float(l2.detach()) == pytest.approx(0.25)
    assert regularization_penalty([layer], RegularizationConfig(kind="none")) == 0.0


def tiny_run(seed: int) -> torch.Tensor:
    generator = seed_everything(seed)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(8, 3))
    x, y = torch.rand(40, 1, 4, 4), torch.randint(0, 3, (40,))
    settings = TrainSettings(2, 8, 0.1, 0.9, "cosine", RegularizationConfig())
    train_model(model, x, y, settings, [model[1], model[4]], generator)
    return model[1].weight.detach().clone()


def test_training_is_deterministic_with_a_seed():
    assert torch.equal(tiny_run(3), tiny_run(3))
    assert not torch.equal(tiny_run(3), tiny_run(4))


def test_evaluate_counts_correct_predictions():
    model = nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.eye(2))
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    accuracy = evaluate(model, x, torch.tensor([0, 1, 1]))
    assert (accuracy.correct, accuracy.total) == (2, 3)
    assert accuracy.pct == pytest.approx(200 / 3)


def test_dead_neurons_removed_without_changing_the_function():
    """fc1 rows 3 and 7 lose every input: their constant relu(b) folds into fc2's bias and
    fc2 columns 3, 7 go (2 x 100 weights); fc2 stops reading neuron 10, so fc1 row 10 goes
    (784 weights). 984 weights removed, 3 neurons; the outputs do not change."""
    torch.manual_seed(0)
    model = LeNet300().eval()
    graph = trace_model(model, torch.rand(2, 1, 28, 28))
    rows = torch.ones(300, 784, dtype=torch.bool)
    rows[[3, 7]] = False
    fixed_mask(model.fc1, rows)
    cols = torch.ones(100, 300, dtype=torch.bool)
    cols[:, 10] = False
    fixed_mask(model.fc2, cols)
    x = torch.rand(5, 1, 28, 28)
    before = model(x)
    reports = {r.layer: r for r in remove_dead_neurons(model, graph.links)}
    assert (reports["fc1"].removed, reports["fc1"].weights_removed) == (3, 984)
    assert reports["fc1"].dead_total == 3 and reports["fc2"].removed == 0
    assert torch.allclose(model(x), before, atol=1e-5)
    assert not current_mask(model.fc2)[:, [3, 7]].any()
    assert not current_mask(model.fc1)[10].any()


def test_dead_conv_filter_folds_through_pool_and_flatten():
    """conv2 filter 9 has no inputs: it outputs relu(b_9) everywhere, so after pooling and
    flattening fc1 columns 9*16 .. 9*16+15 read a constant; they fold into fc1's bias."""
    torch.manual_seed(0)
    model = LeNet5().eval()
    graph = trace_model(model, torch.rand(2, 1, 28, 28))
    mask = torch.ones(50, 20, 5, 5, dtype=torch.bool)
    mask[9] = False
    fixed_mask(model.conv2, mask)
    x = torch.rand(3, 1, 28, 28)
    before = model(x)
    reports = {r.layer: r for r in remove_dead_neurons(model, graph.links)}
    assert reports["conv2"].weights_removed == 16 * 500
    assert torch.allclose(model(x), before, atol=1e-5)
