"""Simulator vs analytical model: the shared quantities side by side and, where they differ by
more than the tolerance (2 %), the mechanisms that explain it, each with its size.

Causes (only those the run actually shows, largest first):

* ``fifo starvation`` -- PEs idle behind a full FIFO elsewhere or finished early (the
  analytical model bounds this with block-synchronous windows of D columns);
* ``broadcast rate`` -- PEs with little work per column wait for the bus, which sends one
  column per cycle (the analytical model has no broadcast bus);
* ``input starvation`` / ``dram stalls`` -- the PEs or the array waited for DMA in, including
  the first tile's load (pipeline fill, which the analytical model averages over the DRAM
  steps: :mod:`hwsim.cost.pipeline`);
* ``write-back stalls`` -- the array waited for a free output buffer;
* ``sram port limits`` -- steps lasted longer than their compute because an on-chip level's
  ports were busy (its own traffic plus DMA fills);
* ``bank conflicts`` -- DRAM row misses piled up in one bank (not hidden by the bus);
* ``burst waste`` -- bytes moved in whole bursts beyond the bytes asked for;
* ``schedule`` -- the simulated schedule moves different DRAM bytes than the analytical
  mapping (EIE's pass schedule, batched halos);
* ``filler zeros`` -- relative-index fillers the PEs process like weights;
* ``access counting`` -- levels whose access counts differ: the simulator counts what its
  schedule touches (whole SRAM words per broadcast column, one accumulator read and write per
  processed entry, FIFO pushes), the analytical nest divides bytes by the width.

Worked example: latency 1,260 (sim) vs 1,000 (analytical) with the array waiting 256 cycles
for the first load and 4 for the write-back -> "dram stalls: array waited 256 cycles ...".
"""
from __future__ import annotations

from hwsim.cost.records import LayerCost
from hwsim.sim.records import Agreement, Comparison, SimStats

TOLERANCE = 0.02


def _accesses(cost: LayerCost) -> dict[str, float]:
    out: dict[str, float] = {}
    for t in cost.traffic:
        out[t.level] = out.get(t.level, 0.0) + t.reads + t.writes
    return out


def agreement_rows(sim: LayerCost, ana: LayerCost) -> tuple[Agreement, ...]:
    """Latency, compute, DRAM bytes, energy and accesses per level of both models."""
    rows = [Agreement("latency_cycles", ana.latency_cycles, sim.latency_cycles),
            Agreement("compute_cycles", ana.compute_cycles, sim.compute_cycles),
            Agreement("dram_read_bytes", ana.dram_read_bytes, sim.dram_read_bytes),
            Agreement("dram_write_bytes", ana.dram_write_bytes, sim.dram_write_bytes),
            Agreement("energy_pj", ana.energy_pj, sim.energy_pj),
            Agreement("imbalance_efficiency", ana.imbalance.efficiency,
                      sim.imbalance.efficiency)]
    a_acc, s_acc = _accesses(ana), _accesses(sim)
    for level in list(dict.fromkeys([*a_acc, *s_acc])):
        rows.append(Agreement(f"accesses.{level}", a_acc.get(level, 0.0),
                              s_acc.get(level, 0.0)))
    return tuple(rows)


def _pct(part: float, whole: float) -> str:
    return f"{100.0 * part / whole:.1f} %" if whole else "n/a"


def _pe_causes(ana: LayerCost, stats: SimStats, pe_time: float) -> list:
    st = stats.stalls
    found = []
    imb = st.get("pe_starved_imbalance", 0.0) + st.get("pe_idle_tail", 0.0)
    if imb:
        found.append((imb / pe_time, f"fifo starvation: PEs idle {imb:.0f} PE-cycles "
                      f"({_pct(imb, pe_time)} of PE time) behind full FIFOs or after finishing "
                      f"early; simulated load-balance efficiency "
                      f"{stats.load_balance_efficiency:.3f} at FIFO depth "
                      f"{stats.fifo_depth or 'unbounded'} vs analytical "
                      f"{ana.imbalance.efficiency:.3f} ({ana.imbalance.bound})"))
    rate = st.get("pe_starved_broadcast_rate", 0.0)
    if rate:
        found.append((rate / pe_time, f"broadcast rate: PEs waited {rate:.0f} PE-cycles "
                      f"({_pct(rate, pe_time)} of PE time) for the next column, the bus "
                      "sending one per cycle (columns with little work per PE)"))
    inp = st.get("pe_starved_input", 0.0)
    if inp:
        found.append((inp / pe_time, f"input starvation: PEs waited {inp:.0f} PE-cycles for "
                      "input activations from DRAM (includes the first chunk: pipeline fill)"))
    if stats.fillers_processed:
        processed = float(dict(stats.counts).get("entries_processed", 0))
        found.append((stats.fillers_processed / max(processed, 1),
                      f"filler zeros: {stats.fillers_processed} relative-index fillers "
                      f"processed ({_pct(stats.fillers_processed, processed)} of the entries) "
                      "cost cycles and MAC energy"))
    return found


def _pipeline_causes(stats: SimStats, lat: float) -> list:
    st = stats.stalls
    found = []
    wait = st.get("array_wait_dram", 0.0)
    if wait:
        found.append((wait / lat, f"dram stalls: array waited {wait:.0f} cycles "
                      f"({_pct(wait, lat)}) for DMA in, including the first tile's load "
                      "(pipeline fill)"))
    wb = st.get("array_wait_writeback", 0.0) + st.get("drain_tail", 0.0)
    if wb:
        found.append((wb / lat, f"write-back stalls: {wb:.0f} cycles ({_pct(wb, lat)}) "
                      "waiting for output buffers or the last write-back (pipeline drain)"))
    port = st.get("array_port_bound", 0.0)
    if port:
        found.append((port / lat, f"sram port limits: steps ran {port:.0f} cycles beyond their "
                      "compute while on-chip ports were busy"))
    return found


def _dram_causes(ana: LayerCost, stats: SimStats, lat: float) -> list:
    d = stats.dram
    found = []
    if d.conflict_cycles:
        found.append((d.conflict_cycles / lat, f"bank conflicts: {d.conflict_cycles:.0f} DRAM "
                      f"cycles of row misses not hidden ({d.row_misses} misses, "
                      f"{d.row_hits} hits)"))
    if d.burst_waste_bytes:
        reads = d.requested_bytes - d.requested_write_bytes
        size = max(d.read_waste_bytes / max(reads, 1),
                   d.write_waste_bytes / max(d.requested_write_bytes, 1))
        found.append((size, f"burst waste: whole bursts move {d.read_waste_bytes} bytes beyond "
                      f"the {reads} read ({_pct(d.read_waste_bytes, reads)}) and "
                      f"{d.write_waste_bytes} beyond the {d.requested_write_bytes} written "
                      f"({_pct(d.write_waste_bytes, d.requested_write_bytes)})"))
    ana_bytes = ana.dram_read_bytes + ana.dram_write_bytes
    if ana_bytes and abs(d.requested_bytes / ana_bytes - 1.0) > TOLERANCE:
        found.append((abs(d.requested_bytes / ana_bytes - 1.0), f"schedule: the simulated "
                      f"schedule asks DRAM for {d.requested_bytes} bytes, the analytical "
                      f"mapping {ana_bytes:.0f} ({stats.engine} engine; see "
                      "docs/SIMULATOR.md)"))
    return found


def causes(sim: LayerCost, ana: LayerCost, stats: SimStats) -> tuple[str, ...]:
    """Named mechanisms behind the differences (module docstring), largest first."""
    lat = max(sim.latency_cycles, 1.0)
    pe_time = lat * max(stats.pe_count, 1)
    found = _pe_causes(ana, stats, pe_time) + _pipeline_causes(stats, lat) \
        + _dram_causes(ana, stats, lat) + _access_causes(sim, ana, stats)
    found.sort(key=lambda item: -item[0])
    return tuple(text for size, text in found if size > 1e-3)


def _access_causes(sim: LayerCost, ana: LayerCost, stats: SimStats) -> list:
    a_acc, s_acc = _accesses(ana), _accesses(sim)
    counts = dict(stats.counts)
    out = []
    for level in s_acc:
        a, s = a_acc.get(level, 0.0), s_acc[level]
        if any(t.level == level and t.kind.value == "dram" for t in sim.traffic) or not a:
            continue
        rel = s / a - 1.0
        if abs(rel) <= TOLERANCE:
            continue
        text = f"access counting: {level} {s:.0f} accesses simulated vs {a:.0f} analytical " \
            f"({100 * rel:+.0f} %)"
        if level == counts.get("weight_level"):
            words, per = counts.get("weight_words_read", 0), counts.get("weight_entries_per_word")
            used = counts.get("entries_processed", 0) / (words * per) if words and per else 0
            text += (f": each broadcast column reads whole words ({words} words of {per} "
                     f"entries, {100 * used:.0f} % of their entries used)")
        out.append((min(abs(rel), 1.0) * 0.01, text))
    return out


def compare(sim: LayerCost, ana: LayerCost, stats: SimStats,
            tolerance: float = TOLERANCE) -> Comparison:
    """Rows for every shared quantity; causes only when some row differs by > tolerance."""
    rows = agreement_rows(sim, ana)
    differs = any(abs(r.rel_diff) > tolerance for r in rows)
    return Comparison(rows, causes(sim, ana, stats) if differs else (), tolerance)
