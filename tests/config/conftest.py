"""A minimal valid accelerator as a dict, and a helper that returns the messages of a variant."""
import copy

import pytest

from hwsim.config import parse_arch_config
from hwsim.errors import ConfigError

BASE = {
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
}


@pytest.fixture
def base():
    """A fresh deep copy of BASE to mutate."""
    return copy.deepcopy(BASE)


def config_messages(data, source="t.yaml"):
    """The rendered problems of ``data`` (an empty list when it is valid)."""
    try:
        parse_arch_config(data, source)
    except ConfigError as exc:
        return [str(p) for p in exc.problems]
    return []


@pytest.fixture
def messages():
    """``messages(data, source="t.yaml")`` -> the rendered problems of ``data``."""
    return config_messages
