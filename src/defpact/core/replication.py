"""The shape in which a context hands a marked record to federation, and takes a replica back.

Contexts other than the STIX store (procurement requirements, training exercises and lessons,
governance documents) describe a record as a :class:`RecordState`: its marking, whether it is
withdrawn, a title, times, the fields a replica needs (plain JSON values) and, for records that
live inside another one, the parent it needs on the receiving node (a lesson's exercise, by its
code). A document's versions, each with its own marking, are its ``parts``: a peer receives the
versions released to it and nothing else. Federation turns a state into a STIX object and back;
each context's ``replication`` module reads states for export and writes replicas from them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from defpact.core.marking import Marking

__all__ = ["RecordPart", "RecordState", "ReplicaRefused", "key_chunks"]

_Key = TypeVar("_Key", int, str)


def key_chunks(keys: Iterable[_Key], size: int = 500) -> Iterator[list[_Key]]:
    """The distinct keys, sorted, in lists of ``size``: one ``IN (...)`` lookup each (export
    states, replica registries and stored versions are read this way)."""
    wanted = sorted(set(keys))
    for start in range(0, len(wanted), size):
        yield wanted[start : start + size]


@dataclass(frozen=True, slots=True)
class RecordPart:
    """A separately marked piece of a record (a document version)."""

    marking: Marking
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RecordState:
    marking: Marking
    withdrawn: bool
    title: str
    created_at: datetime
    updated_at: datetime
    fields: dict[str, Any]
    parent: Marking | None = None  # the marking of the record it lives in (sent only with it)
    parts: tuple[RecordPart, ...] = field(default=())


class ReplicaRefused(ValueError):
    """A replica that cannot be stored: malformed fields (the message names the field)."""
