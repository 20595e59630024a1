"""A readable line diff between two versions of a document.

``difflib.SequenceMatcher`` aligns the lines of the older text a and the newer text b; its
opcodes grouped with ``context`` unchanged lines around each change become hunks. Each line
keeps its number in a and/or b so a reviewer can find it; the texts are never interpreted, the
page escapes them like any other text.

Lines are what :func:`text_lines` makes of a text: line endings normalised (``\r\n`` and
``\r`` as ``\n``, as browsers send textarea content) and a final newline kept as a last, empty
line, so two versions that differ only by their final newline have a diff (``splitlines`` would
call them equal, and a reviewer would be told "no change" about a changed text).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["DiffLine", "LineKind", "diff_stats", "line_diff", "text_lines", "unified_diff"]


class LineKind(StrEnum):
    HUNK = "hunk"
    CONTEXT = "context"
    ADDED = "added"
    REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class DiffLine:
    kind: LineKind
    old_number: int | None
    new_number: int | None
    text: str


def text_lines(text: str) -> list[str]:
    """The lines of a text as the diff compares them (an empty text has none)."""
    if not text:
        return []
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def line_diff(old: str, new: str, context: int = 3) -> list[DiffLine]:
    """The hunks that turn ``old`` into ``new``, empty when their lines are equal."""
    a, b = text_lines(old), text_lines(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    lines: list[DiffLine] = []
    for group in matcher.get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        header = f"@@ -{first[1] + 1},{last[2] - first[1]} +{first[3] + 1},{last[4] - first[3]} @@"
        lines.append(DiffLine(LineKind.HUNK, None, None, header))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(
                    DiffLine(LineKind.CONTEXT, i + 1, j + 1, a[i])
                    for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                )
                continue
            lines.extend(DiffLine(LineKind.REMOVED, i + 1, None, a[i]) for i in range(i1, i2))
            lines.extend(DiffLine(LineKind.ADDED, None, j + 1, b[j]) for j in range(j1, j2))
    return lines


def diff_stats(lines: list[DiffLine]) -> tuple[int, int]:
    """(lines added, lines removed)."""
    added = sum(1 for line in lines if line.kind is LineKind.ADDED)
    removed = sum(1 for line in lines if line.kind is LineKind.REMOVED)
    return added, removed


def unified_diff(old: str, new: str, old_label: str, new_label: str) -> str:
    """The classic unified diff text (for the CLI and API clients)."""
    lines = difflib.unified_diff(
        text_lines(old), text_lines(new), fromfile=old_label, tofile=new_label, lineterm=""
    )
    text = "\n".join(lines)
    return text + "\n" if text else ""
