"""A tiny accelerator and a helper that writes it plus a sweep spec into a temp folder."""
import copy
from pathlib import Path

import pytest
import yaml

TINY_ARCH = yaml.safe_load((Path(__file__).parents[1] / "data" / "tiny_arch.yaml")
                           .read_text(encoding="utf-8"))
TINY_ARCH["sparsity"] = {"weight_format": {"format": "csr", "index_bits": 4},
                         "weight_zeros": "skip"}


def write_sweep(folder: Path, spec: dict, arch: dict | None = None) -> Path:
    """Write ``arch.yaml`` (TINY_ARCH unless given) and ``spec.yaml`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "arch.yaml").write_text(yaml.safe_dump(arch or TINY_ARCH, sort_keys=False))
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump({"base": "arch.yaml", **spec}, sort_keys=False))
    return path


@pytest.fixture
def tiny_arch() -> dict:
    """A deep copy of TINY_ARCH to change."""
    return copy.deepcopy(TINY_ARCH)


@pytest.fixture
def sweep_file(tmp_path):
    """``sweep_file(spec_dict, arch=None) -> Path`` of the spec written in tmp_path/sweep."""
    return lambda spec, arch=None: write_sweep(tmp_path / "sweep", spec, arch)
