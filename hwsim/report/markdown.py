"""``summary.md``: the report sections as GitHub markdown (figures linked, not embedded).

Example: a :class:`~hwsim.report.sections.FigureRef` ``("energy-eie", "Energy")`` renders as
``![Energy](figures/energy-eie.png)``.
"""
from __future__ import annotations

from typing import Sequence

from hwsim.report.sections import (Bullets, Code, FigureRef, Paragraph, Section, Table)
from hwsim.report.text import markdown_table


def render_block(block) -> str:
    if isinstance(block, Paragraph):
        return block.text + "\n"
    if isinstance(block, Bullets):
        return "".join(f"- {item}\n" for item in block.items)
    if isinstance(block, Table):
        caption = f"*{block.caption}*\n\n" if block.caption else ""
        return caption + markdown_table(block.headers, block.rows)
    if isinstance(block, FigureRef):
        return f"![{block.caption}](figures/{block.name}.png)\n"
    if isinstance(block, Code):
        return f"```{block.language}\n{block.text}\n```\n"
    raise TypeError(f"unknown report block {type(block).__name__}")


def render_markdown(title: str, lead: Sequence[str], sections: Sequence[Section]) -> str:
    """The whole document: title, lead paragraphs, then each section."""
    parts = [f"# {title}\n", *(f"{line}\n" for line in lead)]
    for section in sections:
        parts.append(f"## {section.title}\n")
        parts += [render_block(block) for block in section.blocks]
    return "\n".join(parts)
