"""Closed vocabularies shared by every hwsim package (no dependencies)."""
from __future__ import annotations

from enum import Enum


class StrEnum(str, Enum):
    """An enum whose members compare equal to, and print as, their value."""

    def __str__(self) -> str:
        return self.value


class Operand(StrEnum):
    """The three tensors of a layer: weights, input activations, outputs (partial sums)."""

    WEIGHTS = "weights"
    INPUTS = "inputs"
    OUTPUTS = "outputs"


class MemoryKind(StrEnum):
    """Physical class of a memory level."""

    DRAM = "dram"
    SRAM = "sram"
    REGFILE = "regfile"


class SparseFormat(StrEnum):
    """How a tensor is stored (see ``hwsim.formats``)."""

    DENSE = "dense"
    BITMAP = "bitmap"
    CSR = "csr"
    CSC = "csc"
    RLE = "rle"
    COO = "coo"


class ZeroHandling(StrEnum):
    """What the datapath does with a zero operand.

    ``none``: computes it; ``gate``: spends (a fraction of) no MAC energy but the cycle;
    ``skip``: spends neither energy nor cycle.
    """

    NONE = "none"
    GATE = "gate"
    SKIP = "skip"


class Dataflow(StrEnum):
    """Which operand stays put in the PE array (Chen et al. 2016 taxonomy) or EIE's broadcast."""

    WEIGHT_STATIONARY = "weight_stationary"
    OUTPUT_STATIONARY = "output_stationary"
    INPUT_STATIONARY = "input_stationary"
    ROW_STATIONARY = "row_stationary"
    COLUMN_BROADCAST = "column_broadcast"


class WorkDistribution(StrEnum):
    """How unstructured sparse work is spread over PEs.

    ``rows_interleaved``: output row i goes to PE i mod P (EIE);
    ``rows_blocked``: contiguous blocks of rows per PE;
    ``dense_tiles``: the array processes dense tiles (sparsity only gates or skips within a tile).
    """

    ROWS_INTERLEAVED = "rows_interleaved"
    ROWS_BLOCKED = "rows_blocked"
    DENSE_TILES = "dense_tiles"


class LayerKind(StrEnum):
    """Layer types hwsim models.

    ``conv2d``, ``linear`` and ``matmul`` multiply activations by stored weights on the MAC
    array; ``act_matmul`` multiplies two activations (attention scores ``Q K^T`` and context
    ``P V``): the same loop nest as ``matmul`` but operand B is produced at run time, so nothing
    is stored and both operands move every inference; ``vector`` is an elementwise, reduction,
    normalisation, activation, pooling or copy op run on a vector (SIMD) unit (no MACs, no
    weights; elements in and out and ops per element, :class:`VectorOp`).
    """

    CONV2D = "conv2d"
    LINEAR = "linear"
    MATMUL = "matmul"
    ACT_MATMUL = "act_matmul"
    VECTOR = "vector"

    @property
    def has_weights(self) -> bool:
        """True for the kinds whose operand B is a stored weight tensor."""
        return self in (LayerKind.CONV2D, LayerKind.LINEAR, LayerKind.MATMUL)


MAC_KINDS = (LayerKind.CONV2D, LayerKind.LINEAR, LayerKind.MATMUL, LayerKind.ACT_MATMUL)


class VectorOp(StrEnum):
    """What a ``vector`` layer computes (its ops per output element are on the record).

    ``elementwise``: add, mul, residual add, scaling (ops = 1 per output element per extra
    operand); ``activation``: ReLU, GELU, SiLU, tanh...; ``softmax``; ``norm``: LayerNorm,
    RMSNorm, BatchNorm, GroupNorm; ``reduction``: sum, mean, max over an axis; ``pool``: max /
    average pooling; ``copy``: a layout change (transpose made contiguous, concat);
    ``gather``: an embedding lookup (rows of a table copied out).
    """

    ELEMENTWISE = "elementwise"
    ACTIVATION = "activation"
    SOFTMAX = "softmax"
    NORM = "norm"
    REDUCTION = "reduction"
    POOL = "pool"
    COPY = "copy"
    GATHER = "gather"


class Activation(StrEnum):
    """The function of an ``activation`` vector layer (``LayerWorkload.activation``), and what
    an accelerator's output path applies (``compute.output_activations``). ``relu6`` /
    ``hardtanh`` / ``clamp`` are clipped ReLUs (a compare and a select, like ``relu``)."""

    RELU = "relu"
    RELU6 = "relu6"
    LEAKY_RELU = "leaky_relu"
    HARDTANH = "hardtanh"
    CLAMP = "clamp"
    GELU = "gelu"
    SILU = "silu"
    MISH = "mish"
    SIGMOID = "sigmoid"
    TANH = "tanh"
    HARDSWISH = "hardswish"
    HARDSIGMOID = "hardsigmoid"
    ELU = "elu"
    SOFTPLUS = "softplus"


class Residency(StrEnum):
    """Whether a layer's weights stay on chip across inferences (decided in
    :mod:`hwsim.cost.residency`, the same way for the analytical model and the simulator).

    * ``streamed``: weights come from DRAM every inference;
    * ``network``: first fit in network order: a layer stays on chip while the stored weights
      of it and of the earlier resident layers fit the on-chip weight capacity (a deployment
      running the whole network);
    * ``per_layer``: each layer alone may use the whole capacity (how papers benchmark layers
      one at a time, e.g. EIE Table IV).
    """

    STREAMED = "streamed"
    NETWORK = "network"
    PER_LAYER = "per_layer"

    @classmethod
    def parse(cls, text: str) -> "Residency":
        """``Residency.parse("per-layer")`` -> PER_LAYER (hyphens accepted, as on the CLI)."""
        return cls(text.strip().replace("-", "_"))


class Objective(StrEnum):
    """What the mapping search minimises."""

    ENERGY = "energy"
    LATENCY = "latency"
    EDP = "edp"


class GpuPrecision(StrEnum):
    """Arithmetic a GPU layer runs in (:mod:`hwsim.cost.gpu`); storage bits per value in
    :data:`GPU_PRECISION_BITS` (TF32 is stored as FP32 and multiplied at TF32's rate)."""

    FP32 = "fp32"
    TF32 = "tf32"
    FP16 = "fp16"
    BF16 = "bf16"
    FP8 = "fp8"
    INT8 = "int8"


GPU_PRECISION_BITS = {GpuPrecision.FP32: 32, GpuPrecision.TF32: 32, GpuPrecision.FP16: 16,
                      GpuPrecision.BF16: 16, GpuPrecision.FP8: 8, GpuPrecision.INT8: 8}


class GpuKernel(StrEnum):
    """Kernels a GPU may run a (pruned) layer with (:mod:`hwsim.cost.gpu.kernels`).

    ``dense``: cuBLAS-like GEMM, zeros stored and multiplied; ``semi_structured``: 2:4 values +
    2-bit metadata at the sparse tensor-core rate; ``csr``: cuSPARSE-like SpMM on CUDA cores;
    ``block_sparse``: tensor-core GEMM over the non-zero square blocks only.
    """

    DENSE = "dense"
    SEMI_STRUCTURED = "semi_structured"
    CSR = "csr"
    BLOCK_SPARSE = "block_sparse"
