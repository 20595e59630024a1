"""Intelligence report domain: fields, the NATO admiralty code and safe Markdown rendering.

Source reliability A (completely reliable) .. F (cannot be judged) and information credibility
1 (confirmed) .. 6 (cannot be judged), as in NATO's admiralty system (STANAG 2511 / AJP-2.1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from markdown_it import MarkdownIt

from defpact.core.marking import Marking

__all__ = [
    "CREDIBILITY",
    "RELIABILITY",
    "IntelReport",
    "ReportDraft",
    "render_markdown",
]

RELIABILITY = {
    "A": "Completely reliable",
    "B": "Usually reliable",
    "C": "Fairly reliable",
    "D": "Not usually reliable",
    "E": "Unreliable",
    "F": "Reliability cannot be judged",
}
CREDIBILITY = {
    "1": "Confirmed by other sources",
    "2": "Probably true",
    "3": "Possibly true",
    "4": "Doubtful",
    "5": "Improbable",
    "6": "Truth cannot be judged",
}

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render_markdown(text: str) -> str:
    """HTML from Markdown with raw HTML disabled and unsafe link schemes refused."""
    html: str = _MD.render(text)
    return html


@dataclass(frozen=True, slots=True)
class ReportDraft:
    title: str
    summary: str
    body: str
    region: str
    tags: tuple[str, ...]
    reliability: str
    credibility: str
    marking: Marking


@dataclass(frozen=True, slots=True)
class IntelReport:
    id: int
    title: str
    summary: str
    body: str
    region: str
    tags: tuple[str, ...]
    reliability: str
    credibility: str
    marking: Marking
    author: str
    created_at: datetime
    updated_at: datetime
    version: int
    withdrawn: bool
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def admiralty(self) -> str:
        return f"{self.reliability}{self.credibility}"
