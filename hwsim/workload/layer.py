"""The torch-free layer record every hwsim model consumes.

One loop nest covers conv2d, linear and batched matmul::

    for n < N (batch), g < G (groups), k < K_g (out channels per group),
        p < P, q < Q (output rows, cols), c < C_g (in channels per group), r < R, s < S:
            out[n, g*K_g+k, p, q] += w[g*K_g+k, c, r, s] * in[n, g*C_g+c, p*stride+r*dil-pad, ...]

* linear: ``in_channels`` = in_features, ``out_channels`` = out_features, everything else 1.
* matmul (e.g. attention ``A @ B`` per head): ``groups`` = heads, ``in_height`` = rows of A,
  ``in_channels`` = heads x reduction dim, ``out_channels`` = heads x columns of B. The right-hand
  matrix B plays the role of the weights (it is exactly a grouped 1x1 conv).

* act_matmul (activation x activation, e.g. attention scores ``Q K^T`` and context ``P V``):
  the matmul loop nest, but operand B is an activation produced at run time: its density is
  measured (``weight_density``), it is never stored (:attr:`stored_weight_count` is 0) and it
  moves every inference. BERT-base scores at sequence 128: 12 heads, ``in_height`` = 128 rows
  of Q, ``in_channels`` = 12 x 64, ``out_channels`` = 12 x 128 columns of K^T ->
  128 x 12 x 64 x 128 = 12,582,912 MACs, 0 stored weights.
* vector (elementwise, activation, softmax, norm, reduction, pool, copy, gather): no MACs and
  no weights; ``in_channels`` = activation elements read per image (every operand, summed),
  ``out_channels`` = elements written, ``ops_per_element`` = vector-unit ops per element
  written, ``vector_op`` says which (:class:`hwsim.types.VectorOp`). A residual add of two
  128 x 768 tensors is ``LayerWorkload("add", "vector", 196_608, 98_304,
  vector_op="elementwise")``: 98,304 ops.

The weight tensor's 2-D *matrix view* has one row per output channel (K rows) and
``C_g * R * S`` columns (the reduction); per-row / per-column nnz refer to that view.
EIE's column broadcast sends one input per column.

Worked example: LeNet-300-100 fc1 is ``LayerWorkload("fc1", LayerKind.LINEAR, 784, 300)``:
weight_count = 300 x 784 = 235,200, macs_dense = 235,200 per image.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Mapping

import numpy as np

from hwsim.errors import ConfigError, Problem
from hwsim.types import Activation, LayerKind, VectorOp
from hwsim.workload.masks import LazyMask

LOOP_DIMS = ("N", "G", "K", "C", "P", "Q", "R", "S")


def _pair(value) -> tuple[int, int]:
    if isinstance(value, int):
        return (value, value)
    return (int(value[0]), int(value[1]))


@dataclass(frozen=True)
class LayerWorkload:
    """Shape, sparsity and (optionally) exact masks of one layer. Counts are per `batch` images.

    Densities are non-zero fractions in [0, 1]: ``weight_density`` of the weights,
    ``input_density`` of the input activations, ``output_density`` of the outputs after the
    activation function. Exact data, when known, override the densities:
    ``weight_mask`` (numpy bool, shape :attr:`weight_shape`), ``row_nnz`` / ``col_nnz``
    (per row / column of the matrix view) and ``effective_macs`` (non-zero weight x non-zero
    input pairs over the whole batch).

    A *compacted* layer (structured pruning that removed whole output channels / neurons and the
    matching inputs, see ``pruning.compact``) keeps the channel counts it had before compaction
    in ``original_in_channels`` / ``original_out_channels`` (None: not compacted), so that
    :meth:`with_densities` (the dense baseline) is the original dense layer, not the smaller one.
    Example: LeNet-300 fc2 with 150 of 300 inputs and 50 of 100 neurons left is
    ``LayerWorkload("fc2", "linear", 150, 50, original_in_channels=300,
    original_out_channels=100)``; its ``with_densities()`` has 300 inputs and 100 outputs.

    An ``activation`` vector layer names its function (``activation``, :class:`Activation`)
    and, when its only input is a MAC layer's output that nothing else reads, that layer
    (``producer``): an accelerator whose output path applies the function
    (``compute.output_activations``) then applies it there, at no cost of its own
    (:mod:`hwsim.cost.fusion`). LeNet-300's first ReLU:
    ``LayerWorkload("fc1.relu", "vector", 300, 300, vector_op="activation",
    activation="relu", producer="fc1")``.

    A layer that touches a decoder's KV cache says so (``kv_cache``): an act_matmul reads its
    operand B (K^T or V) from the cache, a vector layer writes its output (the new K, V) to it,
    at ``kv_bits`` per element (None: the accelerator's activation bits). Llama-2-7B's decode
    scores at context 2048: ``LayerWorkload("scores", "act_matmul", 32 * 128, 32 * 2048,
    groups=32, kv_cache=True)`` (:mod:`hwsim.workload.decoder`).
    """

    name: str
    kind: LayerKind
    in_channels: int
    out_channels: int
    in_height: int = 1
    in_width: int = 1
    kernel: tuple[int, int] = (1, 1)
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    dilation: tuple[int, int] = (1, 1)
    groups: int = 1
    batch: int = 1
    weight_density: float = 1.0
    input_density: float = 1.0
    output_density: float = 1.0
    weight_mask: np.ndarray | LazyMask | None = field(default=None, compare=False, repr=False)
    row_nnz: np.ndarray | None = field(default=None, compare=False, repr=False)
    col_nnz: np.ndarray | None = field(default=None, compare=False, repr=False)
    effective_macs: int | None = None
    original_in_channels: int | None = None
    original_out_channels: int | None = None
    vector_op: VectorOp | None = None
    ops_per_element: float = 1.0
    activation: Activation | None = None
    producer: str | None = None
    kv_cache: bool = False
    kv_bits: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", LayerKind(self.kind))
        if self.vector_op is not None:
            object.__setattr__(self, "vector_op", VectorOp(self.vector_op))
        if self.activation is not None and self.activation in Activation._value2member_map_:
            object.__setattr__(self, "activation", Activation(self.activation))
        for name in ("kernel", "stride", "padding", "dilation"):
            object.__setattr__(self, name, _pair(getattr(self, name)))
        problems = list(_shape_problems(self))
        if isinstance(self.weight_mask, LazyMask):     # read on use (a file's sidecar)
            problems += _lazy_mask_problems(self)
        elif self.weight_mask is not None:
            mask = np.asarray(self.weight_mask, dtype=bool)
            if mask.shape != self.weight_shape and mask.size == self.weight_count:
                mask = mask.reshape(self.weight_shape)
            if mask.shape != self.weight_shape:
                problems.append(Problem(f"{self.name}.weight_mask",
                                        f"must have shape {self.weight_shape}", mask.shape))
            mask.setflags(write=False)
            object.__setattr__(self, "weight_mask", mask)
        for name in ("row_nnz", "col_nnz"):
            value = getattr(self, name)
            if value is not None:
                arr = np.asarray(value, dtype=np.int64)
                arr.setflags(write=False)
                object.__setattr__(self, name, arr)
        if problems:
            raise ConfigError(problems)

    # ---- loop nest -------------------------------------------------------------------------
    @cached_property
    def out_height(self) -> int:
        """P = floor((H + 2*pad - dil*(R-1) - 1) / stride) + 1; e.g. 28x28, 5x5, pad 0 -> 24."""
        return _out_size(self.in_height, self.kernel[0], self.stride[0], self.padding[0],
                         self.dilation[0])

    @cached_property
    def out_width(self) -> int:
        """Q, as :attr:`out_height` along the width."""
        return _out_size(self.in_width, self.kernel[1], self.stride[1], self.padding[1],
                         self.dilation[1])

    @property
    def loop_bounds(self) -> Mapping[str, int]:
        """Bounds of the canonical loop nest, keys :data:`LOOP_DIMS` (K and C per group)."""
        return {"N": self.batch, "G": self.groups,
                "K": self.out_channels // self.groups, "C": self.in_channels // self.groups,
                "P": self.out_height, "Q": self.out_width,
                "R": self.kernel[0], "S": self.kernel[1]}

    @cached_property
    def weight_shape(self) -> tuple[int, ...]:
        """(K, C_g, R, S) for conv2d, (K, C_g) for (act_)matmul and linear, (K, 0) for vector."""
        c_g = self.in_channels // self.groups
        if self.kind is LayerKind.VECTOR:
            return (self.out_channels, 0)
        if self.kind is LayerKind.CONV2D:
            return (self.out_channels, c_g, self.kernel[0], self.kernel[1])
        return (self.out_channels, c_g)

    @property
    def matrix_shape(self) -> tuple[int, int]:
        """(rows, cols) of the weight matrix view: (K, C_g*R*S)."""
        return (self.out_channels, self.weight_count // self.out_channels)

    # ---- counts ----------------------------------------------------------------------------
    @cached_property
    def weight_count(self) -> int:
        """K * C_g * R * S; e.g. LeNet-5 conv2 (50 x 20 x 5 x 5) -> 25,000."""
        return math.prod(self.weight_shape)

    @property
    def stored_weight_count(self) -> int:
        """Weights kept in memory: ``weight_count`` for conv2d/linear/matmul, 0 for act_matmul
        (operand B is an activation) and vector layers."""
        return self.weight_count if self.kind.has_weights else 0

    @property
    def vector_ops(self) -> float:
        """Vector-unit ops: output elements x ``ops_per_element`` (0 for MAC layers)."""
        if self.kind is not LayerKind.VECTOR:
            return 0.0
        return self.output_count * self.ops_per_element

    @property
    def input_count(self) -> int:
        """N * C * H * W input activations (unpadded)."""
        return self.batch * self.in_channels * self.in_height * self.in_width

    @property
    def output_count(self) -> int:
        """N * K * P * Q output activations."""
        return self.batch * self.out_channels * self.out_height * self.out_width

    @cached_property
    def macs_dense(self) -> int:
        """N * G * K_g * C_g * P * Q * R * S = N * weight_count * P * Q."""
        return self.batch * self.weight_count * self.out_height * self.out_width

    @cached_property
    def weight_nnz(self) -> int:
        """Exact non-zero weights from the mask, else round(weight_count * weight_density)."""
        if self.weight_mask is not None:
            return int(self.weight_mask.sum())
        if self.row_nnz is not None:
            return int(self.row_nnz.sum())
        return int(round(self.weight_count * self.weight_density))

    @property
    def effective_weight_density(self) -> float:
        """weight_nnz / weight_count (exact when a mask is given; 1.0 without weights)."""
        return self.weight_nnz / self.weight_count if self.weight_count else 1.0

    @property
    def is_compacted(self) -> bool:
        """True when channels were removed (the original counts are recorded)."""
        return self.original_in_channels is not None or self.original_out_channels is not None

    @property
    def has_mask(self) -> bool:
        return self.weight_mask is not None

    def matrix_mask(self) -> np.ndarray | None:
        """The mask in the (K, C_g*R*S) matrix view, or None."""
        if self.weight_mask is None:
            return None
        return self.weight_mask.reshape(self.matrix_shape)

    def rows_nnz(self) -> np.ndarray | None:
        """Non-zeros per row (output channel) of the matrix view, from the mask or given."""
        if self.row_nnz is not None:
            return self.row_nnz
        mask = self.matrix_mask()
        return None if mask is None else mask.sum(axis=1)

    def cols_nnz(self) -> np.ndarray | None:
        """Non-zeros per column (reduction index) of the matrix view, from the mask or given."""
        if self.col_nnz is not None:
            return self.col_nnz
        mask = self.matrix_mask()
        return None if mask is None else mask.sum(axis=0)

    def expected_effective_macs(self) -> float:
        """Exact ``effective_macs`` when given, else macs_dense x weight density x input density."""
        if self.effective_macs is not None:
            return float(self.effective_macs)
        return self.macs_dense * self.effective_weight_density * self.input_density

    def with_densities(self, weight: float = 1.0, inputs: float = 1.0,
                       outputs: float = 1.0) -> "LayerWorkload":
        """A copy with new densities and no exact data (``with_densities()`` is the dense layer).

        A compacted layer gets its original channel counts back: the dense baseline of a
        structurally pruned network is the network before any channel was removed.
        """
        return LayerWorkload(
            self.name, self.kind, self.original_in_channels or self.in_channels,
            self.original_out_channels or self.out_channels, self.in_height,
            self.in_width, self.kernel, self.stride, self.padding, self.dilation, self.groups,
            self.batch, weight, inputs, outputs, vector_op=self.vector_op,
            ops_per_element=self.ops_per_element, activation=self.activation,
            producer=self.producer, kv_cache=self.kv_cache, kv_bits=self.kv_bits)

    def with_batch(self, batch: int) -> "LayerWorkload":
        """A copy for another batch size (exact effective MACs scale with the batch)."""
        macs = None if self.effective_macs is None else self.effective_macs * batch // self.batch
        return LayerWorkload(
            self.name, self.kind, self.in_channels, self.out_channels, self.in_height,
            self.in_width, self.kernel, self.stride, self.padding, self.dilation, self.groups,
            batch, self.weight_density, self.input_density, self.output_density,
            self.weight_mask, self.row_nnz, self.col_nnz, macs, self.original_in_channels,
            self.original_out_channels, self.vector_op, self.ops_per_element,
            activation=self.activation, producer=self.producer, kv_cache=self.kv_cache,
            kv_bits=self.kv_bits)


@dataclass(frozen=True)
class Network:
    """An ordered sequence of layers with a name (and the sparsity profile applied, if any)."""

    name: str
    layers: tuple[LayerWorkload, ...]
    profile: str | None = None

    def layer(self, name: str) -> LayerWorkload:
        for layer in self.layers:
            if layer.name == name:
                return layer
        names = ", ".join(l.name for l in self.layers)
        raise ConfigError([Problem("layer", f"must be one of {names}", name)])


def _lazy_mask_problems(layer: LayerWorkload) -> list[Problem]:
    """A :class:`LazyMask` is checked by its shape only (nothing is read); one of the same
    size is viewed in the weight shape, as an array mask is reshaped."""
    mask = layer.weight_mask
    if mask.shape != layer.weight_shape and mask.size == layer.weight_count:
        object.__setattr__(layer, "weight_mask", mask.with_shape(layer.weight_shape))
    elif mask.shape != layer.weight_shape:
        return [Problem(f"{layer.name}.weight_mask", f"must have shape {layer.weight_shape}",
                        mask.shape)]
    return []


def _out_size(size: int, kernel: int, stride: int, pad: int, dil: int) -> int:
    return (size + 2 * pad - dil * (kernel - 1) - 1) // stride + 1


def _shape_problems(layer: LayerWorkload):
    where = layer.name
    positive = {"in_channels": layer.in_channels, "out_channels": layer.out_channels,
                "in_height": layer.in_height, "in_width": layer.in_width,
                "groups": layer.groups, "batch": layer.batch}
    for key, value in positive.items():
        if not isinstance(value, (int, np.integer)) or value < 1:
            yield Problem(f"{where}.{key}", "must be an integer >= 1", value)
    for key in ("kernel", "stride", "dilation"):
        if min(getattr(layer, key)) < 1:
            yield Problem(f"{where}.{key}", "must be >= 1", getattr(layer, key))
    if min(layer.padding) < 0:
        yield Problem(f"{where}.padding", "must be >= 0", layer.padding)
    for key in ("weight_density", "input_density", "output_density"):
        value = getattr(layer, key)
        if not 0.0 <= value <= 1.0:
            yield Problem(f"{where}.{key}", "must be in [0, 1]", value)
    if layer.groups >= 1:
        for key in ("in_channels", "out_channels"):
            if getattr(layer, key) % layer.groups:
                yield Problem(f"{where}.{key}", f"must be divisible by groups={layer.groups}",
                              getattr(layer, key))
    if layer.kind is not LayerKind.CONV2D and (layer.kernel != (1, 1) or layer.in_width != 1
                                               and layer.kind is LayerKind.LINEAR):
        yield Problem(f"{where}.kernel", f"must be (1, 1) for a {layer.kind} layer", layer.kernel)
    if min(layer.in_height, layer.in_width) >= 1 and min(
            _out_size(layer.in_height, layer.kernel[0], layer.stride[0], layer.padding[0],
                      layer.dilation[0]),
            _out_size(layer.in_width, layer.kernel[1], layer.stride[1], layer.padding[1],
                      layer.dilation[1])) < 1:
        yield Problem(f"{where}.kernel", "must fit in the padded input", layer.kernel)
    if layer.effective_macs is not None and layer.effective_macs < 0:
        yield Problem(f"{where}.effective_macs", "must be >= 0", layer.effective_macs)
    yield from _original_problems(layer)
    yield from _vector_problems(layer)


def _vector_problems(layer: LayerWorkload):
    """vector_op is given exactly for vector layers; ops_per_element >= 0; no mask or
    groups on a vector layer."""
    is_vector = layer.kind is LayerKind.VECTOR
    if is_vector and layer.vector_op is None:
        yield Problem(f"{layer.name}.vector_op", "must be given for a vector layer (one of "
                      + ", ".join(v.value for v in VectorOp) + ")", None)
    if not is_vector and layer.vector_op is not None:
        yield Problem(f"{layer.name}.vector_op", f"must be absent for a {layer.kind} layer",
                      str(layer.vector_op))
    if not layer.ops_per_element >= 0:
        yield Problem(f"{layer.name}.ops_per_element", "must be >= 0", layer.ops_per_element)
    if is_vector and layer.groups != 1:
        yield Problem(f"{layer.name}.groups", "must be 1 for a vector layer", layer.groups)
    yield from _activation_problems(layer)
    yield from _kv_problems(layer)


def _kv_problems(layer: LayerWorkload):
    """``kv_cache`` on act_matmul and vector layers only; ``kv_bits`` an integer >= 1 that
    needs ``kv_cache``."""
    if layer.kv_cache and layer.kind not in (LayerKind.ACT_MATMUL, LayerKind.VECTOR):
        yield Problem(f"{layer.name}.kv_cache", "must be false for a "
                      f"{layer.kind} layer (act_matmul and vector layers touch the KV cache)",
                      layer.kv_cache)
    bits = layer.kv_bits
    if bits is not None and (not isinstance(bits, (int, np.integer)) or isinstance(bits, bool)
                             or bits < 1):
        yield Problem(f"{layer.name}.kv_bits", "must be an integer >= 1", bits)
    elif bits is not None and not layer.kv_cache:
        yield Problem(f"{layer.name}.kv_bits", "must come with kv_cache: true", bits)


def _activation_problems(layer: LayerWorkload):
    """``activation`` is a known function, on an activation vector layer only; ``producer``
    needs an ``activation``."""
    if layer.activation is not None and not isinstance(layer.activation, Activation):
        yield Problem(f"{layer.name}.activation", "must be one of "
                      + ", ".join(a.value for a in Activation), layer.activation)
    elif layer.activation is not None and layer.vector_op is not VectorOp.ACTIVATION:
        yield Problem(f"{layer.name}.activation", "must be absent unless vector_op is "
                      "'activation'", str(layer.activation))
    if layer.producer is not None and layer.activation is None:
        yield Problem(f"{layer.name}.producer", "must come with an activation (the function "
                      "the producer's output path would apply)", layer.producer)


def _original_problems(layer: LayerWorkload):
    """original_in/out_channels: integers >= the compacted count, divisible by groups."""
    for key in ("in_channels", "out_channels"):
        value = getattr(layer, f"original_{key}")
        if value is None:
            continue
        if not isinstance(value, (int, np.integer)) or value < getattr(layer, key):
            yield Problem(f"{layer.name}.original_{key}", f"must be an integer >= {key} "
                          f"({getattr(layer, key)})", value)
        elif layer.groups >= 1 and value % layer.groups:
            yield Problem(f"{layer.name}.original_{key}",
                          f"must be divisible by groups={layer.groups}", value)
