"""MAC counts under skip / gate / none and N:M (hwsim.cost.compute), hand-worked."""
import pytest

from hwsim.arch.model import FormatSpec, SparsitySupport, StructuredSparsity
from hwsim.cost import energy as en
from hwsim.cost.compute import mac_counts, structured_applies
from hwsim.types import LayerKind, ZeroHandling
from hwsim.workload.layer import LayerWorkload

from cost_helpers import compute, tiny_arch

NONE, GATE, SKIP = ZeroHandling.NONE, ZeroHandling.GATE, ZeroHandling.SKIP


def arch_with(w=NONE, a=NONE, structured=None, gated=0.0):
    sp = SparsitySupport(FormatSpec(value_bits=8), FormatSpec(value_bits=8), w, a, structured)
    return tiny_arch(sparsity=sp, array=compute(gated=gated))


def fc(d_w=1.0, d_a=1.0, effective=None, c=100, k=10):
    """A 100 -> 10 linear layer: 1,000 dense MACs."""
    return LayerWorkload("fc", LayerKind.LINEAR, c, k, weight_density=d_w, input_density=d_a,
                         effective_macs=effective)


def test_no_zero_handling_computes_everything():
    m = mac_counts(fc(0.1, 0.5), arch_with())
    assert (m.dense, m.issued, m.full, m.gated) == (1000, 1000, 1000, 0)


def test_gating_zero_inputs_keeps_cycles_saves_energy():
    """d_a = 0.4: issued 1000 (the cycle stays), full 400, gated 600; at a gated fraction of
    0.1 the MAC energy is 400 + 60 = 460 MAC-equivalents x 1 pJ."""
    arch = arch_with(a=GATE, gated=0.1)
    m = mac_counts(fc(1.0, 0.4), arch)
    assert (m.issued, m.full, m.gated) == pytest.approx((1000, 400, 600))
    assert en.mac_energy_pj(arch, m.full, m.gated) == pytest.approx(460)


def test_skipping_both_operands():
    """d_w = 0.1, d_a = 0.5 -> 1000 x 0.05 = 50 issued, all full."""
    m = mac_counts(fc(0.1, 0.5), arch_with(SKIP, SKIP))
    assert (m.issued, m.full, m.gated) == pytest.approx((50, 50, 0))
    assert m.weight_slot_fraction == pytest.approx(0.1)
    assert m.input_fraction == pytest.approx(0.5)


def test_skip_weights_compute_zero_inputs():
    """Skip weights, d_w 0.2, d_a 0.5: 200 issued; zero inputs are computed (none) -> all 200
    full; gating them instead -> 100 full + 100 gated."""
    m = mac_counts(fc(0.2, 0.5), arch_with(SKIP, NONE))
    assert (m.issued, m.full, m.gated) == pytest.approx((200, 200, 0))
    m = mac_counts(fc(0.2, 0.5), arch_with(SKIP, GATE))
    assert (m.issued, m.full, m.gated) == pytest.approx((200, 100, 100))


def test_exact_effective_macs_override_the_expectation():
    """The workload says 30 non-zero pairs (expected would be 50)."""
    m = mac_counts(fc(0.1, 0.5, effective=30), arch_with(SKIP, SKIP))
    assert m.issued == pytest.approx(30)


def test_n_m_issues_n_of_m_slots():
    """2:4 at d_w = 0.5: 500 of 1000 slots issued, all full; at d_w = 0.25 with gated weights
    500 issued, 250 full + 250 gated (the empty kept slots); d_w = 0.6 cannot use 2:4."""
    st = StructuredSparsity(2, 4, 2)
    m = mac_counts(fc(0.5), arch_with(structured=st))
    assert m.structured and (m.issued, m.full, m.gated) == pytest.approx((500, 500, 0))
    m = mac_counts(fc(0.25), arch_with(w=GATE, structured=st))
    assert (m.issued, m.full, m.gated) == pytest.approx((500, 250, 250))
    assert not structured_applies(fc(0.6), arch_with(structured=st))
    assert mac_counts(fc(0.6), arch_with(structured=st)).issued == 1000
