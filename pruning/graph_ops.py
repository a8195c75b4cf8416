"""Classify every node of a ``torch.export`` (ATen-level) graph: what hwsim models it as.

Each call node gets exactly one :class:`NodePlan` (none is dropped silently):

=============  ==========================================================================
role           meaning
=============  ==========================================================================
weighted       conv1d/conv2d (groups, depthwise, dilation, stride, padding), linear,
               ``addmm`` / ``mm`` / ``matmul`` / ``bmm`` with a parameter operand: a
               conv2d or linear layer with a stored (maybe pruned) weight
embedding      ``embedding(table, ids)``: a ``gather`` vector op (the rows looked up move)
act_matmul     ``matmul`` / ``bmm`` / ``mm`` of two activations: no stored weight
attention      ``scaled_dot_product_attention``: scores ``Q K^T`` (act_matmul), softmax
               (vector), context ``P V`` (act_matmul)
vector         elementwise, activation, softmax, normalisation, reduction, pooling
copy           a layout change that moves data: cat, stack, pad, roll, repeat, and
               contiguous / clone / reshape of a non-contiguous tensor, and a dtype cast
               that changes the dtype (elementwise) (decided on the first batch)
folded         a BatchNorm whose only input is a conv's output with no other user: folded
               into that conv's weights and bias (no cost of its own)
view           views, reshapes of contiguous tensors, dropout in eval, dtype casts of
               parameters, assertions: no data movement
constant       computed from parameters, buffers and constants only (a pruning mask
               applied to its weight, position ids, a causal mask): done once, not per
               inference
unmodelled     anything else: listed with its elements in the coverage report and in
               ``unsupported``
=============  ==========================================================================

Vector-unit ops per output element (``ops_per_element``, assumptions written here once): one
per elementwise op, ReLU-like activation, copy and gather; GELU / SiLU 4, sigmoid / tanh 3 (a
transcendental counts as one op of a lookup unit); softmax 5 (max, subtract, exp, sum,
divide); LayerNorm / GroupNorm 7 (sum, subtract mean, square, sum, scale, gamma, beta);
RMSNorm 4; BatchNorm in eval 2 (scale, shift); reductions and pooling one per input element
read (a k x k max-pool window: k*k per output).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import fx

from hwsim.types import VectorOp

WEIGHTED_OPS = {"conv1d", "conv2d", "convolution", "linear", "addmm", "mm", "matmul", "bmm"}
MATMUL_OPS = {"mm", "matmul", "bmm"}
ELEMENTWISE = {"add", "sub", "mul", "div", "neg", "pow", "rsqrt", "sqrt", "exp", "log",
               "where", "masked_fill", "abs", "maximum", "minimum", "eq", "ne", "lt", "gt",
               "le", "ge", "logical_not", "logical_and", "logical_or", "bitwise_not",
               "bitwise_and", "bitwise_or", "reciprocal", "rsub", "floor_divide", "remainder",
               "fill", "zeros_like", "ones_like", "full_like",
               "square", "sin", "cos", "erf", "add_", "mul_", "div_", "sub_", "masked_fill_",
               "clamp_min", "clamp_max", "triu", "tril", "cumsum", "scalar_tensor"}
ACTIVATIONS = {"relu": 1, "relu_": 1, "hardtanh": 1, "hardtanh_": 1, "leaky_relu": 1,
               "clamp": 1, "relu6": 1, "gelu": 4, "silu": 4, "silu_": 4, "mish": 4,
               "hardswish": 3, "hardswish_": 3, "hardsigmoid": 3, "sigmoid": 3, "tanh": 3,
               "elu": 3, "softplus": 3}
SOFTMAX = {"softmax", "_softmax", "log_softmax", "_log_softmax", "_safe_softmax"}
NORMS = {"layer_norm": 7, "native_layer_norm": 7, "group_norm": 7, "native_group_norm": 7,
         "rms_norm": 4, "batch_norm": 2, "_native_batch_norm_legit_no_training": 2,
         "instance_norm": 7}
REDUCTIONS = {"sum", "mean", "amax", "amin", "max", "min", "var", "std", "argmax", "argmin",
              "prod", "linalg_vector_norm", "norm", "any", "all", "var_mean"}
POOLS = {"max_pool1d", "max_pool2d", "max_pool2d_with_indices", "avg_pool1d", "avg_pool2d",
         "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool2d"}
COPIES = {"cat", "stack", "constant_pad_nd", "pad", "roll", "repeat", "index_select", "gather",
          "index", "flip", "repeat_interleave"}
MAYBE_COPIES = {"contiguous", "clone", "reshape"}
CASTS = {"_to_copy", "to", "type_as"}
VIEWS = {"view", "_unsafe_view", "unsqueeze", "squeeze", "flatten", "unflatten", "expand",
         "permute", "transpose", "t", "select", "slice", "narrow", "split", "split_with_sizes",
         "chunk", "unbind", "alias", "detach", "dropout", "feature_dropout", "alpha_dropout",
         "view_as", "expand_as", "as_strided", "movedim", "lift_fresh_copy",
         "_assert_tensor_metadata", "_assert_scalar", "sym_size", "sym_numel", "getitem",
         "sym_constrain_range_for_size", "_assert_async", "dim", "size", "item",
         "contiguous_view", "unfold", "diagonal", "squeeze_", "unsqueeze_"}
BATCH_NORMS = {"batch_norm", "_native_batch_norm_legit_no_training"}
CONVS = {"conv1d", "conv2d", "convolution"}
ROLES = ("weighted", "embedding", "act_matmul", "attention", "vector", "copy", "maybe_copy",
         "folded", "view", "constant", "unmodelled")


@dataclass(frozen=True)
class NodePlan:
    """How one graph node is modelled (module docstring). ``module``: the nn.Module path that
    called it ('' at top level); ``ops_per_element``: None where the run computes it
    (reductions, pooling); ``reason``: for ``folded``, ``constant`` and ``unmodelled``."""

    node: str
    op: str
    role: str
    module: str = ""
    vector_op: VectorOp | None = None
    ops_per_element: float | None = 1.0
    reason: str = ""
    weight: str = ""


def op_name(node: fx.Node) -> str:
    """``aten.linear.default`` -> ``linear``; ``operator.getitem`` -> ``getitem``."""
    target = node.target
    if isinstance(target, torch._ops.OpOverload):
        return target.overloadpacket.__name__
    if isinstance(target, torch._ops.OpOverloadPacket):
        return target.__name__
    return getattr(target, "__name__", str(target)).split(".")[-1]


def module_path(node: fx.Node) -> str:
    """The innermost nn.Module that called ``node`` (from torch.export's nn_module_stack)."""
    stack = node.meta.get("nn_module_stack") or {}
    if not stack:
        return ""
    path = list(stack.values())[-1][0]
    return path if isinstance(path, str) else ""


def tensor_args(node: fx.Node) -> list[fx.Node]:
    """The node's inputs that are graph nodes (flattened through lists and kwargs)."""
    found: list[fx.Node] = []
    fx.node.map_arg((node.args, node.kwargs), found.append)
    return found


def static_nodes(graph: fx.Graph) -> set[str]:
    """Names of nodes computed from parameters, buffers and constants only (no user input)."""
    static: set[str] = set()
    for node in graph.nodes:
        if node.op == "get_attr":
            static.add(node.name)
        elif node.op == "call_function" and all(a.name in static for a in tensor_args(node)):
            static.add(node.name)
    return static


def classify_graph(graph: fx.Graph) -> dict[str, NodePlan]:
    """One :class:`NodePlan` per call node of ``graph`` (placeholders, attributes, output and
    guard modules are not ops)."""
    static = static_nodes(graph)
    plans = {}
    for node in graph.nodes:
        if node.op == "call_function":
            plans[node.name] = classify_node(node, static)
        elif node.op in ("call_module", "call_method"):
            plans[node.name] = NodePlan(node.name, str(node.target), "view", module_path(node),
                                        reason="export guard / method, no data")
    return plans


def classify_node(node: fx.Node, static: set[str]) -> NodePlan:
    """The role of one call_function node (module docstring)."""
    name, path = op_name(node), module_path(node)
    plan = lambda role, **kw: NodePlan(node.name, name, role, path, **kw)  # noqa: E731
    if node.name in static:
        return plan("constant", reason="computed from parameters / buffers / constants")
    operands = tensor_args(node)
    dynamic = [a for a in operands if a.name not in static]
    if name in WEIGHTED_OPS:
        return _weighted_or_matmul(node, name, static, plan)
    if name == "embedding":
        return plan("embedding", vector_op=VectorOp.GATHER)
    if name in ("scaled_dot_product_attention", "_scaled_dot_product_flash_attention_for_cpu"):
        return plan("attention")
    if name in BATCH_NORMS and _after_conv(node):
        producer = node.args[0]
        return plan("folded", reason=f"BatchNorm folded into {producer.name}")
    if name in NORMS:
        return plan("vector", vector_op=VectorOp.NORM, ops_per_element=NORMS[name])
    if name in SOFTMAX:
        return plan("vector", vector_op=VectorOp.SOFTMAX, ops_per_element=5)
    if name in ACTIVATIONS:
        return plan("vector", vector_op=VectorOp.ACTIVATION, ops_per_element=ACTIVATIONS[name])
    if name in ELEMENTWISE:
        return plan("vector", vector_op=VectorOp.ELEMENTWISE,
                    ops_per_element=max(1, len(dynamic) - 1) if len(dynamic) > 1 else 1)
    if name in REDUCTIONS:
        return plan("vector", vector_op=VectorOp.REDUCTION, ops_per_element=None)
    if name in POOLS:
        return plan("vector", vector_op=VectorOp.POOL, ops_per_element=_pool_ops(node, name))
    if name in COPIES:
        return plan("copy", vector_op=VectorOp.COPY)
    if name in MAYBE_COPIES:
        return plan("maybe_copy", vector_op=VectorOp.COPY)
    if name in CASTS:
        return plan("maybe_copy", vector_op=VectorOp.ELEMENTWISE)
    if name in VIEWS or not dynamic:
        return plan("view")
    return plan("unmodelled", reason=f"ATen op {name!r} has no hwsim model")


def _weighted_or_matmul(node: fx.Node, name: str, static: set[str], plan) -> NodePlan:
    """Convs and linear always carry a weight; a matmul is weighted when its right operand
    is static (a parameter), an act x act matmul otherwise."""
    if name in MATMUL_OPS:
        right = node.args[1]
        if isinstance(right, fx.Node) and right.name in static:
            return plan("weighted", weight=weight_name(right))
        return plan("act_matmul")
    weight = node.args[2] if name == "addmm" else node.args[1]
    if isinstance(weight, fx.Node) and weight.name not in static:
        return plan("unmodelled", reason=f"{name} with a weight computed from the input "
                                         "(dynamic weights) has no hwsim model")
    return plan("weighted", weight=weight_name(weight))


def weight_name(node) -> str:
    """The parameter a weight operand comes from (through a pruning mask's mul and casts):
    ``self_attn.in_proj_weight`` -> ``self_attn.in_proj``, ``fc.weight_orig`` -> ``fc``."""
    seen = [node] if isinstance(node, fx.Node) else []
    while seen:
        current = seen.pop(0)
        if current.op == "get_attr":
            target = str(current.target)
            if "mask" in target:
                continue
            for suffix in (".weight_orig", ".weight", "_weight_orig", "_weight"):
                if target.endswith(suffix):
                    return target[: -len(suffix)]
            return target
        seen += tensor_args(current)
    return ""


def _after_conv(node: fx.Node) -> bool:
    producer = node.args[0]
    return (isinstance(producer, fx.Node) and producer.op == "call_function"
            and op_name(producer) in CONVS and len(producer.users) == 1)


def _pool_ops(node: fx.Node, name: str) -> float | None:
    """k*k for a (max / avg) pool with a kernel argument; None (in / out, at run time) for
    adaptive pools."""
    if name.startswith("adaptive"):
        return None
    kernel = node.args[1] if len(node.args) > 1 else node.kwargs.get("kernel_size")
    kernel = list(kernel) if isinstance(kernel, (list, tuple)) else [kernel]
    if name.endswith("2d") or name.endswith("indices"):
        kernel = kernel * 2 if len(kernel) == 1 else kernel
    area = 1
    for k in kernel:
        area *= int(k)
    return float(area)
