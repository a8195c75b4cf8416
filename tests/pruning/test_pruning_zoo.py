"""Model-zoo coverage (issue 11): eight architectures built from small transformers configs,
pruned with global magnitude 50 %, exported: >= 99 % of MACs and bytes covered, nothing
unmodelled, MACs equal to the independent count (hooks + attention arithmetic in
zoo_models), the prune masks in the records. Full-size models and published MACs:
benchmarks/zoo_export.py and the table in docs/workloads.md."""
import pytest
import torch

from hwsim.types import LayerKind
from pruning.graph_export import export_graph

pytest.importorskip("transformers")
import zoo_models as zoo  # noqa: E402


@pytest.mark.parametrize("name", list(zoo.small_models()))
def test_zoo_model_covered_and_counted(name):
    build, inputs, attention_macs = zoo.small_models()[name]
    torch.manual_seed(0)
    model = zoo.prune_global(build().eval())
    x = inputs(2)
    result = export_graph(model, x, name)
    layers = result.network.layers
    assert result.traced_with == "torch.export", result.fallback_reason
    assert result.unsupported == ()
    assert result.coverage.mac_fraction >= 0.99 and result.coverage.byte_fraction >= 0.99
    weighted = [l for l in layers if l.kind.has_weights]
    acts = [l for l in layers if l.kind is LayerKind.ACT_MATMUL]
    assert sum(l.macs_dense for l in weighted) == zoo.hooked_macs(model, x)
    assert sum(l.macs_dense for l in acts) == attention_macs
    kept = sum(l.weight_nnz for l in weighted) / sum(l.weight_count for l in weighted)
    assert kept == pytest.approx(0.5, abs=0.02)       # global 50 % over these weights
