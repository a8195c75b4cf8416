"""The GPU roofline figure: arithmetic intensity vs attained rate, one point per layer.

:func:`roofline_data` extracts the ``roofline`` records that :mod:`hwsim.cost.gpu` puts on every
GPU layer row (pruned rows from the estimate, dense rows from the dense run); :func:`plot_roofline`
draws them under the ceilings: HBM bandwidth x intensity, the dense tensor-core peak and, when a
2:4 kernel ran, the sparse peak (CSR kernels run on CUDA cores; their dense-equivalent rate may
lie above that unit's own peak, so no CUDA-core ceiling is drawn). Rates are dense-equivalent (2 x the layer's dense MACs per
second), so a pruned kernel that saves work shows as a higher attained rate.

Example: a dense GEMV of 2 GOP over 1 GB in 1 ms sits at intensity 2 op/byte and 2 TOP/s, on the
HBM slope of a 2 TB/s GPU.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RooflineMark:
    """One layer: ``side`` dense or pruned, its kernel, intensity (op/byte), rate (op/s)."""

    layer: str
    side: str
    kernel: str
    intensity: float
    rate: float


@dataclass(frozen=True)
class RooflineData:
    """Marks and ceilings (op/s of each math unit seen, HBM bytes/s) of one accelerator."""

    arch: str
    marks: tuple[RooflineMark, ...]
    peaks: tuple[tuple[str, float], ...]
    hbm_bytes_per_s: float


def _marks(rows, side):
    for row in rows or ():
        point = row.get("roofline")
        if point and row.get("supported", True) and point.get("hbm_bytes"):
            yield row["name"], side, point


def roofline_data(estimate: dict, dense_run: dict | None = None) -> RooflineData | None:
    """The figure's numbers from an estimate JSON (and the dense run's), or None when no layer
    carries a roofline record (not a GPU)."""
    found = list(_marks(estimate.get("layers"), "pruned"))
    found += list(_marks((dense_run or {}).get("layers"), "dense"))
    if not found:
        return None
    peaks: dict[str, float] = {}
    for _, _, p in found:  # CSR runs on CUDA cores: its marks are drawn, not its ceiling
        if p["kernel"] != "csr":
            unit = "2:4 tensor cores" if p["kernel"] == "semi_structured" else "tensor cores"
            peaks[unit] = max(peaks.get(unit, 0.0), p["peak_ops_per_s"])
    marks = tuple(RooflineMark(name, side, p["kernel"], p["intensity_ops_per_byte"],
                               p["attained_ops_per_s"]) for name, side, p in found)
    return RooflineData(str(estimate.get("arch", "")), marks, tuple(peaks.items()),
                        found[0][2]["hbm_bytes_per_s"])


_STYLE = {"dense": ("o", "#8c8c8c"), "pruned": ("D", "#1f77b4")}
_SHORT = {"semi_structured": "2:4", "csr": "csr", "block_sparse": "block"}


def plot_roofline(ax, data: RooflineData):
    """Log-log roofline: tensor-core ceilings as lines, one marker per layer and side; pruned
    markers are labelled by layer and by their kernel when it is not dense (2:4, csr, block)."""
    xs = [m.intensity for m in data.marks]
    ridge = max([p for _, p in data.peaks] or [max(m.rate for m in data.marks)])
    lo, hi = min(xs) / 3, max(max(xs) * 3, ridge / data.hbm_bytes_per_s * 3)
    grid = np.logspace(np.log10(lo), np.log10(hi), 200)
    for unit, peak in data.peaks:
        ax.plot(grid, np.minimum(peak, data.hbm_bytes_per_s * grid), lw=1.2,
                label=f"{unit}: {peak / 1e12:.0f} TOP/s, HBM {data.hbm_bytes_per_s / 1e12:.2f} TB/s")
    for side, (marker, color) in _STYLE.items():
        marks = [m for m in data.marks if m.side == side]
        if marks:
            ax.scatter([m.intensity for m in marks], [m.rate for m in marks], marker=marker,
                       color=color, s=22, label=f"{side} layers", zorder=3)
    for m in data.marks:  # pruned marks only, to keep the plot readable
        if m.side == "pruned":
            tag = m.layer + ("" if m.kernel == "dense" else f" {_SHORT.get(m.kernel, m.kernel)}")
            ax.annotate(tag, (m.intensity, m.rate), fontsize=6, xytext=(3, 2),
                        textcoords="offset points")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("arithmetic intensity (dense-equivalent ops per HBM byte)")
    ax.set_ylabel("attained rate (dense-equivalent op/s)")
    ax.set_title(f"Roofline on {data.arch}: dense vs pruned layers", fontsize=10)
    ax.legend(fontsize=6, loc="lower right")
    return ax.figure
