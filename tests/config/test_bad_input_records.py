"""Records that cannot be half-filled (issue 14 part 5) and checkpoints that never unpickle
code without explicit trust (part 4)."""
from __future__ import annotations

import pytest

from hwsim.cost.records import LayerCost, LevelTraffic, NetworkTotal
from hwsim.cost.totals import total_cost
from hwsim.sim.records import SimStats
from hwsim.types import Operand


def _layer(**extra) -> LayerCost:
    return LayerCost(name="l", arch="a", batch=1, clock_hz=1e9, energy_pj=10.0,
                     latency_cycles=1000.0, **extra)


def test_wide_records_are_keyword_only():
    with pytest.raises(TypeError):
        LayerCost("l", "a", 1, 1e9)  # noqa: the point: positional calls are refused
    with pytest.raises(TypeError):
        LevelTraffic("dram", Operand.WEIGHTS, 1, 0, 4, 0, 1.0)
    with pytest.raises(TypeError):
        SimStats("tiled")


def test_a_layer_cost_without_its_clock_or_batch_is_refused():
    """A default clock of 1 Hz made latency_s silently wrong by 9 orders of magnitude."""
    with pytest.raises(TypeError, match="clock_hz"):
        LayerCost(name="l", arch="a", batch=1)
    with pytest.raises(TypeError, match="batch"):
        LayerCost(name="l", arch="a", clock_hz=1e9)


def test_the_network_total_is_its_own_type():
    """1,000 cycles at 1 GHz twice: 2,000 cycles, 2 us, 20 pJ; no mapping, notes or roofline."""
    total = total_cost([_layer(), _layer()], "a", 1e9)
    assert isinstance(total, NetworkTotal) and not isinstance(total, LayerCost)
    assert (total.name, total.layers_counted, total.latency_cycles, total.energy_pj) == (
        "total", 2, 2000.0, 20.0)
    assert total.latency_s == pytest.approx(2e-6)
    assert total.mapping is None and total.roofline is None and total.notes == ()
    assert total.to_dict()["name"] == "total"


def test_checkpoint_with_a_pickled_object_needs_explicit_trust(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    from hwsim.errors import HwsimError
    from pruning.checkpoint import torch_load

    path = tmp_path / "m.pt"
    torch.save(torch.nn.Linear(2, 2), path)
    monkeypatch.delenv("HWSIM_TRUST_PICKLE", raising=False)
    with pytest.raises(HwsimError) as err:
        torch_load(path)
    assert str(err.value) == (
        f"{path} must be a torch file of plain tensors (it is not one, or it holds pickled "
        "Python objects, which run code when loaded: pass --trust-pickle, or set "
        "HWSIM_TRUST_PICKLE=1, only for a file you made)")
    assert isinstance(torch_load(path, trusted=True), torch.nn.Linear)
    torch.save({"w": torch.zeros(2)}, tmp_path / "plain.pt")
    assert torch.equal(torch_load(tmp_path / "plain.pt")["w"], torch.zeros(2))
