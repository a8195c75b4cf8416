"""The analytical cost model: pure functions from (layer, accelerator) to frozen records.

Entry points: :func:`estimate_layer` -> :class:`LayerCost`, :func:`estimate_network` ->
:class:`NetworkCost`, :func:`compare_network` -> :class:`NetworkComparison` (dense
baselines, savings attributed to pruning and to the accelerator, coverage). The modules, in
the order a layer goes through them: ``compute`` (MACs under zero handling), ``operands``
(bytes per element from the storage formats), ``cycles`` (``systolic`` folds, ``imbalance``),
``dataflow`` + ``nest`` + ``traffic`` (loop-nest data movement), ``search`` (mapping search),
``energy``, ``layer``; then ``residency`` (which layers keep weights on chip, shared with the
simulator), ``network`` + ``totals`` + ``savings``. See docs/cost_model.md.
"""
from hwsim.cost.layer import EstimateOptions, estimate_layer
from hwsim.cost.network import NetworkComparison, NetworkCost, compare_network, estimate_network
from hwsim.cost.records import (Imbalance, LayerCost, LayerMapping, LevelTiling, LevelTraffic,
                                WeightMemory)
from hwsim.cost.residency import ResidencyPlan, plan_residency
from hwsim.cost.savings import Attribution, Coverage, Savings

__all__ = ["Attribution", "Coverage", "EstimateOptions", "Imbalance", "LayerCost",
           "LayerMapping", "LevelTiling", "LevelTraffic", "NetworkComparison", "NetworkCost",
           "ResidencyPlan", "Savings", "WeightMemory", "compare_network", "estimate_layer",
           "estimate_network", "plan_residency"]
