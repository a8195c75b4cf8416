"""Sparse storage formats: bits to store a tensor, exact from a mask or expected from a density.

Formats (``SparseFormat``): dense, bitmap, csr, csc, rle, coo, each a registered
:class:`StorageFormat` (see ``registry``); N:M structured sparsity and weight sharing on top.
Conventions (EIE fillers, Eyeriss RLC, partitions) are documented in ``runs``, ``builtin`` and
``partition``.

Example::

    from hwsim.formats import weight_storage
    cost = weight_storage(layer, FormatSpec(SparseFormat.CSC, value_bits=4, index_bits=4,
                                            pointer_bits=16), row_partitions=64)
    cost.total_bytes, cost.metadata_bits, cost.filler_zeros
"""
from hwsim.formats.api import (DEFAULT_ARITHMETIC_BITS, activation_storage, matrix_storage,
                               matrix_storage_per_pe, stored_entries_per_pe_column,
                               weight_storage, weight_storage_per_pe)
from hwsim.formats.partition import (csc_entries_per_pe_column,
                                     expected_csc_entries_per_pe_column, interleave_rows,
                                     rows_per_pe)
from hwsim.formats.record import StorageCost
from hwsim.formats.registry import (Layout, PeCounts, StorageFormat, register,
                                    registered_formats, storage_format)
from hwsim.formats.runs import (bits_for, decode_csc_column, encode_csc_column,
                                expected_fillers, sequence_stats)
from hwsim.formats.structured import (NMCheck, NMUse, check_n_m, layer_n_m, reduction_matrix,
                                      reduction_order, satisfies_n_m, slots_per_row)

__all__ = [
    "DEFAULT_ARITHMETIC_BITS", "Layout", "NMCheck", "NMUse", "PeCounts", "StorageCost",
    "StorageFormat", "activation_storage", "bits_for", "check_n_m", "csc_entries_per_pe_column",
    "decode_csc_column", "encode_csc_column", "expected_csc_entries_per_pe_column",
    "expected_fillers", "interleave_rows", "layer_n_m", "matrix_storage", "matrix_storage_per_pe",
    "reduction_matrix", "reduction_order", "register", "registered_formats", "rows_per_pe",
    "satisfies_n_m", "sequence_stats", "slots_per_row", "storage_format",
    "stored_entries_per_pe_column", "weight_storage", "weight_storage_per_pe",
]
