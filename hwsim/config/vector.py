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

Example::

    vector: {lanes: 32, ops_per_lane_per_cycle: 1, source: "one ALU per array column"}
    compute: {..., runs: [conv2d, linear, matmul, act_matmul]}
"""
from __future__ import annotations

from typing import Annotated, Optional

from pydantic import BaseModel, ConfigDict, Field

from hwsim.types import MAC_KINDS, Dataflow, LayerKind


class VectorUnitConfig(BaseModel):
    """``vector:`` of an accelerator file (module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    lanes: Annotated[int, Field(gt=0)]
    ops_per_lane_per_cycle: Annotated[float, Field(gt=0)] = 1.0
    op_energy_pj: Optional[Annotated[float, Field(ge=0)]] = None
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


def default_mac_kinds(dataflow: Dataflow) -> tuple[LayerKind, ...]:
    """The kinds a MAC array runs when ``compute.runs`` is not given (module docstring)."""
    if dataflow is Dataflow.COLUMN_BROADCAST:
        return (LayerKind.LINEAR, LayerKind.MATMUL)
    return MAC_KINDS


__all__ = ["VectorUnitConfig", "check_mac_kinds", "default_mac_kinds"]
