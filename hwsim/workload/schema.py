"""Pydantic models of a workload file (YAML or JSON) and the mapping of their errors to Problems.

A file either lists every layer with its shape (``layers: [{name, kind, in_channels, ...}]``)
or starts from a built-in (``base: alexnet``) and lists per-layer overrides. Example::

    name: lenet300-pruned
    batch: 1
    layers:
      - {name: fc1, kind: linear, in_channels: 784, out_channels: 300, weight_density: 0.08}
      - {name: fc2, kind: linear, in_channels: 300, out_channels: 100,
         weight_mask: {shape: [100, 300], packbits_base64: "..."}}

A large mask lives in a binary sidecar named at the top of the file
(``mask_sidecar: {path: net.masks.npz, sha256: ...}``) and a layer points into it with
``weight_mask: {shape: [11008, 4096], sidecar_key: blocks.0.mlp.up}`` (:mod:`.sidecar`).

Models check keys, types (strict: ``true`` or ``"7"`` is not an integer, ``.inf`` and ``.nan``
are not numbers) and single-value ranges (sizes >= 1, densities in [0, 1]);
:func:`size_problems` refuses absurd sizes before anything of the layer's size is allocated;
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


# Size limits of a workload file, checked before anything of a layer's size is allocated
# (the largest published weight matrices are ~1e9 weights: GPT-3's 12,288 x 49,152 = 6.0e8,
# a 256k-entry vocabulary x 4,096 = 1.0e9). Channels of a vector layer are elements per image.
MAX_SIZE = 2**24                # 16,777,216: height, width, kernel, stride, padding, batch, groups
MAX_CHANNELS = 2**26            # 67,108,864: in/out channels of a layer with MACs
MAX_VECTOR_ELEMENTS = 2**40     # 1.1e12: elements a vector layer reads or writes per image
MAX_LAYER_WEIGHTS = 2**34       # 1.7e10 weights in one layer (a mask of 2 GiB packed)
MAX_MACS = 2**62                # MACs (or elements) of a layer over the batch: int64-safe

Size = Annotated[int, Field(ge=1, strict=True)]
Count = Annotated[int, Field(ge=0, le=MAX_MACS, strict=True)]    # fits an int64 array
Density = Annotated[float, Field(ge=0.0, le=1.0, strict=True)]
Pair = Annotated[tuple[Size, Size], BeforeValidator(_as_pair)]
Padding = Annotated[tuple[Count, Count], BeforeValidator(_as_pair)]

_FROZEN = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class MaskSpec(BaseModel):
    """A boolean weight mask: ``numpy.packbits(mask.ravel(), bitorder="little")``, either in
    base64 (``packbits_base64``) or as the array ``sidecar_key`` of the file's ``mask_sidecar``.

    Bit j of byte i (little-endian bit order: bit 0 is the least significant) is element
    ``8*i + j`` of the row-major (C-order) flattened mask; trailing pad bits are 0.
    Example: mask ``[[1, 0, 1], [1, 0, 0]]`` -> bits 1,0,1,1,0,0 -> byte 0b001101 = 13 -> "DQ==".
    The shape is the weight shape (K, C_g, R, S) or the (K, C_g*R*S) matrix view. Exactly one
    of the two sources is given (checked by :mod:`hwsim.workload.files`).
    """

    model_config = _FROZEN
    shape: tuple[Count, ...]
    packbits_base64: Optional[str] = None
    sidecar_key: Optional[str] = Field(default=None, min_length=1)


class SidecarSpec(BaseModel):
    """The binary file holding the large masks: a path relative to the workload file's folder
    (it must stay inside it) and the SHA-256 of its bytes (64 lowercase hex digits)."""

    model_config = _FROZEN
    path: str = Field(min_length=1)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


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
    ops_per_element: Annotated[float, Field(ge=0.0, strict=True)] = 1.0
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
    batch: int = Field(default=1, ge=1, le=MAX_SIZE, strict=True)
    mask_sidecar: Optional[SidecarSpec] = None
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
    return [_cut(_pair_problem(item, location, file) or _finite_problem(item, location, file)
                 or problem_from_error(item, model, file, location=location, bare_choices=True))
            for item in error.errors()]


def _finite_problem(item: dict, location, file: str | None) -> Optional[Problem]:
    if item["type"] != "finite_number":
        return None
    return Problem(location(tuple(item["loc"])), "must be a finite number", item.get("input"),
                   file)


def _cut(problem: Problem, keep: int = 80) -> Problem:
    """The problem with a long value (a pasted base64 mask, a huge list) cut for the message."""
    text = repr(problem.value)
    if len(text) <= keep:
        return problem
    return Problem(problem.path, problem.requirement, text[:keep] + "...", problem.file)


def size_problems(fields: dict, prefix: str, file: str | None) -> list[Problem]:
    """Sizes of one layer (validated ints) beyond the limits above, before any allocation.

    Example: ``out_channels: 100_000_000, in_channels: 100_000_000`` (a 1e16-weight layer) ->
    ``layers.fc must hold <= 17,179,869,184 weights (2**34). Got '1e+16 weights' instead.``
    """
    vector = fields.get("kind") == "vector"
    channels = MAX_VECTOR_ELEMENTS if vector else MAX_CHANNELS
    problems = [Problem(f"{prefix}.{key}", f"must be <= {channels:,}", fields[key], file)
                for key in ("in_channels", "out_channels") if fields.get(key, 0) > channels]
    for key in ("in_height", "in_width", "groups", "batch", "kernel", "stride", "padding",
                "dilation"):
        value = fields.get(key, 1)
        if max(value if isinstance(value, tuple) else (value,)) > MAX_SIZE:
            problems.append(Problem(f"{prefix}.{key}", f"must be <= {MAX_SIZE:,}", value, file))
    if problems:
        return problems
    kernel = fields.get("kernel", (1, 1))
    weights = 0 if vector else (fields["out_channels"] * (fields["in_channels"]
                                // fields.get("groups", 1)) * kernel[0] * kernel[1])
    if weights > MAX_LAYER_WEIGHTS:
        return [Problem(prefix, f"must hold <= {MAX_LAYER_WEIGHTS:,} weights (2**34: "
                        "out_channels x in_channels / groups x kernel)", f"{weights:.3g} weights",
                        file)]
    work = max(weights, fields["in_channels"], fields["out_channels"]) * fields.get("batch", 1) \
        * fields.get("in_height", 1) * fields.get("in_width", 1)
    if work > MAX_MACS:
        return [Problem(prefix, f"must have <= 2**62 MACs or elements over the batch "
                        "(batch x weights or channels x in_height x in_width)",
                        f"{work:.3g}", file)]
    return []


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
