"""Pydantic models of a workload file (YAML or JSON) and the mapping of their errors to Problems.

A file either lists every layer with its shape (``layers: [{name, kind, in_channels, ...}]``)
or starts from a built-in (``base: alexnet``) and lists per-layer overrides. Example::

    name: lenet300-pruned
    batch: 1
    layers:
      - {name: fc1, kind: linear, in_channels: 784, out_channels: 300, weight_density: 0.08}
      - {name: fc2, kind: linear, in_channels: 300, out_channels: 100,
         weight_mask: {shape: [100, 300], packbits_base64: "..."}}

Models check keys, types and single-value ranges (sizes >= 1, densities in [0, 1]);
cross-field rules (groups dividing the channels, the kernel fitting the input, mask and nnz
shapes) are checked by :class:`LayerWorkload` and :mod:`hwsim.workload.files` on the layers
that pass, and the problems of every layer are reported together.
"""
from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Optional

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from hwsim.config.problems import indexed, problem_from_error
from hwsim.errors import Problem
from hwsim.types import Activation, LayerKind, VectorOp


def _as_pair(value: Any) -> Any:
    """3 -> (3, 3); lists and tuples are passed on for pydantic to check."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    return value


Size = Annotated[int, Field(ge=1)]
Count = Annotated[int, Field(ge=0)]
Density = Annotated[float, Field(ge=0.0, le=1.0)]
Pair = Annotated[tuple[Size, Size], BeforeValidator(_as_pair)]
Padding = Annotated[tuple[Count, Count], BeforeValidator(_as_pair)]

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class MaskSpec(BaseModel):
    """A boolean weight mask: ``numpy.packbits(mask.ravel(), bitorder="little")`` in base64.

    Bit j of byte i (little-endian bit order: bit 0 is the least significant) is element
    ``8*i + j`` of the row-major (C-order) flattened mask; trailing pad bits are 0.
    Example: mask ``[[1, 0, 1], [1, 0, 0]]`` -> bits 1,0,1,1,0,0 -> byte 0b001101 = 13 -> "DQ==".
    The shape is the weight shape (K, C_g, R, S) or the (K, C_g*R*S) matrix view.
    """

    model_config = _FROZEN
    shape: tuple[Count, ...]
    packbits_base64: str


class LayerSpec(BaseModel):
    """One fully described layer (fields as :class:`hwsim.workload.LayerWorkload`).

    ``original_in_channels`` / ``original_out_channels``: the counts before structured pruning
    removed channels (a compacted layer); the dense baseline uses them. Absent: not compacted.
    ``vector_op`` / ``ops_per_element``: a ``kind: vector`` layer's op and vector-unit ops per
    output element (``in_channels`` / ``out_channels`` are then elements read / written).
    ``activation`` / ``producer``: an activation layer's function and the MAC layer whose output
    it alone reads (applied in that layer's output path where the accelerator can).
    ``kv_cache`` / ``kv_bits``: an act_matmul that reads its operand B from a decoder's KV cache
    or a vector layer that appends to it, at ``kv_bits`` per element (absent: activation bits).
    """

    model_config = _FROZEN
    name: str = Field(min_length=1)
    kind: LayerKind
    in_channels: Size
    out_channels: Size
    in_height: Size = 1
    in_width: Size = 1
    kernel: Pair = (1, 1)
    stride: Pair = (1, 1)
    padding: Padding = (0, 0)
    dilation: Pair = (1, 1)
    groups: Size = 1
    weight_density: Density = 1.0
    input_density: Density = 1.0
    output_density: Density = 1.0
    effective_macs: Optional[Count] = None
    row_nnz: Optional[tuple[Count, ...]] = None
    col_nnz: Optional[tuple[Count, ...]] = None
    weight_mask: Optional[MaskSpec] = None
    original_in_channels: Optional[Size] = None
    original_out_channels: Optional[Size] = None
    vector_op: Optional[VectorOp] = None
    ops_per_element: Annotated[float, Field(ge=0.0)] = 1.0
    activation: Optional[Activation] = None
    producer: Optional[str] = Field(default=None, min_length=1)
    kv_cache: bool = False
    kv_bits: Optional[Size] = None


class LayerOverride(BaseModel):
    """Per-layer changes to a ``base`` built-in's layer: densities and exact data only."""

    model_config = _FROZEN
    name: str = Field(min_length=1)
    weight_density: Optional[Density] = None
    input_density: Optional[Density] = None
    output_density: Optional[Density] = None
    effective_macs: Optional[Count] = None
    row_nnz: Optional[tuple[Count, ...]] = None
    col_nnz: Optional[tuple[Count, ...]] = None
    weight_mask: Optional[MaskSpec] = None


class NetworkSpec(BaseModel):
    """The top level of a workload file; ``layers`` are validated one by one afterwards.

    ``profile`` names a built-in profile applied on load (values given per layer win);
    ``sparsity_source`` only records where the densities came from (e.g. a pruning run) and
    becomes :attr:`Network.profile` when no ``profile`` is given.
    """

    model_config = _FROZEN
    name: Optional[str] = None
    base: Optional[str] = None
    profile: Optional[str] = None
    sparsity_source: Optional[str] = None
    batch: int = Field(default=1, ge=1)
    layers: list[Any] = Field(default_factory=list)


# Fields a LayerSpec / LayerOverride carries that override densities or exact data.
OVERRIDE_FIELDS = ("weight_density", "input_density", "output_density", "effective_macs",
                   "row_nnz", "col_nnz", "weight_mask")


def validation_problems(error: ValidationError, model: type[BaseModel], prefix: str,
                        file: str | None) -> list[Problem]:
    """One :class:`Problem` per pydantic error, with a dotted path under ``prefix``.

    Example: an unknown key ``kernal`` in layer conv2 gives ``layers.conv2.kernal must be a
    known key (allowed in layers.conv2: ...; did you mean 'kernel'?). Got 'kernal' instead.``
    """
    location = partial(indexed, prefix=prefix)
    return [_pair_problem(item, location, file)
            or problem_from_error(item, model, file, location=location, bare_choices=True)
            for item in error.errors()]


_PAIRS = ("kernel", "stride", "padding", "dilation")


def _pair_problem(item: dict, location, file: str | None) -> Optional[Problem]:
    """A kernel/stride/padding/dilation that is neither an integer nor a list of two."""
    loc, kind = tuple(item["loc"]), item["type"]
    pair = next((i for i, part in enumerate(loc) if part in _PAIRS), None)
    if pair is None or kind not in ("tuple_type", "too_short", "too_long", "missing"):
        return None
    value = item.get("input") if len(loc) == pair + 1 else "a short list"
    return Problem(location(loc[:pair + 1]), "must be an integer or a list of two integers",
                   value, file)
