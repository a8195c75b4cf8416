"""Pruned checkpoints: plain weights (pruned ones exactly zero) plus the boolean masks.

Format (``torch.save`` of a dict)::

    {"format": "hwsim-pruned-checkpoint/1", "model": "lenet300",
     "state_dict": {...},            # masks folded in: fc1.weight has exact zeros
     "masks": {"fc1": BoolTensor},   # per Conv2d/Linear layer
     "source": "/path/model.py" | None,   # the model file, for models given as a file
     "module": nn.Module | None,     # the whole model, only for models that are not built in
     "info": {...}}                  # JSON-ready extras (accuracy, schedule name)

A checkpoint of a built-in model holds only tensors, strings and numbers, so it loads with
``torch.load(weights_only=True)``. Other models are rebuilt from ``source`` when that file
still exists, else unpickled from ``module``; both run code (trusted files only).
"""
from __future__ import annotations

import copy
from pathlib import Path

import torch
from torch import nn

from hwsim.errors import HwsimError
from pruning.methods import current_mask, fixed_mask, make_permanent
from pruning.models import MODELS, build_model, prunable_layers

CHECKPOINT_FORMAT = "hwsim-pruned-checkpoint/1"


def save_checkpoint(model: nn.Module, path: str | Path, model_name: str,
                    info: dict | None = None, source: str | None = None) -> Path:
    """Write ``model`` (masks folded into plain weights, masks kept aside) to ``path``;
    ``source`` is the model file it was built from, if any."""
    plain = copy.deepcopy(model)
    make_permanent(prunable_layers(plain).values())
    data = {"format": CHECKPOINT_FORMAT, "model": model_name,
            "state_dict": plain.state_dict(),
            "masks": {name: current_mask(mod) for name, mod in prunable_layers(model).items()},
            "source": source,
            "module": None if model_name in MODELS else plain,
            "info": info or {}}
    path = Path(path)
    torch.save(data, path)
    return path


def load_checkpoint(path: str | Path, model: nn.Module | None = None) -> tuple[nn.Module, dict]:
    """(model with its masks re-applied as pruning masks, the checkpoint's ``info``).

    ``model`` is filled in place when given; else the built-in model is rebuilt, or the pickled
    module is used (that loads with ``weights_only=False``).
    """
    path = Path(path)
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # noqa: BLE001 - a pickled custom module needs the full unpickler
        data = torch.load(path, map_location="cpu", weights_only=False)
    if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT:
        raise HwsimError(f"{path} is not a {CHECKPOINT_FORMAT} file")
    if model is None:
        model = _rebuild(data)
    make_permanent(prunable_layers(model).values())
    model.load_state_dict(data["state_dict"])
    modules = prunable_layers(model)
    for name, mask in data["masks"].items():
        if not bool(mask.all()):
            fixed_mask(modules[name], mask)
    return model, data["info"]


def _rebuild(data: dict) -> nn.Module:
    if data["model"] in MODELS:
        return MODELS[data["model"]]()
    source = data.get("source")
    if source and Path(source).is_file():
        return build_model(source)[0]
    return data["module"]
