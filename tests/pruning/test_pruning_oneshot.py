"""One-shot pruning (pruning/oneshot.py, pruning/calibration.py): hand-worked Wanda vs
magnitude, N:M validity with hwsim's check, mask invariants, calibration memory, the registry,
and a tiny ViT end to end (a few steps of training only)."""
import copy
import gc
import weakref

import pytest
import torch
from torch import nn

from hwsim.errors import ConfigError
from hwsim.formats import check_n_m
from pruning.calibration import batches_of, collect_input_norms
from pruning.methods import METHODS, NMSparsity, prune_layers
from pruning.oneshot import (Magnitude, SparsityTarget, Wanda, magnitude, prune_oneshot,
                             select_by_score, wanda)

W = torch.tensor([[4.0, 1.0, 3.0, 2.0],
                  [1.0, 4.0, 2.0, 3.0]])
X = torch.tensor([[0.1, 2.0, 1.0, 3.0],
                  [0.2, 2.0, 1.0, 4.0],
                  [0.2, 1.0, 2.0, 0.0]])


def _linear(weight: torch.Tensor) -> nn.Linear:
    layer = nn.Linear(weight.shape[1], weight.shape[0], bias=False)
    layer.weight.data = weight.clone()
    return layer


def test_calibration_norms_hand_worked():
    """3 tokens x 4 features: sums of squares per column
    [0.01+0.04+0.04, 4+4+1, 1+1+4, 9+16+0] = [0.09, 9, 6, 25] -> norms [0.3, 3, 2.449, 5]."""
    model = nn.Sequential(_linear(W))
    stats = collect_input_norms(model, ["0"], batches_of(X, 2))    # two batches, one sum
    assert torch.allclose(stats.sum_squares["0"], torch.tensor([0.09, 9.0, 6.0, 25.0],
                                                               dtype=torch.float64))
    assert torch.allclose(stats.norms("0"), torch.tensor([0.3, 3.0, 6 ** 0.5, 5.0],
                                                         dtype=torch.float64))
    assert stats.tokens == {"0": 3}


def test_wanda_and_magnitude_choose_differently_2_4():
    """Wanda scores |W| x ||X_j||: row 0 [4 x 0.3, 1 x 3, 3 x 2.449, 2 x 5] = [1.2, 3, 7.35,
    10] -> keeps columns 2, 3; magnitude keeps the two largest |w|, 4 and 3 (columns 0, 2).
    Row 1 [1 x 0.3, 4 x 3, 2 x 2.449, 3 x 5] = [0.3, 12, 4.90, 15] -> columns 1, 3, which
    are also its two largest weights (4 and 3): both agree there."""
    norms = collect_input_norms(nn.Sequential(_linear(W)), ["0"], [X]).norms("0")
    assert torch.allclose(Wanda(norms, n=2, m=4).score(W), torch.tensor(
        [[1.2, 3.0, 3 * 6 ** 0.5, 10.0], [0.3, 12.0, 2 * 6 ** 0.5, 15.0]], dtype=torch.float64))
    by_wanda = wanda(_linear(W), norms, n=2, m=4)
    by_magnitude = magnitude(_linear(W), n=2, m=4)
    assert by_wanda.weight_mask.tolist() == [[0, 0, 1, 1], [0, 1, 0, 1]]
    assert by_magnitude.weight_mask.tolist() == [[1, 0, 1, 0], [0, 1, 0, 1]]
    # weight == orig * mask, and the result is a valid 2:4 mask by hwsim's check
    assert torch.equal(by_wanda.weight, by_wanda.weight_orig * by_wanda.weight_mask)
    assert check_n_m(by_wanda.weight_mask.numpy(), 2, 4).violating == 0


def test_unstructured_per_row_vs_per_layer():
    """50 % of 8 weights. Wanda per row keeps each row's top 2 scores (as 2:4 above, one
    group per row). Wanda per layer ranks all 8 scores [1.2, 3, 7.35, 10, 0.3, 12, 4.90, 15]:
    the top 4 are 15, 12, 10, 7.35 -> the same mask here. Magnitude per layer: |w| top 4 are
    the two 4s and the two 3s -> [[1,0,1,0],[0,1,0,1]]."""
    norms = torch.tensor([0.3, 3.0, 6 ** 0.5, 5.0], dtype=torch.float64)
    assert wanda(_linear(W), norms, amount=0.5).weight_mask.tolist() == [[0, 0, 1, 1],
                                                                       [0, 1, 0, 1]]
    assert wanda(_linear(W), norms, amount=0.5, per_row=False).weight_mask.tolist() == [
        [0, 0, 1, 1], [0, 1, 0, 1]]
    assert magnitude(_linear(W), amount=0.5).weight_mask.tolist() == [[1, 0, 1, 0],
                                                                    [0, 1, 0, 1]]


def test_per_row_keeps_rows_balanced_where_per_layer_does_not():
    """scores [[1, 2], [3, 4]], 50 %: per layer drops the whole first row (1 and 2 are the
    lowest), per row drops each row's smaller score."""
    scores = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)
    alive = torch.ones(2, 2, dtype=torch.bool)
    half = SparsityTarget(amount=0.5)
    assert select_by_score(scores, alive, half).tolist() == [[False, False], [True, True]]
    assert select_by_score(scores, alive, half, per_row=True).tolist() == [[False, True],
                                                                           [False, True]]


@pytest.mark.parametrize("n, m", [(2, 4), (4, 8), (1, 4)])
def test_n_m_masks_valid_and_exact(n, m):
    """A random 16 x 40 layer: every group of m keeps exactly n (40 = 5 groups of 8 or 10 of
    4), so the kept count is 16 x 40 x n / m and hwsim's check finds 0 violating groups."""
    torch.manual_seed(0)
    layer = _linear(torch.randn(16, 40))
    wanda(layer, torch.rand(40, dtype=torch.float64) + 0.1, n=n, m=m)
    mask = layer.weight_mask
    assert int(mask.sum()) == 16 * 40 * n // m
    assert check_n_m(mask.numpy(), n, m).violating == 0
    assert (mask.reshape(16, -1, m).sum(dim=2) == n).all()


def test_n_m_selection_uses_the_shared_group_definition():
    """Magnitude N:M through the one-shot path equals NMSparsity's mask on the weights."""
    torch.manual_seed(1)
    t = torch.randn(6, 12)
    alive = torch.ones_like(t, dtype=torch.bool)
    ours = Magnitude(n=2, m=4).keep(t, alive)
    assert torch.equal(ours, NMSparsity(2, 4).keep(t, alive))


def test_masks_only_shrink():
    """A weight pruned before stays pruned: 2:4 on top of a mask that already dropped
    column 3 of row 0 keeps column 2 and the next best (Wanda row 0 without col 3: [1.2, 3,
    7.35] -> cols 1, 2)."""
    norms = torch.tensor([0.3, 3.0, 6 ** 0.5, 5.0], dtype=torch.float64)
    layer = _linear(W)
    torch.nn.utils.prune.custom_from_mask(layer, "weight",
                                          torch.tensor([[1, 1, 1, 0], [1, 1, 1, 1]]))
    wanda(layer, norms, n=2, m=4)
    assert layer.weight_mask.tolist() == [[0, 1, 1, 0], [0, 1, 0, 1]]


def test_calibration_memory_is_per_feature_not_per_token():
    """Ten batches of 50 x 7 tokens: the statistics hold one number per input feature (4 + 8
    = 12), as after one batch, and no batch stays referenced once collection is done."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    refs = []

    def batches(count):
        for _ in range(count):
            batch = torch.randn(50, 7, 4)
            refs.append(weakref.ref(batch))
            yield batch

    one = collect_input_norms(model, ["0", "2"], batches(1))
    ten = collect_input_norms(model, ["0", "2"], batches(10))
    gc.collect()
    assert one.stored_elements() == ten.stored_elements() == 12
    assert ten.tokens == {"0": 3500, "2": 3500}
    assert all(ref() is None for ref in refs)
    assert not model[0]._forward_pre_hooks and not model[2]._forward_pre_hooks


def test_calibration_restores_training_flag_and_removes_hooks_on_error():
    model = nn.Sequential(nn.Linear(4, 2)).train()
    with pytest.raises(RuntimeError):
        collect_input_norms(model, ["0"], [torch.randn(3, 5)])     # wrong width
    assert model.training and not model[0]._forward_pre_hooks


def test_bad_inputs_name_the_path():
    model = nn.Sequential(nn.Linear(4, 2), nn.ReLU())
    with pytest.raises(ConfigError, match=r"layers\.1 must name an nn.Linear"):
        collect_input_norms(model, ["1"], [])
    with pytest.raises(ConfigError, match="input_norms must have shape"):
        wanda(nn.Linear(4, 2), torch.ones(3), amount=0.5)
    with pytest.raises(ConfigError, match="target must be"):
        SparsityTarget.parse("half")
    with pytest.raises(ConfigError, match="calibration must be given"):
        prune_oneshot(model, [["0"]], "wanda", SparsityTarget(amount=0.5))
    with pytest.raises(ConfigError, match="method must be one of"):
        prune_oneshot(model, [["0"]], "sparsegpt", SparsityTarget(amount=0.5))


def test_target_parsing_and_labels():
    assert SparsityTarget.parse("2:4") == SparsityTarget(n=2, m=4)
    assert SparsityTarget.parse("50%").amount == 0.5
    assert SparsityTarget.parse("0.5").label == "50%"
    assert SparsityTarget.parse("3").amount == 3                  # a count, as torch
    assert SparsityTarget.parse("4:8").label == "4:8"


def test_wanda_registered_in_methods():
    """prune_layers("wanda", ...) with per-layer norms gives the hand-worked mask above."""
    assert "wanda" in METHODS
    layer = _linear(W)
    norms = torch.tensor([0.3, 3.0, 6 ** 0.5, 5.0], dtype=torch.float64)
    prune_layers("wanda", {"fc": layer}, {"fc": {"input_norms": norms, "n": 2, "m": 4}})
    assert layer.weight_mask.tolist() == [[0, 0, 1, 1], [0, 1, 0, 1]]


def test_sequential_calibration_sees_the_pruned_earlier_stage():
    """Two stacked layers: sequential Wanda measures layer 1's inputs after layer 0 was pruned,
    the one-pass variant on the dense model; the recorded input norms differ."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 8), nn.Linear(8, 8))
    x = torch.randn(32, 8)
    dense_norms = collect_input_norms(model, ["1"], [x]).norms("1")
    pruned = copy.deepcopy(model)
    prune_oneshot(pruned, [["0"]], "wanda", SparsityTarget(amount=0.75), calibration=x)
    seen = collect_input_norms(pruned, ["1"], [x]).norms("1")
    assert not torch.allclose(seen, dense_norms)
    a, b = copy.deepcopy(model), copy.deepcopy(model)
    prune_oneshot(a, [["0"], ["1"]], "wanda", SparsityTarget(amount=0.75), calibration=x)
    prune_oneshot(b, [["0"], ["1"]], "wanda", SparsityTarget(amount=0.75), calibration=x,
                  sequential=False)
    expect = wanda(copy.deepcopy(pruned[1]), seen, amount=0.75).weight_mask
    assert torch.equal(a[1].weight_mask, expect)
    assert torch.equal(b[1].weight_mask,
                       wanda(copy.deepcopy(model[1]), dense_norms, amount=0.75).weight_mask)


def test_tiny_vit_end_to_end(small_data):
    """A 1-block ViT, 20 training steps: magnitude and Wanda at 50 % and 2:4 reach the exact
    sparsity on the block's 4 Linear layers, 0 violating 2:4 groups, and the graph export sees
    the masks (weight density 0.5 on qkv, dense on the patch embedding)."""
    from pruning.graph_export import export_graph
    from pruning.vit import VisionTransformer, block_linear_layers, train_vit

    torch.manual_seed(0)
    model = VisionTransformer(dim=16, depth=1, heads=2, hidden=32)
    x, y = small_data.train_x[:160], small_data.train_y[:160]
    train_vit(model, x, y, epochs=2, generator=torch.Generator().manual_seed(0),
              batch_size=16, warmup_steps=5)
    stages = block_linear_layers(model)
    assert stages == [["blocks.0.attn.qkv", "blocks.0.attn.proj", "blocks.0.mlp.fc1",
                       "blocks.0.mlp.fc2"]]
    for method in ("magnitude", "wanda"):
        for target in ("0.5", "2:4"):
            pruned = copy.deepcopy(model)
            result = prune_oneshot(pruned, stages, method, SparsityTarget.parse(target),
                                   calibration=x[:8])
            assert result.sparsity == 0.5 and result.n_m_violations == 0
            assert result.calibration_tokens == (8 * 17 if method == "wanda" else 0)
            assert (pruned(x[:4]).isfinite()).all()
    layers = {l.name: l for l in export_graph(pruned, small_data.test_x[:4], "vit").network.layers}
    assert layers["blocks.0.attn.qkv"].weight_density == 0.5
    assert layers["patch_embed"].weight_density == 1.0
