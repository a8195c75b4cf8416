"""Event log helpers, trace files and figures."""
import json

import pytest
from matplotlib.figure import Figure

from hwsim.sim import FifoPoint, TraceEvent, spans, state_cycles, write_trace
from hwsim.sim.plots import plot_fifo_study, plot_timeline
from hwsim.sim.trace import TraceRecorder

EVENTS = (TraceEvent(0, "pe0", "busy", "col 0"), TraceEvent(0, "dram", "busy", "w"),
          TraceEvent(3, "pe0", "starved"), TraceEvent(4, "dram", "idle"),
          TraceEvent(5, "pe0", "busy", "col 1"), TraceEvent(6, "pe0", "done"))


def test_spans_close_at_the_end():
    """pe0: busy 0-3, starved 3-5, busy 5-6, done 6-8; dram busy 0-4, idle 4-8."""
    assert state_cycles(EVENTS, 8) == {("pe0", "busy"): 4, ("pe0", "starved"): 2,
                                       ("pe0", "done"): 2, ("dram", "busy"): 4,
                                       ("dram", "idle"): 4}
    assert spans(EVENTS, 8)[0].cycles == 3


def test_recorder_drops_repeats_and_is_free_when_disabled():
    rec = TraceRecorder(True)
    rec.log(0, "x", "busy", "a")
    rec.log(1, "x", "busy", "a")
    rec.log(2, "x", "idle")
    assert [e.cycle for e in rec.events()] == [0, 2]
    off = TraceRecorder(False)
    off.log(0, "x", "busy")
    assert off.events() == ()


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_write_trace(tmp_path, suffix):
    path = write_trace(EVENTS, tmp_path / f"t{suffix}")
    text = path.read_text()
    if suffix == ".json":
        assert json.loads(text)[2] == {"cycle": 3, "component": "pe0", "state": "starved",
                                       "item": ""}
    else:
        assert text.splitlines()[:2] == ["cycle,component,state,item", "0,pe0,busy,col 0"]


def test_plots_return_their_figure():
    fig = Figure()
    ax = fig.subplots()
    assert plot_timeline(EVENTS, 8, ax) is fig
    assert [t.get_text() for t in ax.get_yticklabels()] == ["dram", "pe0"]
    rows = [FifoPoint("n", "fc", d, 10, e, e, 1 - e, 10.0, e, "given", 1, 0.1)
            for d, e in ((1, 0.5), (8, 0.9))]
    fig2 = Figure()
    assert plot_fifo_study(rows, fig2.subplots(), reference=0.5) is fig2
