"""The column broadcast's processes: exact event logs of tiny scenarios and an oracle check."""
import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from hwsim.sim.broadcast import BroadcastPlan, run_broadcast
from hwsim.sim.trace import TraceRecorder, state_cycles
from hwsim.sim.work import BroadcastWork, PassWork


def _plan(works, depth, per_cycle, pe_events=False):
    """On-chip inputs and outputs at 2 bytes per column / row, 2 KiB DMA chunks, no drain."""
    return BroadcastPlan(works=works, depth=depth, broadcasts_per_cycle=per_cycle,
                         input_bytes_per_col=2.0, inputs_from_dram=False,
                         output_bytes_per_row=2.0, outputs_to_dram=False, chunk_bytes=2048,
                         drain_cycles=(0,), pe_events=pe_events)


def run(entries, depth, per_cycle=1, trace=True):
    """Broadcast every column of ``entries`` (P x cols) once, no DRAM, no drain."""
    e = np.array(entries, dtype=np.int64)
    work = BroadcastWork(e.shape[0], e.shape[1], np.arange(e.shape[1]),
                         (PassWork((0, e.shape[0]), e, e, np.zeros(e.shape[0], int)),),
                         int(e.sum()), False, e.sum(axis=1))
    plan = _plan((work,), depth, per_cycle)
    env = simpy.Environment()
    recorder = TraceRecorder(trace)
    tally = run_broadcast(env, None, plan, recorder)
    env.run()
    return env.now, tally, [ev.as_tuple() for ev in recorder.events()]


def test_depth_one_waits_for_the_slowest_pe_every_column():
    """2 PEs, D = 1, work [[3, 1], [1, 2]]: column 0 at 0 (PE 0 until 3, PE 1 until 1);
    column 1 needs both done with column 0 -> sent at 3; PE 0 ends at 4, PE 1 at 5.
    5 = max(3, 1) + max(1, 2); busy 7 of 10 PE-cycles; PE 1 starved 2 behind PE 0's FIFO."""
    now, tally, log = run([[3, 1], [1, 2]], 1)
    assert now == 5
    assert log == [
        (0, "bcast", "busy", "col 0"), (0, "pe0", "busy", "col 0"),
        (0, "pe1", "busy", "col 0"), (1, "bcast", "blocked", ""), (1, "pe1", "starved", ""),
        (3, "pe0", "starved", ""), (3, "bcast", "busy", "col 1"),
        (3, "pe1", "busy", "col 1"), (3, "pe0", "busy", "col 1"), (4, "bcast", "idle", ""),
        (4, "pe0", "done", ""), (5, "pe1", "done", "")]
    assert tally.busy.tolist() == [4, 3]
    assert tally.imbalance.tolist() == [0, 2] and tally.tail.tolist() == [1, 0]
    assert tally.bcast_blocked == 2


def test_unbounded_fifo_runs_each_pe_at_its_own_pace():
    """Same work, no depth limit: column 1 goes out at cycle 1 (one broadcast per cycle);
    PE 0 works 0-3 then 3-4, PE 1 0-1 then 1-3 -> 4 = max of the PE totals (4, 3)."""
    now, tally, log = run([[3, 1], [1, 2]], None)
    assert now == 4
    assert log == [
        (0, "bcast", "busy", "col 0"), (0, "pe0", "busy", "col 0"),
        (0, "pe1", "busy", "col 0"), (1, "bcast", "busy", "col 1"),
        (1, "pe1", "busy", "col 1"), (2, "bcast", "idle", ""), (3, "pe0", "busy", "col 1"),
        (3, "pe1", "done", ""), (4, "pe0", "done", "")]
    assert tally.bcast_blocked == 0 and tally.tail.tolist() == [0, 1]


def test_three_pes_depth_two():
    """3 PEs, D = 2, columns [[2, 2, 2], [1, 1, 1], [0, 0, 6]]: columns 0 and 1 go out at 0
    and 1; column 2 needs everyone done with column 0 (PE 0 at 2) -> sent at 2. PE 0 ends at
    6, PE 1 at 3, PE 2 at 8 (column 2 from 2 to 8). Empty PE-columns cost no cycles."""
    now, tally, log = run([[2, 2, 2], [1, 1, 1], [0, 0, 6]], 2)
    assert now == 8
    assert state_cycles([_ev(e) for e in log], now)[("pe2", "busy")] == 6
    assert ("pe2", "done") not in state_cycles([_ev(e) for e in log], now)
    assert (2, "bcast", "busy", "col 2") in log
    assert tally.busy.tolist() == [6, 3, 6]


def _ev(row):
    from hwsim.sim.trace import TraceEvent
    return TraceEvent(*row)


def oracle(e: np.ndarray, depth):
    """Reference recurrence (tests only): broadcast i at t_i = max(t_{i-1} + 1, finish of
    every PE's column i - D); PE p finishes column i at max(t_i, its previous finish) + e.
    The run ends when the last PE is done and the bus has spent its cycle on the last
    broadcast."""
    parts, cols = e.shape
    t_prev, finish = -1, np.zeros((parts, cols), dtype=np.int64)
    last = np.zeros(parts, dtype=np.int64)
    for i in range(cols):
        t = t_prev + 1
        if depth is not None and i >= depth:
            t = max(t, int(finish[:, i - depth].max()))
        finish[:, i] = np.maximum(t, last) + e[:, i]
        last = finish[:, i]
        t_prev = t
    return max(int(finish[:, -1].max()), t_prev + 1)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 4), st.integers(1, 9), st.sampled_from([1, 2, 3, None]), st.data())
def test_simpy_model_matches_the_recurrence(parts, cols, depth, data):
    e = np.array(data.draw(st.lists(st.lists(st.integers(0, 5), min_size=cols, max_size=cols),
                                    min_size=parts, max_size=parts)))
    now, tally, _ = run(e, depth, trace=False)
    assert now == oracle(e, depth)
    assert int(tally.busy.sum()) == int(e.sum())


def test_depth_limits_agree_with_the_closed_forms():
    """D = 1: sum over columns of the column maximum (each >= 1 cycle of broadcast);
    D unbounded with work >= 1 per column: the largest PE total (+ its start delay)."""
    rng = np.random.default_rng(3)
    e = rng.integers(1, 9, size=(8, 40))
    assert run(e, 1, trace=False)[0] == int(e.max(axis=0).sum())
    assert run(e, None, trace=False)[0] == oracle(e, None) >= int(e.sum(axis=1).max())


def _tallies(e, depth, per, pe_events, images=2):
    """Every tally of a run of ``images`` identical passes, by one engine."""
    e = np.array(e, dtype=np.int64)
    work = BroadcastWork(e.shape[0], e.shape[1], np.arange(e.shape[1]),
                         (PassWork((0, e.shape[0]), e, e, np.zeros(e.shape[0], int)),),
                         int(e.sum()), False, e.sum(axis=1))
    plan = _plan((work,) * images, depth, per, pe_events=pe_events)
    env = simpy.Environment()
    t = run_broadcast(env, None, plan, TraceRecorder(False))
    env.run()
    return (env.now, t.busy.tolist(), t.tail.tolist(), t.imbalance.tolist(), t.input.tolist(),
            t.rate.tolist(), t.bcast_blocked, t.bcast_input_wait, t.pass_cycles, t.broadcasts)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 5), st.integers(0, 14), st.sampled_from([1, 2, 3, 8, None]),
       st.sampled_from([1, 2, 3]), st.data())
def test_column_block_engine_equals_the_per_pe_processes(parts, cols, depth, per, data):
    """hwsim.sim.broadcast_fast gives the same cycles and every tally (waits split by
    cause included) as one simpy process per PE, for any work, depth and bus rate."""
    e = data.draw(st.lists(st.lists(st.integers(0, 5), min_size=cols, max_size=cols),
                           min_size=parts, max_size=parts))
    assert _tallies(e, depth, per, False) == _tallies(e, depth, per, True)


def test_a_wait_is_split_by_what_the_broadcast_did_meanwhile():
    """2 PEs, D = 1, 2 broadcasts per cycle, work [[0, 0, 4], [0, 3, 0]]: columns 0 and 1 go
    out at 0 (no rate slot between them), the bus then spends cycle 0-1 on its slot; column
    2 waits for column 1 (PE 1 until 3). PE 0 waits 0-3: 1 cycle rate slot, 2 cycles blocked
    (imbalance); same split in both engines."""
    fast = _tallies([[0, 0, 4], [0, 3, 0]], 1, 2, False, images=1)
    assert fast == _tallies([[0, 0, 4], [0, 3, 0]], 1, 2, True, images=1)
    now, busy, tail, imbalance, inputs, rate = fast[:6]
    assert now == 7 and rate == [1, 0] and imbalance == [2, 0] and inputs == [0, 0]


@pytest.mark.parametrize("depth", [None, 1])
def test_engines_agree_on_a_whole_layer_with_dram_inputs(eie, monkeypatch, depth):
    """AlexNet fc8 (han2015) on EIE, inputs loaded from DRAM chunk by chunk: the column-block
    engine and the per-PE processes give the same latency, energy and stall table."""
    from dataclasses import replace

    import hwsim.sim.layer as sim_layer
    from hwsim.sim import SimOptions, simulate
    from hwsim.workload import resolve_network

    layer = resolve_network("alexnet", profile="han2015").layer("fc8")
    options = SimOptions(fifo_depth=depth)
    fast = simulate(layer, eie, options)
    setup = sim_layer.setup_broadcast

    def per_pe(*args, **kwargs):
        found, works = setup(*args, **kwargs)
        return replace(found, plan=replace(found.plan, pe_events=True)), works

    monkeypatch.setattr(sim_layer, "setup_broadcast", per_pe)
    events = simulate(layer, eie, options)
    assert events.stats.events > 10 * fast.stats.events
    assert fast.cost.latency_cycles == events.cost.latency_cycles
    assert fast.cost.energy_pj == events.cost.energy_pj
    assert fast.stats.stall_cycles == events.stats.stall_cycles
