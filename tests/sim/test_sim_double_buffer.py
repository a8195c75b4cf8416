"""Weight double buffering in the simulator: the array's compute cycles are the analytical
array model's (hwsim.sim.tiled), so with nothing contending the two agree exactly."""
from hwsim.arch import arch_from_dict
from hwsim.sim import simulate
from hwsim.types import LayerKind
from hwsim.workload.layer import LayerWorkload


def test_double_buffered_dense_layer_agrees(ample_dict):
    """1024x1024 linear, 8-bit, on the ample 16x16 ws array: 64 x 64 = 4,096 folds, T = 1.
    Without overlap 4,096 x (32 + 16 + 1 - 2) = 192,512 cycles; double buffered the fill of
    16 is paid once: 16 + 4,096 x (16 + 16 + 1 - 2) = 16 + 126,976 = 126,992 cycles, in the
    simulator's array as in the analytical model; latency agrees within 2 %."""
    ample_dict["compute"]["weight_double_buffer"] = True
    arch = arch_from_dict(ample_dict)
    result = simulate(LayerWorkload("fc", LayerKind.LINEAR, 1024, 1024), arch)
    cmp = result.comparison
    assert result.cost.compute_cycles == 126_992
    assert result.analytical.compute_cycles == 126_992
    for quantity in ("latency_cycles", "compute_cycles", "dram_read_bytes", "energy_pj"):
        assert cmp.agrees(quantity), cmp.row(quantity)
    assert cmp.causes == ()
