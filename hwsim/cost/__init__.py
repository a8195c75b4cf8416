"""The analytical cost model: pure functions from (layer, accelerator) to frozen records.

Entry points: :func:`estimate_layer` -> :class:`LayerCost`, :func:`estimate_network` ->
:class:`NetworkCost`, :func:`compare_network` -> :class:`NetworkComparison` (dense baseline
and savings). The modules, in the order a layer goes through them: ``compute`` (MACs under
zero handling), ``operands`` (bytes per element from the storage formats), ``cycles``
(``systolic`` folds, ``imbalance``), ``dataflow`` + ``nest`` + ``traffic`` (loop-nest data
movement), ``search`` (mapping search), ``energy``, ``layer``, ``network``. See
docs/cost_model.md.
"""
from hwsim.cost.layer import EstimateOptions, estimate_layer
from hwsim.cost.network import (NetworkComparison, NetworkCost, Savings, compare_network,
                                estimate_network)
from hwsim.cost.records import (Imbalance, LayerCost, LayerMapping, LevelTiling, LevelTraffic,
                                WeightMemory)

__all__ = ["EstimateOptions", "Imbalance", "LayerCost", "LayerMapping", "LevelTiling",
           "LevelTraffic", "NetworkComparison", "NetworkCost", "Savings", "WeightMemory",
           "compare_network", "estimate_layer", "estimate_network"]
