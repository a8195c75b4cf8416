"""Reading YAML with errors a user can act on: syntax errors with file and line, and
duplicate keys (which PyYAML silently overwrites) reported instead of dropped.

Example: a file whose line 3 reads ``glb: size_bytes: 4`` fails with
``bad.yaml: line 3, column 14 must be valid YAML (mapping values are not allowed here).
Got 'glb: size_bytes: 4' instead.``

Before anything is built from the parsed nodes, the node graph is checked without expanding
aliases (each node is visited once): nesting deeper than :data:`MAX_DEPTH` levels, an alias
inside its own anchor, or aliases that would expand the document to more than
:data:`MAX_EXPANDED_VALUES` values (the "billion laughs": 9 anchors of 9 aliases each are
387 million strings) are refused. A file that is not UTF-8 text, or is larger than
:data:`MAX_FILE_BYTES`, is refused before it is parsed.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import yaml

from hwsim.errors import ConfigError, Problem, Verbatim

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists accepted (hwsim's own files nest at most 6 levels)."""
MAX_EXPANDED_VALUES = 1_000_000
"""Most values (scalars, mappings, lists) a document may hold once its aliases are expanded."""
MAX_FILE_BYTES = 256 * 1024 ** 2
"""Largest text input file read (a workload file of exact masks for VGG-16 is ~70 MB)."""
_LINE_CHARS = 80

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: ~10x faster


def parse_yaml(text: str, source: str) -> tuple[object, tuple[Problem, ...]]:
    """Parse one YAML document; returns ``(data, duplicate-key problems)``.

    Raises :class:`ConfigError` for a syntax error (nothing else can be trusted then).
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            shape = structure_problems(node, source)
            if shape:
                raise ConfigError(shape)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        raise ConfigError([_syntax_problem(exc, text, source)]) from None
    except RecursionError:
        raise ConfigError([Problem("<root>", f"must nest at most {MAX_DEPTH} levels",
                                   Verbatim("deeper nesting"), source)]) from None
    finally:
        loader.dispose()
    return data, tuple(_duplicate_keys(node, source)) if node is not None else ()


def load_yaml_text(text: str, source: str) -> object:
    """Parse YAML, raising :class:`ConfigError` on syntax errors or duplicate keys."""
    data, problems = parse_yaml(text, source)
    if problems:
        raise ConfigError(problems)
    return data


def read_text(path) -> str:
    """The file's text, decoded as UTF-8.

    Raises :class:`ConfigError` for a file that is not UTF-8 text (binary data, UTF-16, Latin-1)
    or is larger than :data:`MAX_FILE_BYTES`; FileNotFoundError and friends propagate (the
    CLI reports them with the path). Example: a Latin-1 ``café`` gives ``arch.yaml: <file> must
    be UTF-8 text. Got byte 0xe9 at line 1, column 10 instead.``
    """
    path = Path(path)
    return decode_text(_read_bounded(path), str(path))


def _read_bounded(path: Path) -> bytes:
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > MAX_FILE_BYTES:
            raise ConfigError([Problem("<file>", f"must be at most {MAX_FILE_BYTES:,} bytes",
                                       Verbatim(f"{size:,} bytes"), str(path))])
        return handle.read(MAX_FILE_BYTES + 1)


def decode_text(data: bytes, source: str) -> str:
    """``data`` as UTF-8 text (a leading byte-order mark dropped); ConfigError naming the first
    byte that is not UTF-8 and where it is, or the NUL byte of a binary file."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError([_not_text(data, exc.start, source)]) from None
    nul = text.find("\0")
    if nul >= 0:
        raise ConfigError([_not_text(data, len(text[:nul].encode("utf-8")), source)])
    return text


def _not_text(data: bytes, offset: int, source: str) -> Problem:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return Problem("<file>", "must be UTF-8 text (a YAML or JSON file)",
                   Verbatim(f"byte 0x{data[offset]:02x} at line {line}, column {column}"),
                   source)


def load_json_text(text: str, source: str) -> object:
    """Parse JSON with the same limits as YAML: a syntax error names its line and column
    (the line cut to 80 characters), ``NaN``/``Infinity`` are refused, nesting deeper than
    :data:`MAX_DEPTH` levels is refused (checked without recursion)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        line = text.splitlines()[exc.lineno - 1] if text.splitlines() else ""
        raise ConfigError([Problem(f"line {exc.lineno}, column {exc.colno}",
                                   f"must be valid JSON ({exc.msg})",
                                   line.strip()[:_LINE_CHARS], source)]) from None
    except RecursionError:
        raise ConfigError([_too_deep("", source)]) from None
    stack = [(data, "", 1)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ConfigError([_too_deep(path, source)])
        if isinstance(value, float) and value != value or value in (float("inf"), -float("inf")):
            raise ConfigError([Problem(path or "<root>", "must be a finite number (JSON has no "
                                       "NaN or Infinity)", value, source)])
        items = value.items() if isinstance(value, dict) else enumerate(value) \
            if isinstance(value, list) else ()
        stack.extend((v, f"{path}.{k}" if path else str(k), depth + 1)
                     for k, v in reversed(list(items)))
    return data


def load_yaml_file(path) -> object:
    return load_yaml_text(read_text(path), str(path))


def _syntax_problem(exc: yaml.YAMLError, text: str, source: str) -> Problem:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return Problem("<yaml>", f"must be valid YAML ({problem})", None, source)
    lines = text.splitlines()
    line_text = lines[mark.line].strip() if mark.line < len(lines) else ""
    if len(line_text) > _LINE_CHARS:
        start = max(0, min(mark.column - _LINE_CHARS // 2, len(line_text) - _LINE_CHARS))
        line_text = Verbatim(repr(line_text[start:start + _LINE_CHARS])
                             + f" (characters {start + 1}-{start + _LINE_CHARS} of "
                               f"{len(line_text):,} on the line)")
    where = f"line {mark.line + 1}, column {mark.column + 1}"
    return Problem(where, f"must be valid YAML ({problem})", line_text, source)


def _key(node) -> object:
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _children(node, path: str):
    """(child node, dotted path) of a mapping's values or a sequence's items."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = _key(key_node)
            yield key_node, path
            yield value_node, (f"{path}.{key}" if path else str(key)) if key is not None \
                else path
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield item, f"{path}.{index}" if path else str(index)


def structure_problems(root, source: str) -> list[Problem]:
    """Nesting depth, self-containing aliases and the size once aliases are expanded, found
    by visiting every node once (post-order; sizes and heights memoised by node identity).

    Example: ``a: &a [x, x]`` then ``b: &b [*a, *a]`` expands to 1 + (1 + 3) + (1 + 2 x 3) =
    12 values while holding 7 nodes.
    """
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    open_nodes: set[int] = set()
    problems: list[Problem] = []
    stack = [(root, "", 1, None)]
    while stack and not problems:
        node, path, depth, kids = stack.pop()
        if kids is None:
            if id(node) in open_nodes:
                problems.append(Problem(path or "<root>", "must not contain itself (a YAML "
                                        "alias inside its own anchor)",
                                        Verbatim(f"*{node.anchor}" if getattr(node, "anchor",
                                                                             None) else "alias"),
                                        source))
                break
            if id(node) in size:
                if depth + height[id(node)] - 1 > MAX_DEPTH:
                    problems.append(_too_deep(path, source))
                continue
            if depth > MAX_DEPTH:
                problems.append(_too_deep(path, source))
                break
            kids = list(_children(node, path))
            open_nodes.add(id(node))
            stack.append((node, path, depth, kids))
            stack.extend((kid, kid_path, depth + 1, None) for kid, kid_path in reversed(kids))
            continue
        open_nodes.discard(id(node))
        size[id(node)] = 1 + sum(size[id(kid)] for kid, _ in kids)
        height[id(node)] = 1 + max((height[id(kid)] for kid, _ in kids), default=0)
    if not problems and size[id(root)] > MAX_EXPANDED_VALUES:
        path = _largest_part(root, size)
        problems.append(Problem(path, f"must expand to at most {MAX_EXPANDED_VALUES:,} values "
                                "(YAML aliases repeat what their anchor holds)",
                                Verbatim(f"{size[id(root)]:,} values"), source))
    return problems


def _too_deep(path: str, source: str) -> Problem:
    return Problem(path or "<root>", f"must nest at most {MAX_DEPTH} levels",
                   Verbatim("deeper nesting"), source)


def _largest_part(root, size: dict[int, int]) -> str:
    """The dotted path of the root's largest child (where the alias expansion sits)."""
    best, best_size = "<root>", 0
    for kid, path in _children(root, ""):
        if size.get(id(kid), 0) > best_size and path:
            best, best_size = path, size[id(kid)]
    return best


def _duplicate_keys(root, source: str):
    """Yield a Problem for every key that appears twice in one mapping (any depth).

    Every node is visited once, so aliases are not expanded (a shared anchor is checked
    where it is defined)."""
    seen: set[int] = set()
    stack = [(root, "")]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            yield from _duplicates_in(node, path, source)
        stack.extend((kid, kid_path) for kid, kid_path in reversed(list(_children(node, path)))
                     if isinstance(kid, (yaml.MappingNode, yaml.SequenceNode)))


def _duplicates_in(node, path: str, source: str):
    first_line: dict[object, int] = {}
    for key_node, _ in node.value:
        key = _key(key_node)
        if key is None or key == "<<":
            continue
        line = key_node.start_mark.line + 1
        where = f"{path}.{key}" if path else str(key)
        if key in first_line:
            yield Problem(where, f"must appear only once in {path or 'the file'} "
                          f"(first on line {first_line[key]}, again on line {line})",
                          key, source)
        else:
            first_line[key] = line
