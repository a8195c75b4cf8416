"""Pruned checkpoints: plain weights (pruned ones exactly zero) plus the boolean masks.

Format (``torch.save`` of a dict)::

    {"format": "hwsim-pruned-checkpoint/1", "model": "lenet300",
     "state_dict": {...},            # masks folded in: fc1.weight has exact zeros
     "masks": {"fc1": BoolTensor},   # per Conv2d/Linear layer
     "source": "/path/model.py" | None,   # the model file, for models given as a file
     "module_file": "pruned.module.pt" | None,  # models neither built in nor from a file
     "info": {...}}                  # JSON-ready extras (accuracy, schedule name)

A checkpoint of a built-in model holds only tensors, strings and numbers, so it loads with
``torch.load(weights_only=True)``. Other models are rebuilt from ``source`` when that file
still exists, else unpickled from ``module``; both run code, so a checkpoint that does not load
with ``weights_only=True`` is refused unless the caller trusts it explicitly
(``trusted=True``, ``hwsim prune --trust-pickle`` or ``HWSIM_TRUST_PICKLE=1``): full
unpickling runs whatever code the file names. Files are written atomically.
"""
from __future__ import annotations

import copy
import os
import warnings
from pathlib import Path

import torch
from torch import nn

from hwsim.errors import HwsimError
from hwsim.fileio import write_with
from pruning.methods import current_mask, fixed_mask, make_permanent
from pruning.models import MODELS, build_model, prunable_layers

CHECKPOINT_FORMAT = "hwsim-pruned-checkpoint/1"
TRUST_ENV = "HWSIM_TRUST_PICKLE"
"""``HWSIM_TRUST_PICKLE=1`` allows full unpickling (``hwsim prune --trust-pickle`` sets it)."""


def pickle_trusted(trusted: bool | None = None) -> bool:
    """``trusted`` when given, else whether ``HWSIM_TRUST_PICKLE=1`` is set."""
    return bool(trusted) if trusted is not None else os.environ.get(TRUST_ENV) == "1"


def torch_load(path: str | Path, trusted: bool | None = None):
    """``torch.load`` with ``weights_only=True``; full unpickling only when trusted.

    A file that is not a torch file at all, or needs full unpickling without trust, raises
    :class:`HwsimError` naming the path (never a traceback, never silent code execution).
    """
    path = Path(path)
    try:
        with warnings.catch_warnings():  # torch warns about pickle protocols on stderr
            warnings.simplefilter("ignore")
            return torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, MemoryError):
        raise
    except Exception:  # noqa: BLE001 - torch raises several types for a bad file
        if not pickle_trusted(trusted):
            raise HwsimError(
                f"{path} must be a torch file of plain tensors (it is not one, or it holds "
                "pickled Python objects, which run code when loaded: pass --trust-pickle, or "
                f"set {TRUST_ENV}=1, only for a file you made)") from None
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # noqa: BLE001
        raise HwsimError(f"{path} must be a torch file ({_first_line(exc)})") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:160]


def save_checkpoint(model: nn.Module, path: str | Path, model_name: str,
                    info: dict | None = None, source: str | None = None) -> Path:
    """Write ``model`` (masks folded into plain weights, masks kept aside) to ``path``;
    ``source`` is the model file it was built from, if any."""
    plain = copy.deepcopy(model)
    make_permanent(prunable_layers(plain).values())
    path = Path(path)
    module_file = None
    if model_name not in MODELS and not source:  # kept apart: it needs full unpickling
        module_file = path.with_suffix(".module.pt")
        write_with(module_file, lambda handle: torch.save(plain, handle))
    data = {"format": CHECKPOINT_FORMAT, "model": model_name,
            "state_dict": plain.state_dict(),
            "masks": {name: current_mask(mod) for name, mod in prunable_layers(model).items()},
            "source": source, "module_file": module_file.name if module_file else None,
            "info": info or {}}
    return write_with(path, lambda handle: torch.save(data, handle))


def load_checkpoint(path: str | Path, model: nn.Module | None = None,
                    trusted: bool | None = None) -> tuple[nn.Module, dict]:
    """(model with its masks re-applied as pruning masks, the checkpoint's ``info``).

    ``model`` is filled in place when given; else the built-in model is rebuilt, or the pickled
    module is used (that needs ``weights_only=False``: only when ``trusted``, see
    :func:`torch_load`).
    """
    path = Path(path)
    data = torch_load(path, trusted)
    if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT:
        raise HwsimError(f"{path} is not a {CHECKPOINT_FORMAT} file")
    if model is None:
        model = _rebuild(data, path.parent, trusted)
    make_permanent(prunable_layers(model).values())
    model.load_state_dict(data["state_dict"])
    modules = prunable_layers(model)
    for name, mask in data["masks"].items():
        if not bool(mask.all()):
            fixed_mask(modules[name], mask)
    return model, data["info"]


def _rebuild(data: dict, folder: Path, trusted: bool | None) -> nn.Module:
    if data["model"] in MODELS:
        return MODELS[data["model"]]()
    source = data.get("source")
    if source and Path(source).is_file():
        return build_model(source)[0]
    module_file = data.get("module_file")
    if not module_file:
        raise HwsimError(f"the checkpoint's model {data['model']!r} is not built in and its "
                         f"source {source} is gone: pass the model to load it into")
    module = torch_load(folder / module_file, trusted)
    if not isinstance(module, nn.Module):
        raise HwsimError(f"{folder / module_file} must hold an nn.Module. Got "
                         f"{type(module).__name__} instead.")
    return module
