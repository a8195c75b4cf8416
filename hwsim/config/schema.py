"""Pydantic models of an accelerator YAML file (one model per section, ``extra="forbid"``, frozen).

These models check each field on its own (types, ranges, closed vocabularies); the rules that
relate fields to each other live in :mod:`hwsim.config.checks` and run from
:meth:`ArchConfig._semantic_checks`, so ``ArchConfig.model_validate(data)`` is always complete.
Use :func:`hwsim.config.parse_arch_config` to get every problem of a file at once.

A minimal file (sizes in bytes, or strings such as ``"128 KiB"``)::

    name: tiny
    dataflow: weight_stationary
    memories:
      dram: {kind: dram, preset: lpddr4, size_bytes: 1 GiB}
      glb:  {kind: sram, size_bytes: 64 KiB, width_bits: 64, operands: [weights, inputs, outputs]}
    compute: {pe_count: 16, array_rows: 4, array_cols: 4, clock_hz: 500e6,
              weight_bits: 8, activation_bits: 8, accumulator_bits: 32}
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Annotated, Literal, Optional, Union

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, StrictBool,
                      ValidationInfo, field_validator, model_validator)

from hwsim.config.base import MAX_BYTES, MAX_COUNT, Count, NoBool, Section
from hwsim.config.row_stationary import RowStationaryConfig
from hwsim.types import (Dataflow, GpuKernel, GpuPrecision, Operand, Residency, SparseFormat,
                         WorkDistribution, ZeroHandling)

MIN_CLOCK_HZ = 1e3
"""Slowest clock accepted (1 kHz; a 1e-300 Hz clock would make every latency infinite)."""
MAX_CLOCK_HZ = 1e11
"""Fastest clock accepted (100 GHz; an infinite clock would make every latency 0)."""

_UNITS = {"B": 1, "KiB": 1024, "MiB": 1024 ** 2, "GiB": 1024 ** 3}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB)\s*$")


def parse_size(value):
    """``"128 KiB"`` -> 131072; ints pass through unchanged.

    Only binary units (B, KiB, MiB, GiB) are accepted, so a size is never ambiguous.
    """
    if not isinstance(value, str):
        return value
    match = _SIZE.match(value)
    if match is None:
        raise ValueError("must be a whole number of bytes or a size such as '128 KiB' "
                         "(units B, KiB, MiB, GiB)")
    size = float(match.group(1)) * _UNITS[match.group(2)]
    if size != int(size):
        raise ValueError("must be a whole number of bytes")
    return int(size)


SizeBytes = Annotated[int, NoBool, BeforeValidator(parse_size), Field(gt=0, le=MAX_BYTES)]
PositiveInt = Count
PositiveFloat = Annotated[float, NoBool, Field(gt=0)]
NonNegFloat = Annotated[float, NoBool, Field(ge=0)]
NonNegInt = Annotated[int, NoBool, Field(ge=0, le=MAX_COUNT)]
ClockHz = Annotated[float, NoBool, Field(ge=MIN_CLOCK_HZ, le=MAX_CLOCK_HZ)]
Bits = Annotated[int, NoBool, Field(ge=1, le=64)]
IndexBits = Annotated[int, NoBool, Field(ge=1, le=32)]
Operands = Annotated[tuple[Operand, ...], Field(min_length=1)]


from hwsim.config.vector import (VectorUnitConfig, check_mac_kinds,  # noqa: E402
                                 check_output_activations)
from hwsim.types import Activation, LayerKind  # noqa: E402


class _Section(Section):
    """Strict section (:class:`hwsim.config.base.Section`)."""


def _no_repeats(values: tuple) -> tuple:
    if len(set(values)) != len(values):
        raise ValueError("must not list an operand twice")
    return values


class _LevelConfig(_Section):
    """Fields shared by every memory level. Energies: give ``read_energy_pj`` (per access of
    ``width_bits``) or ``read_energy_pj_per_bit`` or neither (then the reference model);
    ``write_*`` defaults to the read value. Bandwidth: ``bandwidth_bytes_per_cycle`` or
    ``bandwidth_gb_per_s`` (converted at ``compute.clock_hz``) or neither."""

    instances: PositiveInt = 1
    read_energy_pj: Optional[NonNegFloat] = None
    write_energy_pj: Optional[NonNegFloat] = None
    read_energy_pj_per_bit: Optional[NonNegFloat] = None
    write_energy_pj_per_bit: Optional[NonNegFloat] = None
    bandwidth_bytes_per_cycle: Optional[PositiveFloat] = None
    bandwidth_gb_per_s: Optional[PositiveFloat] = None
    leakage_power_mw: NonNegFloat = 0.0
    metadata_for: tuple[Operand, ...] = ()
    source: str = ""

    _check_metadata = field_validator("metadata_for")(_no_repeats)


class OnChipLevelConfig(_LevelConfig):
    """An SRAM buffer or register file, ``size_bytes`` and bandwidth per instance.

    Without a bandwidth, one access of ``width_bits`` per bank per cycle is assumed.
    ``ports``: ``shared`` (default) moves reads and writes through the same bandwidth, time
    (read + write) / bandwidth; ``separate`` gives reads and writes their own ports (TPU1's
    Weight FIFO, written from Weight Memory while the matrix unit reads it, Jouppi et al.
    ISCA 2017 Sec. 2), time max(read, write) / bandwidth. Energy is the same either way.
    ``operands`` may be empty for a level that only holds ``metadata_for`` an operand (EIE's
    pointer SRAM holds the weights' CSC column pointers).
    """

    kind: Literal["sram", "regfile"]
    size_bytes: SizeBytes
    width_bits: PositiveInt
    operands: tuple[Operand, ...]
    banks: PositiveInt = 1
    access_latency_cycles: NonNegInt = 0
    ports: Literal["shared", "separate"] = "shared"

    _check_operands = field_validator("operands")(_no_repeats)


class DramConfig(_LevelConfig):
    """Off-chip DRAM. ``preset`` (lpddr2, lpddr4, ddr4, hbm2) fills energy, bandwidth, width
    and burst; any field given here overrides the preset."""

    kind: Literal["dram"]
    preset: Optional[str] = None
    size_bytes: SizeBytes
    width_bits: Optional[PositiveInt] = None
    operands: Operands = (Operand.WEIGHTS, Operand.INPUTS, Operand.OUTPUTS)
    burst_bytes: Optional[PositiveInt] = None
    row_buffer_bytes: NonNegInt = 0
    row_activation_energy_pj: NonNegFloat = 0.0
    access_latency_cycles: NonNegInt = 0

    _check_operands = field_validator("operands")(_no_repeats)


LevelConfig = Annotated[Union[DramConfig, OnChipLevelConfig], Field(discriminator="kind")]


class ComputeConfig(_Section):
    """The MAC array. ``mac_energy_pj`` defaults to the reference table at the arithmetic
    precision: mult(max(weight_bits, activation_bits)) + add(accumulator_bits). ``runs``: the
    layer kinds it runs (default by dataflow, :mod:`hwsim.config.vector`);
    ``output_activations``: the activation functions its output path applies to a layer's
    results before they are written (:mod:`hwsim.config.vector`). ``weight_double_buffer``
    (weight_stationary only): a second weight register per PE, so the next fold's weights
    shift in while the current fold computes (TPU1, Jouppi et al. ISCA 2017 Sec. 2;
    :mod:`hwsim.cost.systolic`). ``weight_wavefront`` (needs ``weight_double_buffer``):
    successive folds stream back to back, the preloaded weights taking effect with the
    advancing wave (TPU1 Sec. 2), skew and drain paid once per layer."""

    pe_count: PositiveInt
    array_rows: PositiveInt
    array_cols: PositiveInt
    macs_per_pe_per_cycle: PositiveInt = 1
    clock_hz: ClockHz
    weight_bits: Bits
    activation_bits: Bits
    accumulator_bits: Bits
    number_format: Literal["int", "float"] = "int"
    mac_energy_pj: Optional[NonNegFloat] = None
    gated_mac_energy_fraction: Annotated[float, NoBool, Field(ge=0, le=1)] = 0.0
    runs: Optional[tuple[LayerKind, ...]] = None
    output_activations: tuple[Activation, ...] = ()
    weight_double_buffer: StrictBool = False
    weight_wavefront: StrictBool = False
    source: str = ""

    _check_runs = field_validator("runs")(check_mac_kinds)
    _check_activations = field_validator("output_activations")(check_output_activations)


class FormatConfig(_Section):
    """Storage format of one operand. ``value_bits`` defaults to the arithmetic width
    (weights: the codebook's ``stored_bits`` under weight sharing)."""

    format: SparseFormat = SparseFormat.DENSE
    value_bits: Optional[Bits] = None
    index_bits: Optional[IndexBits] = None
    pointer_bits: Optional[Bits] = None
    run_bits: Optional[IndexBits] = None
    relative_index: bool = True


class StructuredConfig(_Section):
    """N:M structured sparsity the datapath exploits; ``metadata_bits`` per kept weight
    defaults to ceil(log2(m)) (2 for 2:4)."""

    n: PositiveInt
    m: PositiveInt
    metadata_bits: Optional[PositiveInt] = None


class WeightSharingConfig(_Section):
    """A k-entry codebook; ``lookup_energy_pj`` defaults to a register-file read of the
    arithmetic width."""

    codebook_entries: Annotated[int, NoBool, Field(ge=2, le=2 ** 16)]
    stored_bits: Annotated[int, NoBool, Field(ge=1, le=16)]
    lookup_energy_pj: Optional[NonNegFloat] = None


class SparsityConfig(_Section):
    """What the accelerator does with zeros (all defaults: a dense machine)."""

    weight_format: FormatConfig = FormatConfig()
    activation_format: FormatConfig = FormatConfig()
    weight_zeros: ZeroHandling = ZeroHandling.NONE
    activation_zeros: ZeroHandling = ZeroHandling.NONE
    structured: Optional[StructuredConfig] = None
    distribution: WorkDistribution = WorkDistribution.DENSE_TILES
    fifo_depth: Optional[PositiveInt] = None
    weight_sharing: Optional[WeightSharingConfig] = None


class ResidencyConfig(_Section):
    """Whether weights stay on chip across inferences (:class:`hwsim.types.Residency`), with the
    citation or reason for the choice in ``source``.

    Example: ``residency: {policy: network, source: "EIE keeps the compressed model on chip"}``.
    """

    policy: Residency = Residency.STREAMED
    source: str = ""


Fraction = Annotated[float, NoBool, Field(gt=0, le=1)]


class GpuMathConfig(_Section):
    """Peak math rate of one precision in tera operations per second, as NVIDIA's datasheets
    count them (1 MAC = 2 operations; TFLOPS for floats, TOPS for int8): ``dense_tops`` and,
    with 2:4 structured sparsity, ``sparse_tops`` (dense-equivalent operations, 2x dense; None:
    no sparse path); ``mac_energy_pj`` per MAC at that precision. Example (H100 SXM FP16):
    ``{dense_tops: 989.4, sparse_tops: 1978.9, mac_energy_pj: 0.205}``."""

    dense_tops: PositiveFloat
    sparse_tops: Optional[PositiveFloat] = None
    mac_energy_pj: NonNegFloat
    source: str = ""


class GpuEfficiencyConfig(_Section):
    """Fraction of each peak a real kernel attains (data, with ``source``): tensor-core math
    of dense and 2:4 GEMMs, CUDA-core math of CSR SpMM, and the HBM, L2 and shared-memory
    bandwidths."""

    dense_math: Fraction
    sparse_math: Fraction
    simt_math: Fraction
    hbm: Fraction
    l2: Fraction
    smem: Fraction
    source: str = ""


class GpuTileConfig(_Section):
    """A GEMM tile ``m`` x ``n`` (output rows x columns): the threadblock tile sets how often
    operands are re-read from L2, the warp tile how often from shared memory."""

    m: PositiveInt
    n: PositiveInt


class GpuConfig(_Section):
    """A GPU: layers run as GEMM kernels priced by a roofline (:mod:`hwsim.cost.gpu`).

    ``precision`` picks the row of ``math`` (and must match ``compute.weight_bits`` /
    ``activation_bits``); ``simt_tops`` are CUDA-core rates per precision (CSR kernels);
    ``kernels`` are those the runtime may pick from (the fastest eligible one runs);
    ``launch_overhead_us`` is added once per layer; ``l2_level`` / ``smem_level`` name the
    memory levels playing L2 and shared memory; ``tdp_w`` is the board power limit.
    """

    sms: PositiveInt
    precision: GpuPrecision
    math: Annotated[dict[GpuPrecision, GpuMathConfig], Field(min_length=1)]
    simt_tops: dict[GpuPrecision, PositiveFloat] = {}
    efficiency: GpuEfficiencyConfig
    launch_overhead_us: NonNegFloat
    threadblock_tile: GpuTileConfig = GpuTileConfig(m=128, n=128)
    warp_tile: GpuTileConfig = GpuTileConfig(m=64, n=64)
    kernels: Annotated[tuple[GpuKernel, ...], Field(min_length=1)] = tuple(GpuKernel)
    block_size: PositiveInt = 32
    csr_index_bits: Bits = 32
    csr_pointer_bits: Bits = 32
    l2_level: str = "l2"
    smem_level: str = "smem"
    tdp_w: Optional[PositiveFloat] = None
    source: str = ""

    @field_validator("kernels")
    @classmethod
    def _check_kernels(cls, values: tuple) -> tuple:
        if len(set(values)) != len(values):
            raise ValueError("must not list a kernel twice")
        return values


class ArchConfig(_Section):
    """A whole accelerator file. ``memories`` run from DRAM (first) inwards."""

    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    vector: Optional[VectorUnitConfig] = None
    technology_nm: PositiveFloat = 45.0
    vdd_v: Optional[PositiveFloat] = None
    energy_reference: str = "horowitz_45nm"
    dataflow: Dataflow
    residency: ResidencyConfig = ResidencyConfig()
    fallback_arch: Optional[Annotated[str, Field(min_length=1)]] = None
    memories: Annotated[dict[str, LevelConfig], Field(min_length=1)]
    compute: ComputeConfig
    sparsity: SparsityConfig = SparsityConfig()
    gpu: Optional[GpuConfig] = None
    row_stationary: Optional[RowStationaryConfig] = None
    meta: dict[str, str] = {}

    @model_validator(mode="after")
    def _semantic_checks(self, info: ValidationInfo) -> "ArchConfig":
        """Cross-field rules; raises :class:`hwsim.errors.ConfigError` (not a pydantic error)
        so that the caller gets them as :class:`~hwsim.errors.Problem` records."""
        from hwsim.config.checks import ConfigParts, semantic_problems
        from hwsim.errors import ConfigError

        context = info.context or {}
        problems = semantic_problems(ConfigParts.from_config(self, context.get("base_dir")))
        if problems:
            source = context.get("source")
            raise ConfigError(p if p.file else _with_file(p, source) for p in problems)
        return self


def _with_file(problem, source):
    return replace(problem, file=source)
