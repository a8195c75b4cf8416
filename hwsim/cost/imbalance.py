"""Load imbalance of unstructured sparse work over PEs (EIE's column broadcast).

EIE (Han et al. 2016, Sec. III) interleaves the rows of the weight matrix over ``P`` PEs and
broadcasts every non-zero input activation (column ``j``) to all of them, at most one per
cycle (the leading-non-zero detector, :data:`BROADCASTS_PER_CYCLE`); PE ``p`` then works
through its stored entries of column ``j`` (non-zeros + filler zeros), ``e[p, j]``, one per
cycle. Each PE buffers broadcasts in a FIFO of depth ``D``; column ``i`` goes out once every
PE has finished column ``i - D`` and a cycle after column ``i - 1``. With ``n`` columns sent:

1. ``D = 1``: every column waits for its slowest PE and takes at least its broadcast cycle:
   cycles = sum over the first n - 1 columns of ``max(1, max_p e[p, j])`` + the last
   column's maximum. A dead column (no PE has an entry) still costs its cycle.
2. ``D`` unbounded: PE ``p`` finishes at ``max_i (i + sum_{k >= i} e[p, k])`` (it cannot
   start column ``i`` before its broadcast at cycle ``i``); cycles = the largest over the PEs,
   at least ``max_p sum_j e[p, j]`` (a dead row only lowers the mean) and at least ``n - 1``
   + the last column (broadcast-bound layers: LeNet's, with 1-5 rows per PE).
3. finite ``D`` (an approximation, stated in :attr:`Imbalance.bound`): the time lost to
   imbalance beyond rule 2 shrinks as ``D^-1.75``: cycles = ``C_inf + (C_1 - C_inf)
   D^-1.75`` with ``C_1`` and ``C_inf`` rules 1 and 2. The exponent is fitted (least squares
   on the cycles) to the event-driven simulator's FIFO study (``benchmarks/fifo_study.py``:
   AlexNet and VGG-16 fc6-fc8 at D = 2..32, 64 PEs). It equals the exact rules at ``D = 1``
   and ``D >= n``. With rules 1 and 2 counting the broadcast cycle it also holds on real
   masks (docs/cost_model.md: within 9 % of the simulator at D = 1..16 on the exported
   LeNet masks). (The earlier rule, block-synchronous windows of ``D`` columns, is an upper
   bound that is far too pessimistic; :func:`window_cycles` keeps it.)

Which columns are non-zero is unknown (the workload has input densities, not input data):
``n = round(d_a x cols)`` of them (none: no broadcast), drawn at random like the simulator does. With a mask
(:func:`sampled_bounds`) rule 1 is exact in expectation from the column maxima; rule 2 takes
each PE's sampled total as normal (mean and finite-population variance of its own column
counts, PEs independent) and the expected maximum by integration; all columns non-zero uses
the exact rules on the mask (:func:`exact_bounds`).

Without a mask a PE's entries in a column are Binomial(``n_p``, ``d_w``) (``n_p`` rows per
PE) plus the expected fillers, and over ``n`` columns Binomial(``n_p n``, ``d_w``); the
expected maximum over the PEs is exact from the CDF product, ``E[max] = sum_k (1 - prod_p
F_p(k))``, for ``n_p n <= 4096``, and the normal approximation ``mu + sigma E[max of P
standard normals]`` above that.

Worked example (exact, 2 PEs, 2 columns, d_a = 1): e = [[3, 0], [1, 2]] -> D = 1: max(1, 3)
+ 2 = 5 cycles; unbounded: max(3, 3) = 3; ideal 6 / 2 = 3, so efficiency 0.6 at D = 1 and 1.0
unbounded. With 4 columns, e = [[3, 0, 3, 0], [1, 2, 1, 2]]: C_1 = 10, C_inf = 6, D = 2 ->
6 + 4 x 2^-1.75 = 7.189 cycles. Broadcast-bound: e = [[1, 0, 0, 1]] -> 4 cycles at any depth
(the PE's 2 entries wait for 4 broadcasts).
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from hwsim.cost.records import Imbalance

EXACT_BINOMIAL_LIMIT = 4096
# EIE's leading-non-zero detector: one activation per cycle (SimOptions' default too)
BROADCASTS_PER_CYCLE = 1
FIFO_EXPONENT = 1.75  # fitted to the simulator's FIFO study (module docstring)


def _window(depth: int | None, cols: int) -> int:
    return cols if depth is None else max(1, min(int(depth), cols))


def _bound_name(depth: int | None, cols: int) -> str:
    if depth is None or depth >= cols:
        return "max_pe_finish (unbounded fifo, one broadcast per cycle)"
    if depth == 1:
        return "sum_column_max (fifo depth 1, at least one cycle per broadcast)"
    return (f"fifo depth {depth}: unbounded + (depth_1 - unbounded) x {depth}^-{FIFO_EXPONENT} "
            "(exponent fitted to the simulator's fifo study)")


def finite_fifo_cycles(depth_one: float, unbounded: float, depth: int | None,
                       cols: int) -> float:
    """Cycles at FIFO depth ``depth`` from the two exact rules (module docstring).

    Example: C_1 = 10, C_inf = 6, D = 2 -> 6 + 4 x 2^-1.75 = 7.189; D = 1 -> 10; D >= cols
    or None -> 6.
    """
    win = _window(depth, cols)
    if win >= cols:
        return unbounded
    return unbounded + (depth_one - unbounded) * float(win) ** -FIFO_EXPONENT


def window_cycles(work: np.ndarray, win: int) -> float:
    """Block-synchronous windows of ``win`` columns: sum over windows of the max PE work (an
    upper bound for a FIFO of depth ``win``). Example: [[2,0,2,0],[0,2,0,2]], 3 -> 4 + 2."""
    parts, cols = work.shape
    n_win = -(-cols // win)
    padded = np.zeros((parts, n_win * win))
    padded[:, :cols] = work
    return float(padded.reshape(parts, n_win, win).sum(axis=2).max(axis=0).sum())


def exact_bounds(work: np.ndarray, rate: float = BROADCASTS_PER_CYCLE
                 ) -> tuple[float, float]:
    """(depth 1, unbounded) cycles when every column of ``work`` (P, n) is broadcast in order,
    one per ``1 / rate`` cycles (module docstring, rules 1 and 2).

    Example: [[3, 0], [1, 2]] -> depth 1: max(1, 3) + 2 = 5; unbounded: max over PEs of
    max_i (i + work from column i on): PE 0 max(0 + 3, 1 + 0) = 3, PE 1 max(0 + 3, 1 + 2) =
    3 -> 3. A broadcast-bound case, [[1, 0, 0, 1]]: depth 1: 1 + 1 + 1 + 1 = 4; unbounded:
    max(0 + 2, 1 + 1, 2 + 1, 3 + 1) = 4 (one column per cycle, not the PE total 2).
    """
    tau = 1.0 / rate
    n = work.shape[1]
    col_max = work.max(axis=0)
    depth_one = float(np.maximum(col_max[:-1], tau).sum() + col_max[-1])
    suffix = np.cumsum(work[:, ::-1], axis=1)[:, ::-1]
    unbounded = float((suffix + tau * np.arange(n)).max())
    return depth_one, unbounded


def sampled_bounds(work: np.ndarray, active: int, rate: float = BROADCASTS_PER_CYCLE
                   ) -> tuple[float, float]:
    """Expected (depth 1, unbounded) cycles when ``active`` of the columns of ``work`` (P, cols)
    are broadcast, drawn at random without replacement (module docstring, rules 1 and 2).

    Depth 1 is exact in expectation: (n - 1) x mean_j max(1, m_j) + mean_j m_j. Unbounded:
    the larger of the broadcast bound (n - 1) + mean_j m_j and E[max_p T_p], with T_p, PE p's
    sampled total, normal with mean n x mean_j e[p, j] and variance n x var_j e[p, j] x
    (cols - n) / (cols - 1) (finite population), the PEs taken as independent. Example:
    [[2, 0, 2, 0], [0, 0, 0, 1]], n = 2: m = [2, 0, 2, 1] -> depth 1: 1 x (2 + 1 + 2 + 1) / 4
    + 5 / 4 = 2.75; PE 0: mean 2, variance 2 x 1 x 2 / 3 = 4/3; PE 1: mean 0.5, variance
    2 x 0.1875 x 2 / 3 = 0.25 -> E[max] = 2.48; broadcast bound 1 + 1.25 = 2.25 -> 2.48.
    """
    tau = 1.0 / rate
    parts, cols = work.shape
    col_max = work.max(axis=0)
    depth_one = (active - 1) * float(np.maximum(col_max, tau).mean()) + float(col_max.mean())
    mean = active * work.mean(axis=1)
    var = active * work.var(axis=1) * (cols - active) / max(cols - 1, 1)
    sd = np.sqrt(var)
    rate_bound = (active - 1) * tau + float(col_max.mean())
    if rate_bound >= float((mean + 8.0 * sd).max()):  # no PE can outlast the broadcasts
        return depth_one, rate_bound
    unbounded = max(rate_bound, expected_max_normals(mean, sd))
    return depth_one, unbounded


def active_columns(cols: int, input_density: float) -> int:
    """Non-zero input columns broadcast per vector: round(d_a x cols) (the simulator draws
    that many). Example: 784 columns at 0.193 -> 152; 10 at 0.04 -> 0."""
    return max(0, min(cols, int(round(input_density * cols))))


def column_broadcast_exact(entries: np.ndarray, input_density: float, depth: int | None,
                           repeats: int = 1) -> Imbalance:
    """Cycles of EIE's column broadcast from exact per-PE, per-column work ``entries`` (P, cols).

    All columns non-zero (``input_density`` 1): :func:`exact_bounds`; otherwise the
    expectation over which ``round(d_a x cols)`` columns are non-zero, :func:`sampled_bounds`.
    ``repeats`` multiplies everything (batch x output positions). Example: entries
    [[3, 0], [1, 2]], d_a = 1, depth 1 -> 5 cycles, ideal 3, efficiency 0.6.
    """
    work = np.asarray(entries, dtype=np.float64)
    parts, cols = work.shape
    active = active_columns(cols, input_density)
    if active == 0 or parts == 0:
        return Imbalance(bound=_bound_name(depth, active))
    if active >= cols:
        depth_one, unbounded = exact_bounds(work)
    else:
        depth_one, unbounded = sampled_bounds(work, active)
    cycles = finite_fifo_cycles(depth_one, unbounded, depth, active) * repeats
    ideal = active / cols * float(work.sum()) / parts * repeats
    return Imbalance(efficiency=ideal / cycles if cycles else 1.0,
                     bound=_bound_name(depth, active), ideal_cycles=ideal, cycles=cycles)


def normal_cdf(z: np.ndarray) -> np.ndarray:
    """Standard normal CDF, vectorised, from erf by Abramowitz & Stegun 7.1.26 (absolute
    error below 1.5e-7). Example: 0 -> 0.5, 1.96 -> 0.9750."""
    z = np.asarray(z, dtype=np.float64)
    x = np.abs(z) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (
        -1.453152027 + t * 1.061405429))))
    erf = 1.0 - poly * np.exp(-x * x)
    return 0.5 * (1.0 + np.where(z < 0, -erf, erf))


def expected_max_normals(mean: np.ndarray, sd: np.ndarray) -> float:
    """E[max_p X_p], X_p ~ Normal(mean[p], sd[p]) independent, X >= 0: integral over x >= 0 of
    1 - prod_p Phi((x - mean_p) / sd_p); the integrand is 1 up to the largest mean - 8 sd,
    then the trapezoid rule on 257 points up to the largest mean + 8 sd. Example: one PE,
    mean 3, sd 0 -> 3; two PEs with mean 0 and sd 1 -> the integral of 1 - Phi(x)^2 over
    x >= 0 = 0.6810."""
    mean = np.asarray(mean, dtype=np.float64)
    sd = np.maximum(np.asarray(sd, dtype=np.float64), 1e-9)
    top = float((mean + 8.0 * sd).max(initial=0.0))
    if top <= 0.0:
        return 0.0
    low = max(0.0, float((mean - 8.0 * sd).max()))  # below it the maximum is certain
    keep = mean + 8.0 * sd > low
    grid = np.linspace(low, top, 257)
    z = (grid[:, None] - mean[None, keep]) / sd[None, keep]
    tail = 1.0 - np.prod(normal_cdf(z), axis=1)
    return low + float(np.sum((tail[1:] + tail[:-1]) * 0.5) * (grid[1] - grid[0]))


@lru_cache(maxsize=None)
def expected_max_std_normal(count: int) -> float:
    """E[max of ``count`` i.i.d. standard normals] by numerical integration.

    E[max] = integral of x * count * phi(x) * Phi(x)**(count-1); e.g. 1 -> 0, 2 -> 1/sqrt(pi)
    = 0.5642, 64 -> 2.345 (Monte Carlo: 2.343).
    """
    if count <= 1:
        return 0.0
    x = np.linspace(-10.0, 10.0, 40001)
    phi = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
    cdf = np.cumsum(phi) * (x[1] - x[0])
    cdf = np.clip(cdf, 0.0, 1.0)
    density = count * phi * cdf ** (count - 1)
    return float(np.trapezoid(x * density, x) if hasattr(np, "trapezoid")
                 else np.trapz(x * density, x))


def _log_factorials(n: int) -> np.ndarray:
    return np.concatenate(([0.0], np.cumsum(np.log(np.arange(1, n + 1, dtype=np.float64)))))


def binomial_cdf(n: int, q: float) -> np.ndarray:
    """CDF of Binomial(n, q) at k = 0..n; e.g. n = 2, q = 0.5 -> [0.25, 0.75, 1.0]."""
    if q <= 0.0:
        return np.ones(n + 1)
    if q >= 1.0:
        cdf = np.zeros(n + 1)
        cdf[-1] = 1.0
        return cdf
    k = np.arange(n + 1)
    lf = _log_factorials(n)
    logpmf = lf[n] - lf[k] - lf[n - k] + k * math.log(q) + (n - k) * math.log1p(-q)
    return np.minimum(np.cumsum(np.exp(logpmf)), 1.0)


def expected_max_binomial(trials: np.ndarray, q: float) -> float:
    """E[max_p X_p], X_p ~ Binomial(trials[p], q) independent (module docstring).

    Example: two PEs with 1 trial each at q = 0.5 -> 1 - 0.5**2 = 0.75.
    """
    trials = np.asarray(trials, dtype=np.int64)
    n_max = int(trials.max(initial=0))
    if n_max == 0:
        return 0.0
    if n_max <= EXACT_BINOMIAL_LIMIT:
        values, counts = np.unique(trials, return_counts=True)
        prod = np.ones(n_max + 1)
        for n, c in zip(values, counts):
            cdf = np.ones(n_max + 1)
            cdf[: n + 1] = binomial_cdf(int(n), q)
            prod *= cdf ** int(c)
        return float(np.sum(1.0 - prod[:n_max]))
    mu, sigma = n_max * q, math.sqrt(n_max * q * (1 - q))
    return min(mu + sigma * expected_max_std_normal(len(trials)), float(n_max))


def column_broadcast_expected(rows_per_pe: np.ndarray, cols: int, weight_density: float,
                              input_density: float, depth: int | None,
                              fillers_per_pe_column: np.ndarray | None = None,
                              repeats: int = 1) -> Imbalance:
    """Expected cycles of the column broadcast without a mask (module docstring).

    ``n = round(d_a x cols)`` columns are broadcast; a PE's entries in one column are
    Binomial(n_p, d_w) plus the expected fillers ``f``. Depth 1: (n - 1) x E[max(1, M)] +
    E[M] with M the column maximum, E[max(1, M)] = E[M] + P(no PE has an entry) x (1 - f);
    unbounded: the larger of the broadcast bound (n - 1) + E[M] and E[max_p
    Binomial(n_p n, d_w)] + f n. Example: 2 PEs with 1 row each, 1 column, d_w = 0.5, d_a =
    1, any depth -> E[M] = 0.75 cycles, ideal = 2 x 0.5 / 2 = 0.5, efficiency 0.667.
    """
    rows = np.asarray(rows_per_pe, dtype=np.int64)
    parts = len(rows)
    fill = np.zeros(parts) if fillers_per_pe_column is None else np.asarray(
        fillers_per_pe_column, dtype=np.float64)
    n = active_columns(cols, input_density)
    if n == 0:
        return Imbalance(bound="binomial_expected_max, " + _bound_name(depth, n), exact=False)
    f = float(fill.max(initial=0.0))
    tau = 1.0 / BROADCASTS_PER_CYCLE
    col_max = expected_max_binomial(rows, weight_density) + f
    empty = (1.0 - weight_density) ** int(rows.sum())
    depth_one = (n - 1) * (col_max + empty * max(0.0, tau - f)) + col_max
    unbounded = max((n - 1) * tau + col_max,
                    expected_max_binomial(rows * n, weight_density) + f * n)
    cycles = finite_fifo_cycles(depth_one, unbounded, depth, n) * repeats
    ideal = n * float((rows * weight_density + fill).sum()) / parts * repeats
    cycles = max(cycles, ideal)
    return Imbalance(efficiency=ideal / cycles if cycles else 1.0,
                     bound="binomial_expected_max, " + _bound_name(depth, n), exact=False,
                     ideal_cycles=ideal, cycles=cycles)


def rows_imbalance(per_pe_work: np.ndarray, exact: bool, label: str) -> Imbalance:
    """Imbalance when each PE owns fixed rows for the whole layer (rows_blocked or
    rows_interleaved outside a column broadcast): cycles = max PE total, ideal = mean.

    Example: totals [6, 2] -> cycles 6, ideal 4, efficiency 0.667.
    """
    work = np.asarray(per_pe_work, dtype=np.float64)
    cycles, ideal = float(work.max(initial=0.0)), float(work.mean()) if work.size else 0.0
    return Imbalance(efficiency=ideal / cycles if cycles else 1.0, bound=label, exact=exact,
                     ideal_cycles=ideal, cycles=cycles)
