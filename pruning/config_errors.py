"""Pydantic validation errors as hwsim :class:`~hwsim.errors.Problem` records.

One template for every message: ``<file>: <dotted.path> must be <Y>. Got <Z> instead.``
Example: a misspelt key ``retrain.epoch`` gives ``schedule.yaml: retrain.epoch must be a known
key (one of epochs, lr_fraction, ...). Got 'epoch' instead.``
"""
from __future__ import annotations

from typing import Iterable

from pydantic import BaseModel, ValidationError

from hwsim.errors import Problem

_SIGNS = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=",
          "less_than": "<"}


def problems_from_validation(error: ValidationError, model: type[BaseModel],
                             file: str | None) -> list[Problem]:
    """One Problem per pydantic error, dotted path from the error's location."""
    return [_problem(item, model, file) for item in error.errors()]


def dotted(loc: Iterable) -> str:
    """``("pruning", "iterations", 0, "quality")`` -> ``pruning.iterations[0].quality``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


def _problem(item: dict, model: type[BaseModel], file: str | None) -> Problem:
    loc = tuple(item["loc"])
    path, kind, ctx = dotted(loc), item["type"], item.get("ctx") or {}
    if kind == "extra_forbidden":
        allowed = ", ".join(_fields_at(model, loc[:-1]))
        return Problem(path, f"must be a known key (one of {allowed})", loc[-1], file)
    if kind == "missing":
        return Problem(path, "must be given", None, file)
    return Problem(path, _requirement(kind, ctx, item["msg"]), item.get("input"), file)


def _requirement(kind: str, ctx: dict, msg: str) -> str:
    if kind in _SIGNS:
        return f"must be {_SIGNS[kind]} {next(iter(ctx.values()), '')}"
    if kind in ("literal_error", "enum"):
        return f"must be one of {ctx.get('expected', '')}".replace("'", "")
    if kind.startswith("int_"):
        return "must be an integer"
    if kind.startswith("float_"):
        return "must be a number"
    if kind.startswith("bool_"):
        return "must be true or false"
    if kind.startswith("string_"):
        return "must be a string"
    if kind in ("list_type", "tuple_type", "too_short", "too_long"):
        return f"must be a list ({msg[0].lower() + msg[1:]})"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "must be a mapping"
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    return f"must be valid ({msg[0].lower() + msg[1:]})"


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """The allowed keys of the (nested) model at ``loc``, following field annotations."""
    current = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part)
        inner = _model_in(field.annotation) if field else None
        if inner is None:
            break
        current = inner
    return list(current.model_fields)


def _model_in(annotation) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None
