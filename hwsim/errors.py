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

MAX_VALUE_CHARS = 80
"""Longest rendering of a bad value in a message; longer ones are cut (with their length)."""


class Verbatim(str):
    """A value shown as written, without quotes: ``Got byte 0x80 at line 3 instead.``"""

    def __repr__(self) -> str:
        return str(self)


def show_value(value: object, limit: int = MAX_VALUE_CHARS, _depth: int = 0) -> str:
    """``repr(value)`` cut to ``limit`` characters, saying how long the whole was.

    Example: a 100,000-character string renders as ``'xxxx...' (100,000 characters)``.
    Containers are never rendered in full: a mapping or list with thousands of items (or a
    YAML alias bomb) is cut after ``limit`` characters of its items.
    """
    if isinstance(value, Verbatim):
        return str(value)[:limit * 2]
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}... ({len(value):,} characters)"
    if isinstance(value, (dict, list, tuple, set, frozenset)):
        return "..." if _depth > 8 else _show_container(value, limit, _depth + 1)
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def _show_container(value, limit: int, depth: int) -> str:
    items = value.items() if isinstance(value, dict) else value
    kind = type(value).__name__
    parts, used = [], 0
    for item in items:
        part = (f"{show_value(item[0], limit, depth)}: {show_value(item[1], limit, depth)}"
                if isinstance(value, dict) else show_value(item, limit, depth))
        used += len(part) + 2
        if used > limit:
            return _bracket(value, ", ".join(parts) + ", ...") + f" ({len(value):,} items)"
        parts.append(part)
    return _bracket(value, ", ".join(parts)) if kind in ("dict", "list", "tuple") \
        else f"{kind}({_bracket([], ', '.join(parts))})"


def _bracket(value, inner: str) -> str:
    if isinstance(value, dict):
        return "{" + inner + "}"
    if isinstance(value, tuple):
        return "(" + inner + ")"
    return "[" + inner + "]"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a user input.

    Example: ``Problem("compute.clock_hz", "must be > 0", -1, "eie.yaml")``
    renders as ``eie.yaml: compute.clock_hz must be > 0. Got -1 instead.`` The value is cut to
    :data:`MAX_VALUE_CHARS` characters (:func:`show_value`).
    """

    path: str
    requirement: str
    value: object = None
    file: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        path = self.path or "<root>"
        return f"{where}{path} {self.requirement}. Got {show_value(self.value)} instead."


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
