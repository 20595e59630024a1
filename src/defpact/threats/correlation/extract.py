"""The observable values of a STIX object, including those inside an indicator's pattern.

Values come from cyber-observable objects (``ipv4-addr``, ``ipv6-addr``, ``domain-name``,
``url``, ``email-addr`` values; ``file`` and ``artifact`` hashes) and from STIX patterns. In a
pattern, every comparison ``path = 'v'`` and ``path IN ('v', ...)`` of a supported path counts,
wherever it is (any observation, any boolean, any qualifier); negated comparisons (``NOT =``),
``!=``, ``LIKE``, ``MATCHES`` and the ordering operators do not, and neither do binary, hex or
timestamp literals. Supported paths:

* ``ipv4-addr:value``, ``ipv6-addr:value``, ``network-traffic:src_ref.value`` / ``dst_ref.value``
* ``domain-name:value``, ``url:value``
* ``email-addr:value``, ``email-message:from_ref.value`` / ``sender_ref.value`` /
  ``to_refs[*].value`` / ``cc_refs[*].value`` / ``bcc_refs[*].value``
* ``file:hashes.<name>``, ``artifact:hashes.<name>`` (MD5, SHA-1, SHA-256, SHA-512)

Patterns are parsed with the ``stix2-patterns`` inspector; the common simple shape
(``[path = 'v' AND|OR ...]``, as recognised by :func:`validate.simple_pattern_is_valid`) is read
by a regular expression instead, proven equal to the inspector by a property test. A value that
does not normalise (``ipv4-addr:value = 'not an ip'``) is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from stix2patterns.v21.pattern import Pattern  # type: ignore[import-untyped]

from defpact.threats.correlation.normalise import (
    Kind,
    Observable,
    hash_kind,
    normalise,
)
from defpact.threats.stix.validate import simple_pattern_is_valid

__all__ = ["SCO_TYPES", "object_values", "pattern_values", "pattern_values_slow"]

_IP = Kind.IPV4  # family is decided by the value; see _normalise_path
_SCO_VALUE_KINDS = {
    "ipv4-addr": Kind.IPV4,
    "ipv6-addr": Kind.IPV6,
    "domain-name": Kind.DOMAIN,
    "url": Kind.URL,
    "email-addr": Kind.EMAIL,
}
_HASHED = ("file", "artifact")
SCO_TYPES = frozenset({*_SCO_VALUE_KINDS, *_HASHED})
_REF_PATHS = {
    ("network-traffic", "src_ref"): _IP,
    ("network-traffic", "dst_ref"): _IP,
    ("email-message", "from_ref"): Kind.EMAIL,
    ("email-message", "sender_ref"): Kind.EMAIL,
}
_LIST_REF_PATHS = {
    ("email-message", "to_refs"): Kind.EMAIL,
    ("email-message", "cc_refs"): Kind.EMAIL,
    ("email-message", "bcc_refs"): Kind.EMAIL,
}
_STRING = re.compile(r"(?<![A-Za-z])'((?:[^'\\]|\\.)*)'")
_SIMPLE_COMPARISON = re.compile(
    r"([a-z][a-z0-9]*(?:-[a-z0-9]+)*):([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)"
    r" *(!?=) *'((?:[^'\\]|\\['\\])*)'"
)


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _ip(text: str) -> Observable | None:
    for kind in (Kind.IPV4, Kind.IPV6):
        try:
            return normalise(kind, text)
        except ValueError:
            continue
    return None


def _value(kind: Kind, text: str) -> Observable | None:
    if kind is _IP:
        return _ip(text)
    try:
        return normalise(kind, text)
    except ValueError:
        return None


def _path_kind(object_type: str, path: list[Any]) -> Kind | None:
    """The kind of value a pattern path compares, or None for unsupported paths."""
    names = [p for p in path if isinstance(p, str)]
    if object_type in _SCO_VALUE_KINDS and names == ["value"]:
        return _IP if object_type in ("ipv4-addr", "ipv6-addr") else _SCO_VALUE_KINDS[object_type]
    if object_type in _HASHED and len(names) == 2 and names[0] == "hashes":
        return hash_kind(names[1])
    if len(names) == 2 and names[1] == "value":
        if len(path) == 2 and (object_type, names[0]) in _REF_PATHS:
            return _REF_PATHS[(object_type, names[0])]
        if len(path) == 3 and (object_type, names[0]) in _LIST_REF_PATHS:
            return _LIST_REF_PATHS[(object_type, names[0])]
    return None


def _literals(operator: str, literal: str) -> list[str]:
    if operator == "=":
        found = _STRING.fullmatch(literal.strip())
        return [_unescape(found.group(1))] if found else []
    if operator == "IN":
        return [_unescape(m.group(1)) for m in _STRING.finditer(literal)]
    return []


def _collect(triples: Iterable[tuple[str, list[Any], str, str]]) -> tuple[Observable, ...]:
    found: set[Observable] = set()
    for object_type, path, operator, literal in triples:
        kind = _path_kind(object_type, path)
        if kind is None:
            continue
        for text in _literals(operator, literal):
            obs = _value(kind, text)
            if obs is not None:
                found.add(obs)
    return tuple(sorted(found))


def pattern_values_slow(pattern: str) -> tuple[Observable, ...]:
    """Values of a pattern through the ``stix2-patterns`` inspector (any valid pattern)."""
    comparisons = Pattern(pattern).inspect().comparisons
    return _collect(
        (object_type, list(path), operator, literal)
        for object_type, entries in comparisons.items()
        for path, operator, literal in entries
    )


@lru_cache(maxsize=65536)
def pattern_values(pattern: str) -> tuple[Observable, ...]:
    """Values of a (valid) STIX 2.1 pattern, sorted and without duplicates."""
    if simple_pattern_is_valid(pattern):
        return _simple_values(pattern)
    return pattern_values_slow(pattern)


def _simple_values(pattern: str) -> tuple[Observable, ...]:
    """The values of a simple pattern, read from its ``path = 'v'`` comparisons directly (the
    same result as :func:`_collect` over them: ``!=`` counts for nothing)."""
    found: set[Observable] = set()
    for m in _SIMPLE_COMPARISON.finditer(pattern):
        if m.group(3) != "=":
            continue
        kind = _path_kind(m.group(1), m.group(2).split("."))
        if kind is None:
            continue
        text = m.group(4)
        obs = _value(kind, _unescape(text) if "\\" in text else text)
        if obs is not None:
            found.add(obs)
    return tuple(sorted(found))


def object_values(obj: dict[str, Any]) -> tuple[Observable, ...]:
    """The observable values of one STIX object (empty for types that carry none)."""
    type_name = obj.get("type")
    if type_name == "indicator":
        pattern = obj.get("pattern")
        if obj.get("pattern_type") == "stix" and isinstance(pattern, str):
            return pattern_values(pattern)
        return ()
    if type_name in _SCO_VALUE_KINDS:
        value = obj.get("value")
        kind = _IP if type_name in ("ipv4-addr", "ipv6-addr") else _SCO_VALUE_KINDS[type_name]
        found = _value(kind, value) if isinstance(value, str) else None
        return (found,) if found else ()
    if type_name in _HASHED:
        hashes = obj.get("hashes")
        if not isinstance(hashes, dict):
            return ()
        values = set()
        for name, digest in hashes.items():
            hashed = hash_kind(name) if isinstance(name, str) else None
            if hashed is not None and isinstance(digest, str):
                obs = _value(hashed, digest)
                if obs is not None:
                    values.add(obs)
        return tuple(sorted(values))
    return ()
