"""Measured counts of a graph export -> hwsim layer records and coverage rows (see
:mod:`pruning.graph_export`). Every per-image count is the total over the sample divided by
the images measured, rounded to the nearest integer.

Worked example: an attention node measured over 2 images of 4 heads x 10 tokens x 16 dims
gives ``<module>.scores`` (act_matmul: groups 4, in_height 10, in_channels 4 x 16,
out_channels 4 x 10 -> 6,400 MACs per image), ``<module>.softmax`` (vector: 400 elements in
and out, 5 ops each) and ``<module>.context`` (act_matmul: in_channels 4 x 10, out_channels
4 x 16 -> 6,400 MACs).
"""
from __future__ import annotations

from hwsim.types import LayerKind, VectorOp
from hwsim.workload import LayerWorkload

_BYTES = 4  # float32 elements, as the model ran
# ATen activation op -> hwsim.types.Activation (in-place variants included)
ACTIVATION_NAMES = {"relu": "relu", "relu_": "relu", "relu6": "relu6", "hardtanh": "hardtanh",
                    "hardtanh_": "hardtanh", "leaky_relu": "leaky_relu", "clamp": "clamp",
                    "gelu": "gelu", "silu": "silu", "silu_": "silu", "mish": "mish",
                    "sigmoid": "sigmoid", "tanh": "tanh", "hardswish": "hardswish",
                    "hardswish_": "hardswish", "hardsigmoid": "hardsigmoid", "elu": "elu",
                    "softplus": "softplus"}


def build_records(stats: dict, plans: dict, producers: dict | None = None
                  ) -> tuple[list[LayerWorkload], list[tuple]]:
    """(layers, coverage rows) in graph order. ``producers``: activation node -> the MAC
    node whose output it alone reads (its record names that layer in ``producer``)."""
    names = _names(plans)
    producers = producers or {}
    layers, rows = [], []
    for node, stat in stats.items():
        plan = stat.plan
        made = _make(stat, names[node]) if stat.images else []
        if made and node in producers and producers[node] in names:
            made = [_with_producer(made[0], plan.op, names[producers[node]])]
        if plan.role == "maybe_copy" and not stat.shape.get("copies", False):
            made = []
            rows.append((plan.op, "view (no copy: contiguous / same dtype)", 0, 0, True))
            continue
        if made:
            layers += made
            for layer in made:
                how = str(layer.kind) + (f":{layer.vector_op}" if layer.vector_op else "")
                rows.append((plan.op, how, layer.macs_dense, _layer_bytes(layer), True))
        elif plan.role == "unmodelled":
            rows.append((plan.op, f"not modelled: {plan.reason}", 0,
                         int(stat.counts.get("bytes", 0) / max(stat.images, 1)), False))
        else:
            rows.append((plan.op, _no_record_text(plan), 0, 0, True))
    return layers, rows


def _with_producer(layer: LayerWorkload, op: str, producer: str) -> LayerWorkload:
    """``layer`` (an activation) named ``<producer>.<function>`` (``fc1.relu``), with its
    function and the layer whose output it alone reads."""
    from dataclasses import replace
    function = ACTIVATION_NAMES.get(op)
    if not function:
        return layer
    return replace(layer, name=f"{producer}.{function}", activation=function, producer=producer)


def _no_record_text(plan) -> str:
    if plan.role == "folded":
        return plan.reason
    if plan.role == "constant":
        return "constant: computed once from parameters / buffers"
    return "view: no data movement"


def _layer_bytes(layer: LayerWorkload) -> int:
    return _BYTES * (layer.input_count + layer.output_count + layer.stored_weight_count)


def _names(plans: dict) -> dict[str, str]:
    """Record names: a weighted op's parameter (``linear1``, ``self_attn.in_proj``) when only
    one op uses it, else the module path for the only weighted op of a module, else
    ``<module>.<node>`` (``<node>`` at top level; ``scaled_dot_product_attention`` shortened
    to ``attention``)."""
    weighted = [p for p in plans.values() if p.role == "weighted"]
    per_module: dict[str, int] = {}
    for p in weighted:
        per_module[p.module] = per_module.get(p.module, 0) + 1
    by_weight: dict[str, int] = {}
    for p in weighted:
        by_weight[p.weight] = by_weight.get(p.weight, 0) + 1
    names = {}
    for node, p in plans.items():
        short = node.replace("scaled_dot_product_attention", "attention")
        if p.role == "weighted" and p.weight and by_weight[p.weight] == 1:
            names[node] = p.weight
        elif p.role == "weighted" and p.module and per_module[p.module] == 1:
            names[node] = p.module
        else:
            names[node] = f"{p.module}.{short}" if p.module else short
    return names


def _density(stat, nnz: str, count: str) -> float:
    total = stat.counts.get(count, 0)
    return min(1.0, stat.counts.get(nnz, 0) / total) if total else 1.0


def _per_image(stat, key: str) -> int:
    return int(round(stat.counts.get(key, 0) / stat.images))


def _make(stat, name: str) -> list[LayerWorkload]:
    if stat.kind == "conv2d" or stat.kind == "linear":
        return [_weighted(stat, name)]
    if stat.kind == "act_matmul":
        return [_act_matmul(stat, name, "", _density(stat, "out_nnz", "out_count"))]
    if stat.kind == "attention":
        return _attention(stat, name)
    if stat.kind == "vector":
        return [_vector(stat, name)]
    return []


def _weighted(stat, name: str) -> LayerWorkload:
    mask = stat.mask
    matrix = mask.reshape(mask.shape[0], -1)
    common = dict(weight_density=float(mask.mean()),
                  input_density=_density(stat, "in_nnz", "in_count"),
                  output_density=_density(stat, "out_nnz", "out_count"),
                  weight_mask=mask, row_nnz=matrix.sum(axis=1), col_nnz=matrix.sum(axis=0),
                  effective_macs=_per_image(stat, "eff"))
    s = stat.shape
    if stat.kind == "conv2d":
        return LayerWorkload(name, LayerKind.CONV2D, s["in_channels"], s["out_channels"],
                             s["hw"][0], s["hw"][1], tuple(s["kernel"]), tuple(s["stride"]),
                             tuple(s["padding"]), tuple(s["dilation"]), s["groups"], 1,
                             **common)
    return LayerWorkload(name, LayerKind.LINEAR, s["in_channels"], s["out_channels"],
                         s["rows"], 1, **common)


def _act_matmul(stat, name: str, prefix: str, output_density: float) -> LayerWorkload:
    s = stat.shape[prefix]
    g = s["groups"]
    return LayerWorkload(name, LayerKind.ACT_MATMUL, g * s["reduction"], g * s["columns"],
                         s["rows"], 1, groups=g,
                         weight_density=_density(stat, prefix + "b_nnz", prefix + "b_count"),
                         input_density=_density(stat, prefix + "a_nnz", prefix + "a_count"),
                         output_density=output_density,
                         effective_macs=_per_image(stat, prefix + "eff"))


def _attention(stat, name: str) -> list[LayerWorkload]:
    probs = _density(stat, "softmax_out_nnz", "softmax_in")
    elements = max(1, _per_image(stat, "softmax_in"))
    scores = _act_matmul(stat, f"{name}.scores", "scores", 1.0)
    softmax = LayerWorkload(f"{name}.softmax", LayerKind.VECTOR, elements, elements,
                            input_density=1.0, output_density=probs,
                            vector_op=VectorOp.SOFTMAX, ops_per_element=5.0)
    context = _act_matmul(stat, f"{name}.context", "context",
                          _density(stat, "out_nnz", "out_count"))
    return [scores, softmax, context]


def _vector(stat, name: str) -> LayerWorkload:
    plan = stat.plan
    inputs = max(1, _per_image(stat, "in_count"))
    outputs = max(1, _per_image(stat, "out_count"))
    ops = plan.ops_per_element if plan.ops_per_element is not None else inputs / outputs
    return LayerWorkload(name, LayerKind.VECTOR, inputs, outputs,
                         input_density=_density(stat, "in_nnz", "in_count"),
                         output_density=_density(stat, "out_nnz", "out_count"),
                         vector_op=plan.vector_op or VectorOp.COPY,
                         ops_per_element=float(ops))
