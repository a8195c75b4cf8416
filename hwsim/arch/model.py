"""Domain objects of an accelerator, in hwsim's internal units (bytes, pJ, cycles).

Built from a validated YAML config by :func:`hwsim.arch.build_accelerator` (``load_arch`` does
both). These are plain frozen records: the cost model and the simulator read them, nothing
mutates them.

Worked example (EIE, one PE's sparse-matrix SRAM): ``MemoryLevel("spmat", MemoryKind.SRAM,
size_bytes=131072, instances=64, width_bits=64, read_energy_pj=..., ...)`` holds 64 x 128 KiB
= 8 MiB of weights in total (:attr:`MemoryLevel.total_size_bytes`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping

if TYPE_CHECKING:  # the GPU and vector records import nothing from here either way
    from hwsim.arch.gpu import GpuSpec
    from hwsim.arch.vector import VectorUnit

from hwsim.types import (Dataflow, MemoryKind, Operand, Residency, SparseFormat,
                         WorkDistribution, ZeroHandling)


@dataclass(frozen=True)
class MemoryLevel:
    """One level of the memory hierarchy (DRAM, an SRAM, or a register file).

    Energies are per access of ``width_bits``; bandwidth and leakage are per instance.
    ``size_bytes`` is per instance (DRAM: the device capacity). DRAM-only fields are
    ``burst_bytes``, ``row_buffer_bytes``, ``row_activation_energy_pj`` (0 when not modelled)
    and ``access_latency_cycles``. ``metadata_for``: operands whose format metadata (e.g.
    CSC column pointers: EIE's pointer SRAM) this level stores apart from their values; such a
    level need not appear in :meth:`Accelerator.path` (``operands`` may be empty).
    """

    name: str
    kind: MemoryKind
    size_bytes: int
    instances: int
    width_bits: int
    read_energy_pj: float
    write_energy_pj: float
    bandwidth_bytes_per_cycle: float
    operands: frozenset[Operand]
    leakage_power_mw: float = 0.0
    banks: int = 1
    burst_bytes: int = 0
    row_buffer_bytes: int = 0
    row_activation_energy_pj: float = 0.0
    access_latency_cycles: int = 0
    source: str = ""
    metadata_for: frozenset[Operand] = frozenset()
    ports: str = "shared"  # "separate": reads and writes each at the full bandwidth

    @property
    def width_bytes(self) -> float:
        return self.width_bits / 8

    @property
    def total_size_bytes(self) -> int:
        """size_bytes x instances."""
        return self.size_bytes * self.instances

    @property
    def read_energy_pj_per_byte(self) -> float:
        """read_energy_pj / (width_bits / 8); e.g. 640 pJ per 32-bit read -> 160 pJ/byte."""
        return self.read_energy_pj / self.width_bytes

    @property
    def write_energy_pj_per_byte(self) -> float:
        return self.write_energy_pj / self.width_bytes

    @property
    def total_bandwidth_bytes_per_cycle(self) -> float:
        """bandwidth_bytes_per_cycle x instances."""
        return self.bandwidth_bytes_per_cycle * self.instances

    def holds(self, operand: Operand) -> bool:
        return operand in self.operands


@dataclass(frozen=True)
class ComputeArray:
    """The MAC array. ``mac_energy_pj`` is one MAC at the arithmetic precision.

    ``gated_mac_energy_fraction``: energy of a MAC whose operand is zero and gated, relative to
    a full MAC (0 = free). Peak throughput = pe_count x macs_per_pe_per_cycle MACs per cycle.
    """

    pe_count: int
    array_rows: int
    array_cols: int
    macs_per_pe_per_cycle: int
    clock_hz: float
    weight_bits: int
    activation_bits: int
    accumulator_bits: int
    mac_energy_pj: float
    gated_mac_energy_fraction: float = 0.0
    source: str = ""
    weight_double_buffer: bool = False  # ws: next fold's weights fill during this fold
    weight_wavefront: bool = False  # ws: folds stream back to back (needs double buffering)

    @property
    def peak_macs_per_cycle(self) -> int:
        return self.pe_count * self.macs_per_pe_per_cycle


@dataclass(frozen=True)
class FormatSpec:
    """How a tensor is stored: format plus the bit widths its metadata uses.

    ``value_bits``: stored bits per value (e.g. 4 for a 16-entry codebook index);
    ``index_bits``: relative/absolute index width (CSR/CSC/COO; CSC with relative indices
    inserts a filler zero when a gap exceeds 2**index_bits - 1); ``pointer_bits``: column/row
    pointer width; ``run_bits``: zero-run length width for RLE; ``relative_index``: CSC/CSR
    indices are relative (EIE) rather than absolute.
    """

    format: SparseFormat = SparseFormat.DENSE
    value_bits: int = 16
    index_bits: int = 0
    pointer_bits: int = 0
    run_bits: int = 0
    relative_index: bool = True


@dataclass(frozen=True)
class StructuredSparsity:
    """N:M structured sparsity: at most ``n`` non-zeros in every ``m`` consecutive weights
    along the reduction dimension, with ``metadata_bits`` per kept weight (2 for 2:4)."""

    n: int
    m: int
    metadata_bits: int


@dataclass(frozen=True)
class WeightSharing:
    """A k-entry codebook: weights are stored as ``stored_bits`` indices and decoded to the
    arithmetic width; each decode costs ``lookup_energy_pj``."""

    codebook_entries: int
    stored_bits: int
    lookup_energy_pj: float = 0.0


@dataclass(frozen=True)
class SparsitySupport:
    """What the accelerator does with zeros. ``fifo_depth`` None means unbounded."""

    weight_format: FormatSpec = FormatSpec()
    activation_format: FormatSpec = FormatSpec()
    weight_zeros: ZeroHandling = ZeroHandling.NONE
    activation_zeros: ZeroHandling = ZeroHandling.NONE
    structured: StructuredSparsity | None = None
    distribution: WorkDistribution = WorkDistribution.DENSE_TILES
    fifo_depth: int | None = None
    weight_sharing: WeightSharing | None = None


@dataclass(frozen=True)
class EnergyEntry:
    """One row of the energy reference table: an action, its energy and where it comes from."""

    component: str
    action: str
    energy_pj: float
    source: str = ""


@dataclass(frozen=True)
class Accelerator:
    """A whole accelerator. ``memories`` run from DRAM (index 0) inwards to register files."""

    name: str
    memories: tuple[MemoryLevel, ...]
    compute: ComputeArray
    dataflow: Dataflow
    sparsity: SparsitySupport = SparsitySupport()
    energy_table: tuple[EnergyEntry, ...] = ()
    vector: "VectorUnit | None" = None
    """The vector (SIMD) unit running ``vector`` layers (:mod:`hwsim.arch.vector`); None: none."""
    runs: tuple = ()
    """Layer kinds the MAC array runs (``compute.runs``; empty: the dataflow's default)."""
    output_activations: tuple = ()
    """Activation functions the output path applies (``compute.output_activations``): an
    activation layer after a MAC layer run here is fused into it (:mod:`hwsim.cost.fusion`)."""
    technology_nm: float = 45.0
    residency: Residency = Residency.STREAMED
    residency_source: str = ""
    source_file: str | None = None
    fallback: "Accelerator | None" = field(default=None, compare=False)
    """Runs the layers this accelerator cannot (``fallback_arch`` in the YAML), so that a
    network total covers every layer; None: such layers are left out and totals say so."""
    meta: Mapping[str, str] = field(default_factory=dict, compare=False)
    gpu: "GpuSpec | None" = None
    """GPU roofline parameters (``gpu:`` in the YAML): layers are priced by
    :mod:`hwsim.cost.gpu` instead of the mapping search; None for other accelerators."""
    row_stationary: object = None
    """Eyeriss row-stationary parameters (``row_stationary:`` in the YAML, a
    :class:`hwsim.config.row_stationary.RowStationaryConfig`): conv layers are priced by
    :mod:`hwsim.cost.row_stationary`; None for other accelerators."""

    @property
    def dram(self) -> MemoryLevel:
        return self.memories[0]

    @property
    def on_chip(self) -> tuple[MemoryLevel, ...]:
        return self.memories[1:]

    def level(self, name: str) -> MemoryLevel:
        for level in self.memories:
            if level.name == name:
                return level
        raise KeyError(name)

    def path(self, operand: Operand) -> tuple[MemoryLevel, ...]:
        """Levels holding ``operand``, from DRAM inwards (the route to the MACs)."""
        return tuple(level for level in self.memories if level.holds(operand))

    def on_chip_capacity_bytes(self, operand: Operand) -> int:
        """Total bytes of on-chip storage (all instances) that may hold ``operand``,
        counting the outermost on-chip level on its path only (inner levels are copies)."""
        levels = [level for level in self.path(operand) if level.kind is not MemoryKind.DRAM]
        return levels[0].total_size_bytes if levels else 0
