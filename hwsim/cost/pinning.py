"""User-pinned mappings and search constraints (:mod:`hwsim.config.mapping`) applied to the
analytical model.

* Generic (loop-nest) model: a pinned mapping fixes the spatial unrolling, the DRAM-level trips
  and both loop orders, so the search evaluates that one candidate (:func:`pinned_nest`);
  constraints fix the spatial unrolling or a level's order, or make an operand bypass a level
  (:func:`bypassed`: the level no longer holds it, so the chain skips it).
* Row stationary: a pinned mapping is read back into Eyeriss's parameters
  (:func:`rs_from_pin`); ``row_stationary`` constraints fix some of e, r, t, p, q, n and the
  search picks the rest.

Example: the printed ``dram[K4 C2] > buffer[...] > spatial[C32 K16] (weight_stationary; order
dram NPQ>K>CRS, buffer K>CRS>NPQ)`` pins trips {K: 4, C: 2} above the buffer, orders
(NPQ, K, CRS) / (K, CRS, NPQ) and spatial (C 32, K 16): one candidate, the same numbers.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from hwsim.arch.model import Accelerator
from hwsim.cost.nest import LoopBounds, Nest, build_nest
from hwsim.errors import ConfigError, Problem
from hwsim.types import Operand

TRIP_DIMS = ("N", "K", "C", "P", "Q")


def layer_pins(options, layer):
    """The :class:`~hwsim.config.mapping.LayerPins` of ``layer`` under ``options.mappings``
    (None when there is no mapping file or nothing applies)."""
    mappings = getattr(options, "mappings", None)
    if mappings is None:
        return None
    pins = mappings.pins(layer)
    return None if pins.empty else pins


def generic_pin(pins, arch: Accelerator, layer_name: str):
    """(spatial slots, DRAM trips, order0, order1) of a pinned generic mapping, or None when
    the pin is a row-stationary one (it has a ``pe`` level)."""
    if pins is None or pins.mapping is None:
        return None
    levels = {l.level: l for l in pins.mapping.levels}
    if "pe" in levels:
        return None
    outer = levels.get(arch.dram.name)
    inner = levels.get("buffer")
    problems = []
    for name, lvl in ((arch.dram.name, outer), ("buffer", inner)):
        if lvl is None or len(lvl.order) != 3:
            problems.append(Problem(f"mappings[{layer_name}].mapping.levels.{name}.order",
                                    "must list the three loop groups NPQ, K, CRS",
                                    None if lvl is None else list(lvl.order)))
    if problems:
        raise ConfigError(problems)
    trips = {d: float(outer.factors.get(d, 1)) for d in TRIP_DIMS}
    return (tuple((d, f) for d, f in pins.mapping.spatial), trips, tuple(outer.order),
            tuple(inner.order))


def pinned_nest(bounds: LoopBounds, spatial_factors: dict, trips: dict, orders0: tuple,
                orders1: tuple) -> Nest:
    """A one-tiling nest: DRAM trips ``trips`` under the orders ``orders0`` / ``orders1``
    (one each when pinned)."""
    t0 = {d: np.array([trips.get(d, 1.0)]) for d in TRIP_DIMS}
    return build_nest(bounds, t0, spatial_factors, orders0, orders1)


def constrained_orders(pins, arch: Accelerator, default0: tuple, default1: tuple):
    """(orders tried above the buffer, inside it) under a constraint's ``orders``."""
    if pins is None:
        return default0, default1
    orders = dict(pins.orders)
    o0 = orders.get(arch.dram.name)
    o1 = orders.get("buffer")
    return ((tuple(o0),) if o0 else default0), ((tuple(o1),) if o1 else default1)


def bypassed(arch: Accelerator, pins) -> Accelerator:
    """``arch`` with each constrained (level, operand) removed from that level's operands."""
    if pins is None or not pins.bypass:
        return arch
    drop: dict = {}
    for level, op in pins.bypass:
        drop.setdefault(level, set()).add(Operand(op))
    levels = tuple(replace(l, operands=frozenset(l.operands - drop[l.name]))
                   if l.name in drop else l for l in arch.memories)
    return replace(arch, memories=levels)


def rs_from_pin(pins, shape, cols: int):
    """The :class:`~hwsim.cost.row_stationary.RsMapping` a printed row-stationary mapping
    encodes (spatial R, P = e, C = r, K = t; pe K = p, C = q, N = n, Q = f; glb K, N, P =
    blocks of passes; DRAM order with CRS = ifmap re-read per filter block), or None."""
    from hwsim.cost.row_stationary import RsMapping
    if pins is None or pins.mapping is None:
        return None
    levels = {l.level: l for l in pins.mapping.levels}
    if "pe" not in levels:
        return None
    sp = dict(pins.mapping.spatial)
    pe, glb = levels["pe"].factors, levels.get("glb")
    gf = glb.factors if glb is not None else {}
    e, r, t = int(sp.get("P", 1)), int(sp.get("C", 1)), int(sp.get("K", 1))
    p, q, n, f = pe.get("K", 1), pe.get("C", 1), pe.get("N", 1), pe.get("Q", 1)
    dram = levels.get("dram")
    resident = dram is None or "CRS" not in dram.order
    return RsMapping(e, -(-e // cols), r, t, p, q, n, min(shape.n, n * gf.get("N", 1)),
                     min(shape.m, p * t * gf.get("K", 1)), min(shape.e, e * gf.get("P", 1)),
                     f, resident)


__all__ = ["bypassed", "constrained_orders", "generic_pin", "layer_pins",
           "pinned_nest", "rs_from_pin", "generic_setup"]


def generic_setup(pins, arch: Accelerator, bounds: LoopBounds, layer_name: str):
    """(arch after bypasses, spatial unrolling, search pins or None) for the generic model:
    a pinned mapping's spatial slots or a constraint's, else the dataflow's; search pins are
    ((DRAM trips or None), orders above the buffer, orders inside it)."""
    from hwsim.cost.dataflow import Spatial, inner_orders, spatial_unrolling
    from hwsim.cost.nest import REPRESENTATIVE_ORDERS
    arch = bypassed(arch, pins)
    if pins is None:
        return arch, spatial_unrolling(arch, bounds), None
    pin = generic_pin(pins, arch, layer_name)
    slots = pin[0] if pin else pins.spatial
    spatial = Spatial(tuple(slots)) if slots else spatial_unrolling(arch, bounds)
    if pin is not None:
        return arch, spatial, (pin[1], (pin[2],), (pin[3],))
    o0, o1 = constrained_orders(pins, arch, tuple(REPRESENTATIVE_ORDERS), inner_orders(arch))
    return arch, spatial, (None, o0, o1)
