"""What a TAXII read asks for, parsed and checked: filters, version selection and the cursor.

TAXII 2.1 (section 3.4) filters are ``match[id]``, ``match[type]``, ``match[version]``
(``last`` by default, ``first``, ``all`` or timestamps, combined with OR) and
``match[spec_version]``; ``added_after`` keeps objects added strictly after a timestamp.

Pagination is stateless keyset pagination on (``date_added``, id): the ``next`` token is an
opaque, URL-safe encoding of the last row returned, and the next page is every matching row
strictly after it in that order. Because ``date_added`` is assigned strictly increasing under the
write lock, rows committed later always sort later, so concurrent inserts can neither repeat a
row nor make one be skipped, and a page costs one index seek wherever it is.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field

from defpact.threats.stix.stamps import parse_timestamp

__all__ = [
    "DEFAULT_PAGE",
    "MAX_PAGE",
    "Cursor",
    "ObjectFilter",
    "QueryError",
    "VersionSelector",
    "decode_cursor",
    "encode_cursor",
    "parse_spec_versions",
    "parse_version_selector",
]

DEFAULT_PAGE = 1000
MAX_PAGE = 5000
_SPEC = re.compile(r"^\d+\.\d+$")


class QueryError(ValueError):
    """A request parameter is malformed; ``parameter`` names it."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


@dataclass(frozen=True, slots=True)
class Cursor:
    date_added: int
    stix_id: str


@dataclass(frozen=True, slots=True)
class VersionSelector:
    """``match[version]``: any of first / last / all and explicit version timestamps."""

    first: bool = False
    last: bool = True
    every: bool = False
    stamps: frozenset[int] = frozenset()

    @property
    def is_all(self) -> bool:
        return self.every


@dataclass(frozen=True, slots=True)
class ObjectFilter:
    ids: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    versions: VersionSelector = field(default_factory=VersionSelector)
    spec_versions: frozenset[str] = frozenset()
    added_after: int | None = None
    after: Cursor | None = None
    limit: int = DEFAULT_PAGE


def encode_cursor(cursor: Cursor) -> str:
    raw = f"{cursor.date_added}|{cursor.stix_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> Cursor:
    try:
        padded = token + "=" * (-len(token) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
        stamp, sep, stix_id = text.partition("|")
        if not sep or not stix_id or not stamp.isdigit():
            raise ValueError(text)
        return Cursor(int(stamp), stix_id)
    except (ValueError, UnicodeError, binascii.Error):
        raise QueryError("next", "not a token this server issued") from None


def parse_version_selector(values: list[str] | None, *, default: str = "last") -> VersionSelector:
    items = [v.strip() for raw in (values or [default]) for v in raw.split(",") if v.strip()]
    if not items:
        raise QueryError("match[version]", "give first, last, all or version timestamps")
    stamps: set[int] = set()
    for item in items:
        if item in ("first", "last", "all"):
            continue
        try:
            stamps.add(parse_timestamp(item))
        except ValueError as exc:
            raise QueryError("match[version]", f"{exc}; or use first, last or all") from None
    return VersionSelector(
        first="first" in items, last="last" in items, every="all" in items, stamps=frozenset(stamps)
    )


def parse_spec_versions(values: list[str] | None) -> frozenset[str]:
    items = {v.strip() for raw in values or [] for v in raw.split(",") if v.strip()}
    for item in items:
        if _SPEC.match(item) is None:
            raise QueryError("match[spec_version]", f"{item!r} is not a version such as 2.1")
    return frozenset(items)
