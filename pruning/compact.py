"""Compaction: remove fully pruned output channels / neurons and the inputs that read them.

Structured pruning (``l1_structured``) zeroes whole rows of a weight; masks alone keep the
layer's shape, so a dense accelerator computes the zeros anyway. :func:`compact_model` builds a
smaller model with the same outputs (eval mode): a removed channel's weights go from its
producer (rows), from every BatchNorm on the way (its statistics and affine terms) and from
every consumer (the matching input channels, or the ``H*W`` features of that channel after a
flatten). Masks are carried over, sliced the same way, so the compacted model exports with its
remaining (unstructured) sparsity.

The dataflow is read from a ``torch.fx`` trace. Every channel of every tensor gets a label; a
Conv2d/Linear output channel starts a new label, and labels travel unchanged through
BatchNorm, element-wise activations, dropout, identity and pooling, are repeated ``H*W`` times
by a flatten, concatenated by ``torch.cat`` along the channels and *joined* by an add (a
residual add ties channel j of every branch into one label). A label can be removed only if

* every producer channel joined in it has an all-zero weight row (so for a residual add, the
  channel is pruned in every branch feeding the add; otherwise it is kept);
* it never reaches the model's output or an op not listed above (reshape/view, mul, grouped
  convolution, ...), which keep their channels;
* at every consumer, its value is one constant over the sample images and positions (a row of
  zeros outputs its bias, through BatchNorm and ReLU a constant ``c``). The consumer's bias
  absorbs ``W[:, j] * c`` (summed over the kernel for a conv), exact for a linear layer or an
  unpadded convolution; a padded convolution can absorb only ``c == 0`` (its border reads
  zeros, not ``c``), else the channel is kept;
* its producer keeps at least one channel.

Worked example (LeNet-300, fc1 neuron 7 pruned, bias 0.3, ReLU): fc2's input 7 is the constant
relu(0.3) = 0.3; fc2's bias += 0.3 x fc2.weight[:, 7]; fc1 loses row 7 (784 -> 299 outputs) and
fc2 column 7 (299 inputs). The dead-neuron pass of the pipeline usually has done the folding
already (column 7 then is zero, and nothing is added).

Why not Torch-Pruning's ``DependencyGraph`` (the obvious library): version 1.6.1 with
torch 2.13 couples the two inputs of a ``torch.cat`` (pruning output channels 0-1 of one branch
also pruned channels 0-1 of the other and the model no longer ran), it removes channels without
folding their constant outputs into the consumers (so outputs change), and it does not slice
``torch.nn.utils.prune`` masks. The walk below is ~150 lines on the fx graph this package
already uses (:mod:`pruning.graph`).
"""
from __future__ import annotations

import copy
import dataclasses
import operator
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import fx, nn

from hwsim.errors import HwsimError
from hwsim.workload import Network, save_network
from pruning.export import export_pruned
from pruning.methods import current_mask, fixed_mask, make_permanent
from pruning.models import prunable_layers

PROBE_SAMPLES = 64
_KEEP_MODULES = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.ELU, nn.GELU, nn.SiLU, nn.Sigmoid,
                 nn.Tanh, nn.Hardtanh, nn.Hardswish, nn.Dropout, nn.Dropout2d, nn.Identity,
                 nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)
_KEEP_FUNCTIONS = (torch.relu, torch.relu_, F.relu, F.relu6, F.leaky_relu, F.gelu, F.silu,
                   torch.sigmoid, torch.tanh, F.dropout, F.max_pool2d, F.avg_pool2d,
                   F.adaptive_avg_pool2d, F.adaptive_max_pool2d)
_KEEP_METHODS = ("relu", "relu_", "sigmoid", "tanh", "contiguous")
_ADD = (operator.add, operator.iadd, torch.add)


@dataclass(frozen=True)
class LayerCompaction:
    """Channels of one Conv2d/Linear layer before and after compaction (inputs count features
    for a linear layer)."""

    name: str
    in_before: int
    in_after: int
    out_before: int
    out_after: int

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class CompactionResult:
    """The compacted model (a copy, in eval mode, masks carried), per-layer channel counts,
    and the largest output difference to the masked model over the sample."""

    model: nn.Module
    layers: tuple[LayerCompaction, ...]
    max_abs_diff: float
    samples: int

    def as_dict(self) -> dict:
        return {"layers": [layer.as_dict() for layer in self.layers],
                "max_abs_diff": self.max_abs_diff, "samples": self.samples}


def compact_model(model: nn.Module, sample_inputs: torch.Tensor, atol: float = 1e-5,
                  rtol: float = 1e-4) -> CompactionResult:
    """A copy of ``model`` without its fully pruned channels (see module doc); ``model`` is
    left untouched. Raises :class:`HwsimError` if fx cannot trace it or if the outputs on
    ``sample_inputs`` differ by more than ``atol + rtol * |y|`` (the proof of exactness)."""
    work = _copy(model).eval()
    masks = {name: (current_mask(m).clone(), hasattr(m, "weight_mask"))
             for name, m in prunable_layers(work).items()}
    make_permanent(prunable_layers(work).values())
    try:
        gm = fx.symbolic_trace(work)
    except Exception as exc:  # noqa: BLE001 - any tracing failure means no compaction
        raise HwsimError(f"cannot compact {type(model).__name__}: torch.fx cannot trace it "
                         f"({type(exc).__name__}: {exc})") from None
    with torch.no_grad():
        graph = _ChannelGraph(gm, sample_inputs[:PROBE_SAMPLES])
        removed = graph.removable()
        before = {name: (_in_size(m), _out_size(m)) for name, m in prunable_layers(work).items()}
        graph.fold_constants(removed)
        graph.slice(removed)
    for name, module in prunable_layers(work).items():
        mask, was_pruned = masks[name]
        if was_pruned:
            keep_out, keep_in = graph.kept(name, module, removed)
            fixed_mask(module, mask[keep_out][:, keep_in])
    layers = tuple(LayerCompaction(name, before[name][0], _in_size(m), before[name][1],
                                   _out_size(m)) for name, m in prunable_layers(work).items())
    diff = _check_outputs(model, work, sample_inputs, atol, rtol)
    return CompactionResult(work, layers, diff, len(sample_inputs))


def _copy(model: nn.Module) -> nn.Module:
    """Deep copy; a pruned module's ``weight`` (weight_orig x mask, a non-leaf tensor that
    deepcopy refuses) is copied detached."""
    memo = {id(m.weight): m.weight.detach().clone() for m in model.modules()
            if hasattr(m, "weight_mask") and isinstance(getattr(m, "weight", None), torch.Tensor)}
    return copy.deepcopy(model, memo)


def with_original_shapes(network: Network, result: CompactionResult) -> Network:
    """``network`` (exported from ``result.model``) with each compacted layer's original
    channel counts recorded (``original_in_channels`` / ``original_out_channels``)."""
    counts = {layer.name: layer for layer in result.layers}
    layers = []
    for layer in network.layers:
        c = counts.get(layer.name)
        if c is not None and (c.in_before, c.out_before) != (c.in_after, c.out_after):
            layer = dataclasses.replace(
                layer, original_in_channels=c.in_before if c.in_before != c.in_after else None,
                original_out_channels=c.out_before if c.out_before != c.out_after else None)
        layers.append(layer)
    return Network(network.name, tuple(layers), network.profile)


def _in_size(module: nn.Module) -> int:
    return module.in_channels if isinstance(module, nn.Conv2d) else module.in_features


def _out_size(module: nn.Module) -> int:
    return module.out_channels if isinstance(module, nn.Conv2d) else module.out_features


def _check_outputs(masked: nn.Module, compacted: nn.Module, inputs: torch.Tensor, atol: float,
                   rtol: float, batch_size: int = 250) -> float:
    was_training, worst = masked.training, 0.0
    masked.eval()
    try:
        with torch.no_grad():
            for start in range(0, len(inputs), batch_size):
                x = inputs[start:start + batch_size]
                want, got = masked(x), compacted(x)
                if want.shape != got.shape or not torch.allclose(got, want, rtol, atol):
                    raise HwsimError("compaction changed the model's outputs (max difference "
                                     f"{float((got - want).abs().max()):.3g}): please report")
                worst = max(worst, float((got - want).abs().max()))
    finally:
        masked.train(was_training)
    return worst


class _UnionFind:
    """Channel labels: ``new`` makes fresh ones, ``union`` joins two, ``find`` the root."""

    def __init__(self):
        self.parent: list[int] = []
        self.pinned: list[bool] = []

    def new(self, count: int, pinned: bool = False) -> np.ndarray:
        start = len(self.parent)
        self.parent += list(range(start, start + count))
        self.pinned += [pinned] * count
        return np.arange(start, start + count)

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: np.ndarray, b: np.ndarray) -> None:
        for i, j in zip(a.tolist(), b.tolist()):
            ri, rj = self.find(i), self.find(j)
            if ri != rj:
                self.parent[rj] = ri
                self.pinned[ri] = self.pinned[ri] or self.pinned[rj]

    def pin(self, labels: np.ndarray) -> None:
        for i in labels.tolist():
            self.pinned[self.find(i)] = True

    def roots(self, labels: np.ndarray) -> np.ndarray:
        return np.array([self.find(i) for i in labels.tolist()], dtype=np.int64)


class _Probe(fx.Interpreter):
    """Runs the graph once and keeps every node's output (small models, a few images)."""

    def __init__(self, gm: fx.GraphModule):
        super().__init__(gm)
        self.values: dict[fx.Node, object] = {}

    def run_node(self, n: fx.Node):
        result = super().run_node(n)
        self.values[n] = result
        return result


class _ChannelGraph:
    """Channel labels of every fx node, the producers / consumers / BatchNorms they touch."""

    def __init__(self, gm: fx.GraphModule, probe: torch.Tensor):
        self.gm, self.uf = gm, _UnionFind()
        probe_run = _Probe(gm)
        probe_run.run(probe)
        self.values = probe_run.values
        self.labels: dict[fx.Node, np.ndarray | None] = {}
        self.producers: dict[str, np.ndarray] = {}     # layer -> labels of its output channels
        self.consumers: dict[str, tuple[fx.Node, np.ndarray]] = {}   # layer -> input labels
        self.norms: dict[str, np.ndarray] = {}         # BatchNorm -> labels of its channels
        for node in gm.graph.nodes:
            self.labels[node] = self._visit(node)

    # ---- labelling --------------------------------------------------------------------------
    def _visit(self, node: fx.Node) -> np.ndarray | None:
        value = self.values.get(node)
        inputs = [a for a in node.all_input_nodes if self.labels.get(a) is not None]
        if node.op == "output":
            for a in inputs:
                self.uf.pin(self.labels[a])
            return None
        if node.op == "call_module":
            found = self._visit_module(node, self.gm.get_submodule(node.target), value)
            if found is not False:
                return found
        elif node.op == "call_function" and node.target in _ADD:
            found = self._visit_add(node, value)
            if found is not False:
                return found
        elif node.op == "call_function" and node.target is torch.cat:
            found = self._visit_cat(node, value)
            if found is not False:
                return found
        elif (node.op == "call_function" and node.target in _KEEP_FUNCTIONS
              or node.op == "call_method" and node.target in _KEEP_METHODS):
            return self.labels.get(node.args[0])
        elif self._is_flatten(node):
            return self._flatten(node.args[0], value)
        for a in inputs:                       # anything else keeps its channels
            self.uf.pin(self.labels[a])
        return self._fresh(value, pinned=True)

    def _fresh(self, value, pinned: bool) -> np.ndarray | None:
        if isinstance(value, torch.Tensor) and value.dim() >= 2:
            return self.uf.new(value.shape[1], pinned)
        return None

    def _visit_module(self, node: fx.Node, module: nn.Module, value):
        source = self.labels.get(node.args[0]) if node.args else None
        if source is None:
            return False
        if isinstance(module, (nn.Conv2d, nn.Linear)) and node.target in self.producers:
            self.uf.pin(self.producers[node.target])    # called twice (weight sharing):
            self.uf.pin(self.consumers[node.target][1])  # keep all its channels
            return False
        if isinstance(module, nn.Linear) and self.values[node.args[0]].dim() == 2 \
                or isinstance(module, nn.Conv2d) and module.groups == 1:
            self.consumers[node.target] = (node.args[0], source)
            self.producers[node.target] = self.uf.new(value.shape[1])
            return self.producers[node.target]
        if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
            if node.target in self.norms:              # called twice: keep its channels
                self.uf.pin(self.norms[node.target])
                return False
            self.norms[node.target] = source
            return source
        if isinstance(module, _KEEP_MODULES):
            return source
        if isinstance(module, nn.Flatten) and module.start_dim == 1 and module.end_dim == -1:
            return self._flatten(node.args[0], value)
        return False

    def _visit_add(self, node: fx.Node, value):
        tensors = [a for a in node.args if isinstance(a, fx.Node)]
        if not tensors or any(self.labels.get(a) is None for a in tensors):
            return False
        shapes = {tuple(self.values[a].shape) for a in tensors}
        if len(shapes) != 1 or tuple(value.shape) not in shapes:
            return False                      # broadcasting: keep every channel
        for other in tensors[1:]:
            self.uf.union(self.labels[tensors[0]], self.labels[other])
        return self.labels[tensors[0]]

    def _visit_cat(self, node: fx.Node, value):
        parts = node.args[0] if node.args else node.kwargs.get("tensors")
        dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
        if not isinstance(parts, (list, tuple)) or not all(
                isinstance(p, fx.Node) and self.labels.get(p) is not None for p in parts):
            return False
        if dim % value.dim() != 1:
            return False
        return np.concatenate([self.labels[p] for p in parts])

    def _is_flatten(self, node: fx.Node) -> bool:
        start = node.args[1] if len(node.args) > 1 else node.kwargs.get("start_dim", 0)
        end = node.args[2] if len(node.args) > 2 else node.kwargs.get("end_dim", -1)
        flat = (node.op == "call_function" and node.target is torch.flatten
                or node.op == "call_method" and node.target == "flatten")
        return flat and start == 1 and end == -1

    def _flatten(self, source: fx.Node, value) -> np.ndarray | None:
        labels = self.labels.get(source)
        if labels is None:
            return False
        block = int(np.prod(self.values[source].shape[2:]))
        return np.repeat(labels, block)

    # ---- decisions ------------------------------------------------------------------------
    def removable(self) -> np.ndarray:
        """Bool per label root: True where the channel goes (rules in the module doc)."""
        n = len(self.uf.parent)
        ok = np.ones(n, dtype=bool)
        for i in range(n):
            if self.uf.pinned[self.uf.find(i)]:
                ok[self.uf.find(i)] = False
        owned = np.zeros(n, dtype=bool)
        for name, labels in self.producers.items():
            weight = self.gm.get_submodule(name).weight.detach()
            zero = (weight.reshape(weight.shape[0], -1) == 0).all(dim=1).numpy()
            owned[labels] = True
            for label, is_zero in zip(labels.tolist(), zero.tolist()):
                ok[self.uf.find(label)] &= is_zero
        for i in np.nonzero(~owned)[0].tolist():
            ok[self.uf.find(i)] = False
        for name, (source, labels) in self.consumers.items():
            self._check_consumer(name, self.values[source], labels, ok)
        for name, labels in self.producers.items():      # keep one channel per layer
            roots = self.uf.roots(labels)
            if ok[roots].all():
                ok[roots[0]] = False
        return ok

    def _check_consumer(self, name: str, x: torch.Tensor, labels: np.ndarray,
                        ok: np.ndarray) -> None:
        module = self.gm.get_submodule(name)
        padded = isinstance(module, nn.Conv2d) and (module.padding not in ((0, 0), "valid"))
        roots = self.uf.roots(labels)
        for position in np.nonzero(ok[roots])[0].tolist():
            values = x[:, position].flatten()
            constant = bool((values == values[0]).all())
            if not constant or (padded and float(values[0]) != 0.0):
                ok[roots[position]] = False

    def kept(self, layer: str, module: nn.Module,
             removed: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """Bool masks of the output / input channels of ``layer`` that stay."""
        _, in_labels = self.consumers.get(layer, (None, None))
        out_labels = self.producers.get(layer)
        keep_out = (np.ones(_out_size(module), bool) if out_labels is None
                    else ~removed[self.uf.roots(out_labels)])
        keep_in = (np.ones(_in_size(module), bool) if in_labels is None
                   else ~removed[self.uf.roots(in_labels)])
        return torch.from_numpy(keep_out), torch.from_numpy(keep_in)

    # ---- surgery --------------------------------------------------------------------------
    def fold_constants(self, removed: np.ndarray) -> None:
        """Each consumer's bias absorbs the constant inputs it is about to lose."""
        for name, (source, labels) in self.consumers.items():
            gone = removed[self.uf.roots(labels)]
            if not gone.any():
                continue
            module = self.gm.get_submodule(name)
            constants = self.values[source][0, torch.from_numpy(gone)].double()
            weight = module.weight.detach()[:, torch.from_numpy(gone)].double()
            if isinstance(module, nn.Conv2d):
                weight, constants = weight.sum(dim=(2, 3)), constants.flatten(1)[:, 0]
            delta = weight @ constants
            if not delta.any():
                continue
            if module.bias is None:
                module.bias = nn.Parameter(torch.zeros(weight.shape[0],
                                                       dtype=module.weight.dtype))
            module.bias.data += delta.to(module.bias.dtype)

    def slice(self, removed: np.ndarray) -> None:
        """Drop the removed channels from every layer and BatchNorm."""
        for name, module in prunable_layers(self.gm).items():
            keep_out, keep_in = self.kept(name, module, removed)
            _set(module, "weight", module.weight.detach()[keep_out][:, keep_in])
            if module.bias is not None:
                _set(module, "bias", module.bias.detach()[keep_out])
            if isinstance(module, nn.Conv2d):
                module.out_channels, module.in_channels = int(keep_out.sum()), int(keep_in.sum())
            else:
                module.out_features, module.in_features = int(keep_out.sum()), int(keep_in.sum())
        for name, labels in self.norms.items():
            norm = self.gm.get_submodule(name)
            keep = torch.from_numpy(~removed[self.uf.roots(labels)])
            for attr in ("weight", "bias"):
                if getattr(norm, attr) is not None:
                    _set(norm, attr, getattr(norm, attr).detach()[keep])
            for attr in ("running_mean", "running_var"):
                if getattr(norm, attr) is not None:
                    setattr(norm, attr, getattr(norm, attr)[keep].clone())
            norm.num_features = int(keep.sum())


def _set(module: nn.Module, name: str, value: torch.Tensor) -> None:
    old = getattr(module, name)
    setattr(module, name, nn.Parameter(value.clone(), requires_grad=old.requires_grad))


@dataclass(frozen=True)
class CompactedExport:
    """The compacted network as exported (original shapes recorded), where it was written,
    and the compaction itself."""

    network: Network
    path: Path
    result: CompactionResult

    def as_dict(self) -> dict:
        """The ``compaction`` section of a pruning summary."""
        return {"workload_file": self.path.name, **self.result.as_dict(),
                "weights": sum(layer.weight_count for layer in self.network.layers),
                "weights_before": sum(layer.with_densities().weight_count
                                      for layer in self.network.layers)}


def export_compacted(model: nn.Module, sample_inputs: torch.Tensor, name: str,
                     path: str | os.PathLike, source: str | None = None) -> CompactedExport:
    """Compact ``model`` (:func:`compact_model`), export the copy as ``export_pruned`` does,
    record the original shapes and write the workload file ``path``."""
    result = compact_model(model, sample_inputs)
    exported = export_pruned(result.model, sample_inputs, name, source=source)
    network = with_original_shapes(exported.network, result)
    return CompactedExport(network, Path(save_network(network, path)), result)
