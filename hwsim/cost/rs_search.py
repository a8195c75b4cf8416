"""Row-stationary mapping search for Eyeriss (the rules: :mod:`hwsim.cost.row_stationary`).

Records (:class:`RsParameters` from the arch, :class:`RsShape` of a layer, :class:`RsMapping`
in Eyeriss's notation), the vectorised PE-level candidates and their counts, the GLB blocking
that minimises DRAM words, feasibility of a pinned mapping, blocks and cycles. Pure functions;
the search is cached per (shape, arch, densities, constraints).

Example: ``RsMapping(e=7, strips=1, r=1, t=2, p=16, q=1, n=1, n_g=1, m_b=32, e_b=7, f_b=55,
ifmap_resident=True)`` on AlexNet conv1 (batch 4) has 154 busy PEs, 288 passes and
``rs_cycles`` = 288 x (9,680 + 880 + 968) = 3,320,064.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from hwsim.arch.model import Accelerator, MemoryLevel
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
