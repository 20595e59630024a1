"""Recruitment cooperation, pure rules: calendar clashes and the funnel per nation and channel.

Two calendar events clash when their date ranges overlap and they involve a common nation (the
organiser or a partner): one nation's recruiters cannot staff both, and a joint career fair
loses its audience to a national campaign the same week. Intake windows are long by nature, so
two intake windows do not clash with each other.

The funnel is aggregated (no personal data): applications -> enlistments -> still serving
after 12 months; conversion = enlistments / applications and retention = retained / enlisted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

__all__ = [
    "EVENT_KINDS",
    "CalendarEvent",
    "Clash",
    "Funnel",
    "clashes",
    "funnel",
]

EVENT_KINDS = ("campaign", "intake", "career-fair")


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    id: int
    nation: str
    kind: str
    title: str
    starts: date
    ends: date
    place: str = ""
    partners: tuple[str, ...] = ()

    @property
    def nations(self) -> frozenset[str]:
        return frozenset((self.nation, *self.partners))


@dataclass(frozen=True, slots=True)
class Clash:
    first: int
    second: int
    nations: tuple[str, ...]
    message: str


def clashes(events: Sequence[CalendarEvent]) -> list[Clash]:
    """Every clashing pair, by start date (sweep over events sorted by start)."""
    ordered = sorted(events, key=lambda e: (e.starts, e.id))
    out: list[Clash] = []
    for k, a in enumerate(ordered):
        for b in ordered[k + 1 :]:
            if b.starts > a.ends:
                break
            if a.kind == b.kind == "intake":
                continue
            shared = sorted(a.nations & b.nations)
            if shared:
                out.append(
                    Clash(
                        a.id,
                        b.id,
                        tuple(shared),
                        f"{a.title!r} ({a.starts}..{a.ends}) overlaps {b.title!r} "
                        f"({b.starts}..{b.ends}) for {', '.join(shared)}",
                    )
                )
    return out


@dataclass(frozen=True, slots=True)
class Funnel:
    nation: str
    channel: str
    applications: int
    enlistments: int
    retained_12m: int

    @property
    def conversion(self) -> float | None:
        return self.enlistments / self.applications if self.applications else None

    @property
    def retention(self) -> float | None:
        return self.retained_12m / self.enlistments if self.enlistments else None


def funnel(rows: Sequence[Funnel]) -> list[Funnel]:
    """Per-nation totals over channels (channel ``all``), after the per-channel rows."""
    totals: dict[str, list[int]] = {}
    for r in rows:
        t = totals.setdefault(r.nation, [0, 0, 0])
        t[0] += r.applications
        t[1] += r.enlistments
        t[2] += r.retained_12m
    out = sorted(rows, key=lambda r: (r.nation, r.channel))
    return out + [Funnel(n, "all", *t) for n, t in sorted(totals.items())]
