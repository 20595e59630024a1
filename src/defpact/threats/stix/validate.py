"""Validation of incoming STIX 2.1 objects, one at a time, with the ``stix2`` library.

Every object of a type ``stix2`` knows (SDOs, SROs, SCOs, marking and extension definitions,
language content) is parsed with ``stix2.parse(obj, allow_custom=True, version="2.1")``, which
checks identifiers, timestamps, vocabularies, references and property names; custom objects must
have an ``x-`` type and get the common-property checks ``stix2`` skips for them. Indicator
patterns (``pattern_type: stix``) are checked with ``stix2-patterns``; results are cached per
pattern, and the most common shape (one observation of ``path = 'string'`` comparisons joined by
AND/OR, no hashes) is recognised by a small exact grammar first, proven in the tests to accept
only what ``stix2-patterns`` accepts. A plain indicator skips the ``stix2`` object build through
the stricter check of :mod:`fastpath`. Beyond ``stix2``, ``modified`` must not precede
``created``. Only STIX 2.1 is accepted.

A valid object keeps its raw JSON text (compact), which is what the store serves back.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import stix2
import stix2.exceptions
from stix2 import registry
from stix2patterns.validator import run_validator  # type: ignore[import-untyped]

from defpact.threats.stix.fastpath import plain_indicator_is_valid
from defpact.threats.stix.marking import DefpactMarking, MarkingError, read_defpact_extension
from defpact.threats.stix.stamps import parse_timestamp

__all__ = [
    "Rejected",
    "ValidObject",
    "pattern_problem",
    "simple_pattern_is_valid",
    "validate_object",
]

_CUSTOM_TYPE = re.compile(r"^x-[a-z0-9]+(?:-[a-z0-9]+)*$")
_CANONICAL_UUID = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
)
_PROPERTY = re.compile(r"^[a-z][a-z0-9_]{0,249}$")
_KEYWORDS = frozenset(
    "AND OR NOT FOLLOWEDBY LIKE MATCHES ISSUPERSET ISSUBSET EXISTS LAST IN START STOP "
    "SECONDS TRUE FALSE WITHIN REPEATS TIMES".split()
)
_IDENT = r"[a-z][a-z0-9_]*"
_COMPARISON = (
    rf"[a-z][a-z0-9]*(?:-[a-z0-9]+)*:{_IDENT}(?:\.{_IDENT})*"
    r" *!?= *'(?:[^'\\]|\\['\\])*'"
)
_SIMPLE_PATTERN = re.compile(rf"^\[ *{_COMPARISON}(?: +(?:AND|OR) +{_COMPARISON})* *\]$")
_PATH_WORDS = re.compile(r"[:.]([a-z][a-z0-9_]*)")


@dataclass(frozen=True, slots=True)
class ValidObject:
    stix_id: str
    type: str
    spec_version: str
    version_us: int | None
    revoked: bool
    marking_refs: tuple[str, ...]
    raw: str
    defines_marking: bool = False
    defpact_marking: DefpactMarking | None = None
    # The object as received (``raw`` is its JSON text): indexing reads it without re-parsing.
    parsed: dict[str, Any] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Rejected:
    stix_id: str
    version: str
    message: str


@lru_cache(maxsize=8192)
def simple_pattern_is_valid(pattern: str) -> bool:
    """True when ``pattern`` has the simple shape that is valid by construction."""
    if _SIMPLE_PATTERN.match(pattern) is None:
        return False
    outside = re.sub(r"'(?:[^'\\]|\\['\\])*'", "''", pattern)
    words = _PATH_WORDS.findall(outside)
    return not any(w.upper() in _KEYWORDS or w == "hashes" for w in words)


@lru_cache(maxsize=8192)
def pattern_problem(pattern: str, version: str = "2.1") -> str | None:
    """The first stix2-patterns error for ``pattern``, or None when it is valid."""
    if version == "2.1" and simple_pattern_is_valid(pattern):
        return None
    errors = run_validator(pattern, version)
    return str(errors[0]) if errors else None


def _version_text(obj: dict[str, Any]) -> str:
    value = obj.get("modified", obj.get("created", ""))
    return value if isinstance(value, str) else ""


def _reject(obj: dict[str, Any], message: str) -> Rejected:
    stix_id = obj.get("id")
    return Rejected(stix_id if isinstance(stix_id, str) else "", _version_text(obj), message)


def _is_observable(type_name: str) -> bool:
    return registry.class_for_type(type_name, "2.1", "observables") is not None


def _is_known(type_name: str) -> bool:
    return registry.class_for_type(type_name, "2.1", "objects") is not None or _is_observable(
        type_name
    )


def _spec_version_problem(obj: dict[str, Any], type_name: str) -> str | None:
    spec = obj.get("spec_version")
    if spec is None and _is_observable(type_name):
        return None
    if spec != "2.1":
        return (
            f"spec_version must be '2.1' (got {spec!r}); this server stores STIX 2.1 only"
            if spec is not None
            else "spec_version is required and must be '2.1'"
        )
    return None


def _id_problem(obj: dict[str, Any], type_name: str) -> str | None:
    stix_id = obj.get("id")
    if not isinstance(stix_id, str):
        return "id is required and must be a string"
    prefix, sep, rest = stix_id.partition("--")
    if not sep or prefix != type_name:
        return f"id {stix_id!r} must be '{type_name}--<UUID>'"
    if _CANONICAL_UUID.match(rest):
        return None
    try:
        uuid.UUID(rest)
    except ValueError:
        return f"id {stix_id!r} does not end with a valid UUID"
    if rest != rest.lower() or len(rest) != 36:
        return f"id {stix_id!r} must use the canonical lower-case UUID form"
    return None


def _custom_problem(obj: dict[str, Any], type_name: str) -> str | None:
    """Common-property checks for custom ``x-`` objects, which stix2 does not validate."""
    if _CUSTOM_TYPE.match(type_name) is None or not 3 <= len(type_name) <= 250:
        return f"unknown STIX object type {type_name!r}; custom object types must start with 'x-'"
    return _common_problem(obj)


def _common_problem(obj: dict[str, Any]) -> str | None:
    """Property names, timestamps and marking references: the checks every object gets."""
    bad = [k for k in obj if not isinstance(k, str) or _PROPERTY.match(k) is None]
    if bad:
        return f"property name {bad[0]!r} is not valid (a-z, 0-9 and _; starting with a letter)"
    stamps: dict[str, int] = {}
    for name in ("created", "modified"):
        if name in obj:
            try:
                stamps[name] = parse_timestamp(obj[name])
            except ValueError as exc:
                return f"{name}: {exc}"
    if "modified" in stamps and "created" in stamps and stamps["modified"] < stamps["created"]:
        return "modified must not be earlier than created"
    refs = obj.get("object_marking_refs", [])
    if not isinstance(refs, list) or not all(
        isinstance(r, str) and r.startswith("marking-definition--") for r in refs
    ):
        return "object_marking_refs must be a list of marking-definition ids"
    return None


def _stix2_problem(obj: dict[str, Any]) -> str | None:
    candidate = obj
    if obj.get("type") == "indicator" and obj.get("pattern_type") == "stix":
        pattern = obj.get("pattern")
        if isinstance(pattern, str):
            version = obj.get("pattern_version", "2.1")
            problem = pattern_problem(pattern, version if isinstance(version, str) else "2.1")
            if problem:
                return f"pattern: {problem}"
            if plain_indicator_is_valid(obj):
                return None
            # Already checked above: let stix2 validate everything else, without re-parsing.
            candidate = {**obj, "pattern_type": "x-defpact-checked"}
    try:
        stix2.parse(candidate, allow_custom=True, version="2.1")
    except (stix2.exceptions.STIXError, ValueError, TypeError, KeyError) as exc:
        return str(exc)
    return None


def _version_us(obj: dict[str, Any]) -> int | None:
    """``modified``, else ``created``; ValueError when modified is before created."""
    created, modified = obj.get("created"), obj.get("modified")
    if isinstance(modified, str):
        version = parse_timestamp(modified)
        if isinstance(created, str) and version < parse_timestamp(created):
            raise ValueError("modified must not be earlier than created")
        return version
    return parse_timestamp(created) if isinstance(created, str) else None


def _content_problem(obj: dict[str, Any], type_name: str, trusted: bool) -> str | None:
    if not _is_known(type_name):
        return _custom_problem(obj, type_name)
    return _common_problem(obj) if trusted else _stix2_problem(obj)


def validate_object(obj: object, *, trusted: bool = False) -> ValidObject | Rejected:
    """Check one object of an envelope; never raises for bad input.

    ``trusted``: the object comes from a source that validated it in full already (a peer
    node's signed federation feed), so only the structural checks run, not the stix2 parser."""
    if not isinstance(obj, dict):
        return Rejected("", "", "each item of 'objects' must be a JSON object")
    type_name = obj.get("type")
    if not isinstance(type_name, str) or not type_name:
        return _reject(obj, "type is required and must be a string")
    if type_name == "bundle":
        return _reject(obj, "a bundle cannot be stored; post its objects in the envelope")
    problem = (
        _id_problem(obj, type_name)
        or _spec_version_problem(obj, type_name)
        or _content_problem(obj, type_name, trusted)
    )
    if problem:
        return _reject(obj, problem)
    defpact = None
    if type_name == "marking-definition":
        try:
            defpact = read_defpact_extension(obj)
        except MarkingError as exc:
            return _reject(obj, str(exc))
    try:
        version_us = _version_us(obj)
    except ValueError as exc:
        return _reject(obj, str(exc))
    return ValidObject(
        stix_id=obj["id"],
        type=type_name,
        spec_version="2.1",
        version_us=version_us,
        revoked=obj.get("revoked") is True,
        marking_refs=tuple(obj.get("object_marking_refs", ())),
        raw=json.dumps(obj, separators=(",", ":"), ensure_ascii=False),
        defines_marking=type_name == "marking-definition",
        defpact_marking=defpact,
        parsed=obj,
    )
