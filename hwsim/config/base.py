"""The base of every pydantic section of hwsim's input files: unknown keys refused
(``extra="forbid"``), frozen, no ``inf``/``nan`` in a number, no ``true``/``false`` where a
number is meant (pydantic's lax mode would read ``true`` as 1), and an upper bound on counts.

Example: ``compute: {clock_hz: .inf}`` fails with ``compute.clock_hz must be a finite
number. Got inf instead.``; ``weight_bits: true`` with ``compute.weight_bits must be a
number, not true or false. Got True instead.``
"""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

MAX_COUNT = 2 ** 40
"""Largest count a file may give (PEs, instances, banks, samples: about 10^12); a size in
bytes may be up to :data:`MAX_BYTES`."""
MAX_BYTES = 2 ** 60
"""Largest size in bytes (1 EiB)."""

def not_bool(value: Any) -> Any:
    """Refuse ``true``/``false`` where a number is meant (pydantic's lax mode reads it as 1/0)."""
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    return value


NoBool = BeforeValidator(not_bool)
"""Put in a numeric field's ``Annotated[...]``: ``Annotated[int, NoBool, Field(gt=0)]``."""

Count = Annotated[int, NoBool, Field(gt=0, le=MAX_COUNT)]
"""A positive count of things (PEs, instances, banks, lanes)."""


class Section(BaseModel):
    """``extra="forbid"``, frozen, finite numbers only (``allow_inf_nan=False``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
