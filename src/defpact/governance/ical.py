"""iCalendar (RFC 5545) export of meetings, built with the ``icalendar`` library.

One VCALENDAR per export (a user's meetings or a group's), one VEVENT per meeting with a
stable UID (``gov-meeting-<id>@defpact``) so calendar clients update instead of duplicating,
UTC DTSTART/DTEND, LOCATION, the agenda as DESCRIPTION prefixed by the marking banner, the
group as CATEGORIES and ``CLASS:CONFIDENTIAL`` for anything above UNCLASSIFIED.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar, Event

__all__ = ["CalendarEvent", "meetings_calendar"]

_PRODID = "-//defpact//governance meetings//EN"


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    meeting_id: int
    title: str
    group: str
    place: str
    starts: datetime
    ends: datetime
    agenda: str
    banner: str
    classified: bool
    updated: datetime


def meetings_calendar(name: str, events: Iterable[CalendarEvent], stamp: datetime) -> bytes:
    """The ``.ics`` document for ``events``; ``stamp`` is the DTSTAMP of every event."""
    cal = Calendar()
    cal.add("prodid", _PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for item in events:
        cal.add_component(_event(item, stamp))
    data: bytes = cal.to_ical()
    return data


def _event(item: CalendarEvent, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"gov-meeting-{item.meeting_id}@defpact")
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", item.starts.astimezone(UTC))
    event.add("dtend", item.ends.astimezone(UTC))
    event.add("last-modified", item.updated.astimezone(UTC))
    event.add("summary", item.title)
    event.add("location", item.place)
    event.add("description", f"{item.banner}\n\n{item.agenda}".strip())
    event.add("categories", [item.group])
    event.add("class", "CONFIDENTIAL" if item.classified else "PUBLIC")
    return event
