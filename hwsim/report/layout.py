"""Text and markdown tables, and wrapped lines, that fit the terminal: every command prints
through these.

The width is ``COLUMNS`` from the environment (as shells export it), else 100
(:func:`terminal_width`). A table wider than that is cut into blocks of columns: each block
repeats the key column(s) (the layer name) so every line reads on its own, and blocks are
separated by a blank line. A single column wider than the room left beside the key columns
has its cells wrapped over several lines instead. Nothing is ever cut off.

Worked example (``width=24``): headers ``("layer", "energy", "latency", "DRAM")`` and one row
``("fc1", "2.6 µJ", "6.04 µs", "398 KiB")`` are 5 + 6 + 7 + 7 characters plus 3 gaps of 2 =
31 > 24, so the table prints as two blocks::

    layer  energy  latency
    -----  ------  -------
    fc1    2.6 µJ  6.04 µs

    layer     DRAM
    -----  -------
    fc1    398 KiB
"""
from __future__ import annotations

import os
import re
import textwrap
from typing import Sequence

DEFAULT_WIDTH = 100
MIN_WIDTH = 40
GAP = "  "


# the space between a number and its unit ("39.9 µs", "3.11 KiB") is never a line break
_UNIT_SPACE = re.compile(r"(?<=\d) (?=(?:[pnµmkKMGT]i?)?(?:J|s|W|B)\b)")


def _wrap(text: str, width: int, **kwargs) -> list[str]:
    kept = " ".join(_after_equals(word, width)
                    for word in _UNIT_SPACE.sub("\u00a0", text).split(" "))
    return [line.replace("\u00a0", " ") for line in textwrap.wrap(
        kept, width=width, break_long_words=True, break_on_hyphens=False, **kwargs)]


def _after_equals(word: str, width: int) -> str:
    """A ``key=value`` word too long for a line may break after its ``=`` (a line break
    there shows nothing, and the two parts never share a line: together they are too long).
    Example (width 37): ``memories.filter_sram.size_bytes=128 KiB`` ->
    ``memories.filter_sram.size_bytes=`` / ``128 KiB``."""
    at = word.find("=")
    if len(word) <= width or at < 0 or at == len(word) - 1:
        return word
    return word[:at + 1] + " " + word[at + 1:]


def terminal_width(default: int = DEFAULT_WIDTH) -> int:
    """``COLUMNS`` when it is an integer >= 40 (narrower terminals get 40), else ``default``.

    Example: ``COLUMNS=80`` -> 80; unset or ``COLUMNS=abc`` -> 100.
    """
    text = os.environ.get("COLUMNS", "").strip()
    if not text.isdigit():
        return default
    return max(MIN_WIDTH, int(text))


def wrap_text(text: str, width: int | None = None, indent: str = "",
              subsequent: str | None = None) -> list[str]:
    """``text`` in lines of at most ``width`` (:func:`terminal_width` by default), the first
    starting with ``indent`` and later ones with ``subsequent`` (``indent`` + two spaces).
    Long words (paths) are broken rather than overflowing."""
    width = width or terminal_width()
    rest = indent + "  " if subsequent is None else subsequent
    return _wrap(text, width, initial_indent=indent, subsequent_indent=rest)


def wrap_lines(lines: Sequence[str], width: int | None = None) -> list[str]:
    """Each line wrapped to ``width``, its leading spaces kept as the indent."""
    out: list[str] = []
    for line in lines:
        indent = line[:len(line) - len(line.lstrip())]
        out += wrap_text(line.strip(), width, indent) if line.strip() else [""]
    return out


def _widths(headers, rows) -> list[int]:
    """The widest line of each column (a cell may hold several lines)."""
    return [max(len(line) for cell in [h, *(r[i] for r in rows)]
                for line in str(cell).split("\n")) for i, h in enumerate(headers)]


def _blocks(widths: list[int], keys: int, width: int,
            wrap_last: bool = False) -> list[list[int]]:
    """Column indices per block: the key columns, then as many others as fit. ``wrap_last``:
    the last column narrows (its cells wrap) to the room left in the current block when that
    is at least 24 characters, instead of opening a block of its own. Mutates ``widths``."""
    key_width = sum(widths[:keys]) + len(GAP) * keys
    blocks, current, used = [], [], key_width
    last = len(widths) - 1
    for i in range(keys, len(widths)):
        if wrap_last and i == last and last > keys and width - used >= min(24, widths[i]):
            widths[i] = min(widths[i], width - used)
        if current and used + widths[i] > width:
            blocks.append(current)
            current, used = [], key_width
        current.append(i)
        used += widths[i] + len(GAP)
    return [list(range(keys)) + block for block in blocks + [current]] if widths[keys:] \
        else [list(range(len(widths)))]


def _cell_lines(text: str, width: int) -> list[str]:
    """A cell's lines: split at its own newlines, each wrapped to ``width``."""
    out: list[str] = []
    for part in text.split("\n"):
        out += [part] if len(part) <= width else _wrap(part, width) or [""]
    return out


def _render_block(headers, rows, columns, widths, right, rule_rows) -> list[str]:
    def line(cells) -> list[str]:
        parts = [_cell_lines(str(cells[i]), widths[i]) for i in columns]
        height = max(len(p) for p in parts)
        out = []
        for k in range(height):
            texts = []
            for i, part in zip(columns, parts):
                text = part[k] if k < len(part) else ""
                texts.append(text.rjust(widths[i]) if right[i] else text.ljust(widths[i]))
            out.append(GAP.join(texts).rstrip())
        return out

    rule = GAP.join("-" * widths[i] for i in columns)
    out = line(headers) + [rule]
    for index, row in enumerate(rows):
        if index in rule_rows:
            out.append(rule)
        out += line(row)
    return out


def text_table(headers: Sequence[str], rows: Sequence[Sequence], *,
               right: Sequence[bool] | None = None, width: int | None = None, keys: int = 1,
               rule_before_last: bool = False, caption: str | None = None,
               wrap_last: bool = False) -> str:
    """A fixed-width table that fits ``width`` columns (:func:`terminal_width` by default).

    ``right``: right-align each column (default: the first ``keys`` left, the others right).
    ``keys``: leading columns repeated in every block. ``rule_before_last``: a rule above the
    last row (a total). ``caption``: wrapped lines printed above the table (units, legend).
    ``wrap_last``: a wide last column (free text: sources, notes) wraps beside the others
    rather than moving to a block of its own. A cell may hold several lines (``"\\n"``).
    Ends with a newline.
    """
    width = width or terminal_width()
    rows = [[str(c) for c in row] for row in rows]
    headers = [str(h) for h in headers]
    right = list(right) if right is not None else [i >= keys for i in range(len(headers))]
    widths = _widths(headers, rows)
    keys = min(keys, len(headers))
    # cap every column so that it fits beside the key columns (cells wrap instead)
    for i in range(keys):
        widths[i] = min(widths[i], max(8, width // 3))
    room = width - sum(widths[:keys]) - len(GAP) * keys
    widths = widths[:keys] + [min(w, max(room, 8)) for w in widths[keys:]]
    rule_rows = {len(rows) - 1} if rule_before_last and len(rows) > 1 else set()
    out = wrap_text(caption, width) if caption else []
    for n, columns in enumerate(_blocks(widths, keys, width, wrap_last)):
        if n:
            out.append("")
        out += _render_block(headers, rows, columns, widths, right, rule_rows)
    return "\n".join(out) + "\n"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence], *,
                   right: Sequence[bool] | None = None, caption: str | None = None) -> str:
    """A GitHub markdown table ('|' in cells escaped), the caption in italics above it;
    default alignment: first column left, the others right."""
    def esc(cell) -> str:
        return str(cell).replace("|", "\\|").replace("\n", " ")

    right = list(right) if right is not None else [i > 0 for i in range(len(headers))]
    out = [f"*{caption}*", ""] if caption else []
    out += ["| " + " | ".join(esc(h) for h in headers) + " |",
            "|" + "|".join("--:" if r else ":--" for r in right) + "|"]
    out += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return "\n".join(out) + "\n"


def fit_lines(text: str, width: int | None = None) -> str:
    """Every line of ``text`` wrapped to ``width`` (for free text after a table)."""
    return "\n".join(wrap_lines(text.splitlines(), width)) + ("\n" if text.endswith("\n")
                                                               else "")


__all__ = ["DEFAULT_WIDTH", "fit_lines", "markdown_table", "terminal_width", "text_table",
           "wrap_lines", "wrap_text"]
