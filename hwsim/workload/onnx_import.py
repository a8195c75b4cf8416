"""Read an ONNX model (``torch.onnx.export``, or any exporter) into a :class:`Network`, as
ZigZag and Stream take workloads; torch-free (the ``onnx`` package is imported on use).

Every node is classified as :mod:`pruning.graph_ops` classifies ATen nodes, with the same
ops-per-element assumptions: ``Conv`` (1-D as conv2d of height 1) and ``Gemm`` / ``MatMul``
with an initializer operand are conv2d / linear records whose weight mask is the initializer's
non-zeros (a model pruned and exported keeps its zeros); ``MatMul`` of two activations is an
``act_matmul``; elementwise ops, activations, ``Softmax``, normalisations, reductions, pooling
and layout copies (``Transpose``, ``Concat``, ``Pad``, ``Gather`` of activations) are
``vector`` records with element counts from the inferred shapes; ``Gather`` from an
initializer is an embedding lookup (``gather``); shape ops (``Reshape``, ``Flatten``,
``Squeeze``, ``Shape``, ``Constant``, ...) move nothing; nodes computed only from initializers
and constants are folded. Anything else is listed in :attr:`OnnxImport.unsupported`, never
dropped silently. Activation densities are not in the file: they are 1.0 (measure them with
``pruning.graph_export`` on the torch model). Counts are per image (dimension 0 of the first
graph input is the batch).

Example::

    result = import_onnx("model.onnx")
    result.network.layers[0].weight_density     # from the initializer's zeros
    result.unsupported                           # ((node, op type, reason), ...)
"""
from __future__ import annotations

import dataclasses
import math
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hwsim.errors import ConfigError, Problem
from hwsim.types import LayerKind, VectorOp
from hwsim.workload.layer import LayerWorkload, Network

_E = VectorOp.ELEMENTWISE
VECTOR_OPS = {
    **{op: (_E, 1.0) for op in (
        "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Reciprocal", "Neg", "Exp", "Log", "Where",
        "Equal", "Less", "Greater", "Not", "And", "Or", "Abs", "Max", "Min", "Cast", "Erf",
        "Sin", "Cos", "Mod", "Floor", "Ceil", "CumSum", "Trilu")},
    **{op: (VectorOp.ACTIVATION, 1.0) for op in ("Relu", "Clip", "LeakyRelu")},
    **{op: (VectorOp.ACTIVATION, 3.0) for op in ("Sigmoid", "Tanh", "HardSigmoid",
                                                   "HardSwish", "Elu", "Softplus")},
    "Gelu": (VectorOp.ACTIVATION, 4.0), "Mish": (VectorOp.ACTIVATION, 4.0),
    "Softmax": (VectorOp.SOFTMAX, 5.0), "LogSoftmax": (VectorOp.SOFTMAX, 5.0),
    "LayerNormalization": (VectorOp.NORM, 7.0), "GroupNormalization": (VectorOp.NORM, 7.0),
    "InstanceNormalization": (VectorOp.NORM, 7.0), "BatchNormalization": (VectorOp.NORM, 2.0),
    "RMSNormalization": (VectorOp.NORM, 4.0),
    **{op: (VectorOp.REDUCTION, None) for op in ("ReduceMean", "ReduceSum", "ReduceMax",
                                                 "ReduceMin", "ReduceProd", "ArgMax",
                                                 "ReduceL2")},
    **{op: (VectorOp.POOL, None) for op in ("MaxPool", "AveragePool", "GlobalAveragePool",
                                            "GlobalMaxPool")},
    **{op: (VectorOp.COPY, 1.0) for op in ("Transpose", "Concat", "Pad", "Tile", "Expand",
                                           "GatherElements", "ScatterND")},
}
ACTIVATIONS = {"Relu": "relu", "LeakyRelu": "leaky_relu", "Clip": "clamp", "Sigmoid": "sigmoid",
               "Tanh": "tanh", "HardSigmoid": "hardsigmoid", "HardSwish": "hardswish",
               "Elu": "elu", "Softplus": "softplus", "Gelu": "gelu", "Mish": "mish"}
FREE_OPS = {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Shape", "Identity", "Dropout",
            "Constant", "ConstantOfShape", "Slice", "Split", "Range", "Size"}


@dataclass(frozen=True)
class OnnxImport:
    """The network, the nodes not modelled ((node, op type, reason) triples) and how many
    nodes of each role there were (``{"weighted": 20, "vector": 31, ...}``)."""

    network: Network
    unsupported: tuple[tuple[str, str, str], ...]
    roles: tuple[tuple[str, int], ...]


def import_onnx(path: str | os.PathLike, name: str | None = None) -> OnnxImport:
    """Read ``path`` (module docstring); a file that is not a readable ONNX model raises a
    :class:`ConfigError` naming it."""
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:  # pragma: no cover - onnx is a test / optional dependency
        raise ConfigError([Problem("workload", "must be readable: reading ONNX needs the "
                                   "'onnx' package (pip install 'hwsim[onnx]')",
                                   str(path))]) from None
    try:
        model = onnx.shape_inference.infer_shapes(onnx.load(str(path)))
    except Exception as exc:  # noqa: BLE001 - any parse failure is a bad input file
        raise ConfigError([Problem("workload", "must be a readable ONNX model",
                                   f"{path}: {exc}")]) from None
    graph = model.graph
    weights = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    shapes = _shapes(graph)
    if any(o and o not in shapes for n in graph.node for o in n.output):
        shapes.update(_evaluated_shapes(model, weights, shapes))
    batch = _batch(graph, weights, shapes)
    static = set(weights)
    layers, unsupported, roles = [], [], {}
    producers: dict[str, str] = {}   # output tensor of a weighted / act x act node -> record
    readers = Counter(i for n in graph.node for i in n.input)
    readers.update(o.name for o in graph.output)
    for index, node in enumerate(graph.node):
        label = _label(node, index)
        if node.op_type == "Constant" or (node.input and all(i in static or not i
                                                             for i in node.input)):
            static.update(node.output)
            role, made = "constant", []
        else:
            role, made, reason = _node(node, label, weights, shapes, batch)
            if reason:
                unsupported.append((label, node.op_type, reason))
        if role in ("weighted", "act_matmul") and made:
            producers[node.output[0]] = made[-1].name
        made = [_linked(layer, node, producers, readers) for layer in made]
        roles[role] = roles.get(role, 0) + 1
        layers += made
    return OnnxImport(Network(name or Path(path).stem, tuple(_unique(layers)),
                              f"imported from {Path(path).name} (weights' zeros; activation "
                              "densities 1.0)"),
                      tuple(unsupported), tuple(sorted(roles.items())))


def _shapes(graph) -> dict[str, tuple[int, ...]]:
    out = {}
    for info in list(graph.value_info) + list(graph.input) + list(graph.output):
        dims = info.type.tensor_type.shape.dim
        if dims and all(d.HasField("dim_value") for d in dims):
            out[info.name] = tuple(int(d.dim_value) for d in dims)
    return out


def _evaluated_shapes(model, weights: dict, shapes: dict) -> dict[str, tuple[int, ...]]:
    """Shapes that shape inference left open (e.g. after a Reshape to a computed shape), from
    one run of onnx's reference evaluator on placeholder inputs (zeros for integer inputs,
    ones for the others)."""
    import onnx
    from onnx.reference import ReferenceEvaluator
    graph = model.graph
    names = [o for n in graph.node for o in n.output if o]
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    del probe.graph.output[:]
    probe.graph.output.extend(onnx.helper.make_empty_tensor_value_info(n) for n in names)
    feeds = {}
    for info in graph.input:
        if info.name in weights:
            continue
        shape = shapes.get(info.name, ())
        dtype = onnx.helper.tensor_dtype_to_np_dtype(info.type.tensor_type.elem_type)
        feeds[info.name] = (np.zeros(shape, dtype) if np.issubdtype(dtype, np.integer)
                            else np.ones(shape, dtype))
    try:
        values = ReferenceEvaluator(probe).run(None, feeds)
    except Exception:  # noqa: BLE001 - nodes whose shapes stay unknown are listed as such
        return {}
    return {n: tuple(int(d) for d in np.shape(v)) for n, v in zip(names, values)}


def _batch(graph, weights, shapes) -> int:
    for info in graph.input:
        if info.name not in weights and shapes.get(info.name):
            return max(1, shapes[info.name][0])
    return 1


def _label(node, index: int) -> str:
    """The module path of a node from its scoped name: ``/layer1/layer1.0/conv1/Conv`` ->
    ``layer1.0.conv1`` (a scope repeating its parent's path replaces it), ``/0/Conv`` -> ``0``;
    an unnamed node is ``<op>_<index>``."""
    name = node.name or f"{node.op_type.lower()}_{index}"
    parts = [p for p in name.strip("/").split("/") if p]
    if len(parts) < 2:
        return name
    path = ""
    for part in parts[:-1]:
        path = part if path and part.startswith(path + ".") else (
            f"{path}.{part}" if path else part)
    return path


def _unique(layers: list[LayerWorkload]) -> list[LayerWorkload]:
    seen: dict[str, int] = {}
    out = []
    for layer in layers:
        count = seen.get(layer.name, 0)
        seen[layer.name] = count + 1
        if count:
            from dataclasses import replace
            layer = replace(layer, name=f"{layer.name}#{count + 1}")
        out.append(layer)
    return out


def _attrs(node) -> dict:
    from onnx import helper
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _linked(layer: LayerWorkload, node, producers: dict, readers: Counter) -> LayerWorkload:
    """An activation whose input is a weighted / act x act node's output read by nothing else:
    named ``<producer>.<function>`` with ``activation`` and ``producer`` set, as the torch
    graph export records it (applied in the producer's output path where the accelerator
    can, :mod:`hwsim.cost.fusion`)."""
    function = ACTIVATIONS.get(node.op_type)
    source = node.input[0] if node.input else ""
    if function is None or source not in producers or readers[source] != 1:
        return layer
    producer = producers[source]
    return dataclasses.replace(layer, name=f"{producer}.{function}", activation=function,
                               producer=producer)


def _node(node, label, weights, shapes, batch):
    """(role, records, reason if unmodelled) of one dynamic node."""
    op = node.op_type
    if op == "Conv" and len(node.input) > 1 and node.input[1] in weights:
        return "weighted", _conv(node, label, weights, shapes, batch), None
    if op in ("Gemm", "MatMul"):
        return _matmul(node, label, weights, shapes, batch)
    if op == "Gather" and node.input[0] in weights:
        out = shapes.get(node.output[0])
        if out is None:
            return "unmodelled", [], "shape unknown"
        n = math.prod(out) // batch
        return "embedding", [LayerWorkload(label, LayerKind.VECTOR, n, n,
                                           vector_op=VectorOp.GATHER)], None
    if op in FREE_OPS:
        return "view", [], None
    if op in VECTOR_OPS or op == "Gather":
        kind, ops = VECTOR_OPS.get(op, (VectorOp.COPY, 1.0))
        ins = [shapes.get(i) for i in node.input if i and i not in weights]
        out = shapes.get(node.output[0])
        if out is None or any(s is None for s in ins):
            return "unmodelled", [], "shape unknown"
        n_in = max(1, sum(math.prod(s) for s in ins) // batch)
        n_out = max(1, math.prod(out) // batch)
        if ops is None:
            ops = n_in / n_out
        if kind is _E and len(ins) > 2:
            ops = float(len(ins) - 1)
        return "vector", [LayerWorkload(label, LayerKind.VECTOR, n_in, n_out, vector_op=kind,
                                        ops_per_element=float(ops))], None
    return "unmodelled", [], f"ONNX op {op!r} has no hwsim model"


def _mask_fields(weight: np.ndarray) -> dict:
    mask = weight != 0
    matrix = mask.reshape(mask.shape[0], -1)
    return dict(weight_density=float(mask.mean()), weight_mask=mask,
                row_nnz=matrix.sum(axis=1), col_nnz=matrix.sum(axis=0))


def _conv(node, label, weights, shapes, batch) -> list[LayerWorkload]:
    w = weights[node.input[1]]
    a = _attrs(node)
    x = shapes[node.input[0]]
    one_d = w.ndim == 3
    kernel = list(w.shape[2:])
    pads = list(a.get("pads", [0] * 2 * len(kernel)))[:len(kernel)]
    stride = list(a.get("strides", [1] * len(kernel)))
    dilation = list(a.get("dilations", [1] * len(kernel)))
    if one_d:
        w = w.reshape(w.shape[0], w.shape[1], 1, w.shape[2])
        kernel, pads, stride, dilation = [1] + kernel, [0] + pads, [1] + stride, [1] + dilation
        height, width = 1, x[-1]
    else:
        height, width = x[-2], x[-1]
    return [LayerWorkload(label, LayerKind.CONV2D, x[1], w.shape[0], height, width,
                          tuple(kernel), tuple(stride), tuple(pads), tuple(dilation),
                          int(a.get("group", 1)), 1, **_mask_fields(w))]


def _matmul(node, label, weights, shapes, batch):
    a_name, b_name = node.input[0], node.input[1]
    a = shapes.get(a_name)
    if a is None:
        return "unmodelled", [], "shape unknown"
    if b_name in weights:
        b = weights[b_name]
        trans = node.op_type == "Gemm" and _attrs(node).get("transB", 0)
        w = b if trans else b.T
        rows = math.prod(a[:-1]) // batch
        return "weighted", [LayerWorkload(label, LayerKind.LINEAR, w.shape[1], w.shape[0],
                                          rows, **_mask_fields(w))], None
    b = shapes.get(b_name)
    if b is None:
        return "unmodelled", [], "shape unknown"
    reduction, columns = a[-1], b[-1]
    if len(b) == 2:
        groups, rows = 1, math.prod(a[:-1]) // batch
    else:
        groups = max(1, math.prod(np.broadcast_shapes(a[:-2], b[:-2])) // batch)
        rows = a[-2]
    return "act_matmul", [LayerWorkload(label, LayerKind.ACT_MATMUL, groups * reduction,
                                        groups * columns, rows, groups=groups)], None


__all__ = ["OnnxImport", "import_onnx"]
