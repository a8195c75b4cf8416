"""DRAM channel: bursts, burst waste, row buffer misses and bank conflicts, timing."""
import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from hwsim.arch.model import MemoryLevel
from hwsim.errors import ConfigError
from hwsim.sim.dram import DramChannel, burst_count, burst_indices, burst_service
from hwsim.sim.trace import TraceRecorder
from hwsim.types import MemoryKind, Operand


def dram_level(bw=16.0, burst=32, row=0, banks=1, latency=0, act_pj=0.0):
    return MemoryLevel("dram", MemoryKind.DRAM, 2 ** 30, 1, 32, 128.0, 128.0, bw,
                       frozenset(Operand), banks=banks, burst_bytes=burst, row_buffer_bytes=row,
                       row_activation_energy_pj=act_pj, access_latency_cycles=latency)


def test_bursts_merge_a_shared_burst():
    """[0, 40) touches bursts 0, 1; [40, 48) lies in burst 1, already fetched -> [0, 1]."""
    assert burst_indices(np.array([0, 40]), np.array([40, 8]), 32).tolist() == [0, 1]
    assert burst_count(np.array([0, 40]), np.array([40, 8]), 32) == 2


def test_gather_pays_whole_bursts():
    """Three 2-byte reads 100 bytes apart with 32-byte bursts: 3 bursts = 96 bytes moved for
    6 requested (90 bytes of burst waste); at 16 bytes/cycle 3 x 2 = 6 bus cycles."""
    service, _ = burst_service(np.array([0, 100, 200]), np.array([2, 2, 2]), 32, 16.0, 0, 1,
                               np.full(1, -1), 22)
    assert (service.requested_bytes, service.burst_bytes_moved, service.cycles) == (6, 96, 6.0)


def test_row_misses_in_one_bank_are_not_hidden():
    """4 KiB from 0, B = 32 at 16 B/cycle, 2 KiB rows, 1 bank, 22-cycle miss: 128 bursts x 2 =
    256 bus cycles; 2 rows -> 2 misses; the bank needs 256 + 44 = 300 -> 44 conflict cycles."""
    service, rows = burst_service(np.array([0]), np.array([4096]), 32, 16.0, 2048, 1,
                                  np.full(1, -1), 22)
    assert (service.row_misses, service.row_hits, service.cycles) == (2, 126, 300.0)
    assert service.conflict_cycles == 44.0
    assert rows.tolist() == [1]


def test_row_misses_spread_over_banks_hide_behind_the_bus():
    """Same 4 KiB with 8 banks: rows 0 and 1 sit in banks 0 and 1 -> max(256, 64 x 2 + 22)
    = 256 cycles, no conflict; the open rows are remembered for the next request."""
    service, rows = burst_service(np.array([0]), np.array([4096]), 32, 16.0, 2048, 8,
                                  np.full(8, -1), 22)
    assert (service.cycles, service.conflict_cycles) == (256.0, 0.0)
    again, _ = burst_service(np.array([0]), np.array([64]), 32, 16.0, 2048, 8, rows, 22)
    assert (again.row_hits, again.row_misses) == (2, 0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 500), st.integers(0, 90)), min_size=1, max_size=12),
       st.sampled_from([4, 32, 64]))
def test_burst_count_matches_the_burst_list(segments, burst):
    starts, lengths, cursor = [], [], 0
    for gap, length in segments:
        cursor += gap
        starts.append(cursor)
        lengths.append(length)
        cursor += length
    s, n = np.array(starts), np.array(lengths)
    assert burst_count(s, n, burst) == burst_indices(s, n, burst).size


def test_two_requesters_share_the_channel_in_order():
    """Two processes each read 64 bytes (2 bursts x 2 cycles = 4 cycles) with a 3-cycle access
    latency: A holds the bus 0-4, B 4-8; A's data arrive at 7, B's at 11. Exact event log."""
    env = simpy.Environment()
    trace = TraceRecorder(True)
    dram = DramChannel(env, dram_level(latency=3), 22, trace)
    done = {}

    def reader(name, addr):
        yield from dram.transfer([addr], [64], False, "inputs", name)
        done[name] = env.now

    env.process(reader("A", 0))
    env.process(reader("B", 4096))
    env.run()
    assert done == {"A": 7, "B": 11}
    assert [e.as_tuple() for e in trace.events()] == [
        (0, "dram", "busy", "A"), (4, "dram", "busy", "B"), (8, "dram", "idle", "")]
    assert dram.counters.requested == {("inputs", "read"): 128}
    assert dram.counters.busy_cycles == 8.0


def test_fractional_bandwidth_carries_the_remainder():
    """2.4 bytes/cycle (Eyeriss' link): three 32-byte bursts = 13.33 cycles each; the channel
    yields 13, 13, 14 so the total stays 40 = 96 / 2.4."""
    env = simpy.Environment()
    dram = DramChannel(env, dram_level(bw=2.4), 0, TraceRecorder(False))

    def reader():
        for k in range(3):
            yield from dram.transfer([k * 32], [32], False, "weights", "w")

    env.process(reader())
    env.run()
    assert env.now == 40


def test_zero_bandwidth_is_a_config_error():
    with pytest.raises(ConfigError, match="memories.dram.bandwidth_bytes_per_cycle must be > 0"):
        DramChannel(simpy.Environment(), dram_level(bw=0.0), 0, TraceRecorder(False))
