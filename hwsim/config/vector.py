"""The vector (SIMD) unit of an accelerator YAML and which layer kinds the MAC array runs.

``vector:`` (optional) is the unit that runs ``vector`` layers (elementwise, activation,
softmax, norm, reduction, pooling, copies, :class:`hwsim.types.VectorOp`): ``lanes`` x
``ops_per_lane_per_cycle`` vector ops per cycle at ``op_energy_pj`` each (default: the energy
table's integer add at the accumulator width, e.g. 0.1 pJ for 32 bits at 45 nm). Without it,
vector layers are unsupported (and go to the ``fallback_arch`` when the file names one).

``compute.runs`` lists the layer kinds the MAC array runs (default: every MAC kind except on a
column broadcast (EIE), which runs ``linear`` and ``matmul`` with weights held in its SRAM:
an ``act_matmul`` operand B would have to be re-encoded and written into the weight SRAM every
inference, and conv2d needs an im2col lowering).

``compute.output_activations`` lists the activation functions (:class:`hwsim.types.Activation`)
the accelerator applies in its output path, to a layer's results on their way out of the
accumulators (default: none). A ``vector`` activation layer whose ``producer`` is a MAC layer
this accelerator runs is then applied there (fused) instead of running as a vector layer
(:mod:`hwsim.cost.fusion`). EIE: ``[relu]`` (the PE applies ReLU to its destination
activations before the leading-non-zero detection, EIE Sec. III and Fig. 4); a TPU-like
systolic array's activation unit after the accumulators (TPU1, Jouppi et al. ISCA 2017 Sec. 2).
TFLite's ``fused_activation_function`` on Conv2D / FullyConnected is the same idea in a model
format.

Example::

    vector: {lanes: 32, ops_per_lane_per_cycle: 1, source: "one ALU per array column"}
    compute: {..., runs: [conv2d, linear, matmul, act_matmul], output_activations: [relu]}
"""
from __future__ import annotations

from typing import Annotated, Optional

from pydantic import Field

from hwsim.config.base import MAX_COUNT, NoBool, Section

from hwsim.types import MAC_KINDS, Dataflow, LayerKind


class VectorUnitConfig(Section):
    """``vector:`` of an accelerator file (module docstring)."""

    lanes: Annotated[int, NoBool, Field(gt=0, le=MAX_COUNT)]
    ops_per_lane_per_cycle: Annotated[float, NoBool, Field(gt=0)] = 1.0
    op_energy_pj: Optional[Annotated[float, NoBool, Field(ge=0)]] = None
    source: str = ""


def check_mac_kinds(values: Optional[tuple]) -> Optional[tuple]:
    """``compute.runs``: MAC kinds only, none twice (vector layers run on ``vector:``)."""
    if values is None:
        return values
    if len(set(values)) != len(values):
        raise ValueError("must not list a layer kind twice")
    bad = [str(v) for v in values if v not in MAC_KINDS]
    if bad:
        raise ValueError("must list MAC-array kinds only (" + ", ".join(map(str, MAC_KINDS))
                         + "); vector layers run on the 'vector:' unit")
    return values


def check_output_activations(values: tuple) -> tuple:
    """``compute.output_activations``: none twice (the names are checked by the enum)."""
    if len(set(values)) != len(values):
        raise ValueError("must not list an activation twice")
    return values


def default_mac_kinds(dataflow: Dataflow) -> tuple[LayerKind, ...]:
    """The kinds a MAC array runs when ``compute.runs`` is not given (module docstring)."""
    if dataflow is Dataflow.COLUMN_BROADCAST:
        return (LayerKind.LINEAR, LayerKind.MATMUL)
    return MAC_KINDS


__all__ = ["VectorUnitConfig", "check_mac_kinds", "check_output_activations",
           "default_mac_kinds"]
