"""The ``row_stationary:`` section of an accelerator file: what Eyeriss's row-stationary model
needs beyond the memory levels (:mod:`hwsim.cost.row_stationary`).

The three per-PE scratchpads and the global buffer stay ordinary memory levels (their sizes,
widths and energies); this section splits the global buffer between ifmaps/psums and filters
(the chip's banks), gives the filter delivery width, the energy of one word over the PE-array
network (NoC) and whether loading a pass's filters overlaps the MACs.

Example (Eyeriss, ``arch_configs/eyeriss.yaml``)::

    row_stationary:
      glb_ifmap_psum_bytes: 100 KiB      # 25 banks x 4 KB
      glb_filter_bytes: 8 KiB            # 2 banks x 4 KB
      filter_words_per_cycle: 4          # one 64-bit filter bank word = 4 x 16 b per cycle
      noc_energy_pj_per_bit: 0.1321      # inter-PE 2 x MAC / 16 b
      filter_load_overlaps_compute: false
"""
from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from hwsim.config.base import NoBool, Section


def _size(value):
    from hwsim.config.schema import parse_size  # late: schema imports this module
    return parse_size(value)


class RowStationaryConfig(Section):
    """Eyeriss row-stationary parameters (module docstring); every field is validated on its
    own, and :func:`hwsim.cost.row_stationary.rs_parameters` checks the global-buffer split
    against ``memories``."""

    glb_ifmap_psum_bytes: Annotated[int, NoBool, BeforeValidator(_size), Field(gt=0)]
    glb_filter_bytes: Annotated[int, NoBool, BeforeValidator(_size), Field(gt=0)]
    filter_words_per_cycle: Annotated[float, NoBool, Field(gt=0)]
    noc_energy_pj_per_bit: Annotated[float, NoBool, Field(ge=0)]
    filter_load_overlaps_compute: bool = False
    encode_dram_activations: bool = True
    source: str = ""
