"""Export a (pruned) torch model to hwsim's torch-free :class:`hwsim.workload.Network`.

:func:`export_pruned` is what ``hwsim prune`` and ``hwsim run`` use: the graph export
(:func:`pruning.graph_export.export_graph`, ``torch.export``: every op accounted for, a ReLU
after a layer recorded as that layer's ``producer``-linked activation) with this module's N:M
check and provenance; when ``torch.export`` cannot capture the model it falls back to the fx /
hook export below (:func:`export_model`, Conv2d and Linear only) and says so
(``traced_with``, ``fallback_reason``).

The fx / hook export (:func:`export_model`):

Per Conv2d/Linear layer: the shape seen on real inputs, the mask (numpy bool, weight shape), the
per-row / per-column nnz of the (K, C_g*R*S) matrix view, the weight density, and, measured over
the sample in eval mode:

* ``input_density``: non-zero fraction of the layer's (unpadded) input activations;
* ``output_density``: non-zero fraction of its output after the ReLU that directly follows it,
  where one does (rule in :mod:`pruning.graph`), else of the raw output;
* ``effective_macs``: the exact number of (non-zero weight, non-zero input) pairs, per image:
  the total over the sample divided by the number of images, rounded to the nearest integer
  (records are batch=1). For a conv it is conv2d of the 0/1 input indicator with the 0/1 mask
  as weights (same stride, padding, dilation, groups), summed, in float64 (exact below 2^53).

Worked example: a linear layer with mask [[1, 0], [1, 1]] and the input [3, 0] has
effective MACs 1 + 1 = 2 (column 0 is used by both rows; column 1 input is zero).

Layers the export cannot model are listed in :attr:`ExportResult.unsupported`, never dropped
silently; :func:`export_network` warns about them (or raises with ``strict=True``).

N:M: given the pattern each layer must satisfy (``n_m``, from an N:M schedule), the export checks
every mask with hwsim's group definition (:mod:`pruning.nm`), lists the checks in
:attr:`ExportResult.n_m` (violating groups per layer), records the total in the workload's
provenance and warns, naming the layers, when a group breaks its pattern; such a layer is still
exported (an N:M accelerator then runs it dense and says so).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import fx, nn

from hwsim.errors import HwsimError
from hwsim.types import LayerKind
from hwsim.workload import LayerWorkload, Network
from pruning.graph import ModelGraph, UnsupportedOp, trace_model
from pruning.nm import check_model, describe_checks, violation_message
from pruning.methods import current_mask
from pruning.models import prunable_layers


@dataclass
class _LayerStats:
    """Running sums over the sample for one layer (internal, mutable by design)."""

    input_shape: tuple = ()
    images: int = 0
    calls: int = 0
    input_nnz: int = 0
    input_count: int = 0
    output_nnz: int = 0
    output_count: int = 0
    effective_macs: int = 0
    pending_output: tuple = field(default=(0, 0))


@dataclass(frozen=True)
class ExportResult:
    """The exported network, the ops it could not model, how it was traced, and the N:M check
    of each layer given a pattern (``n_m``: layer -> :class:`hwsim.formats.NMCheck`);
    ``coverage`` (a :class:`pruning.coverage.CoverageReport`) and ``fallback_reason`` (why
    ``torch.export`` was not used) from :func:`export_pruned`."""

    network: Network
    unsupported: tuple[UnsupportedOp, ...]
    traced_with: str
    samples: int
    n_m: dict = field(default_factory=dict)
    coverage: object = None
    fallback_reason: str = ""


def export_pruned(model: nn.Module, sample_inputs: torch.Tensor, name: str,
                  source: str | None = None,
                  n_m: dict[str, tuple[int, int]] | None = None) -> ExportResult:
    """The graph export of ``model`` on ``sample_inputs`` (module docstring), with the N:M
    check of :func:`export_model` and ``source`` as the network's provenance."""
    from pruning.graph_export import export_graph
    if len(sample_inputs) == 0:
        raise HwsimError("export needs at least one sample input")
    graph = export_graph(model, sample_inputs, name)
    profile, checks = _provenance(model, name, len(sample_inputs), source, n_m)
    network = Network(name, graph.network.layers, profile)
    return ExportResult(network, graph.unsupported, graph.traced_with, graph.samples, checks,
                        graph.coverage, graph.fallback_reason)


def export_network(model: nn.Module, sample_inputs: torch.Tensor, name: str,
                   strict: bool = False) -> Network:
    """:func:`export_model` returning only the Network; warns (or raises if ``strict``) about
    unsupported ops."""
    result = export_model(model, sample_inputs, name)
    if result.unsupported:
        listed = "; ".join(f"{op.name} ({op.op_type}): {op.reason}" for op in result.unsupported)
        if strict:
            raise HwsimError(f"cannot model every op of {name}: {listed}")
        warnings.warn(f"export of {name} leaves out: {listed}", stacklevel=2)
    return result.network


def export_model(model: nn.Module, sample_inputs: torch.Tensor, name: str,
                 batch_size: int = 250, source: str | None = None,
                 n_m: dict[str, tuple[int, int]] | None = None) -> ExportResult:
    """Measure ``model`` on ``sample_inputs`` (N images) and build the Network (see module doc).

    ``n_m``: the (n, m) pattern per layer to verify; violations are reported, not fatal."""
    if len(sample_inputs) == 0:
        raise HwsimError("export needs at least one sample input")
    graph = trace_model(model, sample_inputs[:2])
    stats = {layer: _LayerStats() for layer in graph.layers}
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for start in range(0, len(sample_inputs), batch_size):
                _measure_batch(model, graph, sample_inputs[start:start + batch_size], stats)
    finally:
        model.train(was_training)
    layers, unsupported = _build_layers(model, stats, list(graph.unsupported))
    profile, checks = _provenance(model, name, len(sample_inputs), source, n_m)
    return ExportResult(Network(name, tuple(layers), profile), tuple(unsupported),
                        graph.traced_with, len(sample_inputs), checks)


def _provenance(model: nn.Module, name: str, samples: int, source: str | None,
                n_m: dict[str, tuple[int, int]] | None) -> tuple[str, dict]:
    """The network's provenance line and the N:M check per layer (a violation warns, never
    fails): ``("measured on 16 sample inputs; ...", {"fc1": ...})``."""
    profile = source or f"measured on {samples} sample inputs"
    checks = check_model(model, n_m) if n_m else {}
    if checks:
        profile = f"{profile}; {describe_checks(checks)}"
        message = violation_message(checks, name)
        if message:
            warnings.warn(message, stacklevel=3)
    return profile, checks


# ---- measurement ----------------------------------------------------------------------------

def _measure_batch(model: nn.Module, graph: ModelGraph, batch: torch.Tensor,
                   stats: dict[str, _LayerStats]) -> None:
    modules = prunable_layers(model)
    for layer_stats in stats.values():
        layer_stats.calls = 0
    record_input = lambda layer, x, y: _record_call(modules[layer], stats[layer], x, y)
    record_output = lambda layer, y: _record_output(stats[layer], y)
    if graph.graph_module is not None:
        _Recorder(graph, record_input, record_output).run(batch)
    else:
        _run_with_hooks(model, modules, batch, record_input, record_output)
    for layer_stats in stats.values():
        nnz, count = layer_stats.pending_output
        layer_stats.output_nnz += nnz
        layer_stats.output_count += count
        layer_stats.pending_output = (0, 0)


def _record_call(module: nn.Module, stats: _LayerStats, x: torch.Tensor,
                 y: torch.Tensor) -> None:
    stats.calls += 1
    stats.input_shape = tuple(x.shape[1:])
    stats.images += x.shape[0]
    nonzero = x != 0
    stats.input_nnz += int(nonzero.sum())
    stats.input_count += nonzero.numel()
    stats.effective_macs += count_effective_macs(module, nonzero)
    _record_output(stats, y)


def _record_output(stats: _LayerStats, y: torch.Tensor) -> None:
    stats.pending_output = (int((y != 0).sum()), y.numel())


def count_effective_macs(module: nn.Module, nonzero_input: torch.Tensor) -> int:
    """Exact (non-zero weight x non-zero input) pairs over the batch, with the module's mask.

    Conv2d example (1x1 input channel, 2x2 kernel, no padding): input indicator [[1, 0], [1, 1]]
    and mask [[1, 1], [0, 1]] -> one output position, pairs 1*1 + 0*1 + 1*0 + 1*1 = 2.
    """
    mask = current_mask(module).double()
    indicator = nonzero_input.double()
    if isinstance(module, nn.Conv2d):
        pairs = F.conv2d(indicator, mask, None, module.stride, module.padding, module.dilation,
                         module.groups)
    else:
        pairs = indicator.reshape(-1, indicator.shape[-1]) @ mask.T
    return int(round(float(pairs.sum())))


class _Recorder(fx.Interpreter):
    """Runs the fx graph and reports each layer's input/output and its ReLU's output."""

    def __init__(self, graph: ModelGraph, on_call, on_output):
        super().__init__(graph.graph_module)
        self.layer_nodes = set(graph.layers)
        self.after = {node: layer for layer, node in graph.activation.items() if node}
        self.on_call, self.on_output = on_call, on_output

    def run_node(self, n: fx.Node):
        if n.op == "call_module" and n.target in self.layer_nodes:
            x = self.env[n.args[0]]
            result = super().run_node(n)
            self.on_call(n.target, x, result)
            return result
        result = super().run_node(n)
        if n.name in self.after:
            self.on_output(self.after[n.name], result)
        return result


def _run_with_hooks(model, modules, batch, on_call, on_output) -> None:
    """Hook fallback: a layer's output is replaced by the next nn.ReLU fed with that tensor."""
    pending: dict = {}

    def layer_hook(module, inputs, output, name):
        on_call(name, inputs[0], output)
        pending["tensor"], pending["layer"] = output, name

    def relu_hook(module, inputs, output):
        if pending and inputs and inputs[0] is pending["tensor"]:
            on_output(pending["layer"], output)
        pending.clear()

    handles = [m.register_forward_hook(lambda mod, i, o, n=n: layer_hook(mod, i, o, n))
               for n, m in modules.items()]
    handles += [m.register_forward_hook(relu_hook) for m in model.modules()
                if isinstance(m, nn.ReLU)]
    try:
        model(batch)
    finally:
        for handle in handles:
            handle.remove()


# ---- records ---------------------------------------------------------------------------------

def _build_layers(model: nn.Module, stats: dict[str, _LayerStats],
                  unsupported: list[UnsupportedOp]) -> tuple[list, list]:
    layers, known = [], {op.name for op in unsupported}
    for name, module in prunable_layers(model).items():
        s = stats[name]
        if name in known:
            continue
        if s.images == 0:
            unsupported.append(UnsupportedOp(name, type(module).__name__,
                                             "not called on the sample inputs"))
        elif s.calls > 1:
            unsupported.append(UnsupportedOp(name, type(module).__name__,
                                             f"called {s.calls} times per forward: weight "
                                             "sharing is not modelled"))
        else:
            layers.append(layer_workload(name, module, s))
    return layers, unsupported


def layer_workload(name: str, module: nn.Module, s: _LayerStats) -> LayerWorkload:
    """The batch=1 record of one measured layer."""
    mask = current_mask(module).cpu().numpy().astype(bool)
    matrix = mask.reshape(mask.shape[0], -1)
    densities = dict(
        weight_density=float(mask.mean()),
        input_density=s.input_nnz / s.input_count if s.input_count else 1.0,
        output_density=s.output_nnz / s.output_count if s.output_count else 1.0,
        weight_mask=mask, row_nnz=matrix.sum(axis=1), col_nnz=matrix.sum(axis=0),
        effective_macs=int(round(s.effective_macs / s.images)))
    if isinstance(module, nn.Conv2d):
        _, height, width = s.input_shape
        return LayerWorkload(name, LayerKind.CONV2D, module.in_channels, module.out_channels,
                             height, width, module.kernel_size, module.stride,
                             _numeric_padding(module), module.dilation, module.groups, 1,
                             **densities)
    rows = int(np.prod(s.input_shape[:-1])) if len(s.input_shape) > 1 else 1
    return LayerWorkload(name, LayerKind.LINEAR, module.in_features, module.out_features,
                         rows, 1, **densities)


def _numeric_padding(conv: nn.Conv2d) -> tuple[int, int]:
    if conv.padding == "valid":
        return (0, 0)
    if conv.padding == "same":
        return tuple(d * (k - 1) // 2 for d, k in zip(conv.dilation, conv.kernel_size))
    return tuple(conv.padding)
