"""Per-layer and total numbers of a network (what ``hwsim workload show`` prints): pure records.

``macs_effective`` is the exact count when the layer carries ``effective_macs``, else the
expectation ``macs_dense x weight density x input density``, rounded to an integer.

Worked example (LeNet-300-100 fc2 under han2015): 30,000 weights x 9 % = 2,700 kept;
30,000 dense MACs x 0.09 x 0.38 (fc1's output density) = 1,026 effective MACs.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from hwsim.workload.layer import LayerWorkload, Network

SUMMARY_FIELDS = ("name", "kind", "weight_count", "weight_nnz", "weight_density",
                  "input_density", "output_density", "macs_dense", "macs_effective",
                  "macs_exact", "compression_x")


@dataclass(frozen=True)
class LayerSummary:
    """Counts and densities of one layer (or of the whole network, ``name == "total"``).

    ``macs_exact`` says whether ``macs_effective`` is exact or an expectation.
    """

    name: str
    kind: str
    weight_count: int
    weight_nnz: int
    weight_density: float
    input_density: float
    output_density: float
    macs_dense: int
    macs_effective: int
    macs_exact: bool

    @property
    def compression_x(self) -> float:
        """weight_count / weight_nnz; e.g. AlexNet under han2015 -> 60.95M / 6.80M = 9.0x."""
        return self.weight_count / self.weight_nnz if self.weight_nnz else float("inf")

    def as_dict(self) -> dict:
        """Plain dict of the fields plus ``compression_x`` (None when no weight is kept)."""
        ratio = self.compression_x
        return {**asdict(self), "compression_x": None if ratio == float("inf") else ratio}


@dataclass(frozen=True)
class NetworkSummary:
    """Summaries of every layer and the network total."""

    network: str
    profile: str | None
    batch: int
    layers: tuple[LayerSummary, ...]
    total: LayerSummary

    @property
    def compression_x(self) -> float:
        return self.total.compression_x

    def as_dict(self) -> dict:
        """``{"network", "profile", "batch", "layers": [...], "total": {..., compression_x}}``."""
        return {"network": self.network, "profile": self.profile, "batch": self.batch,
                "layers": [layer.as_dict() for layer in self.layers],
                "total": self.total.as_dict()}


def summarize_layer(layer: LayerWorkload) -> LayerSummary:
    """The summary of one layer (densities as stored; weight density exact from a mask).

    A compacted layer counts the weights and dense MACs of its original shape, so the removed
    channels show in its weight density and compression (fc2 of LeNet-300 compacted to
    150 x 50, dense inside: 7,500 of 30,000 weights, density 0.25, 4.0x). Act x act matmuls
    and vector layers store no weights (0 weights, density 1.0).
    """
    dense = layer.with_densities() if layer.is_compacted else layer
    stored = dense.stored_weight_count
    nnz = layer.weight_nnz if stored else 0
    return LayerSummary(layer.name, str(layer.kind), stored, nnz,
                        nnz / stored if stored else 1.0, layer.input_density,
                        layer.output_density, dense.macs_dense,
                        int(round(layer.expected_effective_macs())),
                        layer.effective_macs is not None)


def summarize_network(network: Network) -> NetworkSummary:
    """Per-layer summaries and the total.

    Total densities are weighted: weights by weight count (= nnz / count), inputs by input
    count, outputs by output count. Example: LeNet-300-100 dense -> 266,200 weights, 266,200
    MACs per image, compression 1.0x.
    """
    layers = tuple(summarize_layer(layer) for layer in network.layers)
    weights = sum(s.weight_count for s in layers)
    nnz = sum(s.weight_nnz for s in layers)
    total = LayerSummary(
        "total", "-", weights, nnz, nnz / weights if weights else 0.0,
        _weighted(network, "input_count", "input_density"),
        _weighted(network, "output_count", "output_density"),
        sum(s.macs_dense for s in layers), sum(s.macs_effective for s in layers),
        all(s.macs_exact for s in layers))
    batch = network.layers[0].batch if network.layers else 1
    return NetworkSummary(network.name, network.profile, batch, layers, total)


def _weighted(network: Network, count: str, density: str) -> float:
    counts = [getattr(layer, count) for layer in network.layers]
    if not sum(counts):
        return 0.0
    return sum(c * getattr(layer, density) for c, layer in zip(counts, network.layers)) / sum(
        counts)
