"""Markdown to HTML for document versions, safe to embed in a page.

CommonMark (with tables) through markdown-it-py with raw HTML disabled: any ``<script>`` or
other tag in the source is escaped as text, and link targets are validated (``javascript:``,
``vbscript:``, ``file:`` and non-image ``data:`` URLs are not turned into links).
"""

from __future__ import annotations

from markdown_it import MarkdownIt

__all__ = ["render_markdown"]

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    "table"
)


def render_markdown(text: str) -> str:
    """HTML for ``text``; everything that is not Markdown syntax is escaped."""
    html: str = _MD.render(text)
    return html
