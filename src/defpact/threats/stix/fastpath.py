"""A strict shortcut for the most common object, a plain STIX-pattern indicator.

``stix2`` builds a full Python object to validate one (about 0.3 ms per indicator, most of the
ingest cost). :func:`plain_indicator_is_valid` answers True only for an indicator made of the
properties below, each of a form ``stix2`` certainly accepts (it is *stricter* than ``stix2``:
canonical lower-case RFC 4122 ids, timestamps with at most microsecond digits, non-empty lists of
non-empty strings, ``confidence`` 0-100); anything else, including every custom property,
``external_references``, ``kill_chain_phases``, granular markings and extensions, answers False
and goes through ``stix2.parse``. The property tests check that every object this accepts is
accepted by ``stix2`` too. The pattern is checked by the caller with ``stix2-patterns``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from defpact.threats.stix.stamps import parse_timestamp

__all__ = ["plain_indicator_is_valid"]

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
_INDICATOR_ID = re.compile(rf"^indicator--{_UUID}$")
_IDENTITY_ID = re.compile(rf"^identity--{_UUID}$")
_MARKING_ID = re.compile(rf"^marking-definition--{_UUID}$")
_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z$")
_PRECISE_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3,6}Z$")


def _text(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _texts(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(_text(v) for v in value)


def _stamp(pattern: re.Pattern[str]) -> Callable[[Any], bool]:
    @lru_cache(maxsize=65536)  # objects of one feed share most of their timestamps
    def valid(value: str) -> bool:
        if pattern.match(value) is None:
            return False
        try:
            parse_timestamp(value)
        except ValueError:
            return False
        return True

    def check(value: Any) -> bool:
        return isinstance(value, str) and valid(value)

    return check


def _confidence(value: Any) -> bool:
    return type(value) is int and 0 <= value <= 100


_CHECKS: dict[str, Callable[[Any], bool]] = {
    "type": lambda v: v == "indicator",
    "spec_version": lambda v: v == "2.1",
    "id": lambda v: isinstance(v, str) and _INDICATOR_ID.match(v) is not None,
    "created": _stamp(_PRECISE_STAMP),
    "modified": _stamp(_PRECISE_STAMP),
    "pattern": _text,
    "pattern_type": lambda v: v == "stix",
    "pattern_version": lambda v: v == "2.1",
    "valid_from": _stamp(_STAMP),
    "valid_until": _stamp(_STAMP),
    "name": _text,
    "description": _text,
    "lang": _text,
    "indicator_types": _texts,
    "labels": _texts,
    "confidence": _confidence,
    "revoked": lambda v: type(v) is bool,
    "created_by_ref": lambda v: isinstance(v, str) and _IDENTITY_ID.match(v) is not None,
    "object_marking_refs": lambda v: _texts(v) and all(_MARKING_ID.match(r) for r in v),
}
_REQUIRED = frozenset({"type", "spec_version", "id", "created", "modified", "pattern",
                       "pattern_type", "valid_from"})  # fmt: skip


def plain_indicator_is_valid(obj: dict[str, Any]) -> bool:
    """True when ``obj`` is a plain indicator that is valid STIX 2.1 (pattern aside)."""
    if not _REQUIRED <= obj.keys():
        return False
    for name, value in obj.items():
        check = _CHECKS.get(name)
        if check is None or not check(value):
            return False
    if parse_timestamp(obj["modified"]) < parse_timestamp(obj["created"]):
        return False
    until = obj.get("valid_until")
    return until is None or parse_timestamp(until) > parse_timestamp(obj["valid_from"])
