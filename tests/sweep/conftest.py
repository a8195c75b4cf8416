"""A tiny accelerator and a helper that writes it plus a sweep spec into a temp folder."""
import copy
from pathlib import Path

import pytest
import yaml

# 16 PEs, a 64 KiB buffer and a 64 B register file per PE: small enough that a LeNet-300-100
# point costs a few milliseconds.
TINY_ARCH = {
    "name": "tiny",
    "dataflow": "weight_stationary",
    "memories": {
        "dram": {"kind": "dram", "preset": "lpddr4", "size_bytes": 2 ** 30},
        "glb": {"kind": "sram", "size_bytes": 65536, "width_bits": 64,
                "operands": ["weights", "inputs", "outputs"]},
        "rf": {"kind": "regfile", "size_bytes": 64, "instances": 16, "width_bits": 16,
               "operands": ["weights", "inputs", "outputs"]},
    },
    "compute": {"pe_count": 16, "array_rows": 4, "array_cols": 4, "clock_hz": 5e8,
                "weight_bits": 8, "activation_bits": 8, "accumulator_bits": 32},
    "sparsity": {"weight_format": {"format": "csr", "index_bits": 4},
                 "weight_zeros": "skip"},
}


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
