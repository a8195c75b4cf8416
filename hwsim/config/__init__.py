"""Accelerator YAML files -> validated, frozen :class:`ArchConfig` records.

``load_arch_config(path)`` and ``parse_arch_config(data, source)`` raise
:class:`hwsim.errors.ConfigError` with every problem of the input at once.
"""
from hwsim.config.loader import load_arch_config, parse_arch_config
from hwsim.config.schema import (ArchConfig, ComputeConfig, DramConfig, FormatConfig,
                                 OnChipLevelConfig, SparsityConfig, StructuredConfig,
                                 WeightSharingConfig)

__all__ = ["ArchConfig", "ComputeConfig", "DramConfig", "FormatConfig", "OnChipLevelConfig",
           "SparsityConfig", "StructuredConfig", "WeightSharingConfig", "load_arch_config",
           "parse_arch_config"]
