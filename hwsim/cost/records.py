"""Result records of the cost model (and of the simulator, which returns the same types).

Every record is frozen and the wide ones are keyword-only (``LayerCost(name=..., arch=...,
batch=..., clock_hz=...)``: a positional call cannot fill the wrong field, and the fields whose
default would be a silent error have none); a network's total is a :class:`NetworkTotal`, not a
layer. Counts are per ``batch`` images of the layer, in bytes, pJ and cycles. ``to_dict()`` gives the stable JSON form documented in ``docs/cost_model.md`` (units in every
key); the estimate command, reports and sweeps reuse it.

Worked example: a layer whose DRAM reads are ``LevelTraffic(level="dram",
operand=Operand.WEIGHTS, reads=10, writes=0, read_bytes=40, write_bytes=0, energy_pj=6400)``
(10 accesses of 32 bits at 640 pJ) contributes 40 bytes to :attr:`LayerCost.dram_read_bytes`
and 6,400 pJ to the ``dram`` component and the ``weights`` operand of the energy breakdown.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping as _MappingT

from hwsim.types import MemoryKind, Operand

@dataclass(frozen=True, kw_only=True)
class LevelTraffic:
    """Accesses of one operand at one memory level.

    ``reads``/``writes`` count accesses of the level's ``width_bits`` (fractional when
    expected); ``*_bytes`` are the bytes moved; ``energy_pj`` = reads x read energy + writes x
    write energy (+ DRAM row activations). ``kind`` is the level's :class:`MemoryKind`.
    """

    level: str
    operand: Operand
    reads: float
    writes: float
    read_bytes: float
    write_bytes: float
    energy_pj: float
    kind: MemoryKind = MemoryKind.SRAM

    def to_dict(self) -> dict:
        return {"level": self.level, "operand": str(self.operand), "kind": str(self.kind),
                "reads": self.reads, "writes": self.writes, "read_bytes": self.read_bytes,
                "write_bytes": self.write_bytes, "energy_pj": self.energy_pj}


@dataclass(frozen=True)
class LevelTiling:
    """Temporal loops of one level: ``order`` outer -> inner (relevance groups) and the trip
    count of every loop dimension at that level (``factors``, dims with trip 1 omitted)."""

    level: str
    order: tuple[str, ...]
    factors: tuple[tuple[str, int], ...]

    def __str__(self) -> str:
        loops = " ".join(f"{d}{f}" for d, f in self.factors) or "-"
        return f"{self.level}[{loops}]"


@dataclass(frozen=True)
class LayerMapping:
    """How a layer is mapped: dataflow, spatial unrolling and temporal tiling per level.

    Printable: ``str(mapping)`` e.g. ``dram[K4 C2] > buffer[P55 Q55 C3 R11 S11 K6] >
    spatial[C32 K16] (weight_stationary; order dram NPQ>K>CRS, buffer K>CRS>NPQ)``.
    """

    dataflow: str
    spatial: tuple[tuple[str, int], ...]
    levels: tuple[LevelTiling, ...]
    objective: str = "energy"
    candidates: int = 1

    def __str__(self) -> str:
        spatial = " ".join(f"{d}{f:.3g}" for d, f in self.spatial) or "-"
        nest = " > ".join(str(level) for level in self.levels)
        orders = ", ".join(f"{l.level} {'>'.join(l.order)}" for l in self.levels if l.order)
        return f"{nest} > spatial[{spatial}] ({self.dataflow}; order {orders})"

    def to_dict(self) -> dict:
        return {"dataflow": self.dataflow, "spatial": [[d, f] for d, f in self.spatial],
                "levels": [{"level": l.level, "order": list(l.order), "factors": dict(l.factors)}
                           for l in self.levels],
                "objective": self.objective, "candidates_evaluated": self.candidates,
                "text": str(self)}


@dataclass(frozen=True, kw_only=True)
class Imbalance:
    """Load balance of sparse work over PEs.

    ``efficiency`` = ideal cycles (work / PEs) / modelled cycles, in (0, 1];
    ``bound`` names the rule used (see :mod:`hwsim.cost.imbalance`), ``exact`` whether it came
    from a mask. Example: PE totals [6, 2] -> ideal 4, max 6, efficiency 0.667.
    """

    efficiency: float = 1.0
    bound: str = "none"
    exact: bool = True
    ideal_cycles: float = 0.0
    cycles: float = 0.0

    def to_dict(self) -> dict:
        return {"efficiency": self.efficiency, "bound": self.bound, "exact": self.exact,
                "ideal_cycles": self.ideal_cycles, "cycles": self.cycles}


@dataclass(frozen=True, kw_only=True)
class WeightMemory:
    """Weight storage of one layer: dense bytes (``weight_count`` x arithmetic bits) vs the
    stored format (values + metadata), plus whether it fits the on-chip weight capacity."""

    dense_bytes: float = 0.0
    stored_bytes: float = 0.0
    metadata_bytes: float = 0.0
    value_bytes: float = 0.0
    exact: bool = True
    format: str = "dense"


@dataclass(frozen=True)
class RooflinePoint:
    """One layer on a GPU roofline (:mod:`hwsim.cost.gpu`): ``ops`` dense-equivalent operations
    (2 x the layer's dense MACs, so a pruned kernel's saving shows as a higher rate), ``hbm_bytes``
    moved, ``seconds`` taken, and the ceilings: ``peak_ops_per_s`` of the kernel's math unit
    (dense-equivalent) and ``hbm_bytes_per_s``.

    Example: 2 GOP over 1 GB in 1 ms -> intensity 2 op/byte, attained 2 TOP/s.
    """

    kernel: str
    ops: float
    hbm_bytes: float
    seconds: float
    peak_ops_per_s: float
    hbm_bytes_per_s: float

    @property
    def intensity(self) -> float:
        """Operations per HBM byte."""
        return self.ops / self.hbm_bytes if self.hbm_bytes else float("inf")

    @property
    def attained_ops_per_s(self) -> float:
        return self.ops / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict:
        return {"kernel": self.kernel, "ops": self.ops, "hbm_bytes": self.hbm_bytes,
                "seconds": self.seconds, "peak_ops_per_s": self.peak_ops_per_s,
                "hbm_bytes_per_s": self.hbm_bytes_per_s,
                "intensity_ops_per_byte": self.intensity,
                "attained_ops_per_s": self.attained_ops_per_s}


class _CostSums:
    """Derived figures shared by a layer's cost and the network total (both have
    ``traffic``, ``energy_by_component``, ``energy_by_operand``, ``latency_cycles`` and
    ``clock_hz``)."""

    @property
    def energy_breakdown_pj(self) -> dict[str, float]:
        """Energy per component (dram, each on-chip level by name, mac, leakage, codebook)."""
        return dict(self.energy_by_component)

    @property
    def energy_by_operand_pj(self) -> dict[str, float]:
        return dict(self.energy_by_operand)

    def _dram(self, attr: str, operand: Operand | None = None) -> float:
        return sum(getattr(t, attr) for t in self.traffic if t.kind is MemoryKind.DRAM
                   and (operand is None or t.operand is operand))

    @property
    def dram_read_bytes(self) -> float:
        """Per-inference bytes read from DRAM (all operands)."""
        return self._dram("read_bytes")

    @property
    def dram_write_bytes(self) -> float:
        return self._dram("write_bytes")

    @property
    def dram_bytes(self) -> float:
        return self.dram_read_bytes + self.dram_write_bytes

    def dram_bytes_of(self, operand: Operand) -> float:
        """Per-inference DRAM bytes (read + write) of one operand."""
        return self._dram("read_bytes", operand) + self._dram("write_bytes", operand)

    @property
    def latency_s(self) -> float:
        return self.latency_cycles / self.clock_hz

    def to_dict(self) -> dict:
        """The stable JSON row (see module docstring); ``baseline``/``savings`` are added by
        :meth:`hwsim.cost.network.LayerComparison.to_dict`."""
        return {
            "name": self.name, "arch": self.arch, "model": self.model,
            "supported": self.supported, "unsupported_reason": self.unsupported_reason,
            "batch": self.batch,
            "macs_dense": self.macs_dense, "macs_effective": self.macs_effective,
            "macs_gated": self.macs_gated,
            "weight_count": self.weight_count, "weight_nnz": self.weight_nnz,
            "weight_bytes_dense": self.weights.dense_bytes,
            "weight_bytes_stored": self.weights.stored_bytes,
            "weight_metadata_bytes": self.weights.metadata_bytes,
            "weight_format": self.weights.format,
            "weights_on_chip": self.weights_on_chip,
            "weights_fit_on_chip": self.weights_fit_on_chip,
            "model_load_dram_bytes": self.model_load_dram_bytes,
            "dram_read_bytes": self.dram_read_bytes, "dram_write_bytes": self.dram_write_bytes,
            "dram_weight_bytes": self.dram_bytes_of(Operand.WEIGHTS),
            "compulsory_dram_bytes": self.compulsory_dram_bytes,
            "peak_activation_bytes": self.peak_activation_bytes,
            "energy_pj": self.energy_pj,
            "energy_breakdown_pj": self.energy_breakdown_pj,
            "energy_by_operand_pj": self.energy_by_operand_pj,
            "latency_cycles": self.latency_cycles, "latency_s": self.latency_s,
            "compute_cycles": self.compute_cycles,
            "transfer_cycles": dict(self.transfer_cycles),
            "pipeline_cycles": self.pipeline_cycles,
            "bottleneck": self.bottleneck, "utilization": self.utilization,
            "imbalance": self.imbalance.to_dict(),
            "mapping": self.mapping.to_dict() if self.mapping else None,
            "traffic": [t.to_dict() for t in self.traffic],
            "notes": list(self.notes),
            "roofline": self.roofline.to_dict() if self.roofline else None,
            "kv_cache_read_bytes": self.kv_cache_read_bytes,
            "kv_cache_write_bytes": self.kv_cache_write_bytes,
        }



@dataclass(frozen=True, kw_only=True)
class LayerCost(_CostSums):
    """Cost of one layer on one accelerator (analytical model or simulator).

    Energies in pJ, times in cycles, sizes in bytes. ``traffic`` holds one
    :class:`LevelTraffic` per (level, operand); ``energy_by_component`` and
    ``energy_by_operand`` are (name, pJ) pairs whose sums equal ``energy_pj``.
    ``model_load_dram_bytes`` is what resident weights cost once per model load (not per
    inference). An unsupported layer has ``supported=False``, a reason and zero costs.
    """

    name: str
    arch: str
    batch: int
    clock_hz: float
    """The clock the cycles count at (required: a default of 1 Hz made latency_s silently
    wrong by 9 orders of magnitude)."""
    supported: bool = True
    unsupported_reason: str | None = None
    model: str = "analytical"
    macs_dense: int = 0
    macs_effective: float = 0.0
    macs_gated: float = 0.0
    weight_count: int = 0
    weight_nnz: int = 0
    weights: WeightMemory = WeightMemory()
    traffic: tuple[LevelTraffic, ...] = ()
    energy_pj: float = 0.0
    energy_by_component: tuple[tuple[str, float], ...] = ()
    energy_by_operand: tuple[tuple[str, float], ...] = ()
    latency_cycles: float = 0.0
    compute_cycles: float = 0.0
    transfer_cycles: tuple[tuple[str, float], ...] = ()
    bottleneck: str = "compute"
    mapping: LayerMapping | None = None
    compulsory_dram_bytes: float = 0.0
    weights_on_chip: bool = False
    weights_fit_on_chip: bool = False
    model_load_dram_bytes: float = 0.0
    peak_activation_bytes: float = 0.0
    utilization: float = 0.0
    imbalance: Imbalance = Imbalance()
    notes: tuple[str, ...] = ()
    """Plain-language remarks on how the layer was modelled (e.g. "runs dense: 12 of 300
    4-weight groups break the 2:4 pattern"); shown in tables and JSON."""
    roofline: RooflinePoint | None = None
    """Where a GPU layer sits on its roofline (None for other accelerators)."""
    kv_cache_read_bytes: float = 0.0
    """DRAM bytes of a decoder's KV cache read (an act_matmul's operand B; see
    :mod:`hwsim.cost.vector`)."""
    kv_cache_write_bytes: float = 0.0
    """DRAM bytes appended to a decoder's KV cache (the new K and V)."""
    pipeline_cycles: float = 0.0
    """Cycles of ``latency_cycles`` beyond the steady-state bound max(compute, transfers):
    the DRAM pipeline's fill and drain that nothing overlaps (:mod:`hwsim.cost.pipeline`)."""



@dataclass(frozen=True, kw_only=True)
class NetworkTotal(_CostSums):
    """The total of a network on one accelerator: sums over the ``layers_counted`` supported
    layers (:func:`hwsim.cost.totals.total_cost`), at the clock of the accelerator it is
    reported for. Its own type, so that a total is never mistaken for (or built as) a layer:
    it has no mapping, no roofline point and no notes, and its name is always ``total``.

    Example: layers of 1 us and 2 us at 800 MHz total 2,400 cycles (3 us).
    """

    arch: str
    batch: int
    clock_hz: float
    layers_counted: int
    supported: bool
    unsupported_reason: str | None = None
    model: str = "analytical"
    macs_dense: int
    macs_effective: float
    macs_gated: float
    weight_count: int
    weight_nnz: int
    weights: WeightMemory
    traffic: tuple[LevelTraffic, ...]
    energy_pj: float
    energy_by_component: tuple[tuple[str, float], ...]
    energy_by_operand: tuple[tuple[str, float], ...]
    latency_cycles: float
    compute_cycles: float
    transfer_cycles: tuple[tuple[str, float], ...]
    bottleneck: str
    compulsory_dram_bytes: float
    weights_on_chip: bool
    weights_fit_on_chip: bool
    model_load_dram_bytes: float
    peak_activation_bytes: float
    utilization: float
    imbalance: Imbalance
    kv_cache_read_bytes: float = 0.0
    kv_cache_write_bytes: float = 0.0
    pipeline_cycles: float = 0.0

    name = "total"
    mapping = None
    roofline = None
    notes: tuple[str, ...] = ()


def sum_pairs(pairs_list) -> tuple[tuple[str, float], ...]:
    """Add (name, value) pair tuples key-wise, keeping first-seen key order.

    Example: ``sum_pairs([(("dram", 1.0),), (("dram", 2.0), ("mac", 1.0))])`` ->
    ``(("dram", 3.0), ("mac", 1.0))``.
    """
    total: dict[str, float] = {}
    for pairs in pairs_list:
        for key, value in pairs:
            total[key] = total.get(key, 0.0) + value
    return tuple(total.items())


def pairs_from(mapping: _MappingT[str, float]) -> tuple[tuple[str, float], ...]:
    return tuple((k, float(v)) for k, v in mapping.items())
