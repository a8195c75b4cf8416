"""Sweep variants -> accelerators, cheaply: the base file is validated once, and a variant
re-validates only the sections its overrides touch, then builds with the caller's memo.

A variant ``memories.filter_sram.size_bytes: 96 KiB`` + ``compute.clock_hz: 5e8`` of
systolic_ws.yaml:

1. the merged raw sections it touches (``memories.filter_sram``, ``compute``) are validated
   by their own models (``LevelConfig``, ``ComputeConfig``: the same models, validators
   and config as inside the whole file);
2. the base's validated config is copied with those instances in place
   (``model_copy(update=...)``: every field is validated already), and the file's
   cross-field rules (:mod:`hwsim.config.checks`, ArchConfig's only model validator) run
   on the whole variant, as for a file;
3. :func:`hwsim.arch.build.build_accelerator` builds it with the builder's
   :class:`~hwsim.arch.build.BuildMemo`: the levels the variant does not change
   (``ofmap_sram``, ``weight_reg``) and the SRAM model's fit are reused, keyed by content.

A variant that fails a step, or touches anything but a level or a section (a top-level
value such as ``technology_nm``, a whole ``memories`` mapping), or whose base names a
``fallback_arch``, goes through :func:`hwsim.arch.arch_from_dict` on the whole merged
mapping, so its error message (one line per problem, with its dotted path) is the one a
file gives; the result of a variant that passes is the one ``arch_from_dict`` gives
(``tests/sweep/test_sweep_variants.py`` compares both on valid and invalid overrides).
About 3x faster than ``arch_from_dict`` on systolic_ws.yaml (docs/SWEEPS.md).
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

from pydantic import TypeAdapter

from hwsim.arch import Accelerator, arch_from_dict
from hwsim.arch.build import BuildMemo, build_accelerator
from hwsim.config.checks import ConfigParts, semantic_problems
from hwsim.config.schema import ArchConfig, LevelConfig
from hwsim.errors import ConfigError
from hwsim.sweep.keys import _is_model, _unwrap, apply_overrides

_LEVEL = TypeAdapter(LevelConfig)
_SECTIONS = {name: _unwrap(field.annotation) for name, field in ArchConfig.model_fields.items()
             if _is_model(_unwrap(field.annotation))}
"""Top-level keys whose value is one section model (compute, sparsity, vector, ...)."""


class VariantBuilder:
    """Builds the accelerators of one base file's variants (module docstring). One per
    worker (not pickled; :class:`hwsim.sweep.evaluate.EvalContext` makes it); the base is
    validated on first use (two threads may both validate it, and get equal configs)."""

    def __init__(self, base_data: dict, source: str, base_dir: Optional[str]):
        self.base_data, self.source, self.base_dir = base_data, source, base_dir
        self.memo = BuildMemo()
        self._base: Optional[ArchConfig] = None
        self._sections: dict[tuple, tuple] = {}  # override keys -> the sections they touch

    def build(self, overrides: Sequence[tuple[str, Any]]) -> Accelerator | Exception:
        """The variant's accelerator, or the exception that says why there is none (a
        ConfigError from :func:`arch_from_dict` for an invalid variant)."""
        data = apply_overrides(self.base_data, overrides)
        try:
            config = self._config(data, overrides)
            if config is not None:
                return build_accelerator(config, base_dir=self.base_dir, memo=self.memo)
        except Exception:  # noqa: BLE001 - the whole file's path says what is wrong
            pass
        try:
            return arch_from_dict(data, self.source, self.base_dir)
        except Exception as exc:  # noqa: BLE001 - becomes the point's status and reason
            return exc

    def _config(self, data: dict, overrides) -> Optional[ArchConfig]:
        """The variant's validated config, or None when only the whole file's path can
        build it; raises (ValidationError, ConfigError) when the variant is invalid."""
        base = self.base()
        if base is None or base.fallback_arch is not None:
            return None
        fields: dict = {}
        levels = dict(base.memories)
        keys = tuple(key for key, _ in overrides)
        sections = self._sections.get(keys)
        if sections is None:  # the same keys at every point of a plan: split them once
            if len(self._sections) >= 1024:
                self._sections.clear()
            sections = self._sections[keys] = tuple(dict.fromkeys(_section(k) for k in keys))
        for section in sections:
            if section[0] == "memories" and len(section) > 1 and section[1] in levels:
                levels[section[1]] = _LEVEL.validate_python(data["memories"][section[1]])
            elif section[0] in _SECTIONS:
                fields[section[0]] = _SECTIONS[section[0]].model_validate(data[section[0]])
            else:
                return None
        fields["memories"] = levels
        # every field is a validated instance already: what validating the whole file would
        # add is its cross-field rules (ArchConfig's only model validator), run here
        config = base.model_copy(update=fields)
        problems = semantic_problems(ConfigParts.from_config(config, self.base_dir))
        if problems:
            raise ConfigError(problems)
        return config

    def base(self) -> Optional[ArchConfig]:
        """The base file's validated config (None when it does not validate: then every
        variant takes the whole file's path and reports why)."""
        if self._base is None:
            try:
                base = ArchConfig.model_validate(
                    self.base_data, context={"source": self.source, "base_dir": self.base_dir})
            except Exception:  # noqa: BLE001 - reported per variant by arch_from_dict
                return None
            self._base = base
        return self._base


def _section(key: str) -> tuple[str, ...]:
    """The section a dotted key is in: ``memories.glb.size_bytes`` -> (memories, glb),
    ``compute.clock_hz`` -> (compute,), ``technology_nm`` -> (technology_nm,)."""
    parts = key.split(".")
    return tuple(parts[:2]) if parts[0] == "memories" else (parts[0],)


__all__ = ["VariantBuilder"]
