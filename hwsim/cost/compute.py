"""MAC counts under the datapath's zero handling (skip / gate / none) and N:M sparsity.

Every dense MAC pairs a weight and an input. With weight density ``d_w``, input density
``d_a`` and ``p11`` the fraction of pairs where both are non-zero (exact
``effective_macs / macs_dense`` when the workload gives it, else ``d_w x d_a``), the four
cases have fractions ``p11``, ``p10 = d_w - p11`` (input zero), ``p01 = d_a - p11`` (weight
zero) and ``p00 = 1 - d_w - d_a + p11``. A MAC whose zero operand is handled by ``skip`` is
never issued (no cycle, no energy); one handled by ``gate`` takes its cycle but only
``gated_mac_energy_fraction`` of the MAC energy; ``none`` computes the zero product.

N:M structured sparsity: an arch with ``structured = n:m`` runs a layer on the compressed
reduction when it is N:M: exactly, from its mask, when it has one (every group of m weights
along the (R, S, C) reduction keeps at most n, :func:`hwsim.formats.layer_n_m`, the same check
its storage uses), else when its weight density fits (<= n/m). The weight slots issued are then
``n/m`` of the dense ones whatever the actual density (empty kept slots are filler zeros, then
handled by ``weight_zeros``). A layer that is not N:M runs dense, and
:func:`structured_notes` says why (``LayerCost.notes``).

Worked example (Eyeriss-like gating of zero inputs, d_w = 1, d_a = 0.4, 100 dense MACs):
issued = 100 (gating keeps the cycle), full = 40, gated = 60; at a gated fraction of 0 the
MAC energy is 40 MACs' worth.
"""
from __future__ import annotations

from dataclasses import dataclass

from hwsim.arch.model import Accelerator
from hwsim.formats import layer_n_m
from hwsim.types import SparseFormat, ZeroHandling
from hwsim.workload.layer import LayerWorkload


@dataclass(frozen=True)
class MacCounts:
    """MAC counts of one layer (whole batch).

    ``issued``: MACs that take a datapath slot (drive cycles); ``full``: issued MACs that
    spend full energy; ``gated``: issued MACs gated to a fraction; ``weight_slot_fraction``:
    issued weight slots / dense (n/m under N:M, else 1 or d_w when weights are skipped);
    ``input_fraction``: issued / dense along the input operand (d_a when inputs are skipped).
    """

    dense: int
    issued: float
    full: float
    gated: float
    weight_slot_fraction: float = 1.0
    input_fraction: float = 1.0
    structured: bool = False

    def energy_macs(self, gated_fraction: float) -> float:
        """MAC-energy equivalents: ``full + gated x gated_fraction``."""
        return self.full + self.gated * gated_fraction


def structured_applies(layer: LayerWorkload, arch: Accelerator) -> bool:
    """True when the arch has N:M support and the layer is N:M: exact from its mask (no group
    holds more than n), else from its density; e.g. 2:4 without a mask, d_w = 0.5 -> True,
    0.6 -> False; a mask with one 3-in-4 group -> False."""
    return layer_n_m(layer, arch.sparsity.structured).applies


def structured_notes(layer: LayerWorkload, arch: Accelerator) -> tuple[str, ...]:
    """``("runs dense: 12 of 1,200 4-weight groups break the 2:4 pattern",)`` when the arch
    has N:M support and ``layer`` is pruned but not N:M; ``()`` otherwise (a dense layer
    running dense needs no remark)."""
    st = arch.sparsity.structured
    if not layer.has_mask and layer.effective_weight_density >= 1.0:
        return ()
    if st is None:
        return zeros_kept_note(layer, arch)
    note = layer_n_m(layer, st).note(layer, st)
    return (note,) if note else ()


def zeros_kept_note(layer: LayerWorkload, arch: Accelerator) -> tuple[str, ...]:
    """Why pruning buys nothing on an array that keeps zeros: a dense weight format and zero
    weights computed like any other (no N:M support), e.g. ``("zeros stored and multiplied:
    50% of the weights are zero, but systolic_ws keeps weights dense (no sparse format, no
    zero skipping)",)``;
    ``()`` when the arch has a sparse format or skips / gates zero weights."""
    sp = arch.sparsity
    zero = 1.0 - layer.effective_weight_density
    if sp.weight_format.format is not SparseFormat.DENSE or \
            sp.weight_zeros is not ZeroHandling.NONE or zero <= 0.0:
        return ()
    return (f"zeros stored and multiplied: {100 * zero:.0f}% of the weights are zero, but "
            f"{arch.name} keeps weights dense (no sparse format, no zero skipping)",)


def _pair_fractions(layer: LayerWorkload) -> tuple[float, float, float, float]:
    """(p11, p10, p01, p00): both non-zero, input zero, weight zero, both zero."""
    d_w, d_a = layer.effective_weight_density, layer.input_density
    p11 = layer.expected_effective_macs() / layer.macs_dense if layer.macs_dense else 0.0
    p11 = min(p11, d_w, d_a)
    p10, p01 = max(d_w - p11, 0.0), max(d_a - p11, 0.0)
    return p11, p10, p01, max(1.0 - p11 - p10 - p01, 0.0)


def mac_counts(layer: LayerWorkload, arch: Accelerator) -> MacCounts:
    """Issued / full / gated MACs of ``layer`` on ``arch`` (module docstring).

    Example (skip weights, skip inputs, d_w = 0.1, d_a = 0.5, 1,000 dense MACs): issued =
    full = 1000 x 0.05 = 50, gated 0. With N:M 2:4 at d_w = 0.5 and no zero handling:
    issued = full = 500 (half the slots), gated 0.
    """
    sp = arch.sparsity
    dense = layer.macs_dense
    p11, p10, p01, p00 = _pair_fractions(layer)
    w_mode, a_mode = sp.weight_zeros, sp.activation_zeros
    structured = structured_applies(layer, arch)
    if structured:
        # kept slots = n/m of dense; the weight-zero cases shrink to the empty kept slots
        slots = sp.structured.n / sp.structured.m
        d_w = p11 + p10
        scale_zero_w = max(slots - d_w, 0.0) / max(1.0 - d_w, 1e-12)
        p01, p00 = p01 * scale_zero_w, p00 * scale_zero_w
    cases = ((p11, False, False), (p10, False, True), (p01, True, False), (p00, True, True))
    issued = full = gated = 0.0
    for frac, w_zero, a_zero in cases:
        modes = ([w_mode] if w_zero else []) + ([a_mode] if a_zero else [])
        if ZeroHandling.SKIP in modes:
            continue
        issued += frac
        if ZeroHandling.GATE in modes:
            gated += frac
        else:
            full += frac
    w_frac = (sp.structured.n / sp.structured.m) if structured else 1.0
    if w_mode is ZeroHandling.SKIP:
        w_frac = min(w_frac, layer.effective_weight_density)
    a_frac = layer.input_density if a_mode is ZeroHandling.SKIP else 1.0
    return MacCounts(dense, issued * dense, full * dense, gated * dense, w_frac, a_frac,
                     structured)
