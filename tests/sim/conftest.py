"""Small accelerators and layers for the simulator tests (all run in well under a second)."""
import copy
import pytest

from hwsim.arch import load_arch

AMPLE = {
    "name": "ample_ws", "dataflow": "weight_stationary",
    "memories": {
        "dram": {"kind": "dram", "preset": "lpddr4", "size_bytes": 2 ** 30,
                 "bandwidth_bytes_per_cycle": 2048},
        "glb": {"kind": "sram", "size_bytes": 4 * 2 ** 20, "width_bits": 64,
                "bandwidth_bytes_per_cycle": 4096, "operands": ["weights", "inputs", "outputs"]},
        "rf": {"kind": "regfile", "size_bytes": 64, "instances": 256, "width_bits": 16,
               "bandwidth_bytes_per_cycle": 64, "operands": ["weights", "inputs", "outputs"]},
    },
    "compute": {"pe_count": 256, "array_rows": 16, "array_cols": 16, "clock_hz": 5e8,
                "weight_bits": 8, "activation_bits": 8, "accumulator_bits": 32},
}


@pytest.fixture
def ample_dict():
    """A 16x16 weight-stationary array whose DRAM and buffers never limit (as a dict)."""
    return copy.deepcopy(AMPLE)


@pytest.fixture(scope="session")
def eie():
    return load_arch("arch_configs/eie.yaml")
