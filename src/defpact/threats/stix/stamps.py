"""STIX and TAXII timestamps as integers: microseconds since the Unix epoch, UTC.

The store keeps ``date_added`` and object versions (``modified``, else ``created``) as integers so
that indexes are compact, comparisons are exact on SQLite and PostgreSQL alike, and no collation
or time-zone conversion is involved. STIX timestamps (RFC 3339, ``Z`` only, any sub-second
precision) are parsed exactly to the microsecond; finer digits are truncated. Output follows the
STIX convention: milliseconds when the value has no sub-millisecond part, else microseconds;
``date_added`` is always written with microseconds (TAXII 2.1, section 3.3).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache

__all__ = ["format_date_added", "format_version", "now_us", "parse_timestamp", "to_us"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_STAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z$",
)


def to_us(moment: datetime) -> int:
    """Microseconds since the epoch of an aware datetime."""
    delta = moment.astimezone(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def now_us() -> int:
    return to_us(datetime.now(UTC))


def parse_timestamp(text: str) -> int:
    """Microseconds of a STIX/TAXII timestamp such as ``2016-04-06T20:03:48.123Z``.

    Raises ValueError naming the expected form when the text is not one.
    """
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a timestamp string")
    return _parse(text)


@lru_cache(maxsize=65536)
def _parse(text: str) -> int:
    match = _STAMP.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a timestamp of the form YYYY-MM-DDTHH:MM:SS[.fraction]Z")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction = (match.group(7) or "")[:6].ljust(6, "0")
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid date and time: {exc}") from None
    return to_us(moment) + int(fraction)


def _moment(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def format_date_added(us: int) -> str:
    """``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (always six fractional digits)."""
    return _moment(us).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@lru_cache(maxsize=4096)
def format_version(us: int) -> str:
    """A version timestamp as STIX writes it: milliseconds unless finer digits are set."""
    text = _moment(us).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return (text[:-3] if text.endswith("000") else text) + "Z"
