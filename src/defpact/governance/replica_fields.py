"""Strict checks of the fields a peer node sends for a governance replica.

A replica's fields are plain JSON written by another node. Each check returns the value with
its Python type or raises :class:`core.replication.ReplicaRefused` naming the field
(``meeting.decisions[].text``) and what it must be, so federation refuses the whole page and
stores nothing of it. People (group members, meeting attendees) travel as ``{nation, name}``:
the name the originating node shows, never a user id of that node.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from defpact.core.nations import NATIONS
from defpact.core.replication import ReplicaRefused

__all__ = ["day", "entries", "moment", "nation", "people", "text"]


def text(fields: dict[str, Any], where: str, name: str, limit: int, *, blank: bool = True) -> str:
    value = fields.get(name)
    if not isinstance(value, str) or len(value) > limit or (not blank and not value.strip()):
        least = 0 if blank else 1
        raise ReplicaRefused(f"{where}.{name} must be a string of {least} to {limit} characters")
    return value


def nation(fields: dict[str, Any], where: str, name: str) -> str:
    value = fields.get(name)
    if not isinstance(value, str) or value not in NATIONS:
        raise ReplicaRefused(f"{where}.{name} must be a known nation code")
    return value


def moment(value: object, what: str) -> datetime:
    """An ISO 8601 timestamp with a time zone."""
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ReplicaRefused(f"{what} must be an ISO timestamp with a time zone")
    return parsed


def day(fields: dict[str, Any], where: str, name: str) -> date:
    value = fields.get(name)
    try:
        if isinstance(value, str):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise ReplicaRefused(f"{where}.{name} must be an ISO date")


def entries(fields: dict[str, Any], where: str, name: str, limit: int) -> list[dict[str, Any]]:
    """A list of at most ``limit`` JSON objects."""
    value = fields.get(name)
    if (
        not isinstance(value, list)
        or len(value) > limit
        or not all(isinstance(v, dict) for v in value)
    ):
        raise ReplicaRefused(f"{where}.{name} must be a list of at most {limit} objects")
    return value


def people(fields: dict[str, Any], where: str, name: str) -> list[list[str]]:
    """``[{nation, name}, ...]`` as stored: ``[[nation, name], ...]``."""
    found = []
    for entry in entries(fields, where, name, 500):
        code = nation(entry, f"{where}.{name}[]", "nation")
        found.append([code, text(entry, f"{where}.{name}[]", "name", 120, blank=False)])
    return found
