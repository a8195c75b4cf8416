"""Load imbalance of unstructured sparse work over PEs (EIE's column broadcast).

EIE (Han et al. 2016, Sec. III) interleaves the rows of the weight matrix over ``P`` PEs and
broadcasts every non-zero input activation (column ``j``) to all of them; PE ``p`` then works
through its stored entries of column ``j`` (non-zeros + filler zeros), ``e[p, j]``, one per
cycle. Each PE buffers broadcasts in a FIFO of depth ``D``:

* ``D = 1`` (no slack): every column waits for its slowest PE, cycles = sum over non-zero
  columns of ``max_p e[p, j]``;
* ``D`` unbounded: PEs never wait, cycles = ``max_p sum_j e[p, j]``;
* finite ``D`` (an approximation, stated in :attr:`Imbalance.bound`): the PEs drift up to ``D``
  columns apart, and the time lost to imbalance beyond the unbounded bound shrinks as
  ``D^-1.75``: cycles = ``C_inf + (C_1 - C_inf) D^-1.75`` with ``C_1`` and ``C_inf`` the two
  exact rules above. The exponent is fitted (least squares on the cycles) to the event-driven
  simulator's FIFO study (``benchmarks/fifo_study.py``: AlexNet and VGG-16 fc6-fc8 at D = 2..32,
  64 PEs; worst error 3.3 points of efficiency). It equals the exact rules at ``D = 1`` and
  ``D >= cols``. (The earlier rule, block-synchronous windows of ``D`` columns, is an upper
  bound that is far too pessimistic: 0.80 at D = 8 on AlexNet fc6 against 0.97 simulated;
  :func:`window_cycles` keeps it.)

Which columns are non-zero is unknown (the workload has input densities, not input data), so the
work of each column is weighted by the input density ``d_a`` (exact in expectation for D = 1,
since the non-zero columns are a random subset; a slight underestimate otherwise).

Without a mask the entries of a PE in a window of ``D`` columns are Binomial(``n_p D``, ``d_w``)
(``n_p`` rows per PE) plus the expected fillers; the expected maximum over the PEs is exact
from the CDF product, ``E[max] = sum_k (1 - prod_p F_p(k))``, for ``n_p D <= 4096``, and the
normal approximation ``mu + sigma E[max of P standard normals]`` above that.

Worked example (exact, 2 PEs, 2 columns, d_a = 1): e = [[3, 0], [1, 2]] -> D = 1: 3 + 2 = 5
cycles; unbounded: max(3, 3) = 3; ideal 6 / 2 = 3, so efficiency 0.6 at D = 1 and 1.0 unbounded.
With 4 columns, e = [[3, 0, 3, 0], [1, 2, 1, 2]]: C_1 = 10, C_inf = 6, D = 2 ->
6 + 4 x 2^-1.75 = 7.189 cycles.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from hwsim.cost.records import Imbalance

EXACT_BINOMIAL_LIMIT = 4096
FIFO_EXPONENT = 1.75  # fitted to the simulator's FIFO study (module docstring)


def _window(depth: int | None, cols: int) -> int:
    return cols if depth is None else max(1, min(int(depth), cols))


def _bound_name(depth: int | None, cols: int) -> str:
    if depth is None or depth >= cols:
        return "max_pe_total (unbounded fifo)"
    if depth == 1:
        return "sum_column_max (fifo depth 1)"
    return (f"fifo depth {depth}: max_pe_total + (sum_column_max - max_pe_total) x "
            f"{depth}^-{FIFO_EXPONENT} (exponent fitted to the simulator's fifo study)")


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


def column_broadcast_exact(entries: np.ndarray, input_density: float, depth: int | None,
                           repeats: int = 1) -> Imbalance:
    """Cycles of EIE's column broadcast from exact per-PE, per-column work ``entries`` (P, cols).

    ``repeats`` multiplies everything (batch x output positions). Example: entries
    [[3, 0], [1, 2]], d_a = 1, depth 1 -> 5 cycles, ideal 3, efficiency 0.6.
    """
    work = np.asarray(entries, dtype=np.float64)
    parts, cols = work.shape
    if cols == 0 or parts == 0:
        return Imbalance(1.0, _bound_name(depth, cols), True, 0.0, 0.0)
    depth_one = float(work.max(axis=0).sum())
    unbounded = float(work.sum(axis=1).max())
    cycles = input_density * finite_fifo_cycles(depth_one, unbounded, depth, cols) * repeats
    ideal = input_density * float(work.sum()) / parts * repeats
    return Imbalance(ideal / cycles if cycles else 1.0, _bound_name(depth, cols), True, ideal,
                     cycles)


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

    Example: 2 PEs with 1 row each, 1 column, d_w = 0.5, d_a = 1, any depth -> E[max] =
    0.75 cycles, ideal = 2 x 0.5 / 2 = 0.5, efficiency 0.667.
    """
    rows = np.asarray(rows_per_pe, dtype=np.int64)
    parts = len(rows)
    fill = np.zeros(parts) if fillers_per_pe_column is None else np.asarray(
        fillers_per_pe_column, dtype=np.float64)

    def windows(win: int) -> float:  # expected cycles of block-synchronous windows
        return (cols / win) * (expected_max_binomial(rows * win, weight_density)
                               + float(fill.max()) * win)
    win = _window(depth, cols)
    base = windows(cols) if win >= cols else finite_fifo_cycles(windows(1), windows(cols),
                                                                 depth, cols)
    cycles = input_density * base * repeats
    ideal = input_density * cols * float((rows * weight_density + fill).sum()) / parts * repeats
    cycles = max(cycles, ideal)
    return Imbalance(ideal / cycles if cycles else 1.0,
                     "binomial_expected_max, " + _bound_name(depth, cols), False, ideal, cycles)


def rows_imbalance(per_pe_work: np.ndarray, exact: bool, label: str) -> Imbalance:
    """Imbalance when each PE owns fixed rows for the whole layer (rows_blocked or
    rows_interleaved outside a column broadcast): cycles = max PE total, ideal = mean.

    Example: totals [6, 2] -> cycles 6, ideal 4, efficiency 0.667.
    """
    work = np.asarray(per_pe_work, dtype=np.float64)
    cycles, ideal = float(work.max(initial=0.0)), float(work.mean()) if work.size else 0.0
    return Imbalance(ideal / cycles if cycles else 1.0, label, exact, ideal, cycles)
