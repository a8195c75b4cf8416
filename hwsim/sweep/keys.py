"""Dotted config keys: checked against the accelerator schema and the base file, and applied
to a copy of the base file's mapping.

A key walks the :class:`~hwsim.config.schema.ArchConfig` models: ``compute.pe_count``,
``sparsity.weight_format.index_bits``, ``memories.glb.size_bytes`` (``glb`` must be a level of
the base file; its ``kind`` picks the level model). A mapping value merges into the section it
names, so linked keys move together::

    >>> apply_overrides({"compute": {"pe_count": 4, "array_rows": 2, "clock_hz": 1e9}},
    ...                 [("compute", {"pe_count": 16, "array_rows": 4})])
    {'compute': {'pe_count': 16, 'array_rows': 4, 'clock_hz': 1000000000.0}}
"""
from __future__ import annotations

import copy
import difflib
import types
import typing
from typing import Any, Iterator, Optional, Sequence

from pydantic import BaseModel

from hwsim.config.schema import ArchConfig
from hwsim.errors import Problem


def key_problems(key: str, values: Sequence[Any], base: dict, where: str,
                 source: Optional[str]) -> list[Problem]:
    """Problems of one axis: its key path, and the keys inside mapping values.

    ``where`` is the axis' dotted place in the spec (``grid.compute.pe_cnt``) used in messages.
    """
    parts = key.split(".")
    if not key or any(not part for part in parts):
        return [Problem(where, "must be a dotted config key such as compute.pe_count", key,
                        source)]
    found = _walk(parts, base)
    if isinstance(found, str):
        return [Problem(where, found, key, source)]
    node = _node_at(base, parts)
    return [Problem(f"{where}.{index}.{path}", requirement, bad, source)
            for index, value in enumerate(values) if isinstance(value, dict)
            for path, requirement, bad in _mapping_problems(found, value, node, key)]


def _node_at(base: Any, parts: list[str]) -> Any:
    for part in parts:
        base = base.get(part) if isinstance(base, dict) else None
    return base


def _walk(parts: list[str], base: Any):
    """The type at the end of ``parts`` or, when a part does not resolve, the requirement."""
    tp, node = ArchConfig, base
    for depth, part in enumerate(parts):
        tp = _unwrap(tp)
        here = ".".join(parts[:depth]) or "the top level"
        tp = _pick_member(tp, node)
        if _is_model(tp):
            if part not in tp.model_fields:
                return _unknown(part, here, sorted(tp.model_fields))
            tp = tp.model_fields[part].annotation
        elif typing.get_origin(tp) is dict:
            value_type = typing.get_args(tp)[1]
            names = sorted(node) if isinstance(node, dict) else []
            if _holds_models(value_type) and part not in names:
                return (f"must name a key of the base file's {here} "
                        f"({', '.join(names) or 'none'})")
            tp = value_type
        else:
            return f"must end at {here} (a value, which has no sub-keys)"
        node = node.get(part) if isinstance(node, dict) else None
    return tp


def _mapping_problems(tp: Any, value: dict, node: Any, where: str,
                      prefix: str = "") -> Iterator[tuple]:
    """(path, requirement, key) for each unknown key inside a mapping value; ``node`` is the
    base file's mapping at the same place (it tells a level's kind when the value omits it)."""
    tp = _unwrap(tp)
    tp = _pick_member(tp, value if isinstance(value, dict) and "kind" in value else node)
    node = node if isinstance(node, dict) else {}
    for key, item in value.items():
        path = f"{prefix}{key}"
        if _is_model(tp) and key not in tp.model_fields:
            yield path, _unknown(str(key), f"{where}.{prefix}".rstrip("."),
                                 sorted(tp.model_fields)), key
            continue
        inner = (tp.model_fields[key].annotation if _is_model(tp)
                 else typing.get_args(tp)[1] if typing.get_origin(tp) is dict else None)
        if inner is not None and isinstance(item, dict):
            yield from _mapping_problems(inner, item, node.get(key), where, path + ".")


def _unknown(key: str, where: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"must name a config key (allowed in {where}: {', '.join(allowed)}{hint})"


def apply_overrides(base: dict, overrides: Sequence[tuple[str, Any]]) -> dict:
    """``base`` with each dotted key set (mapping values merge, see module), ``base``
    untouched. Only the mappings on an override's path are copied; the others are shared
    with ``base``, so the result is for reading (validation), not for editing in place:
    a sweep builds thousands of variants of a base whose sections mostly stay the same."""
    data = dict(base)
    for key, value in overrides:
        parts = key.split(".")
        node = data
        for part in parts[:-1]:
            child = node.get(part)
            node[part] = child = dict(child) if isinstance(child, dict) else {}
            node = child
        node[parts[-1]] = _merged(node.get(parts[-1]), value)
    return data


def _copy(value: Any) -> Any:
    """A deep copy of parsed YAML (dicts, lists, scalars); other objects by ``copy.deepcopy``.
    Several times faster than ``deepcopy`` alone, which a sweep pays once per variant."""
    if value is None or type(value) in _SCALARS:
        return value
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, (str, int, float, bool)):
        return value
    return copy.deepcopy(value)


_SCALARS = frozenset((str, int, float, bool))


def _merged(current: Any, value: Any) -> Any:
    if not (isinstance(value, dict) and isinstance(current, dict)):
        return _copy(value)
    out = dict(current)
    for key, item in value.items():
        out[key] = _merged(current.get(key), item)
    return out


# ---- typing helpers ------------------------------------------------------------------------
def _unwrap(tp: Any) -> Any:
    """Strip Annotated and Optional (a union with None)."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(members) == 1:
                tp = members[0]
                continue
        return tp


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _members(tp: Any) -> tuple:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return tuple(_unwrap(a) for a in typing.get_args(tp) if a is not type(None))
    return ()


def _pick_member(tp: Any, node: Any) -> Any:
    """A tagged union (memory levels, tagged by ``kind``) -> the member the node's kind names."""
    members = _members(tp)
    if not members or not all(_is_model(m) for m in members):
        return tp
    kind = node.get("kind") if isinstance(node, dict) else None
    for member in members:
        field = member.model_fields.get("kind")
        if field is not None and kind in typing.get_args(field.annotation):
            return member
    return members[-1]


def _holds_models(tp: Any) -> bool:
    tp = _unwrap(tp)
    return _is_model(tp) or any(_is_model(m) for m in _members(tp))
