"""What the exporter and the dead-neuron pass need to know about a model's dataflow.

The model is traced with ``torch.fx``; where tracing fails (data-dependent control flow), forward
hooks on the leaf modules stand in, with a weaker view (functional activations are invisible).
Found per Conv2d/Linear layer:

* ``activation``: the node whose output is "the layer's output". Rule: if the layer's only user
  is a ReLU (``nn.ReLU``, ``F.relu``, ``torch.relu``, ``x.relu()``), its output density is
  measured after that ReLU; otherwise on the raw layer output. With hooks: the next leaf module
  called, if it is an ``nn.ReLU`` fed with the layer's output tensor itself.
* ``links``: producer -> consumer pairs joined only by ReLU, dropout, max-pooling, flatten or
  identity (one user each), for dead-neuron removal; ``block`` = consumer inputs per producer
  output channel (H x W after a conv flattened into a linear layer, else 1).
* ``unsupported``: every op hwsim cannot model, listed (never silently dropped): parametrised
  modules other than Conv2d/Linear, other convolutions, functional conv/linear/matmul calls,
  Conv2d with non-zero padding modes or asymmetric padding.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import fx, nn

from pruning.models import prunable_layers

_RELU_FUNCTIONS = (torch.relu, F.relu, torch.relu_)
_DROPOUT_FUNCTIONS = (F.dropout,)
_POOL_FUNCTIONS = (F.max_pool2d,)
_FLATTEN_FUNCTIONS = (torch.flatten,)
_WEIGHTED_FUNCTIONS = {F.conv1d: "F.conv1d", F.conv2d: "F.conv2d", F.conv3d: "F.conv3d",
                       F.linear: "F.linear", torch.matmul: "torch.matmul",
                       torch.bmm: "torch.bmm", torch.mm: "torch.mm", torch.einsum: "einsum",
                       operator.matmul: "@", F.scaled_dot_product_attention: "attention"}


@dataclass(frozen=True)
class UnsupportedOp:
    """An op of the model that hwsim's export does not model, and why."""

    name: str
    op_type: str
    reason: str

    def as_dict(self) -> dict:
        return {"name": self.name, "type": self.op_type, "reason": self.reason}


@dataclass(frozen=True)
class Link:
    """Producer layer -> consumer layer through channel-preserving ops (see module docstring).

    ``relu``: a ReLU lies between; ``foldable``: a neuron of the producer with no inputs feeds a
    constant (its activated bias) into the consumer, which its bias can absorb exactly.
    """

    producer: str
    consumer: str
    block: int
    relu: bool
    foldable: bool


@dataclass(frozen=True)
class ModelGraph:
    """Result of :func:`trace_model`; ``graph_module`` is None when fx tracing failed."""

    layers: tuple[str, ...]
    activation: dict
    links: tuple[Link, ...]
    unsupported: tuple[UnsupportedOp, ...]
    dropout_consumers: dict
    graph_module: fx.GraphModule | None
    traced_with: str


def trace_model(model: nn.Module, example: torch.Tensor) -> ModelGraph:
    """Trace ``model`` (fx, else hooks) on ``example`` (a small input batch)."""
    layers = tuple(prunable_layers(model))
    dropout_consumers = _dropout_consumers(model, example)
    try:
        gm = fx.symbolic_trace(model)
    except Exception:  # noqa: BLE001 - any tracing failure falls back to hooks
        return ModelGraph(layers, _hook_activations(model, example), (),
                          tuple(_unsupported_modules(model)), dropout_consumers, None, "hooks")
    nodes = {n.target: n for n in gm.graph.nodes if n.op == "call_module" and n.target in layers}
    activation = {name: _relu_after(node, gm) for name, node in nodes.items()}
    links = tuple(link for node in nodes.values()
                  if (link := _link_into(node, gm, nodes)) is not None)
    unsupported = list(_unsupported_modules(model)) + list(_unsupported_functions(gm))
    unsupported += [UnsupportedOp(name, type(mod).__name__, "never called in forward()")
                    for name, mod in prunable_layers(model).items() if name not in nodes]
    return ModelGraph(layers, activation, links, tuple(unsupported), dropout_consumers, gm, "fx")


def is_relu(node: fx.Node, gm: fx.GraphModule) -> bool:
    """True for nn.ReLU modules, F.relu / torch.relu calls and ``x.relu()``."""
    if node.op == "call_module":
        return isinstance(gm.get_submodule(node.target), nn.ReLU)
    if node.op == "call_function":
        return node.target in _RELU_FUNCTIONS
    return node.op == "call_method" and node.target in ("relu", "relu_")


def _relu_after(node: fx.Node, gm: fx.GraphModule) -> str | None:
    users = list(node.users)
    if len(users) == 1 and is_relu(users[0], gm):
        return users[0].name
    return None


def _pass_through(node: fx.Node, gm: fx.GraphModule) -> str | None:
    """'relu', 'dropout', 'pool', 'flatten' or 'identity' for channel-preserving ops, else None."""
    if is_relu(node, gm):
        return "relu"
    if node.op == "call_module":
        module = gm.get_submodule(node.target)
        kinds = ((nn.Dropout, "dropout"), (nn.MaxPool2d, "pool"), (nn.Identity, "identity"),
                 (nn.Flatten, "flatten"))
        for cls, kind in kinds:
            if isinstance(module, cls) and (kind != "flatten" or module.start_dim == 1):
                return kind
        return None
    if node.op == "call_function":
        if node.target in _DROPOUT_FUNCTIONS:
            return "dropout"
        if node.target in _POOL_FUNCTIONS:
            return "pool"
        if node.target in _FLATTEN_FUNCTIONS and tuple(node.args[1:2]) == (1,):
            return "flatten"
    return None


def _link_into(consumer: fx.Node, gm: fx.GraphModule, layer_nodes: dict) -> Link | None:
    if not consumer.args or not isinstance(consumer.args[0], fx.Node):
        return None
    node, kinds = consumer.args[0], []
    while node.op != "call_module" or node.target not in layer_nodes:
        kind = _pass_through(node, gm)
        if kind is None or len(node.users) != 1 or not isinstance(node.args[0], fx.Node):
            return None
        kinds.append(kind)
        node = node.args[0]
    if len(node.users) != 1:
        return None
    producer, taker = gm.get_submodule(node.target), gm.get_submodule(consumer.target)
    return _make_link(node.target, producer, consumer.target, taker, kinds)


def _make_link(p_name: str, producer: nn.Module, c_name: str, consumer: nn.Module,
               kinds: list[str]) -> Link | None:
    k_out = producer.out_channels if isinstance(producer, nn.Conv2d) else producer.out_features
    if isinstance(consumer, nn.Conv2d):
        if consumer.groups != 1 or consumer.in_channels != k_out or "flatten" in kinds:
            return None
        foldable = consumer.padding in ((0, 0), "valid") and consumer.padding_mode == "zeros"
        return Link(p_name, c_name, 1, "relu" in kinds, foldable)
    if consumer.in_features % k_out or (consumer.in_features != k_out and "flatten" not in kinds):
        return None
    if isinstance(producer, nn.Linear) and consumer.in_features != k_out:
        return None
    return Link(p_name, c_name, consumer.in_features // k_out, "relu" in kinds, True)


def _unsupported_modules(model: nn.Module):
    for name, module in model.named_modules():
        direct = list(module.parameters(recurse=False))
        if isinstance(module, nn.Conv2d):
            reason = _conv_problem(module)
            if reason:
                yield UnsupportedOp(name, "Conv2d", reason)
        elif direct and not isinstance(module, nn.Linear):
            yield UnsupportedOp(name, type(module).__name__,
                                "parametrised op other than Conv2d/Linear: not modelled")


def _conv_problem(conv: nn.Conv2d) -> str | None:
    if conv.padding_mode != "zeros":
        return f"padding_mode {conv.padding_mode!r}: only zero padding is modelled"
    if conv.padding == "same" and any(d * (k - 1) % 2 for d, k in zip(conv.dilation,
                                                                       conv.kernel_size)):
        return "padding 'same' with an even kernel is asymmetric: not modelled"
    return None


def _unsupported_functions(gm: fx.GraphModule):
    for node in gm.graph.nodes:
        if node.op == "call_function" and node.target in _WEIGHTED_FUNCTIONS:
            yield UnsupportedOp(node.name, _WEIGHTED_FUNCTIONS[node.target],
                                "functional op with two tensor operands: not modelled")
        elif node.op == "call_method" and node.target in ("matmul", "bmm", "mm"):
            yield UnsupportedOp(node.name, f"Tensor.{node.target}",
                                "functional op with two tensor operands: not modelled")


def _leaf_calls(model: nn.Module, example: torch.Tensor) -> list[tuple[str, nn.Module, tuple,
                                                                       object]]:
    """(name, module, inputs, output) of every leaf module call, in execution order."""
    calls, handles = [], []
    for name, module in model.named_modules():
        if not list(module.children()):
            handles.append(module.register_forward_hook(
                lambda mod, inp, out, name=name: calls.append((name, mod, inp, out))))
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(example)
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()
    return calls


def _dropout_consumers(model: nn.Module, example: torch.Tensor) -> dict[str, str]:
    """Each nn.Dropout -> the next Conv2d/Linear called after it (whose inputs it drops)."""
    consumers, pending = {}, []
    for name, module, _, _ in _leaf_calls(model, example):
        if isinstance(module, nn.Dropout):
            pending.append(name)
        elif isinstance(module, (nn.Conv2d, nn.Linear)):
            consumers.update({drop: name for drop in pending})
            pending = []
    return consumers


def _hook_activations(model: nn.Module, example: torch.Tensor) -> dict[str, str | None]:
    calls = _leaf_calls(model, example)
    found = {}
    for index, (name, module, _, output) in enumerate(calls):
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nxt = calls[index + 1] if index + 1 < len(calls) else None
            fed = nxt is not None and nxt[2] and nxt[2][0] is output
            found[name] = nxt[0] if fed and isinstance(nxt[1], nn.ReLU) else None
    return found
