"""Bytes per element of each operand, from the storage formats (:mod:`hwsim.formats`).

* Weights between levels: ``stored total bits / 8 / weight_count`` (values, indices, pointers,
  bitmap and codebook included). At the MAC latch: with skipped zeros or N:M the stored stream
  is read (``values / weight_count`` slots, each its value bits + its share of the metadata),
  else one arithmetic-width (or codebook-index) value per weight. N:M example (2:4, 2-bit
  metadata, 16-bit values): 16 + 2 bits per slot, 0.5 slots per weight -> 18 x 0.5 / 8
  = 1.125 bytes per dense weight at every level (2 bytes dense), the latch reads half the
  slots at 2.25 bytes each.
* N:M fetches inputs in full: the datapath reads every input of a group and muxes the n kept
  ones with the metadata (A100 sparse MMA: the B operand spans the uncompressed K), so only
  skipped weight zeros (EIE-like) thin the input reads at the latch.
* Inputs: ``activation_storage(input_count, input_density, activation_format)`` bits per
  element at the DRAM interface, ``activation_bits`` on chip; the latch reads only the
  non-zeros when activation zeros are skipped.
* Outputs: partial sums at ``accumulator_bits``; final outputs at ``activation_bits`` on chip
  and in the activation format (at the output density) in DRAM.
* Pointers kept in a metadata level (``MemoryLevel.metadata_for``, EIE's pointer SRAM) are
  split from the weight values: filled with them, read twice per column visit.

Worked example (EIE-like CSC, 4-bit codebook index, 4-bit relative index, 16-bit pointers,
P = 64, a 4096 x 9216 layer at 9 %): ~3.4M stored values x 8 bits + 64 x 9217 x 16 pointer
bits + 16 x 16 codebook bits ~= 4.6 MB, i.e. ~0.12 bytes per dense weight.
"""
from __future__ import annotations

from dataclasses import dataclass

from hwsim.arch.model import Accelerator
from hwsim.cost.cache import CostCache, record_key
from hwsim.cost.compute import MacCounts
from hwsim.cost.traffic import OperandBytes
from hwsim.formats import StorageCost, activation_storage, weight_storage
from hwsim.types import Dataflow, Operand, ZeroHandling
from hwsim.workload.layer import LayerWorkload


@dataclass(frozen=True)
class LayerSizes:
    """Weight storage, activation sizes and the per-operand :class:`OperandBytes`."""

    weights: StorageCost
    input_bytes: float
    output_bytes: float
    obytes: dict


def weight_partitions(arch: Accelerator) -> int:
    """PEs the weight rows are interleaved over for storage: all PEs under the column
    broadcast (each keeps its own pointers), else 1."""
    return arch.compute.pe_count if arch.dataflow is Dataflow.COLUMN_BROADCAST else 1


def layer_weight_storage(layer: LayerWorkload, arch: Accelerator,
                         cache: CostCache | None = None) -> StorageCost:
    """:func:`hwsim.formats.weight_storage` with the arch's format, sharing and N:M.

    Kept in ``cache`` (when given) under the layer's content (its mask's bytes included, read
    on every lookup: a mask edited in place gives a new key) and the storage arguments: a
    sweep asks again for every variant, the network residency check and the layer estimate
    ask twice."""
    sp = arch.sparsity
    args = (sp.weight_format, weight_partitions(arch), sp.weight_sharing, sp.structured,
            arch.compute.weight_bits)

    def compute() -> StorageCost:
        return weight_storage(layer, args[0], row_partitions=args[1], sharing=args[2],
                              structured=args[3], arithmetic_bits=args[4])
    if cache is None:
        return compute()
    return cache.get("weight_storage", (record_key(layer),) + args, compute)


def _activation_storage(count: int, density: float, spec,
                        cache: CostCache | None = None) -> StorageCost:
    """:func:`hwsim.formats.activation_storage` from a count and density (kept in ``cache``)."""
    if cache is None:
        return activation_storage(count, density, spec)
    return cache.get("activation_storage", (count, density, spec),
                     lambda: activation_storage(count, density, spec))


def _bits_per_element(cost: StorageCost, count: int) -> float:
    return cost.total_bits / count if count else 0.0


def _meta_bytes(layer: LayerWorkload, arch: Accelerator, stored: StorageCost):
    """(meta_moved, meta_latch): pointer bytes per dense weight kept in a metadata level, and
    the pointers read per dense weight visit (start + end of a column per PE: 2 pointers per
    ``rows per PE`` weights, i.e. 2 x pointer bytes / weight_count)."""
    if not any(Operand.WEIGHTS in l.metadata_for for l in arch.memories):
        return 0.0, 0.0
    per = stored.pointer_bits_total / 8 / layer.weight_count
    return per, 2 * per


def _weight_bytes(layer, arch, stored: StorageCost) -> OperandBytes:
    sp = arch.sparsity
    moved = _bits_per_element(stored, layer.weight_count) / 8
    meta_moved, meta_latch = _meta_bytes(layer, arch, stored)
    stream = sp.weight_zeros is ZeroHandling.SKIP or stored.structured is not None
    per_mac = layer.input_density if sp.activation_zeros is ZeroHandling.SKIP else 1.0
    if stream and stored.values:
        pointers = stored.pointer_bits_total if meta_latch else 0.0
        per_value = (stored.total_bits - stored.codebook_bits - pointers) / stored.values
        return OperandBytes(moved, moved, per_value / 8, stored.values / layer.weight_count,
                            per_mac, meta_moved=meta_moved, meta_latch=meta_latch)
    bits = sp.weight_sharing.stored_bits if sp.weight_sharing else arch.compute.weight_bits
    return OperandBytes(moved, moved, bits / 8, 1.0, per_mac, meta_moved=meta_moved,
                        meta_latch=meta_latch)


def layer_sizes(layer: LayerWorkload, arch: Accelerator, macs: MacCounts,
                cache: CostCache | None = None) -> LayerSizes:
    """Storage and bytes per element of the three operands of ``layer`` on ``arch``.

    Activation formats apply at the DRAM interface (Eyeriss compresses feature maps there);
    on chip, activations are ``activation_bits`` wide.
    """
    sp, c = arch.sparsity, arch.compute
    stored = layer_weight_storage(layer, arch, cache)
    inputs = _activation_storage(layer.input_count, layer.input_density, sp.activation_format,
                                 cache)
    outputs = _activation_storage(layer.output_count, layer.output_density,
                                  sp.activation_format, cache)
    in_dram = _bits_per_element(inputs, layer.input_count) / 8
    out_dram = _bits_per_element(outputs, layer.output_count) / 8
    act, acc = c.activation_bits / 8, c.accumulator_bits / 8
    skip_a = sp.activation_zeros is ZeroHandling.SKIP
    # inputs read per dense MAC: only those of issued weights when weight zeros are skipped;
    # under N:M the datapath still fetches every input of a group and muxes the n it needs
    # with the metadata (A100 sparse MMA: B spans the whole uncompressed K), so all of them
    w_stream = macs.weight_slot_fraction if sp.weight_zeros is ZeroHandling.SKIP else 1.0
    obytes = {
        Operand.WEIGHTS: _weight_bytes(layer, arch, stored),
        Operand.INPUTS: OperandBytes(in_dram, act, act, layer.input_density if skip_a else 1.0,
                                     w_stream),
        Operand.OUTPUTS: OperandBytes(acc, acc, acc, 1.0,
                                      macs.full / macs.dense if macs.dense else 1.0,
                                      final_dram=out_dram, final=act),
    }
    return LayerSizes(stored, inputs.total_bits / 8, outputs.total_bits / 8, obytes)
