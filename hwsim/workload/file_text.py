"""The text of a workload file, checked before it is parsed: UTF-8, no control characters,
no duplicate keys (which PyYAML and :mod:`json` would silently overwrite), no nesting deeper
than the parser can take. Every failure is one :class:`~hwsim.errors.Problem` naming the file.

Example: a Latin-1 file ``name: café`` fails with ``w.yaml: <root> must be UTF-8 text (a YAML or
JSON workload file). Got 'byte 0xe9 at offset 9' instead.``
"""
from __future__ import annotations

import json as _json
import re
from typing import Any

from hwsim.config.yaml_io import parse_yaml
from hwsim.errors import ConfigError, Problem


def parse_workload_text(raw: bytes, source: str, json: bool = False) -> Any:
    """The data of a workload file's bytes (YAML, or JSON when ``json``); a ConfigError for
    bytes that are not UTF-8, control characters, a syntax error, a nesting too deep or a
    duplicate key (YAML: :func:`hwsim.config.yaml_io.parse_yaml`).

    Example: ``parse_workload_text(b'{"name": "a", "name": "b"}', "w.json", json=True)``
    raises ``w.json: name must appear only once in its object. Got 'name' instead.``
    """
    text = _utf8_text(raw, source)
    if not json:
        data, problems = parse_yaml(text, source)
        if problems:
            raise ConfigError(problems)
        return data
    duplicates: list[Problem] = []
    try:
        data = _json.loads(text, object_pairs_hook=_DuplicateChecker(duplicates, source))
    except _json.JSONDecodeError as exc:
        message = " ".join(str(exc).split())
        raise ConfigError([Problem("", "must be valid JSON", message, source)]) from None
    except RecursionError:
        raise ConfigError([Problem("", "must be valid JSON nested less deeply",
                                   "nesting deeper than Python's recursion limit",
                                   source)]) from None
    if duplicates:
        raise ConfigError(duplicates)
    return data


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _utf8_text(raw: bytes, source: str) -> str:
    """The file's text: UTF-8 without control characters (YAML and JSON allow none but tab,
    newline and carriage return), else a one-line ConfigError with the offset."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _raise(Problem("", "must be UTF-8 text (a YAML or JSON workload file)",
                              f"byte 0x{raw[exc.start]:02x} at offset {exc.start}", source))
    control = _CONTROL.search(text)
    if control:
        _raise(Problem("", "must be text without control characters (a YAML or JSON "
                       "workload file)", f"character 0x{ord(control.group()):02x} at offset "
                       f"{control.start()}", source))
    return text


def _raise(problem: Problem):
    raise ConfigError([problem])


class _DuplicateChecker:
    """``object_pairs_hook`` for :func:`json.loads` that records keys given twice in one
    object (json keeps the last silently). The path names the key and, when the object has
    one, its ``name`` (``layers.fc1.kernel``)."""

    def __init__(self, problems: list, source: str):
        self.problems, self.source = problems, source

    def __call__(self, pairs: list) -> dict:
        data = dict(pairs)
        if len(data) < len(pairs):
            seen: set = set()
            where = f"layers.{data['name']}." if isinstance(data.get("name"), str) else ""
            for key, _ in pairs:
                if key in seen:
                    self.problems.append(Problem(f"{where}{key}", "must appear only once in "
                                                 "its object", key, self.source))
                seen.add(key)
        return data
