"""Export any torch model to a hwsim :class:`~hwsim.workload.Network`, every op accounted for.

The model is captured with ``torch.export`` (the ATen-level graph of torch 2.x), every node is
classified (:mod:`pruning.graph_ops`), and the graph is run over the sample inputs in eval
mode, measuring per record:

* weighted ops (conv2d / conv1d as conv2d with height 1, linear, matmul with a parameter):
  shape, mask (the non-zeros of the weight actually used, so a ``torch.nn.utils.prune`` mask is
  seen), per-row / per-column nnz, input density, output density after a folded BatchNorm and a
  ReLU that is the only user, exact effective MACs (float32 indicator conv / matmul with the
  0/1 mask; exact per output below 2^24 terms, summed in float64), as :mod:`pruning.export`;
* act x act matmuls (and the two of each ``scaled_dot_product_attention``): ``act_matmul``
  records, densities of both operands measured (operand B's in ``weight_density``), exact
  effective MACs;
* vector ops (and copies): ``vector`` records with elements read (activation operands; the
  small parameters of norms and biases are not counted), elements written, ops per element.

Counts are per image (records have batch 1): totals over a chunk divided by its images.
When ``torch.export`` fails, the fx / hook export (:func:`pruning.export.export_model`, Conv2d
and Linear only) is used instead and :attr:`GraphExport.traced_with` says so.

Example::

    result = export_graph(model.eval(), torch.randn(16, 3, 224, 224), "resnet50")
    result.traced_with                  # "torch.export"
    result.coverage.mac_fraction        # >= 0.99
    print(result.coverage.table())      # per op: count, MACs, bytes, how modelled
"""
from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import fx, nn

from hwsim.types import VectorOp
from hwsim.workload import Network
from pruning.coverage import CoverageReport, coverage_report
from pruning.graph import UnsupportedOp
from pruning.graph_ops import NodePlan, classify_graph, op_name, tensor_args


@dataclass(frozen=True)
class GraphExport:
    """The network, the coverage of the model's ops, what could not be modelled, how the graph
    was captured (``torch.export``, else ``fx`` / ``hooks`` with ``fallback_reason``), the
    images measured and the wall time of the export in seconds."""

    network: Network
    coverage: CoverageReport
    unsupported: tuple[UnsupportedOp, ...]
    traced_with: str
    samples: int
    seconds: float
    fallback_reason: str = ""


@dataclass
class _Stat:
    """Running sums of one record over the sample (internal, mutable by design)."""

    plan: NodePlan
    kind: str = ""
    shape: dict = field(default_factory=dict)
    mask: np.ndarray | None = None
    images: int = 0
    counts: dict = field(default_factory=dict)

    def add(self, key: str, value: float) -> None:
        self.counts[key] = self.counts.get(key, 0) + value


def export_graph(model: nn.Module, sample_inputs, name: str, chunk: int = 16,
                 fallback: bool = True) -> GraphExport:
    """Export ``model`` measured on ``sample_inputs`` (a tensor, or a tuple of tensors passed
    positionally, N images along dim 0) in chunks of ``gcd(N, chunk)`` images."""
    started = time.perf_counter()
    inputs = sample_inputs if isinstance(sample_inputs, tuple) else (sample_inputs,)
    images = len(inputs[0])
    if images == 0:
        raise ValueError("export needs at least one sample input")
    step = math.gcd(images, chunk)
    was_training = model.training
    model.eval()
    try:
        gm = _capture(model, tuple(t[:step] for t in inputs))
    except Exception as exc:  # noqa: BLE001 - any capture failure falls back to fx / hooks
        if not fallback:
            raise
        model.train(was_training)
        return _fallback(model, inputs[0], name, started, f"{type(exc).__name__}: {exc}")
    try:
        plans = classify_graph(gm.graph)
        stats = _Measure(gm, plans, step).run_all(inputs, images)
    finally:
        model.train(was_training)
    layers, rows = _records(stats, plans, _producers(gm.graph, plans))
    unsupported = tuple(UnsupportedOp(f"{p.module}.{p.node}".strip("."), p.op, p.reason)
                        for p in plans.values() if p.role == "unmodelled")
    network = Network(name, tuple(layers), f"measured on {images} sample inputs")
    return GraphExport(network, coverage_report(rows), unsupported, "torch.export", images,
                       time.perf_counter() - started)


def _capture(model: nn.Module, example: tuple) -> fx.GraphModule:
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        program = torch.export.export(model, example)
    return program.module()


def _fallback(model, samples, name, started, reason) -> GraphExport:
    from pruning.export import export_model
    result = export_model(model, samples, name)
    rows = [(str(l.kind), str(l.kind), l.macs_dense, 4 * (l.input_count + l.output_count),
             True) for l in result.network.layers]
    rows += [(op.op_type, f"not modelled: {op.reason}", 0, 0, False)
             for op in result.unsupported]
    return GraphExport(result.network, coverage_report(rows), result.unsupported,
                       result.traced_with, len(samples), time.perf_counter() - started, reason)


class _Measure(fx.Interpreter):
    """Runs the exported graph chunk by chunk and accumulates each record's counts."""

    def __init__(self, gm: fx.GraphModule, plans: dict[str, NodePlan], step: int):
        super().__init__(gm)
        self.plans, self.step = plans, step
        self.stats = {n: _Stat(p) for n, p in plans.items()}
        self.output_of = _output_nodes(gm.graph, plans)

    def run_all(self, inputs: tuple, images: int) -> dict[str, _Stat]:
        with torch.no_grad():
            for start in range(0, images, self.step):
                self.run(*(t[start:start + self.step] for t in inputs))
        return self.stats

    def run_node(self, n: fx.Node):
        result = super().run_node(n)
        plan = self.plans.get(n.name)
        if plan is not None:
            values = [self.env[a] for a in tensor_args(n)]
            _MEASURE.get(plan.role, _measure_bytes)(self.stats[n.name], n, values, result,
                                                    self.step)
        if n.name in self.output_of:
            stat = self.stats[self.output_of[n.name]]
            out = _first_tensor(result)
            stat.add("out_nnz", int((out != 0).sum()))
            stat.add("out_count", out.numel())
        return result


def _output_nodes(graph: fx.Graph, plans: dict[str, NodePlan]) -> dict[str, str]:
    """Node whose output is a weighted record's output -> that record: the layer itself, or
    a folded BatchNorm after it, or a ReLU that is the only user of either."""
    found = {}
    for node in graph.nodes:
        if plans.get(node.name) is None or plans[node.name].role not in ("weighted",
                                                                           "act_matmul"):
            continue
        last = node
        users = list(last.users)
        if len(users) == 1 and plans.get(users[0].name, NodePlan("", "", "")).role == "folded":
            last = users[0]
            users = list(last.users)
        if len(users) == 1 and op_name(users[0]) in ("relu", "relu_"):
            last = users[0]
        found[last.name] = node.name
    return found


def _producers(graph: fx.Graph, plans: dict[str, NodePlan]) -> dict[str, str]:
    """Activation node -> the weighted / act x act node whose output (through a folded
    BatchNorm) is its only input and has no other user: the activation the producer's output
    path can apply (``LayerWorkload.producer``, :mod:`hwsim.cost.fusion`)."""
    found = {}
    for node in graph.nodes:
        plan = plans.get(node.name)
        if plan is None or plan.role not in ("weighted", "act_matmul"):
            continue
        last = node
        if len(last.users) == 1 and plans.get(next(iter(last.users)).name,
                                                NodePlan("", "", "")).role == "folded":
            last = next(iter(last.users))
        if len(last.users) != 1:
            continue
        user = next(iter(last.users))
        user_plan = plans.get(user.name)
        if (user_plan is not None and user_plan.vector_op is VectorOp.ACTIVATION
                and [a.name for a in tensor_args(user)] == [last.name]):
            found[user.name] = node.name
    return found


def _first_tensor(value) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value
    return next(v for v in value if isinstance(v, torch.Tensor))


def _nnz(t: torch.Tensor) -> int:
    return int((t != 0).sum())


# ---- measurement per role -------------------------------------------------------------------

def _measure_weighted(stat: _Stat, node: fx.Node, values, result, step: int) -> None:
    name = op_name(node)
    x, w = (values[1], values[2]) if name == "addmm" else (values[0], values[1])
    if name in ("addmm", "mm", "matmul", "bmm"):
        w = w.transpose(-1, -2) if w.dim() == 2 else w
    stat.images += step
    stat.add("in_nnz", _nnz(x))
    stat.add("in_count", x.numel())
    indicator, mask = (x != 0).float(), (w != 0).float()
    if name in ("conv1d", "conv2d", "convolution"):
        stat.kind = "conv2d"
        stat.shape = _conv_shape(node, x, w)
        if stat.mask is None:
            stat.mask = (mask.reshape(stat.shape["weight_shape"])).numpy().astype(bool)
        stat.add("eff", _conv_pairs(indicator, mask, stat.shape))
    else:
        stat.kind = "linear"
        rows = x.numel() // x.shape[-1] // step
        stat.shape = {"in_channels": w.shape[1], "out_channels": w.shape[0], "rows": rows}
        if stat.mask is None:
            stat.mask = mask.numpy().astype(bool)
        pairs = indicator.reshape(-1, indicator.shape[-1]) @ mask.T
        stat.add("eff", float(pairs.double().sum()))
    stat.add("macs", _macs(stat, step))


def _macs(stat: _Stat, step: int) -> int:
    s = stat.shape
    if stat.kind == "conv2d":
        k, c_g, r, q = s["weight_shape"][0], s["weight_shape"][1], s["kernel"], s["out_hw"]
        return step * k * c_g * r[0] * r[1] * q[0] * q[1]
    return step * s["rows"] * s["in_channels"] * s["out_channels"]


def _conv_shape(node: fx.Node, x: torch.Tensor, w: torch.Tensor) -> dict:
    """Stride, padding, dilation, groups of a conv node; conv1d becomes conv2d of height 1."""
    name = op_name(node)
    args = list(node.args) + [None] * 9
    if name == "convolution":
        stride, padding, dilation, groups = args[3], args[4], args[5], args[8]
    else:
        stride, padding, dilation, groups = args[3], args[4], args[5], args[6]
    one_d = w.dim() == 3
    norm = lambda v, d: [d] * (1 if one_d else 2) if v is None else (  # noqa: E731
        list(v) if isinstance(v, (list, tuple)) else [v] * (1 if one_d else 2))
    stride, dilation = norm(stride, 1), norm(dilation, 1)
    kernel = list(w.shape[2:])
    if isinstance(padding, str):
        padding = [d * (k - 1) // 2 for d, k in zip(dilation, kernel)] if padding == "same" \
            else [0] * len(kernel)
    padding = norm(padding, 0)
    if one_d:
        stride, padding, dilation, kernel = ([1] + stride, [0] + padding, [1] + dilation,
                                             [1] + kernel)
        hw = (1, x.shape[-1])
    else:
        hw = tuple(x.shape[-2:])
    groups = int(groups or 1)
    out_hw = [(hw[i] + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1
              for i in range(2)]
    return {"in_channels": x.shape[1], "out_channels": w.shape[0], "hw": hw, "kernel": kernel,
            "stride": stride, "padding": padding, "dilation": dilation, "groups": groups,
            "out_hw": out_hw, "weight_shape": (w.shape[0], w.shape[1], kernel[0], kernel[1])}


def _conv_pairs(indicator: torch.Tensor, mask: torch.Tensor, s: dict) -> float:
    if indicator.dim() == 3:
        indicator = indicator.unsqueeze(2)
    pairs = F.conv2d(indicator, mask.reshape(s["weight_shape"]), None, s["stride"],
                     s["padding"], s["dilation"], s["groups"])
    return float(pairs.double().sum())


def _measure_act_matmul(stat: _Stat, node: fx.Node, values, result, step: int) -> None:
    a, b = values[0], values[1]
    _matmul_counts(stat, "", a, b, step)


def _matmul_counts(stat: _Stat, prefix: str, a: torch.Tensor, b: torch.Tensor,
                   step: int) -> None:
    """Counts of ``a @ b`` under keys ``prefix*``: shape, densities, exact effective MACs."""
    reduction, columns = a.shape[-1], b.shape[-1]
    if b.dim() == 2:
        groups, rows = 1, a.numel() // reduction // step
    else:
        batch = math.prod(torch.broadcast_shapes(a.shape[:-2], b.shape[:-2]))
        groups, rows = max(1, batch // step), a.shape[-2]
    stat.kind = "act_matmul"
    stat.shape[prefix] = {"groups": groups, "rows": rows, "reduction": reduction,
                          "columns": columns}
    stat.images += step if not prefix or prefix == "scores" else 0
    stat.add(prefix + "a_nnz", _nnz(a))
    stat.add(prefix + "a_count", a.numel())
    stat.add(prefix + "b_nnz", _nnz(b))
    stat.add(prefix + "b_count", b.numel())
    pairs = torch.matmul((a != 0).float(), (b != 0).float())
    stat.add(prefix + "eff", float(pairs.double().sum()))
    stat.add(prefix + "macs", step * groups * rows * reduction * columns)


def _measure_attention(stat: _Stat, node: fx.Node, values, result, step: int) -> None:
    """scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p, is_causal, scale):
    scores = q k^T * scale (+ mask), P = softmax(scores), out = P v; each part measured."""
    q, k, v = values[0], values[1], values[2]
    mask = values[3] if len(values) > 3 else None
    causal = bool(node.kwargs.get("is_causal", node.args[5] if len(node.args) > 5 else False))
    scale = node.kwargs.get("scale") or 1.0 / math.sqrt(q.shape[-1])
    if k.shape[-3] != q.shape[-3] and q.dim() == 4:  # grouped-query attention: repeat K/V heads
        k = k.repeat_interleave(q.shape[-3] // k.shape[-3], dim=-3)
        v = v.repeat_interleave(q.shape[-3] // v.shape[-3], dim=-3)
    kt = k.transpose(-1, -2)
    _matmul_counts(stat, "scores", q, kt, step)
    scores = torch.matmul(q, kt) * scale
    if causal:
        keep = torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool).tril()
        scores = scores.masked_fill(~keep, float("-inf"))
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool \
            else scores + mask
    probs = torch.softmax(scores, dim=-1)
    stat.add("softmax_in", scores.numel())
    stat.add("softmax_out_nnz", _nnz(probs))
    _matmul_counts(stat, "context", probs, v, step)
    stat.add("out_nnz", _nnz(result))
    stat.add("out_count", result.numel())
    stat.kind = "attention"


def _measure_vector(stat: _Stat, node: fx.Node, values, result, step: int) -> None:
    plan = stat.plan
    out = _first_tensor(result)
    ins = [v for a, v in zip(tensor_args(node), values) if isinstance(v, torch.Tensor)
           and not _is_parameter_like(a)]
    if plan.role == "maybe_copy" and not stat.counts:
        changes = (ins[0].dtype != out.dtype if plan.vector_op is VectorOp.ELEMENTWISE
                   else not ins[0].is_contiguous()) if ins else False
        stat.shape["copies"] = changes
    stat.images += step
    stat.kind = "vector"
    stat.add("in_count", sum(t.numel() for t in ins))
    stat.add("in_nnz", sum(_nnz(t) for t in ins))
    stat.add("out_count", out.numel())
    stat.add("out_nnz", _nnz(out))
    stat.add("bytes", sum(t.numel() * t.element_size() for t in ins)
             + out.numel() * out.element_size())


def _measure_embedding(stat: _Stat, node: fx.Node, values, result, step: int) -> None:
    stat.images += step
    stat.kind = "vector"
    stat.add("in_count", result.numel())
    stat.add("in_nnz", _nnz(result))
    stat.add("out_count", result.numel())
    stat.add("out_nnz", _nnz(result))
    stat.add("bytes", 2 * result.numel() * result.element_size())


def _measure_bytes(stat: _Stat, node: fx.Node, values, result, step: int) -> None:
    """Roles with no record (views, folded, constants, unmodelled): elements for coverage."""
    if stat.plan.role in ("view", "constant", "folded"):
        return
    out = result if isinstance(result, torch.Tensor) else None
    ins = [v for v in values if isinstance(v, torch.Tensor)]
    stat.images += step
    stat.add("bytes", sum(t.numel() * t.element_size() for t in ins)
             + (out.numel() * out.element_size() if out is not None else 0))


def _is_parameter_like(node: fx.Node) -> bool:
    return node.op == "get_attr"


_MEASURE = {"weighted": _measure_weighted, "act_matmul": _measure_act_matmul,
            "attention": _measure_attention, "vector": _measure_vector,
            "copy": _measure_vector, "maybe_copy": _measure_vector,
            "embedding": _measure_embedding}


# ---- records ---------------------------------------------------------------------------------

def _records(stats: dict[str, _Stat], plans: dict[str, NodePlan], producers: dict[str, str]):
    """(layers, coverage rows) in graph order; a row is (op, modelled as, MACs per image,
    bytes per image, covered)."""
    from pruning.graph_records import build_records
    return build_records(stats, plans, producers)
