"""Vector layers on the vector (SIMD) unit, and which layer kinds an accelerator runs.

A ``vector`` layer (:class:`hwsim.types.VectorOp`: elementwise, activation, softmax, norm,
reduction, pool, copy, gather) streams its operands once, as every layer does in this model
(layer by layer, activations cross DRAM: the compulsory traffic of the MAC layers too):

* traffic: DRAM reads the inputs (``in_channels`` x batch elements at ``activation_bits``) and
  writes the outputs (``out_channels`` x batch); the outermost on-chip level holding inputs is
  written and read once per input byte, the outermost one holding outputs once per output byte;
* timing (:class:`VectorTiming`, the simulator's pipeline): the input is cut into chunks of at
  most ``DMA_CHUNK_BYTES`` (2 KiB, one DRAM page) and half the outermost on-chip input level;
  per chunk, loading and storing take bytes / DRAM bandwidth and the unit takes
  ``max(ceil(ops / (lanes x ops per lane per cycle)), on-chip bytes / level bandwidth)``,
  ops = outputs x ``ops_per_element``; latency = load + compute + store of one chunk + (chunks
  - 1) x max(load + store, compute) (double buffering; loads and stores share the DRAM bus);
* energy = traffic energy + ops x ``op_energy_pj`` (component ``vector``) + leakage.

Worked example (``tests/cost/test_cost_vector.py``): a softmax over 1,000 elements at 8 bits,
5 ops each, on 4 lanes at 1 op per lane per cycle and 0.5 pJ per op, DRAM 100 pJ/byte at
4 bytes/cycle, one SRAM at 5 pJ/byte and 16 bytes/cycle: one chunk (1,000 B); load 250, store
250, compute max(5,000 / 4, 4,000 / 16) = 1,250 cycles -> latency 1,750 cycles; DRAM 2,000 B,
200,000 pJ; SRAM 4,000 B, 20,000 pJ; ops 5,000 x 0.5 = 2,500 pJ; energy 222,500 pJ. A 1 MiB
softmax: 512 chunks of 2,048 B, load = store = 512 cycles, compute 2,560 cycles -> latency
512 + 2,560 + 512 + 511 x 2,560 = 1,311,744 cycles (compute-bound).

A decoder's KV cache (``LayerWorkload.kv_cache``, :mod:`hwsim.workload.decoder`): an act x
act matmul reads its operand B from the cache at ``kv_bits`` per element (else at the
activation bits: B is an activation), reported as ``kv_cache_read_bytes`` (B's DRAM reads); a
vector layer appending to the cache writes its outputs at ``kv_bits``, reported as
``kv_cache_write_bytes``. Every image / sequence has its own operand B, so the batch is folded
into the groups before pricing (:func:`as_weighted_matmul`): at batch 4 the BERT scores read
4 x (Q + K), not 4 x Q + K. Example: Llama-2-7B decode scores at context 2048, batch 1,
16-bit KV: B = 32 heads x 128 x 2048 x 2 bytes = 16,777,216 bytes read from DRAM.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from hwsim.arch.model import Accelerator
from hwsim.cost import energy as en
from hwsim.cost.broadcast import DMA_CHUNK_BYTES
from hwsim.cost.records import LayerCost, LevelTraffic, pairs_from
from hwsim.types import LayerKind, MemoryKind, Operand
from hwsim.workload.layer import LayerWorkload

ACT_MATMUL_NOTE = ("act x act matmul: operand B is an activation (no stored weights); it "
                   "streams through the weight path, its traffic counted as inputs")


def kind_unsupported_reason(layer: LayerWorkload, arch: Accelerator) -> str | None:
    """Why ``arch`` cannot run a layer of this kind, or None (see :mod:`hwsim.config.vector`)."""
    if layer.kind is LayerKind.VECTOR:
        if arch.vector is None:
            return ("vector layer: the accelerator has no vector unit ('vector:' in its arch "
                    "file)")
        return None
    runs = arch.runs or ()
    if runs and layer.kind not in runs:
        listed = ", ".join(str(k) for k in runs)
        return f"{layer.kind} layer: the MAC array runs {listed} only (compute.runs)"
    return None


@dataclass(frozen=True)
class VectorTiming:
    """The chunked pipeline of a vector layer, shared with the simulator: ``chunks`` of at most
    ``DMA_CHUNK_BYTES`` of input (and half the outermost on-chip input level), per chunk
    ``load`` / ``store`` DRAM cycles (bytes / bandwidth), ``compute`` cycles (vector ops, or the
    on-chip levels' bytes when slower, ``port_level`` then names the slowest) and ``ops``
    cycles (vector ops alone)."""

    chunks: int
    load: float
    store: float
    compute: float
    ops: float
    port_level: str | None

    @property
    def latency(self) -> float:
        """load + compute + store of one chunk, then one slowest stage per further chunk (the
        loader and the storer share the DRAM bus)."""
        stage = max(self.load + self.store, self.compute)
        return self.load + self.compute + self.store + (self.chunks - 1) * stage


def output_element_bytes(layer: LayerWorkload, arch: Accelerator) -> float:
    """Bytes per output element of a vector layer: ``kv_bits`` / 8 for a KV-cache append
    that gives them, else the activation bits / 8 (e.g. 8-bit KV on a 16-bit arch: 1.0)."""
    if layer.kv_cache and layer.kv_bits is not None:
        return layer.kv_bits / 8
    return arch.compute.activation_bits / 8


def vector_timing(layer: LayerWorkload, arch: Accelerator) -> VectorTiming:
    """The :class:`VectorTiming` of ``layer`` on ``arch`` (module docstring)."""
    act_bytes = arch.compute.activation_bits / 8
    in_bytes = layer.input_count * act_bytes
    out_bytes = layer.output_count * output_element_bytes(layer, arch)
    chip = [l for l in arch.path(Operand.INPUTS) if l.kind is not MemoryKind.DRAM]
    limit = min(DMA_CHUNK_BYTES, chip[0].total_size_bytes // 2) if chip else DMA_CHUNK_BYTES
    chunks = max(1, math.ceil(in_bytes / max(1, limit)))
    bandwidth = arch.dram.total_bandwidth_bytes_per_cycle
    ops = math.ceil(layer.vector_ops / chunks / arch.vector.peak_ops_per_cycle)
    moved: dict[str, tuple[float, float]] = {}
    for name, _, r, w in vector_flows(arch, in_bytes / chunks, out_bytes / chunks):
        level = arch.level(name)
        if level.kind is not MemoryKind.DRAM and level.total_bandwidth_bytes_per_cycle > 0:
            pr, pw = moved.get(name, (0.0, 0.0))
            moved[name] = (pr + r, pw + w)
    ports = {name: float(en.level_transfer_cycles(arch.level(name), r, w))
             for name, (r, w) in moved.items()}
    slowest = max(ports, key=ports.get) if ports else None
    port = math.ceil(ports[slowest]) if slowest else 0
    return VectorTiming(chunks, in_bytes / chunks / bandwidth, out_bytes / chunks / bandwidth,
                        float(max(ops, port)), float(ops), slowest if port > ops else None)


def estimate_vector(layer: LayerWorkload, arch: Accelerator) -> LayerCost:
    """Analytical cost of a vector layer on ``arch``'s vector unit (module docstring)."""
    unit = arch.vector
    act_bytes = arch.compute.activation_bits / 8
    in_bytes = layer.input_count * act_bytes
    out_bytes = layer.output_count * output_element_bytes(layer, arch)
    flows = vector_flows(arch, in_bytes, out_bytes)
    traffic = tuple(_row(arch, name, op, r, w) for name, op, r, w in flows)
    moved: dict[str, tuple[float, float]] = {}
    for t in traffic:
        pr, pw = moved.get(t.level, (0.0, 0.0))
        moved[t.level] = (pr + t.read_bytes, pw + t.write_bytes)
    transfers = {name: float(en.level_transfer_cycles(arch.level(name), r, w))
                 for name, (r, w) in moved.items()}
    timing = vector_timing(layer, arch)
    ops = layer.vector_ops
    latency = timing.latency
    if timing.compute < timing.load + timing.store:
        bottleneck = "dram"
    else:
        bottleneck = timing.port_level or "compute"
    op_pj = ops * unit.op_energy_pj
    leak = float(en.leakage_energy_pj(arch, latency))
    comp, oper = en.energy_split(traffic, {"vector": op_pj, "leakage": leak})
    return LayerCost(
        name=layer.name, arch=arch.name, batch=layer.batch, traffic=traffic,
        energy_pj=sum(comp.values()), energy_by_component=pairs_from(comp),
        energy_by_operand=pairs_from(oper), latency_cycles=latency,
        compute_cycles=timing.ops * timing.chunks, transfer_cycles=tuple(transfers.items()),
        bottleneck=bottleneck, clock_hz=arch.compute.clock_hz,
        compulsory_dram_bytes=in_bytes + out_bytes, peak_activation_bytes=in_bytes + out_bytes,
        utilization=(ops / (latency * unit.peak_ops_per_cycle)) if latency else 0.0,
        kv_cache_write_bytes=kv_write_bytes(layer, traffic),
        notes=(f"vector {layer.vector_op}: {ops:,.0f} ops on {unit.lanes} lanes in "
               f"{timing.chunks} chunk(s)",))


def vector_flows(arch: Accelerator, in_bytes: float, out_bytes: float):
    """(level, operand, read bytes, write bytes) of a vector layer (module docstring)."""
    flows = []
    for operand, nbytes in ((Operand.INPUTS, in_bytes), (Operand.OUTPUTS, out_bytes)):
        path = arch.path(operand)
        dram = [l for l in path if l.kind is MemoryKind.DRAM]
        chip = [l for l in path if l.kind is not MemoryKind.DRAM]
        if dram:
            reads, writes = (nbytes, 0.0) if operand is Operand.INPUTS else (0.0, nbytes)
            flows.append((dram[0].name, operand, reads, writes))
        if chip:
            flows.append((chip[0].name, operand, nbytes, nbytes))
    return flows


def kv_write_bytes(layer: LayerWorkload, traffic) -> float:
    """DRAM bytes a KV-cache append writes (its outputs' DRAM writes), else 0."""
    if not layer.kv_cache:
        return 0.0
    return sum(t.write_bytes for t in traffic
               if t.kind is MemoryKind.DRAM and t.operand is Operand.OUTPUTS)


def _row(arch: Accelerator, name: str, operand: Operand, reads: float,
         writes: float) -> LevelTraffic:
    level = arch.level(name)
    return LevelTraffic(level=name, operand=operand, reads=en.accesses(level, reads),
                        writes=en.accesses(level, writes), read_bytes=reads, write_bytes=writes,
                        energy_pj=float(en.level_energy_pj(level, reads, writes)),
                        kind=level.kind)


def as_weighted_matmul(layer: LayerWorkload) -> LayerWorkload:
    """The same loop nest as a ``matmul`` whose operand B is on the weight path (densities
    kept: B's measured density is ``weight_density``), the batch folded into the groups (each
    image or sequence has its own B): batch 4 x 12 heads -> 48 groups of batch 1."""
    from dataclasses import replace
    b = layer.batch
    return replace(layer, kind=LayerKind.MATMUL, groups=layer.groups * b,
                   in_channels=layer.in_channels * b, out_channels=layer.out_channels * b,
                   batch=1, kv_cache=False, kv_bits=None)


def operand_b_arch(layer: LayerWorkload, arch: Accelerator) -> Accelerator:
    """``arch`` with its weight path carrying operand B of an act x act matmul: values of
    ``kv_bits`` (a KV-cache read that gives them) or the activation bits, in the weight format
    without a codebook (run-time values are not clustered). ``arch`` itself when nothing
    differs (every reference arch without ``kv_bits``)."""
    from dataclasses import replace
    bits = layer.kv_bits if layer.kv_cache and layer.kv_bits else arch.compute.activation_bits
    sp = arch.sparsity
    if (bits == arch.compute.weight_bits and sp.weight_sharing is None
            and sp.weight_format.value_bits == bits):
        return arch
    return replace(arch, compute=replace(arch.compute, weight_bits=bits),
                   sparsity=replace(sp, weight_sharing=None,
                                    weight_format=replace(sp.weight_format, value_bits=bits)))


def without_stored_weights(cost: LayerCost, layer: LayerWorkload | None = None) -> LayerCost:
    """An act x act matmul's cost as priced with operand B on the weight path, restated with
    no stored weights: weight count 0, nothing resident or loaded once, B's traffic and energy
    counted as inputs (rows of the same level merged), and a note. With the ``layer``: its
    batch (folded into the groups for pricing) and, for a KV-cache read, B's DRAM read bytes
    as ``kv_cache_read_bytes``."""
    from dataclasses import replace

    from hwsim.cost.records import WeightMemory
    if layer is not None:
        kv = sum(t.read_bytes for t in cost.traffic if t.kind is MemoryKind.DRAM
                 and t.operand is Operand.WEIGHTS) if layer.kv_cache else 0.0
        cost = replace(cost, batch=layer.batch, kv_cache_read_bytes=kv)
    if not cost.supported:
        return replace(cost, weight_count=0, weight_nnz=0, weights=WeightMemory())
    merged: dict[tuple, LevelTraffic] = {}
    for t in cost.traffic:
        op = Operand.INPUTS if t.operand is Operand.WEIGHTS else t.operand
        key = (t.level, op)
        if key in merged:
            m = merged[key]
            t = LevelTraffic(level=t.level, operand=op, reads=m.reads + t.reads,
                             writes=m.writes + t.writes, read_bytes=m.read_bytes + t.read_bytes,
                             write_bytes=m.write_bytes + t.write_bytes,
                             energy_pj=m.energy_pj + t.energy_pj, kind=t.kind)
        merged[key] = replace(t, operand=op)
    by_operand = dict(cost.energy_by_operand)
    by_operand[str(Operand.INPUTS)] = by_operand.get(str(Operand.INPUTS), 0.0) + \
        by_operand.pop(str(Operand.WEIGHTS), 0.0)
    return replace(cost, weight_count=0, weight_nnz=0, weights=WeightMemory(),
                   traffic=tuple(merged.values()), energy_by_operand=pairs_from(by_operand),
                   weights_on_chip=False, weights_fit_on_chip=False, model_load_dram_bytes=0.0,
                   notes=cost.notes + (ACT_MATMUL_NOTE,))


def unsupported_cost(layer: LayerWorkload, arch: Accelerator, reason: str) -> LayerCost:
    """The record of a vector or act x act layer ``arch`` cannot run (no stored weights)."""
    return LayerCost(name=layer.name, arch=arch.name, supported=False,
                     unsupported_reason=reason, batch=layer.batch,
                     macs_dense=layer.macs_dense, clock_hz=arch.compute.clock_hz)


__all__ = ["ACT_MATMUL_NOTE", "VectorTiming", "as_weighted_matmul", "estimate_vector",
           "kind_unsupported_reason", "kv_write_bytes", "operand_b_arch",
           "output_element_bytes", "unsupported_cost", "vector_flows", "vector_timing",
           "without_stored_weights"]
