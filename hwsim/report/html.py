"""``report.html``: one self-contained page (figures embedded as base64 PNG, inline CSS, no
scripts, no external links), readable from disk without a server.

Example: ``render_html("hwsim run: x", ["lead"], sections, {"energy-eie": png_bytes})``
returns a page whose ``<img>`` tags carry ``src="data:image/png;base64,..."``.
"""
from __future__ import annotations

import base64
from html import escape
from typing import Mapping, Sequence

from hwsim.report.sections import (Bullets, Code, FigureRef, Paragraph, Section, Table)

_CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2em auto;
       max-width: 1200px; padding: 0 1em; color: #222; line-height: 1.4; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; border-bottom: 1px solid #ddd; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.85em; }
caption { text-align: left; font-style: italic; padding-bottom: 0.3em; color: #555; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
th { background: #f4f4f4; } tr.total td { font-weight: bold; background: #fafafa; }
figure { margin: 1em 0; } figcaption { color: #555; font-size: 0.9em; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; font-size: 0.8em; }
.scroll { overflow-x: auto; }
"""


def _table(block: Table) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in block.headers)
    body = []
    for row in block.rows:
        cls = ' class="total"' if row and row[0] == "total" else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>")
    caption = f"<caption>{escape(block.caption)}</caption>" if block.caption else ""
    return (f'<div class="scroll"><table>{caption}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _figure(block: FigureRef, images: Mapping[str, bytes]) -> str:
    png = images.get(block.name)
    if png is None:
        return f"<p>(figure {escape(block.name)} not rendered)</p>"
    data = base64.b64encode(png).decode("ascii")
    return (f'<figure><img alt="{escape(block.caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{escape(block.caption)}</figcaption></figure>")


def render_block(block, images: Mapping[str, bytes]) -> str:
    if isinstance(block, Paragraph):
        return f"<p>{escape(block.text)}</p>"
    if isinstance(block, Bullets):
        return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in block.items) + "</ul>"
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, FigureRef):
        return _figure(block, images)
    if isinstance(block, Code):
        return f"<pre><code>{escape(block.text)}</code></pre>"
    raise TypeError(f"unknown report block {type(block).__name__}")


def render_html(title: str, lead: Sequence[str], sections: Sequence[Section],
                images: Mapping[str, bytes]) -> str:
    """The whole page; ``images`` maps figure names to PNG bytes."""
    parts = [f"<h1>{escape(title)}</h1>", *(f"<p>{escape(line)}</p>" for line in lead)]
    for section in sections:
        parts.append(f"<h2>{escape(section.title)}</h2>")
        parts += [render_block(block, images) for block in section.blocks]
    body = "\n".join(parts)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
            f"{body}\n</body>\n</html>\n")
