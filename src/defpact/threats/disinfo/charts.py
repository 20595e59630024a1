"""Server-rendered SVG of a group page (pure string building, no I/O, no script).

- ``timeline``: one row per account, one mark per evidence post on a shared time axis, coloured
  by the kind of object it shared (link, text, reshare, reply, media); bursts of the group's
  accounts acting within seconds line up vertically. Each mark has a ``<title>`` (tooltip).
- ``network``: the bipartite account–object network: accounts on the left, shared objects on
  the right, a line per (account, object) that the evidence holds; line width grows with the
  number of posts, object marks with their rarity weight (idf).

Only SVG presentation attributes are used (the Content-Security-Policy forbids inline style);
every text is XML-escaped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from html import escape

from defpact.threats.disinfo.records import EvidencePost, SharedObjectView

__all__ = ["KIND_COLOURS", "network", "timeline"]

KIND_COLOURS = {
    "url": "#1f77b4",
    "text": "#d62728",
    "reshare": "#2ca02c",
    "reply": "#9467bd",
    "media": "#ff7f0e",
}
_INK = "#1c2430"
_GRID = "#d9dee6"
_FONT = 'font-family="sans-serif" font-size="11"'
_MAX_ROWS = 60
_MAX_OBJECTS = 40


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _ticks(start: datetime, end: datetime, x0: float, width: float) -> list[str]:
    span = max((end - start).total_seconds(), 1.0)
    parts = []
    for i in range(5):
        frac = i / 4
        moment = datetime.fromtimestamp(start.timestamp() + frac * span, tz=start.tzinfo)
        x = x0 + frac * width
        label = moment.strftime("%m-%d %H:%M:%S" if span < 86_400 else "%Y-%m-%d %H:%M")
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="18" y2="{{bottom}}" stroke="{_GRID}"/>'
            f'<text x="{x:.1f}" y="12" text-anchor="middle" {_FONT} fill="{_INK}">'
            f"{escape(label)}</text>"
        )
    return parts


def timeline(evidence: Sequence[EvidencePost], kinds: dict[int, str], width: int = 860) -> str:
    """Posts per account over time; ``kinds`` maps an object index to its kind."""
    posts = {p.pk: p for p in evidence}.values()
    if not posts:
        return ""
    counts = Counter(p.account for p in posts)
    accounts = sorted(counts, key=lambda a: (-counts[a], a))[:_MAX_ROWS]
    row = {a: i for i, a in enumerate(accounts)}
    start = min(p.published_at for p in posts)
    end = max(p.published_at for p in posts)
    span = max((end - start).total_seconds(), 1.0)
    x0, plot = 150.0, width - 170.0
    height = 30 + 16 * len(accounts) + 10
    bottom = height - 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Timeline of {len(posts)} evidence posts by {len(accounts)} accounts">'
    ]
    parts += [t.replace("{bottom}", str(bottom)) for t in _ticks(start, end, x0, plot)]
    for account, i in row.items():
        y = 30 + 16 * i
        parts.append(
            f'<text x="{x0 - 6:.0f}" y="{y + 4}" text-anchor="end" {_FONT} fill="{_INK}">'
            f"{escape(_short(account, 22))}</text>"
            f'<line x1="{x0}" x2="{x0 + plot}" y1="{y}" y2="{y}" stroke="{_GRID}"/>'
        )
    for post in sorted(posts, key=lambda p: (p.published_at, p.post_id)):
        if post.account not in row:
            continue
        x = x0 + (post.published_at - start).total_seconds() / span * plot
        y = 30 + 16 * row[post.account]
        kind = kinds.get(post.obj, "url")
        tip = f"{post.published_at:%Y-%m-%d %H:%M:%S} {post.account} ({post.platform}, {kind}): "
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y}" r="4" fill="{KIND_COLOURS.get(kind, _INK)}" '
            f'fill-opacity="0.75"><title>{escape(tip + _short(post.text, 120))}</title></circle>'
        )
    parts.append("</svg>")
    return "".join(parts)


def network(
    objects: Sequence[SharedObjectView], evidence: Sequence[EvidencePost], width: int = 860
) -> str:
    """The account–object network of a group (bipartite: accounts left, objects right)."""
    shown = list(objects[:_MAX_OBJECTS])
    if not shown:
        return ""
    links: Counter[tuple[str, int]] = Counter(
        (p.account, p.obj) for p in {(p.pk, p.obj): p for p in evidence}.values()
    )
    wanted = {o.index for o in shown}
    accounts = sorted({a for a, o in links if o in wanted})
    rows = max(len(accounts), len(shown))
    height = 20 + 18 * rows
    ay = {a: 20 + i * (height - 30) / max(len(accounts) - 1, 1) for i, a in enumerate(accounts)}
    oy = {o.index: 20 + i * (height - 30) / max(len(shown) - 1, 1) for i, o in enumerate(shown)}
    left, right = 170.0, width - 330.0
    top_idf = max((o.idf for o in shown), default=1.0) or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Network of {len(accounts)} accounts and {len(shown)} shared objects">'
    ]
    for (account, obj), n in sorted(links.items()):
        if obj not in oy:
            continue
        kind = next(o.kind for o in shown if o.index == obj)
        parts.append(
            f'<line x1="{left:.0f}" y1="{ay[account]:.1f}" x2="{right:.0f}" y2="{oy[obj]:.1f}" '
            f'stroke="{KIND_COLOURS.get(kind, _INK)}" stroke-opacity="0.45" '
            f'stroke-width="{min(1 + n, 6)}"/>'
        )
    for account, y in ay.items():
        parts.append(
            f'<circle cx="{left:.0f}" cy="{y:.1f}" r="5" fill="{_INK}"><title>'
            f"{escape(account)}</title></circle>"
            f'<text x="{left - 9:.0f}" y="{y + 4:.1f}" text-anchor="end" {_FONT} '
            f'fill="{_INK}">{escape(_short(account, 24))}</text>'
        )
    for o in shown:
        y, size = oy[o.index], 4 + 6 * o.idf / top_idf
        colour = KIND_COLOURS.get(o.kind, _INK)
        parts.append(
            f'<rect x="{right - size / 2:.1f}" y="{y - size / 2:.1f}" width="{size:.1f}" '
            f'height="{size:.1f}" fill="{colour}"><title>{escape(o.kind)}: {escape(o.key)} '
            f"(idf {o.idf:.2f}, {len(o.accounts)} accounts)</title></rect>"
            f'<text x="{right + 10:.0f}" y="{y + 4:.1f}" {_FONT} fill="{_INK}">'
            f"{escape(o.kind)}: {escape(_short(o.key, 48))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
