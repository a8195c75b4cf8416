"""The two networks of Han et al. 2015 (Tables 2 and 3) and loading of user models.

Layer attribute names match the paper's tables (``fc1``, ``conv1``, ...), so summaries, workload
files and the published per-layer numbers line up. Both models take MNIST images
(N, 1, 28, 28) and return 10 logits.

* LeNet-300-100: fc1 784x300, ReLU, fc2 300x100, ReLU, fc3 100x10; 266,200 weights.
* LeNet-5 (Caffe variant): conv1 20@5x5, max-pool 2, conv2 50@5x5, max-pool 2, fc1 800x500,
  ReLU, fc2 500x10; 431,080 weights. Caffe's ``lenet_train_test.prototxt`` has no ReLU after
  the convolutions; we add one (``conv_relu=True``, the default) so the conv outputs are sparse
  as in the paper's Table 3 (conv1 82 %, conv2 72 % non-zero activations).

``dropout`` inserts ``nn.Dropout`` before every hidden fc layer's consumer (p=0 by default: a
no-op kept so a schedule can set it and the retraining can adjust it, Han's Eq. 2).
"""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from hwsim.errors import ConfigError, HwsimError, Problem


class LeNet300(nn.Module):
    """LeNet-300-100: 784 -> 300 -> 100 -> 10, ReLU between; 235,200 + 30,000 + 1,000 weights."""

    def __init__(self, dropout: float = 0.0):
        super().__init__()
        self.fc1 = nn.Linear(784, 300)
        self.drop1 = nn.Dropout(dropout)
        self.fc2 = nn.Linear(300, 100)
        self.drop2 = nn.Dropout(dropout)
        self.fc3 = nn.Linear(100, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.flatten(x, 1)
        x = self.drop1(torch.relu(self.fc1(x)))
        x = self.drop2(torch.relu(self.fc2(x)))
        return self.fc3(x)


class LeNet5(nn.Module):
    """Caffe LeNet-5: 20@5x5 conv, pool, 50@5x5 conv, pool, fc 500, fc 10 (431,080 weights)."""

    def __init__(self, dropout: float = 0.0, conv_relu: bool = True):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 5)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(20, 50, 5)
        self.pool2 = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(800, 500)
        self.drop1 = nn.Dropout(dropout)
        self.fc2 = nn.Linear(500, 10)
        self.relu1 = nn.ReLU() if conv_relu else nn.Identity()
        self.relu2 = nn.ReLU() if conv_relu else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool1(self.relu1(self.conv1(x)))
        x = self.pool2(self.relu2(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = self.drop1(torch.relu(self.fc1(x)))
        return self.fc2(x)


MODELS: dict[str, Callable[[], nn.Module]] = {"lenet300": LeNet300, "lenet5": LeNet5}


def build_model(name_or_path: str | os.PathLike) -> tuple[nn.Module, str]:
    """(model, label): a built-in name from :data:`MODELS`, or a model file (see below).

    A ``.py`` file must define ``build_model()`` returning an ``nn.Module``; a ``.pt``/``.pth``
    file must hold a whole pickled module (``torch.save(model, path)``; unpickling runs code,
    so load only files you trust). The label is the built-in name or the file's stem.
    """
    key = str(name_or_path)
    if key in MODELS:
        return MODELS[key](), key
    path = Path(key)
    if not path.is_file():
        names = ", ".join(MODELS)
        raise ConfigError([Problem("--model", f"must be one of {names} or a model file", key)])
    if path.suffix == ".py":
        model = _model_from_python(path)
    elif path.suffix in (".pt", ".pth"):
        from pruning.checkpoint import pickle_trusted, torch_load
        if not pickle_trusted():
            raise ConfigError([Problem("--model", "must be a built-in name or a .py file; a "
                                       ".pt/.pth pickled module runs code when loaded (pass "
                                       "--trust-pickle for a file you made)", key)])
        model = torch_load(path, trusted=True)
    else:
        raise ConfigError([Problem("--model", "must end in .py, .pt or .pth", key)])
    if not isinstance(model, nn.Module):
        raise HwsimError(f"{path} must give an nn.Module, got {type(model).__name__}")
    return model, path.stem


def prunable_layers(model: nn.Module) -> dict[str, nn.Module]:
    """Every Conv2d and Linear layer by its qualified name, in registration order."""
    return {name: mod for name, mod in model.named_modules()
            if isinstance(mod, (nn.Conv2d, nn.Linear))}


def _model_from_python(path: Path) -> nn.Module:
    name = f"hwsim_user_model_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module        # so that its classes can be pickled into checkpoints
    spec.loader.exec_module(module)
    factory = getattr(module, "build_model", None)
    if not callable(factory):
        raise ConfigError([Problem("build_model", "must be a function defined in the file",
                                   None, str(path))])
    return factory()
