"""Pydantic errors -> :class:`hwsim.errors.Problem` records in the house template.

``{'loc': ('compute', 'clock_hz'), 'type': 'greater_than', 'ctx': {'gt': 0}, 'input': -1}``
becomes ``compute.clock_hz must be > 0. Got -1 instead.``; an unknown key lists the keys
allowed at its place (and suggests the closest one). ``location`` renders a path differently
(e.g. :func:`indexed` for ``layers.conv2.row_nnz[3]``); :func:`problem_from_error` translates
one error, for callers that handle some errors themselves.
"""
from __future__ import annotations

import difflib
import types
import typing
from typing import Any, Callable, Optional

from pydantic import BaseModel, ValidationError

from hwsim.errors import Problem


class _Nothing:
    """Stands for a missing value; renders as ``Got nothing instead.``"""

    def __repr__(self) -> str:
        return "nothing"


NOTHING = _Nothing()

_TYPE_WORDS = {
    "int": "an integer", "float": "a number", "bool": "true or false", "string": "a string",
    "dict": "a mapping", "model": "a mapping", "model_attributes": "a mapping",
    "list": "a list", "tuple": "a list", "frozen_set": "a list", "set": "a list",
}


Location = Callable[[tuple], str]


def problems_from_validation_error(exc: ValidationError, model: type[BaseModel],
                                   source: Optional[str], *, location: Optional[Location] = None,
                                   bare_choices: bool = False) -> list[Problem]:
    """One Problem per pydantic error, paths dotted, tags of tagged unions removed.

    ``location`` turns a (tag-free) loc into the path (default :func:`dotted`);
    ``bare_choices`` lists allowed values without quotes (``one of conv2d, linear``).
    """
    return [problem_from_error(error, model, source, location=location,
                               bare_choices=bare_choices) for error in exc.errors()]


def problem_from_error(error: dict, model: type[BaseModel], source: Optional[str], *,
                       location: Optional[Location] = None,
                       bare_choices: bool = False) -> Problem:
    """The Problem for one item of ``ValidationError.errors()``."""
    render = location or dotted
    raw_loc = tuple(error["loc"])
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input", NOTHING)
    if kind == "extra_forbidden":
        return _unknown_key(raw_loc, model, value, source, render)
    path = render(_strip_tags(raw_loc, model))
    if kind == "missing":
        return Problem(path, "must be given", NOTHING, source)
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        expected = ctx.get("expected_tags", "")
        tag = ctx.get("tag", NOTHING) if kind == "union_tag_invalid" else NOTHING
        return Problem(f"{path}.kind", f"must be one of {expected}", tag, source)
    requirement = _requirement(kind, ctx, error.get("msg", ""))
    if bare_choices and kind in ("enum", "literal_error"):
        requirement = requirement.replace("'", "")
    return Problem(path, requirement, value, source)


def _requirement(kind: str, ctx: dict, msg: str) -> str:
    bounds = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<",
              "less_than_equal": "<="}
    if kind in bounds:
        limit = ctx.get(kind.replace("greater_than_equal", "ge").replace("less_than_equal", "le")
                        .replace("greater_than", "gt").replace("less_than", "lt"))
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)
        return f"must be {bounds[kind]} {limit}"
    if kind in ("enum", "literal_error"):
        return f"must be one of {ctx.get('expected', '')}"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s)"
    if kind == "too_long":
        return f"must have at most {ctx.get('max_length')} item(s)"
    if kind == "value_error":
        return str(ctx.get("error", msg)).removeprefix("Value error, ")
    if kind == "int_from_float":
        return "must be a whole number"
    if kind == "finite_number":
        return "must be a finite number"
    stem = kind.rsplit("_", 1)[0] if kind.endswith(("_type", "_parsing")) else None
    if stem in _TYPE_WORDS:
        return f"must be {_TYPE_WORDS[stem]}"
    return f"must be valid ({msg[:1].lower()}{msg[1:]})"


def _unknown_key(raw_loc: tuple, model: type[BaseModel], value: Any,
                 source: Optional[str], render: Location) -> Problem:
    parent_loc, key = raw_loc[:-1], str(raw_loc[-1])
    parent = model_at(model, parent_loc)
    allowed = sorted(parent.model_fields) if parent is not None else []
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    where = render(_strip_tags(parent_loc, model)) or "the top level"
    requirement = f"must be a known key (allowed in {where}: {', '.join(allowed)}{hint})"
    return Problem(render(_strip_tags(raw_loc, model)), requirement, key, source)


def error_path(loc, model: type[BaseModel]) -> tuple:
    """A pydantic loc as a key path into the input (discriminator tags removed)."""
    return _strip_tags(tuple(loc), model)


def dotted(loc: tuple) -> str:
    return ".".join(str(part) for part in loc)


def indexed(loc: tuple, prefix: str = "") -> str:
    """``("iterations", 0, "quality")`` -> ``iterations[0].quality`` (under ``prefix``)."""
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


def _strip_tags(loc: tuple, model: type[BaseModel]) -> tuple:
    """Drop the discriminator tag pydantic inserts after a tagged-union member's key."""
    out, tp = [], model
    for part in loc:
        union = _union_members(tp)
        if union is not None and _member_for_tag(union, part) is not None:
            tp = _member_for_tag(union, part)
            continue
        out.append(part)
        tp = _step(tp, part)
    return tuple(out)


def model_at(model: type[BaseModel], loc: tuple) -> Optional[type[BaseModel]]:
    """The pydantic model that validates the value at ``loc`` (raw pydantic loc)."""
    tp: Any = model
    for part in loc:
        union = _union_members(tp)
        tp = _member_for_tag(union, part) if union is not None else _step(tp, part)
        if tp is None:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _unwrap(tp: Any) -> Any:
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(members) != 1:
                return tp
            tp = members[0]
        else:
            return tp


def _union_members(tp: Any) -> Optional[tuple]:
    tp = _unwrap(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return tuple(a for a in typing.get_args(tp) if a is not type(None))
    return None


def _member_for_tag(members: tuple, tag: Any) -> Optional[type]:
    for member in members:
        field = getattr(member, "model_fields", {}).get("kind")
        if field is not None and tag in typing.get_args(field.annotation):
            return member
    return None


def _step(tp: Any, part: Any) -> Any:
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        field = tp.model_fields.get(str(part))
        return field.annotation if field is not None else None
    origin = typing.get_origin(tp)
    if origin is dict:
        return typing.get_args(tp)[1]
    if origin in (list, tuple):
        return typing.get_args(tp)[0]
    return None
