"""Errors that reach the user.

Every user-facing problem is a :class:`Problem` with a dotted path, the
requirement and the bad value, rendered with one template::

    arch.yaml: memories.glb.size_bytes must be <= 2097152 (memories.dram.size_bytes). Got 4194304 instead.

Library code raises :class:`HwsimError` subclasses; only ``hwsim/cli.py`` turns
them into exit codes and messages.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a user input.

    Example: ``Problem("compute.clock_hz", "must be > 0", -1, "eie.yaml")``
    renders as ``eie.yaml: compute.clock_hz must be > 0. Got -1 instead.``
    """

    path: str
    requirement: str
    value: object = None
    file: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        path = self.path or "<root>"
        return f"{where}{path} {self.requirement}. Got {self.value!r} instead."


class HwsimError(Exception):
    """Base class of every error hwsim reports to the user (exit code 2)."""


class ConfigError(HwsimError):
    """A configuration or workload file (or dict) is invalid; lists every problem at once."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class UnsupportedLayerError(HwsimError):
    """The accelerator cannot run a layer; ``reason`` says why."""

    def __init__(self, layer: str, reason: str):
        self.layer = layer
        self.reason = reason
        super().__init__(f"layer {layer!r} is unsupported: {reason}")
