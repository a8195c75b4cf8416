"""Offline MNIST: the IDX reader on tiny files written here, and the embedded split."""
import gzip
import struct

import numpy as np
import pytest
import torch

from hwsim.errors import ConfigError
from pruning.data import load_embedded_mnist, load_idx_mnist, read_idx, stratified_split


def write_idx(path, array: np.ndarray, compress: bool = False) -> None:
    """IDX: 00 00 <type 0x08 = uint8> <ndim>, big-endian uint32 dims, then the bytes."""
    raw = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
    raw += struct.pack(f">{array.ndim}I", *array.shape) + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(raw) if compress else raw)


def test_read_idx_labels_by_hand(tmp_path):
    """00 00 08 01 | 00 00 00 03 | 07 02 09 -> [7, 2, 9]."""
    path = tmp_path / "labels"
    path.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 9]))
    assert read_idx(path).tolist() == [7, 2, 9]


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_images_roundtrip(tmp_path, compress):
    images = np.arange(2 * 28 * 28, dtype=np.int64).reshape(2, 28, 28) % 256
    write_idx(tmp_path / "images", images, compress)
    assert np.array_equal(read_idx(tmp_path / "images"), images)


def test_read_idx_rejects_bad_header_and_truncation(tmp_path):
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x50\x4b\x03\x04rest")
    with pytest.raises(ConfigError, match="header must be an IDX magic number"):
        read_idx(bad)
    short = tmp_path / "short"
    short.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 5, 1, 2]))
    with pytest.raises(ConfigError, match="data must hold 5 bytes"):
        read_idx(short)


def test_load_idx_mnist_directory(tmp_path):
    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, (6, 28, 28))
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", train, compress=True)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.arange(6), compress=True)
    write_idx(tmp_path / "t10k-images-idx3-ubyte", np.full((3, 28, 28), 255))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([1, 2, 3]))
    data = load_idx_mnist(tmp_path, seed=0)
    assert data.train_x.shape == (6, 1, 28, 28) and data.test_x.shape == (3, 1, 28, 28)
    assert data.test_x.max() == 1.0 and data.test_y.tolist() == [1, 2, 3]
    assert sorted(data.train_y.tolist()) == list(range(6))
    for image, label in zip(data.train_x, data.train_y):   # the shuffle keeps pairs together
        assert torch.allclose(image[0] * 255, torch.from_numpy(train[label].astype(np.float32)))


def test_load_idx_mnist_lists_every_missing_file(tmp_path):
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((1, 28, 28)))
    with pytest.raises(ConfigError) as info:
        load_idx_mnist(tmp_path)
    assert len(info.value.problems) == 3
    assert "t10k-images-idx3-ubyte" in str(info.value)


def test_stratified_split_worked_example():
    train, test = stratified_split(np.array([0, 0, 1, 1]), 1, seed=3)
    labels = np.array([0, 0, 1, 1])
    assert sorted(labels[test].tolist()) == [0, 1] and sorted(labels[train].tolist()) == [0, 1]
    assert set(train) | set(test) == {0, 1, 2, 3}


def test_embedded_split_is_fixed_stratified_and_scaled():
    data = load_embedded_mnist(seed=0)
    assert data.train_x.shape == (4000, 1, 28, 28) and len(data.test_y) == 1000
    assert data.test_y.bincount().tolist() == [100] * 10
    assert data.train_y.bincount().tolist() == [400] * 10
    assert 0.0 == data.train_x.min() and data.train_x.max() == 1.0
    ink = float((data.train_x != 0).float().mean())
    assert 0.1 < ink < 0.3                      # blank pixels are exact zeros
    again = load_embedded_mnist(seed=0)
    assert torch.equal(again.test_x, data.test_x)
    pixels = {bytes(x.numpy()) for x in data.train_x} & {bytes(x.numpy()) for x in data.test_x}
    assert not pixels                           # no image in both sets


def test_validation_split_takes_the_training_tail():
    data = load_embedded_mnist(seed=0)
    kept, (val_x, val_y) = data.validation_split(0.1)
    assert len(kept.train_y) == 3600 and len(val_y) == 400
    assert torch.equal(val_x, data.train_x[3600:])
