"""benchmarks/gpu/measure.py runs end to end on the CPU fallback and compare.py reads its JSON.

No GPU here: this checks the script's plumbing (cases, variants, skips with reasons, the JSON
record) and the comparison, not any timing.
"""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[2]


def _load(name):
    spec = importlib.util.spec_from_file_location(f"gpu_{name}",
                                                  ROOT / "benchmarks" / "gpu" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    out = tmp_path_factory.mktemp("gpu") / "measure.json"
    doc = _load("measure").main(["--device", "cpu", "--layers", "vgg16.fc7",
                                 "resnet50.layer3.1.conv2", "--batches", "1", "2",
                                 "--dtypes", "fp32", "--csr-density", "0.5", "--reps", "2",
                                 "--warmup", "0", "--out", str(out)])
    return out, doc


def test_cpu_fallback_writes_every_case_with_versions(measured):
    out, doc = measured
    assert json.loads(out.read_text()) == doc
    assert doc["schema"] == "hwsim-gpu-measure/1" and doc["cpu_fallback"] is True
    assert {"device", "driver", "torch", "cuda"} <= set(doc)
    assert doc["energy"]["available"] is False and doc["energy"]["reason"]
    cases = doc["cases"]
    assert len(cases) == 2 * 4 * 2  # 2 layers x 4 variants (csr at one density) x 2 batches
    status = {(c["layer"], c["variant"]): c["status"] for c in cases}
    for layer in ("fc7", "layer3.1.conv2"):
        assert status[(layer, "dense")] == status[(layer, "pruned_dense")] == "ok"
        assert status[(layer, "csr")] == "ok"
        assert status[(layer, "semi_structured")] == "skipped"
    ok = [c for c in cases if c["status"] == "ok"]
    assert all(c["median_s"] > 0 and c["reps"] == 2 for c in ok)
    assert any("im2col" in n for c in ok for n in c["notes"])
    skipped = [c for c in cases if c["status"] == "skipped"]
    assert all("CUDA" in c["reason"] for c in skipped)


def test_two_four_mask_keeps_two_of_every_four():
    import torch
    mask = _load("measure").two_four_mask(torch.arange(16.0).reshape(2, 8))
    assert mask.sum().item() == 8
    assert mask.reshape(2, 2, 4).sum(dim=2).eq(2).all()


def test_compare_predicts_every_measured_case(measured, tmp_path, capsys):
    out, doc = measured
    rows = _load("compare").main([str(out), "--json", str(tmp_path / "rows.json")])
    printed = capsys.readouterr().out
    assert "CPU fallback" in printed and "h100_sxm.yaml" in printed
    assert len(rows) == sum(c["status"] == "ok" for c in doc["cases"])
    assert all(r["predicted_s"] > 0 and r["predicted_j"] > 0 for r in rows)
    kernels = {(r["case"], r["variant"]): r["kernel"] for r in rows}
    assert kernels[("vgg16.fc7", "csr")] == "csr"
    assert kernels[("vgg16.fc7", "pruned_dense")] == "dense"
    assert json.loads((tmp_path / "rows.json").read_text()) == rows
