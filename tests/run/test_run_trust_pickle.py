"""``hwsim run --trust-pickle`` allows a pickled model file, as ``hwsim prune --trust-pickle``
does; without it a run never unpickles (pruning.checkpoint reads the trust)."""
from __future__ import annotations

import pytest

import hwsim.run as run_package
from hwsim import cli
from hwsim.errors import HwsimError

pytest.importorskip("torch")


@pytest.mark.parametrize("flag, trusted", [([], False), (["--trust-pickle"], True)])
def test_trust_reaches_the_checkpoint_loader(monkeypatch, capsys, flag, trusted):
    from pruning.checkpoint import pickle_trusted
    monkeypatch.setenv("HWSIM_TRUST_PICKLE", "0")  # untrusted; the original is restored after
    seen = []

    def fake_job(*args, **kwargs):
        seen.append(pickle_trusted())
        raise HwsimError("stopped before training")

    monkeypatch.setattr(run_package, "run_main_job", fake_job)
    assert cli.main(["run", *flag]) == 2
    assert seen == [trusted]
    assert "stopped before training" in capsys.readouterr().err
