"""The coverage report of a graph export: per op kind, how many, their MACs and bytes, and how
hwsim models them; the fractions of MACs and bytes the exported network covers.

Bytes are the elements each op reads and writes (activation operands, plus stored weights of
weighted ops) at 4 bytes each (float32, as the model ran); views, constants and folded
BatchNorms move nothing. Worked example: rows ``("linear", "linear", 100, 40, True)`` and
``("einsum", "not modelled", 0, 10, False)`` cover 100 of 100 MACs (1.0) and 40 of 50 bytes
(0.8).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class CoverageRow:
    """One op kind (ATen op name) as modelled one way: count, MACs and bytes per image."""

    op: str
    modelled_as: str
    count: int
    macs: int
    bytes: int
    covered: bool

    def as_dict(self) -> dict:
        return {"op": self.op, "modelled_as": self.modelled_as, "count": self.count,
                "macs": self.macs, "bytes": self.bytes, "covered": self.covered}


@dataclass(frozen=True)
class CoverageReport:
    """Rows sorted by bytes (largest first) and the covered fractions (1.0 when nothing)."""

    rows: tuple[CoverageRow, ...]

    @property
    def macs(self) -> int:
        return sum(r.macs for r in self.rows)

    @property
    def bytes(self) -> int:
        return sum(r.bytes for r in self.rows)

    @property
    def mac_fraction(self) -> float:
        total = self.macs
        return sum(r.macs for r in self.rows if r.covered) / total if total else 1.0

    @property
    def byte_fraction(self) -> float:
        total = self.bytes
        return sum(r.bytes for r in self.rows if r.covered) / total if total else 1.0

    @property
    def not_modelled(self) -> tuple[CoverageRow, ...]:
        return tuple(r for r in self.rows if not r.covered)

    def as_dict(self) -> dict:
        return {"mac_fraction": self.mac_fraction, "byte_fraction": self.byte_fraction,
                "macs": self.macs, "bytes": self.bytes,
                "rows": [r.as_dict() for r in self.rows]}

    def table(self) -> str:
        """A plain-text table, one line per row, then the fractions."""
        lines = [f"{'op':<32} {'count':>6} {'MACs':>16} {'bytes':>14}  modelled as"]
        lines += [f"{r.op:<32} {r.count:>6} {r.macs:>16,} {r.bytes:>14,}  {r.modelled_as}"
                  for r in self.rows]
        lines.append(f"covered: {self.mac_fraction:.2%} of MACs, {self.byte_fraction:.2%} of "
                     "bytes")
        return "\n".join(lines)


def coverage_report(rows: Iterable[tuple]) -> CoverageReport:
    """Aggregate ``(op, modelled_as, macs, bytes, covered)`` tuples (one per node or record)
    into rows keyed by (op, modelled_as)."""
    merged: dict[tuple, list] = {}
    for op, how, macs, size, covered in rows:
        entry = merged.setdefault((op, how, bool(covered)), [0, 0, 0])
        entry[0] += 1
        entry[1] += int(macs)
        entry[2] += int(size)
    out = [CoverageRow(op, how, n, macs, size, covered)
           for (op, how, covered), (n, macs, size) in merged.items()]
    return CoverageReport(tuple(sorted(out, key=lambda r: (-r.bytes, -r.macs, r.op))))
