"""Pruning tests run on one torch thread: tiny models gain nothing from more on a shared CI box.

``small_data``: 200 training and 100 test images of the embedded MNIST subset (a module may
define its own fixture of that name, which then takes precedence)."""
import pytest
import torch

from pruning.data import MnistData, load_embedded_mnist

torch.set_num_threads(1)


@pytest.fixture(scope="session")
def small_data() -> MnistData:
    full = load_embedded_mnist(seed=0)
    return MnistData(full.train_x[:200], full.train_y[:200], full.test_x[:100],
                     full.test_y[:100], full.source + " (test slice)", 0)
