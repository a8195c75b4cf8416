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

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from hwsim.arch.model import Accelerator, MemoryLevel
from hwsim.cost import energy as en
from hwsim.cost.compute import mac_counts
from hwsim.cost.records import LayerCost, LayerMapping, LevelTiling, LevelTraffic, pairs_from
from hwsim.errors import ConfigError, Problem
from hwsim.types import LayerKind, Operand, SparseFormat
from hwsim.workload.layer import LayerWorkload


@dataclass(frozen=True)
class RsParameters:
    """What the model reads from the accelerator: array, scratchpad capacities in words, the
    GLB split in words, filter delivery width, NoC energy per word, the levels themselves."""

    rows: int
    cols: int
    filter_words: int
    ifmap_words: int
    psum_words: int
    glb_words: int
    glb_filter_words: int
    filter_words_per_cycle: float
    noc_pj_per_word: float
    overlap_load: bool
    encode: bool
    word_bytes: float
    glb: MemoryLevel
    spads: dict


@dataclass(frozen=True)
class RsShape:
    """One group's loop bounds: G groups of M filters x C channels, R x S, E x F, stride U, N
    images; ``h``/``w`` the padded ifmap size, ``in_rows_frac`` unpadded / padded rows."""

    g: int
    m: int
    c: int
    r: int
    s: int
    e: int
    f: int
    u: int
    n: int
    h: int
    w: int
    in_frac: float

    @classmethod
    def of(cls, layer: LayerWorkload) -> "RsShape":
        g = layer.groups
        h = layer.in_height + 2 * layer.padding[0]
        w = layer.in_width + 2 * layer.padding[1]
        return cls(g, layer.out_channels // g, layer.in_channels // g, layer.kernel[0],
                   layer.kernel[1], layer.out_height, layer.out_width, layer.stride[0],
                   layer.batch, h, w, layer.in_height * layer.in_width / (h * w))


@dataclass(frozen=True)
class RsMapping:
    """A row-stationary mapping in Eyeriss's notation plus the GLB block (module docstring)."""

    e: int
    strips: int
    r: int
    t: int
    p: int
    q: int
    n: int
    n_g: int
    m_b: int
    e_b: int
    f_b: int
    ifmap_resident: bool

    def pes(self, shape: RsShape) -> int:
        """PEs busy in a pass: r t sets of R x e."""
        return self.r * self.t * shape.r * self.e

    def passes(self, shape: RsShape) -> int:
        """Array passes over the whole layer (all groups, images, rows, columns)."""
        return (shape.g * _cdiv(shape.m, self.p * self.t) * _cdiv(shape.c, self.q * self.r)
                * _cdiv(shape.e, self.e) * _cdiv(shape.n, self.n) * _cdiv(shape.f, self.f_b))

    def describe(self, shape: RsShape) -> str:
        """E.g. ``set 11x7 x2 (t2 r1) p16 q1 n1, 154 PEs; GLB block n1 m48 e7 f55 ifmap
        resident``."""
        mode = "ifmap resident" if self.ifmap_resident else "ifmap per filter block"
        return (f"set {shape.r * self.strips}x{min(self.e, 99)}"
                f"{'/' + str(self.strips) + ' strips' if self.strips > 1 else ''} "
                f"x{self.r * self.t} (t{self.t} r{self.r}) p{self.p} q{self.q} n{self.n}, "
                f"{self.pes(shape)} PEs; GLB block n{self.n_g} m{self.m_b} e{self.e_b} "
                f"f{self.f_b} {mode}")


def _cdiv(a, b):
    return -(-a // b)


def applies(layer: LayerWorkload, arch: Accelerator) -> bool:
    """True when ``layer`` is priced by this module: a conv2d on an arch with a
    ``row_stationary:`` section whose filter rows fit the array (R <= rows)."""
    return (arch.row_stationary is not None and layer.kind is LayerKind.CONV2D
            and layer.kernel[0] <= arch.compute.array_rows and layer.stride[0] == layer.stride[1])


def _spad(arch: Accelerator, operand: Operand) -> MemoryLevel:
    pes = arch.compute.pe_count
    for level in arch.on_chip:
        if level.instances == pes and level.holds(operand):
            return level
    raise ConfigError([Problem("memories", f"must have a per-PE scratchpad ({pes} instances) "
                               f"holding {operand} for row_stationary", None)])


def rs_parameters(arch: Accelerator) -> RsParameters:
    """The model's parameters from ``arch`` (raises ConfigError when the GLB split does not
    fit the global buffer). Eyeriss: 224 / 12 / 24 words per PE, 51,200 + 4,096 GLB words."""
    cfg = arch.row_stationary
    c = arch.compute
    word = c.activation_bits / 8
    spads = {op: _spad(arch, op) for op in Operand}
    glb = next(l for l in arch.on_chip if l.instances == 1 and l.holds(Operand.INPUTS))
    if cfg.glb_ifmap_psum_bytes + cfg.glb_filter_bytes > glb.size_bytes:
        raise ConfigError([Problem("row_stationary.glb_ifmap_psum_bytes",
                                   f"plus glb_filter_bytes must be <= memories.{glb.name}."
                                   f"size_bytes ({glb.size_bytes})",
                                   cfg.glb_ifmap_psum_bytes + cfg.glb_filter_bytes)])
    return RsParameters(
        c.array_rows, c.array_cols, int(spads[Operand.WEIGHTS].size_bytes // word),
        int(spads[Operand.INPUTS].size_bytes // word), int(spads[Operand.OUTPUTS].size_bytes
                                                           // word),
        int(cfg.glb_ifmap_psum_bytes // word), int(cfg.glb_filter_bytes // word),
        cfg.filter_words_per_cycle, cfg.noc_energy_pj_per_bit * c.activation_bits,
        cfg.filter_load_overlaps_compute, cfg.encode_dram_activations, word, glb, spads)


# ---- PE-level candidates (vectorised) -----------------------------------------------------
def _set_geometry(shape: RsShape, prm: RsParameters):
    """(e, strips, sets, sets stacked vertically) for every e whose set fits the array."""
    out = []
    for e in range(1, shape.e + 1):
        strips = _cdiv(e, prm.cols)
        rows = shape.r * strips
        if rows > prm.rows:
            break
        vertical = prm.rows // rows
        out.append((e, strips, vertical * (prm.cols // min(e, prm.cols)), vertical))
    return out


GEOMETRIES_KEPT = 3


def _pe_candidates(shape: RsShape, prm: RsParameters) -> dict[str, np.ndarray]:
    """Every feasible (e, strips, r, t, p, q, n) on the ``GEOMETRIES_KEPT`` set geometries with
    the highest spatial use (busy PEs x output rows used / rows computed): rule 1 first, then
    the scratchpad limits of rule 2 and the filter banks (a pass's filters fit them)."""
    geo = np.array(_set_geometry(shape, prm), dtype=np.int64).reshape(-1, 4)
    e_all, strips_all, sets_all, vert_all = geo.T
    use = (shape.r * e_all * sets_all) * (shape.e / (_cdiv(shape.e, e_all) * e_all))
    top = np.lexsort((-e_all, -use))[:GEOMETRIES_KEPT]
    e, strips, sets, vert = (a[top][:, None, None, None, None]
                             for a in (e_all, strips_all, sets_all, vert_all))
    r = np.arange(1, int(sets.max(initial=1)) + 1)[None, :, None, None, None]
    q_max = min(shape.c, prm.ifmap_words // shape.s)
    n = np.arange(1, min(shape.n, prm.psum_words, prm.ifmap_words // shape.s) + 1)
    n = n[None, None, :, None, None]
    q = np.arange(1, q_max + 1)[None, None, None, :, None]
    p = np.arange(1, min(shape.m, prm.filter_words // shape.s, prm.psum_words) + 1)
    p = p[None, None, None, None, :]
    t = np.minimum(sets // r, _cdiv(shape.m, p))
    pqs = p * q * shape.s
    ok = ((r <= vert) & (t >= 1) & (r <= _cdiv(shape.c, q)) & (n * q * shape.s <= prm.ifmap_words)
          & (pqs <= prm.filter_words) & (n * p <= prm.psum_words)
          & (r * t * shape.r * pqs <= prm.glb_filter_words))
    full = np.broadcast_shapes(ok.shape, e.shape, r.shape, n.shape, q.shape, p.shape)
    ok = np.broadcast_to(ok, full)
    return {name: np.broadcast_to(a, full)[ok] for name, a in
            (("e", e), ("strips", strips), ("r", r), ("t", t), ("p", p), ("q", q), ("n", n))}


def _pe_cost(shape: RsShape, prm: RsParameters, cand, f, dens: float):
    """(cycles, on-chip energy proxy in word-accesses x pJ) of each candidate at ``f``
    columns per pass."""
    e, r, t, p, q, n = (cand[k] for k in ("e", "r", "t", "p", "q", "n"))
    passes = (shape.g * _cdiv(shape.m, p * t) * _cdiv(shape.c, q * r) * _cdiv(shape.e, e)
              * _cdiv(shape.n, n) * _cdiv(shape.f, f))
    pqs = p * q * shape.s
    load = np.maximum(pqs, r * t * shape.r * pqs / prm.filter_words_per_cycle)
    mac = pqs * n * f + (shape.r > 1) * p * n * f
    cycles = passes * (mac if prm.overlap_load else mac + load)
    pes = r * t * shape.r * e
    counts = _pe_counts(shape, e, r, t, p, q, n, f, passes, pes, dens)
    energy = _onchip_energy(prm, counts)
    return cycles, energy


def _pe_counts(shape: RsShape, e, r, t, p, q, n, f, passes, pes, dens: float) -> dict:
    """Word accesses per level and NoC words for one mapping (rules 2-3 of the docstring);
    MAC-driven scratchpad reads use the dense MAC count (filter and psum gated by ``dens``)."""
    macs = shape.g * shape.m * shape.c * shape.r * shape.s * shape.e * shape.f * shape.n
    cols_in = (f - 1) * shape.u + shape.s
    rows_in = np.minimum((e - 1) * shape.u + shape.r, shape.h)
    filt_w = passes * pes * p * q * shape.s
    ifm_w = passes * pes * n * q * cols_in
    up = passes * t * (r * shape.r - 1) * e * p * n * f
    glb_psum_w = passes * t * e * p * n * f
    outputs = shape.g * shape.m * shape.e * shape.f * shape.n
    return {
        "filter_spad": (macs * dens, filt_w),
        "ifmap_spad": (macs * np.ones_like(passes, dtype=float), ifm_w),
        "psum_spad": (macs * dens + up, macs * dens + up),
        "glb_weights": (passes * r * t * shape.r * p * q * shape.s, 0),
        "glb_inputs": (passes * r * n * q * rows_in * cols_in, 0),
        "glb_outputs": (np.maximum(glb_psum_w - outputs, 0) + outputs, glb_psum_w),
        "noc": filt_w + ifm_w + up + 2 * glb_psum_w,
    }


def _onchip_energy(prm: RsParameters, counts: dict):
    word_pj = {name: prm.spads[op].read_energy_pj for name, op in
               (("filter_spad", Operand.WEIGHTS), ("ifmap_spad", Operand.INPUTS),
                ("psum_spad", Operand.OUTPUTS))}
    total = counts["noc"] * prm.noc_pj_per_word
    for name, pj in word_pj.items():
        total = total + (counts[name][0] + counts[name][1]) * pj
    glb_word_pj = prm.glb.read_energy_pj * prm.word_bytes / prm.glb.width_bytes
    for name in ("glb_weights", "glb_inputs", "glb_outputs"):
        total = total + (counts[name][0] + counts[name][1]) * glb_word_pj
    return total


# ---- GLB blocking (vectorised) ------------------------------------------------------------
def _steps(total: int, unit: int) -> list[int]:
    """Multiples of ``unit`` by powers of two up to ``total`` (and ``total``)."""
    out, k = [], 1
    while unit * k < total:
        out.append(unit * k)
        k *= 2
    return out + [total]


def _glb_words(shape: RsShape, prm: RsParameters, q, r, n_g, m_b, e_b, f_b, res):
    """(fits the ifmap/psum banks, ifmap words read from DRAM before coding, weight words) of
    GLB blocks (arrays or scalars; ``res``: the whole-C ifmap block stays resident)."""
    rows = np.minimum((e_b - 1) * shape.u + shape.r, shape.h)
    cols = np.minimum((f_b - 1) * shape.u + shape.s, shape.w)
    ch = np.where(res, shape.c, min(shape.c, q * r))
    fits = n_g * m_b * e_b * f_b + n_g * ch * rows * cols <= prm.glb_words
    blocks = _cdiv(shape.n, n_g) * _cdiv(shape.e, e_b) * _cdiv(shape.f, f_b)
    ifm = (shape.g * shape.c * n_g * rows * cols * blocks * shape.in_frac
           * np.where(res, 1, _cdiv(shape.m, m_b)))
    wts = shape.g * shape.m * shape.c * shape.r * shape.s * blocks
    return fits, ifm, wts


def _glb_block(shape: RsShape, prm: RsParameters, pe: tuple, enc_in: float):
    """(n_g, m_b, e_b, f_b, ifmap resident) with the fewest DRAM words, or None."""
    e, r, t, p, q, n = pe
    grids = np.meshgrid(np.array(_steps(shape.n, n)), np.array(_steps(shape.m, p * t)),
                        np.array(_steps(shape.e, e)),
                        np.array(sorted({_cdiv(shape.f, k) for k in (1, 2, 4, 8, 16, 32)})),
                        np.array([True, False]), indexing="ij")
    n_g, m_b, e_b, f_b, res = (g.ravel() for g in grids)
    fits, ifm, wts = _glb_words(shape, prm, q, r, n_g, m_b, e_b, f_b, res)
    words = np.where(fits, ifm * enc_in + wts, np.inf)
    if not np.isfinite(words).any():
        return None
    best = int(np.lexsort((-f_b, words))[0])
    return (int(n_g[best]), int(m_b[best]), int(e_b[best]), int(f_b[best]), bool(res[best]))


def rs_problems(shape: RsShape, m: RsMapping, prm: RsParameters, where: str) -> list:
    """Why a (pinned) mapping cannot run: scratchpads, array, filter banks, GLB banks."""
    sets_rows = shape.r * m.strips
    checks = (
        (m.p * m.q * shape.s <= prm.filter_words, "p x q x S must fit the filter scratchpad "
         f"({prm.filter_words} words)", m.p * m.q * shape.s),
        (m.n * m.q * shape.s <= prm.ifmap_words, "n x q x S must fit the ifmap scratchpad "
         f"({prm.ifmap_words} words)", m.n * m.q * shape.s),
        (m.n * m.p <= prm.psum_words, f"n x p must fit the psum scratchpad ({prm.psum_words} "
         "words)", m.n * m.p),
        (m.r * sets_rows <= prm.rows and m.r * m.t <= (prm.rows // sets_rows)
         * (prm.cols // min(m.e, prm.cols)),
         f"the r x t sets of R x e must fit the {prm.rows} x {prm.cols} array", (m.r, m.t, m.e)),
        (m.r * m.t * shape.r * m.p * m.q * shape.s <= prm.glb_filter_words,
         f"a pass's filters must fit the filter banks ({prm.glb_filter_words} words)",
         m.r * m.t * shape.r * m.p * m.q * shape.s),
        (bool(_glb_words(shape, prm, m.q, m.r, m.n_g, m.m_b, m.e_b, m.f_b,
                         m.ifmap_resident)[0]),
         f"the GLB block must fit the ifmap/psum banks ({prm.glb_words} words)",
         (m.n_g, m.m_b, m.e_b, m.f_b)),
    )
    return [Problem(where, text, value) for ok, text, value in checks if not ok]


def _encoded_ratio(arch: Accelerator, density: float, count: int) -> float:
    """Stored / dense bits of ``count`` activations at ``density`` in the arch's activation
    format when ``encode_dram_activations`` and that is smaller, else 1 (dense)."""
    spec = arch.sparsity.activation_format
    if not arch.row_stationary.encode_dram_activations or \
            SparseFormat(spec.format) is SparseFormat.DENSE:
        return 1.0
    return min(1.0, _ratio(spec, round(density, 6), arch.compute.activation_bits))


@lru_cache(maxsize=256)
def _ratio(spec, density: float, bits: int) -> float:
    from hwsim.formats import activation_storage
    count = 1 << 16
    return activation_storage(count, density, spec).total_bits / (count * bits)


@lru_cache(maxsize=512)
def _search(shape: RsShape, arch: Accelerator, dens: float, enc_in: float,
            fixed: tuple = ()) -> RsMapping | None:
    prm = rs_parameters(arch)
    cand = _pe_candidates(shape, prm)
    for key, value in fixed:
        keep = cand[key] == value
        cand = {k: v[keep] for k, v in cand.items()}
    if len(cand["e"]) == 0:
        return None
    cycles, energy = _pe_cost(shape, prm, cand, shape.f, dens)
    fast = cycles <= cycles.min() * 1.01
    order = np.lexsort((cycles, np.where(fast, energy, np.inf)))
    for i in order[:64]:
        pe = tuple(int(cand[k][i]) for k in ("e", "r", "t", "p", "q", "n"))
        block = _glb_block(shape, prm, pe, enc_in)
        if block is not None:
            e, r, t, p, q, n = pe
            return RsMapping(e, int(cand["strips"][i]), r, t, p, q, n, *block)
    return None


def rs_blocks(shape: RsShape, m: RsMapping) -> tuple[int, int, int]:
    """(GLB blocks, image/row/column blocks, ifmap loads): ifmaps load once per
    image/row/column block when resident, else with every block. AlexNet conv1 under the
    module example's block (n_g 1, m_b 32, e_b 7, f_b 55, resident): 4 x 8 = 32 outer blocks x
    3 filter blocks = 96 blocks, 32 ifmap loads."""
    outer = shape.g * _cdiv(shape.n, m.n_g) * _cdiv(shape.e, m.e_b) * _cdiv(shape.f, m.f_b)
    blocks = outer * _cdiv(shape.m, m.m_b)
    return blocks, outer, (outer if m.ifmap_resident else blocks)


def rs_cycles(shape: RsShape, m: RsMapping, prm: RsParameters) -> int:
    """Compute cycles of mapping ``m``: passes x (MACs + psums added from the PE below, which
    use the same adder, + the filter load unless it overlaps). Module example: 288 x (9,680 +
    880 + 968) = 3,320,064."""
    pqs = m.p * m.q * shape.s
    load = max(pqs, m.r * m.t * shape.r * pqs / prm.filter_words_per_cycle)
    work = (pqs + (shape.r > 1) * m.p) * m.n * m.f_b
    return m.passes(shape) * (work + (0 if prm.overlap_load else load))


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
    return LevelTraffic(level.name, op, en.accesses(level, rb), en.accesses(level, wb), rb, wb,
                        float(en.level_energy_pj(level, rb, wb)), level.kind)


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
        layer.name, arch.name, batch=layer.batch, macs_dense=layer.macs_dense,
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
