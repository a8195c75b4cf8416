"""One pass of the column broadcast computed column block by column block instead of one simpy
event per (PE, column): the same cycles as :mod:`hwsim.sim.broadcast`'s processes.

The processes obey (``S(i)``: cycle column ``i`` is broadcast, ``R(i)``: cycle the broadcast
reaches it, ``G(i)``: cycle its input chunk has arrived, ``D``: FIFO depth, ``e[p, i]``: PE
``p``'s entries in column ``i``, ``F[p, i]``: cycle PE ``p`` finishes column ``i``)::

    R(0) = pass start;   R(i) = S(i-1) + 1 when i is a multiple of the broadcasts per cycle,
                         else S(i-1)
    S(i) = max(R(i), G(i), max_p F[p, i-D])        (the last term for i >= D only)
    F[p, i] = max(F[p, i-1], S(i)) + e[p, i]       (F[p, -1] = pass start)
    pass end = max_p F[p, last]

While an input chunk is still on its way, columns are stepped one at a time, the process
waiting in simpy for the chunk as the broadcast does; once every chunk of the pass has
arrived, ``D`` columns at a time are solved with prefix maxima (``S(i) - i`` is a running
maximum; ``F[p, i] - E[p, i]`` with ``E`` the prefix sums of ``e`` is one too).

Stall tallies are those of the processes: busy, idle tail, broadcast blocked / waiting for
input, and a PE's wait before column ``i``, ``[F[p, i-1], S(i))``, split by what the broadcast
did meanwhile: ``rate`` while it spent its rate slot (before ``R(i)``), ``input`` while it
waited for the chunk (``R(i)`` to ``A(i) = max(R(i), G(i))``), ``imbalance`` while it was
blocked on a full FIFO (``A(i)`` to ``S(i)``). The event engine (:mod:`hwsim.sim.broadcast`)
splits the same way, so neither depends on the order simpy runs same-cycle events in; it runs
instead of this one when a trace is recorded (the log lists every PE's states).

Worked example (the event engine's: 2 PEs, D = 1, work [[3, 1], [1, 2]]): S(0) = 0,
F = [3, 1]; R(1) = 1, S(1) = max(1, max(3, 1)) = 3, F = [4, 5]: 5 cycles; PE 1 waits from
1 to 3, all of it after R(1) = 1 with the input there: 2 cycles of imbalance.
"""
from __future__ import annotations

import numpy as np

NEVER = np.iinfo(np.int64).min // 4


def fast_pass(env, entries: np.ndarray, cols: np.ndarray, plan, ready, tally,
              memo: dict | None = None):
    """Run one pass (a simpy generator, like :func:`hwsim.sim.broadcast._run_pass`).

    ``memo`` (one dict per run) keeps the outcome of a pass whose inputs were all there at its
    start: the same entries and columns then take the same cycles from any start (every term
    of the recurrence is relative to it), so images with the same work reuse it."""
    start = int(env.now)
    key = (id(entries), id(cols))
    outcome = memo.get(key) if memo is not None else None
    if outcome is None or not _all_arrived(ready, cols, 0):
        whole = _all_arrived(ready, cols, 0)
        outcome = yield from _compute(env, np.asarray(entries, dtype=np.int64), cols, plan,
                                      ready, start)
        if memo is not None and whole:
            memo[key] = outcome
    outcome.add_to(tally)
    end, bus = start + outcome.cycles, start + outcome.bus_cycles
    if bus > end:  # the bus's last rate slot, as the broadcast process spends it
        env.timeout(bus - env.now)
    if end > env.now:
        yield env.timeout(end - env.now)


class _Outcome:
    """A pass's cycles (``cycles`` to its end, ``bus_cycles`` to the end of the bus's last
    slot) and tallies, relative to its start (internal, mutable while it is computed)."""

    def __init__(self, parts: int):
        self.busy = np.zeros(parts, dtype=np.int64)
        self.tail = np.zeros(parts, dtype=np.int64)
        self.rate = np.zeros(parts, dtype=np.int64)
        self.input = np.zeros(parts, dtype=np.int64)
        self.imbalance = np.zeros(parts, dtype=np.int64)
        self.bcast_blocked = 0
        self.bcast_input_wait = 0
        self.broadcasts = 0
        self.cycles = 0
        self.bus_cycles = 0

    def add_to(self, tally) -> None:
        for name in ("busy", "tail", "rate", "input", "imbalance"):
            getattr(tally, name)[:] += getattr(self, name)
        tally.bcast_blocked += self.bcast_blocked
        tally.bcast_input_wait += self.bcast_input_wait
        tally.broadcasts += self.broadcasts
        tally.pass_cycles += self.cycles


def _compute(env, e: np.ndarray, cols: np.ndarray, plan, ready, start: int):
    """The :class:`_Outcome` of one pass (a generator: it waits in simpy for input chunks)."""
    parts, n = e.shape
    out = _Outcome(parts)
    st = _State(parts, n, start)
    i = 0
    while i < n and not _all_arrived(ready, cols, i):
        yield from _step_column(env, st, e, cols, i, plan, ready, out)
        i += 1
    depth = plan.depth or n or 1
    while i < n:
        stop = min(n, i + depth if i >= depth else depth)
        _solve_block(st, e, i, stop, plan, out)
        i = stop
    end = max(int(st.fin.max()) if parts else start, start)
    out.busy += e.sum(axis=1)
    out.tail += end - st.fin
    out.broadcasts += n
    out.cycles, out.bus_cycles = end - start, st.reach - start
    return out


class _State:
    """Per-pass running values (internal, mutable by design)."""

    def __init__(self, parts: int, n: int, start: int):
        self.fin = np.full(parts, start, dtype=np.int64)      # F[p, i-1]
        self.done = np.zeros(n, dtype=np.int64)               # max_p F[p, i]
        self.reach = start                                    # R(i)


def _all_arrived(ready, cols: np.ndarray, i: int) -> bool:
    """Every input chunk from column ``i`` on has arrived (the gates are in column order)."""
    if len(cols) == 0:
        return True
    gate = ready(int(cols[-1]))
    return gate is None or gate.triggered


def _step_column(env, st: _State, e, cols, i: int, plan, ready, tally):
    """Column ``i`` alone, waiting in simpy for its input chunk when it is not there."""
    reach = st.reach
    gate = ready(int(cols[i]))
    if gate is not None and not gate.triggered and reach > env.now:
        yield env.timeout(reach - env.now)
    arrived = reach
    if gate is not None and not gate.triggered:
        yield gate
        arrived = int(env.now)
    tally.bcast_input_wait += arrived - reach
    sent = arrived
    if plan.depth is not None and i >= plan.depth:
        sent = max(sent, int(st.done[i - plan.depth]))
    tally.bcast_blocked += sent - arrived
    _advance(st, e[:, i], i, np.int64(sent), reach, arrived, tally)
    st.reach = sent + 1 if (i + 1) % plan.broadcasts_per_cycle == 0 else sent


def _advance(st: _State, work: np.ndarray, i: int, sent, reach: int, arrived: int,
             tally) -> None:
    """PEs take column ``i`` broadcast at ``sent``; their waits split by cause."""
    fin = st.fin
    _charge(fin, sent, reach, arrived, tally)
    st.fin = np.maximum(fin, sent) + work
    st.done[i] = st.fin.max()


def _charge(fin, sent, reach, arrived, tally) -> None:
    """Split each PE's wait ``[fin, sent)`` by what the broadcast did meanwhile (module doc):
    before ``reach`` its rate slot, to ``arrived`` the input, then a full FIFO. Arguments
    broadcast together (PEs, or PEs x columns); no wait gives zeros."""
    rate = np.maximum(0, np.minimum(sent, reach) - fin)
    inputs = np.maximum(0, np.minimum(sent, arrived) - np.maximum(fin, reach))
    blocked = np.maximum(0, sent - np.maximum(fin, arrived))
    if rate.ndim > 1:
        rate, inputs, blocked = rate.sum(axis=1), inputs.sum(axis=1), blocked.sum(axis=1)
    tally.rate += rate
    tally.input += inputs
    tally.imbalance += blocked


def _solve_block(st: _State, e, lo: int, hi: int, plan, tally) -> None:
    """Columns ``lo:hi`` (at most D, every input there) at once with prefix maxima."""
    per = plan.broadcasts_per_cycle
    idx = np.arange(lo, hi)
    steps = ((idx + 1) % per == 0).astype(np.int64)          # rate step after column i
    slot = np.concatenate(([0], np.cumsum(steps)[:-1]))       # steps taken from lo to i
    base = np.full(hi - lo, NEVER, dtype=np.int64)
    if plan.depth is not None:
        back = idx - plan.depth
        ok = back >= 0
        base[ok] = st.done[back[ok]] - slot[ok]
    base[0] = max(base[0], st.reach)
    sent = np.maximum.accumulate(base) + slot                 # S(i)
    reach = np.concatenate(([st.reach], sent[:-1] + steps[:-1]))   # R(i)
    tally.bcast_blocked += int((sent - reach).sum())
    work = e[:, lo:hi]
    cum = np.cumsum(work, axis=1)                             # E[p, i]
    before = cum - work                                       # E[p, i-1] within the block
    lead = np.maximum.accumulate(sent[None, :] - before, axis=1)
    fin = cum + np.maximum(st.fin[:, None], lead)             # F[p, i]
    prev = np.concatenate((st.fin[:, None], fin[:, :-1]), axis=1)    # F[p, i-1]
    _charge(prev, sent[None, :], reach[None, :], reach[None, :], tally)
    st.fin = fin[:, -1].copy()
    st.done[lo:hi] = fin.max(axis=0)
    st.reach = int(sent[-1] + steps[-1])
