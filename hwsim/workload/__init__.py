"""Torch-free workload records: layer shapes, sparsity, built-in networks and profiles.

Entry points: :func:`resolve_network` (built-in name or workload file, then profile and batch),
:func:`builtin_network`, :func:`apply_profile`, :func:`load_network` / :func:`save_network`,
:func:`summarize_network` (the per-layer numbers ``hwsim workload show`` prints).
"""
from hwsim.workload.builtin import (build_layers, builtin_aliases, builtin_description,
                                    builtin_network, canonical_network_name,
                                    list_builtin_networks)
from hwsim.workload.files import (WORKLOAD_SUFFIXES, load_network, network_to_dict,
                                  parse_network, resolve_network, save_network)
from hwsim.workload.layer import LOOP_DIMS, LayerWorkload, Network
from hwsim.workload.masks import decode_mask, encode_mask
from hwsim.workload.profiles import (LayerDensities, apply_profile, list_profiles,
                                     profile_data, profile_densities, profile_networks)
from hwsim.workload.summary import (LayerSummary, NetworkSummary, summarize_layer,
                                    summarize_network)

__all__ = [
    "LOOP_DIMS", "LayerWorkload", "Network",
    "build_layers", "builtin_aliases", "builtin_description", "builtin_network",
    "canonical_network_name", "list_builtin_networks",
    "WORKLOAD_SUFFIXES", "load_network", "network_to_dict", "parse_network", "resolve_network",
    "save_network",
    "decode_mask", "encode_mask",
    "LayerDensities", "apply_profile", "list_profiles", "profile_data", "profile_densities",
    "profile_networks",
    "LayerSummary", "NetworkSummary", "summarize_layer", "summarize_network",
]
