"""Pruning methods: mask invariants, exact sparsity, int vs float amounts, known masks."""
import pytest
import torch
from torch import nn

from hwsim.errors import ConfigError
from pruning.methods import (amount_to_count, current_mask, fixed_mask, global_magnitude,
                             han_threshold, l1_structured, layer_sparsity, make_permanent,
                             method_kwargs, n_m_sparsity, prune_layers)


def linear_with(weights) -> nn.Linear:
    weights = torch.tensor(weights, dtype=torch.float32)
    layer = nn.Linear(weights.shape[1], weights.shape[0])
    with torch.no_grad():
        layer.weight.copy_(weights)
    return layer


def test_han_threshold_on_known_tensor():
    """w = [-2, -1, 0, 1, 2]: std = sqrt((4+1+0+1+4)/5) = 1.414; q=1 keeps |w| >= 1.414."""
    layer = linear_with([[-2.0, -1.0, 0.0, 1.0, 2.0]])
    han_threshold(layer, quality=1.0)
    assert current_mask(layer).tolist() == [[True, False, False, False, True]]


def test_han_threshold_iterates_on_survivors():
    """w = [-4, -1, 0.5, 2, 3]: std over all = sqrt(30.25/5 - 0.01) = 2.458; q=0.5 -> 1.229,
    survivors [-4, 2, 3] (mean 1/3, E[w^2] = 29/3, std = 3.091); q=0.5 again -> 1.546: same
    survivors; q=0.7 -> 2.164: only [-4, 3] survive."""
    layer = linear_with([[-4.0, -1.0, 0.5, 2.0, 3.0]])
    han_threshold(layer, quality=0.5)
    assert current_mask(layer).tolist() == [[True, False, False, True, True]]
    han_threshold(layer, quality=0.5)
    assert current_mask(layer).tolist() == [[True, False, False, True, True]]
    han_threshold(layer, quality=0.7)
    assert current_mask(layer).tolist() == [[True, False, False, False, True]]


@pytest.mark.parametrize("amount, pruned", [(0.3, 30), (30, 30), (1, 1), (1.0, 100), (0, 0),
                                            (0.0, 0), (0.125, 12)])
def test_exact_sparsity_int_vs_float(amount, pruned):
    """A float is a fraction (round(0.125 x 100) = 12), an int a count: 1 vs 1.0 differ."""
    torch.manual_seed(0)
    layer = nn.Linear(10, 10)
    layer_sparsity(layer, amount=amount)
    assert int((~current_mask(layer)).sum()) == pruned


def test_sparsity_targets_are_cumulative_and_never_revive():
    torch.manual_seed(0)
    layer = nn.Linear(20, 10)
    layer_sparsity(layer, amount=0.5)
    first = current_mask(layer).clone()
    layer_sparsity(layer, amount=0.75)
    second = current_mask(layer)
    assert int((~second).sum()) == 150
    assert not (second & ~first).any()
    layer_sparsity(layer, amount=0.25)          # below what is pruned: nothing comes back
    assert torch.equal(current_mask(layer), second)


def test_smallest_magnitudes_go_first():
    """w = [0.1, -3, 0.2, 4], 50 % -> the two smallest |w| (0.1, 0.2) go."""
    layer = linear_with([[0.1, -3.0, 0.2, 4.0]])
    layer_sparsity(layer, amount=0.5)
    assert current_mask(layer).tolist() == [[False, True, False, True]]


def test_mask_invariants_through_optimizer_steps():
    """After SGD with momentum and weight decay: weight == orig x mask, pruned weights are
    exactly zero, and the surviving weights had kept their trained values at pruning time."""
    torch.manual_seed(0)
    layer = nn.Linear(8, 6)
    before = layer.weight.detach().clone()
    han_threshold(layer, quality=0.8)
    mask = current_mask(layer)
    assert torch.equal(layer.weight[mask], before[mask])
    optimizer = torch.optim.SGD(layer.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-2)
    for _ in range(5):
        loss = layer(torch.randn(4, 8)).pow(2).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    layer(torch.randn(1, 8))                    # the pre-hook recomputes weight
    assert torch.equal(layer.weight, layer.weight_orig * layer.weight_mask)
    assert (layer.weight[~mask] == 0).all()
    assert not torch.equal(layer.weight[mask], before[mask])   # survivors did train


def test_known_mask_injection_and_permanent_weights():
    layer = linear_with([[1.0, 2.0], [3.0, 4.0]])
    with torch.no_grad():
        layer.bias.zero_()
    fixed_mask(layer, torch.tensor([[True, False], [False, True]]))
    out = layer(torch.tensor([[1.0, 1.0]]))
    assert out.tolist() == [[1.0, 4.0]]
    make_permanent([layer])
    assert layer.weight.tolist() == [[1.0, 0.0], [0.0, 4.0]]
    assert not hasattr(layer, "weight_mask")


def test_l1_structured_rows_and_columns():
    """Rows [1, 1], [0, 3], [5, 0]: L1 norms 2, 3, 5 -> amount 1 prunes row 0.
    Columns: norms 6, 4 -> amount 1 prunes column 1."""
    rows = linear_with([[1.0, 1.0], [0.0, 3.0], [5.0, 0.0]])
    l1_structured(rows, amount=1, dim=0)
    assert current_mask(rows).tolist() == [[False, False], [True, True], [True, True]]
    cols = linear_with([[1.0, 1.0], [0.0, 3.0], [5.0, 0.0]])
    l1_structured(cols, amount=1, dim=1)
    assert current_mask(cols).tolist() == [[True, False]] * 3


def test_l1_structured_conv_filters_exact_count():
    torch.manual_seed(0)
    conv = nn.Conv2d(3, 8, 3)
    l1_structured(conv, amount=0.25, dim=0)
    per_filter = current_mask(conv).sum(dim=(1, 2, 3))
    assert sorted(per_filter.tolist()) == [0, 0] + [27] * 6
    l1_structured(conv, amount=0.5, dim=0)       # cumulative: 4 filters in total
    assert int((current_mask(conv).sum(dim=(1, 2, 3)) == 0).sum()) == 4


def test_n_m_on_known_row():
    """2:4 on [1, -5, 2, 0.5 | 3, 0, -1, 4] keeps {-5, 2} and {3, 4}."""
    layer = linear_with([[1.0, -5.0, 2.0, 0.5, 3.0, 0.0, -1.0, 4.0]])
    n_m_sparsity(layer, n=2, m=4)
    assert current_mask(layer).int().tolist() == [[0, 1, 1, 0, 1, 0, 0, 1]]


def test_n_m_groups_run_along_conv_input_channels():
    torch.manual_seed(0)
    conv = nn.Conv2d(8, 4, 3)
    n_m_sparsity(conv, n=1, m=4)
    groups = current_mask(conv).permute(0, 2, 3, 1).reshape(4, 3, 3, 2, 4)
    assert (groups.sum(dim=-1) == 1).all()


def test_n_m_partial_tail_group():
    """1 input channel x 5 x 5 = 25 per filter: six groups of 4 keep 2 each, the tail of one
    keeps its single weight -> 13 per filter."""
    torch.manual_seed(0)
    conv = nn.Conv2d(1, 3, 5)
    n_m_sparsity(conv, n=2, m=4)
    assert current_mask(conv).sum(dim=(1, 2, 3)).tolist() == [13, 13, 13]


def test_global_magnitude_ranks_across_layers():
    """Layers [1, 4] and [2, 3], 50 % over both -> 1 and 2 go."""
    a, b = linear_with([[1.0, 4.0]]), linear_with([[2.0, 3.0]])
    global_magnitude([a, b], 0.5)
    assert current_mask(a).tolist() == [[False, True]]
    assert current_mask(b).tolist() == [[False, True]]


def test_prune_layers_registry_dispatch():
    layer = linear_with([[1.0, -5.0, 2.0, 0.5]])
    prune_layers("n_m", {"fc": layer}, {"fc": method_kwargs("n_m", (1, 2))})
    assert current_mask(layer).int().tolist() == [[0, 1, 1, 0]]
    with pytest.raises(ConfigError, match="pruning.method must be one of"):
        prune_layers("magic", {"fc": layer}, {"fc": {}})


@pytest.mark.parametrize("amount", [1.5, -1, True, "half", 11])
def test_bad_amounts_are_config_errors(amount):
    with pytest.raises(ConfigError, match="amount"):
        amount_to_count(amount, 10)
