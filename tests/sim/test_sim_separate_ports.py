"""``ports: separate`` in the simulator: reads and writes of a level each hold their own port
(hwsim.sim.ports), so a level's busy time is max(read, write) / bandwidth, as the analytical
model (hwsim.cost.energy.port_bytes) charges it."""
import copy

import pytest

from hwsim.arch import arch_from_dict
from hwsim.sim import simulate
from hwsim.types import LayerKind
from hwsim.workload.layer import LayerWorkload


def _run(ample_dict, ports):
    glb = ample_dict["memories"]["glb"]
    glb.update(bandwidth_bytes_per_cycle=4, size_bytes=64 * 1024, ports=ports)
    return simulate(LayerWorkload("fc", LayerKind.LINEAR, 1024, 1024),
                    arch_from_dict(ample_dict))


@pytest.mark.parametrize("ports", ["shared", "separate"])
def test_port_bound_layer_agrees(ample_dict, ports):
    """1024x1024 linear, 8-bit, on the 16x16 ws array with a 4 bytes/cycle, 64 KiB glb: the
    glb's weights are written by the DMA and read by the array, 1,048,576 bytes each; with
    the inputs and outputs the glb moves 1,086,464 bytes each way (2 x 1,086,464 / 4 =
    543,232 cycles shared, 1,086,464 / 4 = 271,616 separate), above the 192,512 compute
    cycles (4,096 folds x (32 + 16 + 1 - 2)). The simulator's glb ports are busy exactly that
    long and its latency agrees with the analytical one (each direction's port never waits
    on the other's)."""
    result = _run(ample_dict, ports)
    ana = result.analytical
    expected = 543_232 if ports == "shared" else 271_616
    assert ana.bottleneck == "glb" and dict(ana.transfer_cycles)["glb"] == expected
    assert dict(result.cost.transfer_cycles)["glb"] == expected
    cmp = result.comparison
    for quantity in ("latency_cycles", "compute_cycles", "dram_read_bytes", "energy_pj"):
        assert cmp.agrees(quantity), cmp.row(quantity)


def test_separate_ports_change_time_not_energy(ample_dict):
    """Same accesses either way: energy identical, latency halved to within the DMA's
    pipeline fill."""
    shared = _run(copy.deepcopy(ample_dict), "shared")
    separate = _run(ample_dict, "separate")
    assert separate.cost.energy_pj == pytest.approx(shared.cost.energy_pj, rel=1e-12)
    assert separate.analytical.energy_pj == pytest.approx(shared.analytical.energy_pj,
                                                          rel=1e-12)
    assert separate.cost.latency_cycles < 0.52 * shared.cost.latency_cycles
