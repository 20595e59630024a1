"""A readable line diff between two versions of a document.

``difflib.SequenceMatcher`` aligns the lines of the older text a and the newer text b; its
opcodes grouped with ``context`` unchanged lines around each change become hunks. Each line
keeps its number in a and/or b so a reviewer can find it; the texts are never interpreted, the
page escapes them like any other text.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["DiffLine", "LineKind", "diff_stats", "line_diff", "unified_diff"]


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


def line_diff(old: str, new: str, context: int = 3) -> list[DiffLine]:
    """The hunks that turn ``old`` into ``new``, empty when the texts are equal."""
    a, b = old.splitlines(), new.splitlines()
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
        old.splitlines(), new.splitlines(), fromfile=old_label, tofile=new_label, lineterm=""
    )
    text = "\n".join(lines)
    return text + "\n" if text else ""
