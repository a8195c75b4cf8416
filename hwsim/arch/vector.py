"""The vector (SIMD) unit of an :class:`~hwsim.arch.Accelerator`, resolved from its config.

Peak rate = lanes x ops_per_lane_per_cycle vector ops per cycle; energy = ops x
``op_energy_pj``. Example: 32 lanes, 1 op per lane per cycle, 0.1 pJ per op -> a softmax of
49,152 elements at 5 ops each takes 245,760 / 32 = 7,680 cycles and 24,576 pJ of arithmetic.
"""
from __future__ import annotations

from dataclasses import dataclass

from hwsim.config.vector import VectorUnitConfig, default_mac_kinds
from hwsim.types import LayerKind


@dataclass(frozen=True)
class VectorUnit:
    """Lanes, ops per lane per cycle, energy per op (pJ) and where the energy came from."""

    lanes: int
    ops_per_lane_per_cycle: float
    op_energy_pj: float
    source: str = ""

    @property
    def peak_ops_per_cycle(self) -> float:
        return self.lanes * self.ops_per_lane_per_cycle


def build_vector_unit(cfg, table, scale: float) -> tuple[VectorUnit | None,
                                                          tuple[LayerKind, ...]]:
    """(vector unit or None, kinds the MAC array runs) of a validated :class:`ArchConfig`."""
    runs = cfg.compute.runs if cfg.compute.runs is not None else default_mac_kinds(cfg.dataflow)
    spec: VectorUnitConfig | None = cfg.vector
    if spec is None:
        return None, tuple(runs)
    if spec.op_energy_pj is not None:
        energy, how = spec.op_energy_pj, "given"
    else:
        energy, how = _table_add_pj(table, cfg.compute.number_format,
                                    cfg.compute.accumulator_bits)
        energy *= scale
    return VectorUnit(spec.lanes, spec.ops_per_lane_per_cycle, energy,
                      "; ".join(s for s in (spec.source, f"op energy: {how}") if s)), tuple(runs)


def _table_add_pj(table, number_format: str, bits: int) -> tuple[float, str]:
    """The table's add at the narrowest width >= ``bits`` (the widest if none is)."""
    adds = table.arithmetic.get(number_format, {}).get("add", {})
    if not adds:
        return 0.0, f"no {number_format} add in {table.name}: 0 pJ"
    width = min((b for b in adds if b >= bits), default=max(adds))
    entry = adds[width]
    return entry.energy_pj, f"{table.name}: {number_format}{width} add {entry.energy_pj} pJ"
