"""Row stationary as the Eyeriss chip runs it (Chen et al., JSSC 2017; ISCA 2016): conv layers
on an accelerator whose file has a ``row_stationary:`` section.

Notation (per group): M filters, C channels, R x S filter, E x F output, U stride, N images.

1. **PE set.** A logical set is R x E PEs (filter rows on array rows, output rows on array
   columns); each PE convolves one filter row with one ifmap row (a 1-D convolution) and the
   R PEs of a column sum their partial sums (psums) upwards. A physical set holds e <= E output
   rows; wider than the array (e > cols) it is cut into ceil(e / cols) strips stacked
   vertically (AlexNet conv2: 5 x 27 -> two 5 x 14 strips, 135 PEs). Sets are replicated
   ``floor(rows / set_rows) x floor(cols / set_cols)`` times: r sets take different channels,
   t sets different filters (r x t <= sets). The r channel sets are stacked in one column
   (r <= floor(rows / set_rows)), so their psums add up the same column: one psum per output
   leaves the column whatever r is.
2. **PE work.** Each PE keeps p filters x q channels x S weights in the filter scratchpad
   (p q S <= 224), a sliding window of n images x q channels x S ifmaps (n q S <= 12) and
   n x p psums (n p <= 24). A *pass* computes p filters x q channels x n images x f output
   columns: p q S n f MAC cycles, plus p n f cycles in which the PE adds the psums coming from
   the PE below (the same adder: psum accumulation across the column). Before a pass its filters are written into the filter
   scratchpads: ``max(p q S, distinct filter words / filter_words_per_cycle)`` cycles, not
   overlapped with the MACs (the filter scratchpad is one single-port SRAM) unless
   ``filter_load_overlaps_compute``.
3. **Multicast.** A filter row is read once from the global buffer (GLB) and multicast to
   the e PEs of its array row; an ifmap row once and multicast along its diagonal (the PEs
   that need it); sets with different filters share the ifmaps. Every word delivered to a PE
   crosses the network once (``noc_energy_pj_per_bit``), as does every psum passed up a
   column and every psum between the top PE and the GLB.
4. **GLB blocking.** The GLB's ifmap/psum banks hold a psum block (n_g images x m_b filters x
   e_b rows x f_b columns) that accumulates over every channel on chip (psums never go to
   DRAM), and either the whole ifmap block for all channels (read once from DRAM, reused by
   every filter block) or one channel slice at a time (re-read per filter block). Filters
   stream from DRAM through the filter banks once per (image, row, column) block. The block
   with the fewest DRAM bytes wins.
5. **Choice.** Among the feasible (e, p, q, n, r, t), the fewest cycles (the chip keeps the
   array busy: 88 % active PEs on AlexNet), then the least on-chip energy within 1 %.
   DRAM transfers overlap the passes except the first block's inputs (pipeline fill) and the
   last block's outputs (drain): latency = max(compute + fill + drain, DRAM bytes / bandwidth).
6. **Sparsity.** A zero ifmap gates the MAC, the filter read and the psum update (energy, not
   cycles). Feature maps cross the DRAM interface run-length coded when that is smaller
   (decided per layer: a dense input image is sent raw).

Worked example (AlexNet conv1, N = 4: M = 96, C = 3, R = S = 11, E = F = 55, U = 4): the set
is 11 x 7 (e = 7), two side by side (t = 2: 154 of 168 PEs), p = 16, q = 1, n = 1 -> a pass
is 16 x 1 x 11 x 1 x 55 = 9,680 MAC cycles + 16 x 55 = 880 psum additions after
max(176, 2 x 11 x 176 / 4) = 968 load cycles; passes = ceil(96 / 32) x ceil(3 / 1) x
ceil(55 / 7) x 4 = 288 -> 288 x 11,528 = 3,320,064 cycles (16.6 ms at 200 MHz; the chip:
16.5 ms). The search picks an equally fast 11 x 14 set (e = 14) with the output columns
split in two GLB blocks.
"""
from __future__ import annotations

from hwsim.arch.model import Accelerator, MemoryLevel
from hwsim.cost import energy as en
from hwsim.cost.compute import mac_counts
from hwsim.cost.records import LayerCost, LayerMapping, LevelTiling, LevelTraffic, pairs_from
from hwsim.cost.rs_search import (GEOMETRIES_KEPT, RsMapping, RsParameters, RsShape,  # noqa: F401
                                  _cdiv, _encoded_ratio, _glb_words, _pe_counts, _search,
                                  _set_geometry, applies, rs_blocks, rs_cycles, rs_parameters,
                                  rs_problems)
from hwsim.errors import ConfigError
from hwsim.types import Operand
from hwsim.workload.layer import LayerWorkload


# ---- the layer cost ------------------------------------------------------------------------
def plan(layer: LayerWorkload, arch: Accelerator, pins=None) -> RsMapping | None:
    """The row-stationary mapping of ``layer`` (rule 5), or None when none fits; ``pins``
    (:class:`hwsim.config.mapping.LayerPins`): a pinned mapping is used as given (a
    ConfigError says why it cannot run), ``row_stationary`` constraints fix parameters."""
    from hwsim.cost.pinning import rs_from_pin
    shape = RsShape.of(layer)
    prm = rs_parameters(arch)
    pinned = rs_from_pin(pins, shape, prm.cols)
    if pinned is not None:
        problems = rs_problems(shape, pinned, prm, f"mappings[{layer.name}].mapping")
        if problems:
            raise ConfigError(problems)
        return pinned
    dens = mac_counts(layer, arch).full / max(layer.macs_dense, 1)
    fixed = tuple(pins.rs_fixed) if pins is not None else ()
    return _search(shape, arch, round(dens, 9), _encodings(layer, arch)[0], fixed)


def _encodings(layer: LayerWorkload, arch: Accelerator) -> tuple[float, float]:
    return (_encoded_ratio(arch, layer.input_density, layer.input_count),
            _encoded_ratio(arch, layer.output_density, layer.output_count))


def _traffic_row(level: MemoryLevel, op: Operand, reads: float, writes: float,
                 word: float) -> LevelTraffic:
    rb, wb = reads * word, writes * word
    return LevelTraffic(level=level.name, operand=op, reads=en.accesses(level, rb),
                        writes=en.accesses(level, wb), read_bytes=rb, write_bytes=wb,
                        energy_pj=float(en.level_energy_pj(level, rb, wb)), kind=level.kind)


def _mapping_record(shape: RsShape, m: RsMapping) -> LayerMapping:
    dram = (("N", _cdiv(shape.n, m.n_g)), ("P", _cdiv(shape.e, m.e_b)),
            ("Q", _cdiv(shape.f, m.f_b)), ("K", _cdiv(shape.m, m.m_b)), ("G", shape.g))
    glb = (("K", _cdiv(m.m_b, m.p * m.t)), ("C", _cdiv(shape.c, m.q * m.r)),
           ("N", _cdiv(m.n_g, m.n)), ("P", _cdiv(m.e_b, m.e)))
    pe = (("K", m.p), ("C", m.q), ("N", m.n), ("Q", m.f_b), ("S", shape.s))
    outer = ("NPQ", "K") if m.ifmap_resident else ("NPQ", "K", "CRS")
    levels = tuple(LevelTiling(name, order, tuple((d, int(f)) for d, f in loops if f > 1))
                   for name, order, loops in (("dram", outer, dram),
                                               ("glb", ("K", "CRS", "NPQ"), glb),
                                               ("pe", ("NPQ", "K", "CRS"), pe)))
    spatial = (("R", shape.r), ("P", m.e), ("C", m.r), ("K", m.t))
    return LayerMapping("row_stationary", tuple((d, f) for d, f in spatial if f > 1), levels)


def estimate_rs_layer(layer: LayerWorkload, arch: Accelerator, fits: bool = False,
                      pins=None) -> LayerCost | None:
    """Row-stationary cost of a conv ``layer`` (module docstring), or None when no mapping
    fits (the caller then uses the generic model); ``pins``: see :func:`plan`."""
    m = plan(layer, arch, pins)
    if m is None:
        return None
    prm = rs_parameters(arch)
    shape = RsShape.of(layer)
    macs = mac_counts(layer, arch)
    dens = macs.full / max(layer.macs_dense, 1)
    enc_in, enc_out = _encodings(layer, arch)
    _, ifm, wts = _glb_words(shape, prm, m.q, m.r, m.n_g, m.m_b, m.e_b, m.f_b,
                             m.ifmap_resident)
    ifm, wts = float(ifm) * enc_in, float(wts)
    out = layer.output_count * enc_out
    passes = m.passes(shape)
    compute = rs_cycles(shape, m, prm)
    counts = _pe_counts(shape, m.e, m.r, m.t, m.p, m.q, m.n, m.f_b, passes, m.pes(shape), dens)
    word = prm.word_bytes
    dram = arch.dram
    glb = prm.glb
    w_in = wts
    rows = [
        _traffic_row(dram, Operand.WEIGHTS, w_in, 0, word),
        _traffic_row(dram, Operand.INPUTS, ifm, 0, word),
        _traffic_row(dram, Operand.OUTPUTS, 0, out, word),
        _traffic_row(glb, Operand.WEIGHTS, counts["glb_weights"][0], w_in, word),
        _traffic_row(glb, Operand.INPUTS, counts["glb_inputs"][0], ifm / enc_in, word),
        _traffic_row(glb, Operand.OUTPUTS, *counts["glb_outputs"], word),
    ]
    for name, op in (("filter_spad", Operand.WEIGHTS), ("ifmap_spad", Operand.INPUTS),
                     ("psum_spad", Operand.OUTPUTS)):
        rows.append(_traffic_row(prm.spads[op], op, *counts[name], word))
    dram_bytes = (w_in + ifm + out) * word
    bw = dram.total_bandwidth_bytes_per_cycle
    dram_cycles = dram_bytes / bw
    blocks, outer, loads = rs_blocks(shape, m)
    fill = (ifm / loads + w_in / blocks) * word / bw
    drain = out / blocks * word / bw
    latency = max(compute + fill + drain, dram_cycles)
    mac_pj = en.mac_energy_pj(arch, macs.full, macs.gated)
    noc_pj = float(counts["noc"] * prm.noc_pj_per_word)
    leak = float(en.leakage_energy_pj(arch, latency))
    comp: dict[str, float] = {}
    oper: dict[str, float] = {}
    for t in rows:
        key = "dram" if t.level == dram.name else t.level
        comp[key] = comp.get(key, 0.0) + t.energy_pj
        oper[str(t.operand)] = oper.get(str(t.operand), 0.0) + t.energy_pj
    comp.update({"noc": noc_pj, "mac": mac_pj, "leakage": leak})
    oper.update({"noc": noc_pj, "mac": mac_pj, "leakage": leak})
    from hwsim.cost.layer import weight_memory  # late: layer dispatches to this module
    note = (f"row stationary (Eyeriss): {m.describe(shape)}; DRAM feature maps "
            f"{'RLE' if enc_in < 1 else 'raw'} in ({enc_in:.2f}x), "
            f"{'RLE' if enc_out < 1 else 'raw'} out ({enc_out:.2f}x)")
    return LayerCost(
        name=layer.name, arch=arch.name, batch=layer.batch, macs_dense=layer.macs_dense,
        macs_effective=macs.issued, macs_gated=macs.gated, weight_count=layer.weight_count,
        weight_nnz=layer.weight_nnz, weights=weight_memory(layer, arch),
        traffic=tuple(rows), energy_pj=sum(comp.values()), energy_by_component=pairs_from(comp),
        energy_by_operand=pairs_from(oper), latency_cycles=float(latency),
        compute_cycles=float(compute),
        transfer_cycles=(("dram", float(dram_cycles)),),
        bottleneck="compute" if compute + fill + drain >= dram_cycles else "dram",
        clock_hz=arch.compute.clock_hz, mapping=_mapping_record(shape, m),
        compulsory_dram_bytes=(layer.weight_count + layer.input_count
                               + layer.output_count) * word,
        weights_on_chip=False, weights_fit_on_chip=fits,
        peak_activation_bytes=(layer.input_count + layer.output_count) * word,
        utilization=float(layer.macs_dense / (arch.compute.pe_count * compute)),
        notes=(note,))
