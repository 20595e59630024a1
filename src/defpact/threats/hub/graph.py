"""A server-side SVG drawing of one object and its visible relationships (no script, no styles:
presentation attributes only, so it passes the pages' Content-Security-Policy)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

__all__ = ["TYPE_COLOURS", "relationship_svg"]

TYPE_COLOURS = {
    "indicator": "#c0392b", "incident": "#8e44ad", "campaign": "#d35400",
    "attack-pattern": "#2c3e50", "observed-data": "#16a085", "malware": "#a93226",
    "threat-actor": "#7d3c98", "intrusion-set": "#6c3483", "identity": "#566573",
    "note": "#7f8c8d", "report": "#1f618d", "sighting": "#b9770e", "infrastructure": "#117a65",
    "vulnerability": "#922b21", "tool": "#5d6d7e", "location": "#1e8449",
}  # fmt: skip
_SCO = "#2874a6"
MAX_NEIGHBOURS = 24


def _colour(kind: str) -> str:
    return TYPE_COLOURS.get(kind, _SCO if "-" in kind or kind in ("file", "url") else "#34495e")


def _short(text: str, width: int = 28) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def relationship_svg(
    centre: tuple[str, str, str],
    neighbours: Sequence[tuple[str, str, str]],
    edges: Sequence[tuple[str, str, str]],
    *,
    link: str = "/threats/objects/",
) -> str:
    """``centre`` and ``neighbours`` are (id, type, name); ``edges`` (source id, target id,
    label). Neighbours sit on a circle around the centre; each edge is an arrow with its label.
    Beyond :data:`MAX_NEIGHBOURS` the rest are counted, not drawn."""
    shown = list(neighbours[:MAX_NEIGHBOURS])
    hidden = len(neighbours) - len(shown)
    width, height = 900, 640 if shown else 200
    cx, cy = width / 2, height / 2
    radius = min(width, height) / 2 - 90
    pos: dict[str, tuple[float, float]] = {centre[0]: (cx, cy)}
    for i, (nid, _, _) in enumerate(shown):
        angle = 2 * math.pi * i / max(1, len(shown)) - math.pi / 2
        pos[nid] = (cx + radius * math.cos(angle) * 1.3, cy + radius * math.sin(angle))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="relationships of {escape(centre[2])}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#555"/></marker></defs>',
    ]
    for source, target, label in edges:
        if source not in pos or target not in pos or source == target:
            continue
        (x1, y1), (x2, y2) = pos[source], pos[target]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy) or 1.0
        # stop the arrow at the target's box edge (boxes are about 180 x 44)
        shrink = min(0.45, 48 / length)
        ex, ey = x2 - dx * shrink, y2 - dy * shrink
        sx, sy = x1 + dx * min(0.45, 30 / length), y1 + dy * min(0.45, 30 / length)
        parts.append(
            f'<line x1="{sx:.1f}" y1="{sy:.1f}" x2="{ex:.1f}" y2="{ey:.1f}" stroke="#555" '
            f'stroke-width="1.4" marker-end="url(#arrow)"/>'
        )
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        parts.append(
            f'<text x="{mx:.1f}" y="{my - 4:.1f}" font-size="12" text-anchor="middle" '
            f'fill="#333" font-family="sans-serif">{escape(_short(label, 24))}</text>'
        )
    nodes = [centre, *shown]
    for nid, kind, name in nodes:
        x, y = pos[nid]
        main = nid == centre[0]
        w, h = (220, 50) if main else (180, 44)
        colour = _colour(kind)
        box = (
            f'<rect x="{x - w / 2:.1f}" y="{y - h / 2:.1f}" width="{w}" height="{h}" rx="6" '
            f'fill="{colour}" stroke="{"#000" if main else "#fff"}" '
            f'stroke-width="{3 if main else 1}"/>'
            f'<text x="{x:.1f}" y="{y - 5:.1f}" font-size="11" text-anchor="middle" '
            f'fill="#fff" font-family="sans-serif">{escape(kind)}</text>'
            f'<text x="{x:.1f}" y="{y + 12:.1f}" font-size="13" text-anchor="middle" '
            f'fill="#fff" font-family="sans-serif">{escape(_short(name))}</text>'
        )
        if main:
            parts.append(box)
        else:
            parts.append(f'<a href="{escape(link + nid)}">{box}</a>')
    if hidden:
        parts.append(
            f'<text x="10" y="{height - 10}" font-size="13" fill="#333" '
            f'font-family="sans-serif">and {hidden} more (listed below)</text>'
        )
    if not shown:
        parts.append(
            f'<text x="{cx:.1f}" y="{cy + 50:.1f}" font-size="13" text-anchor="middle" '
            'fill="#333" font-family="sans-serif">no relationships visible to you</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
