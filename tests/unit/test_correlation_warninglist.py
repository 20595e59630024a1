"""MISP warninglists: parsing with field-naming errors, the five match types, built-in lists."""

from __future__ import annotations

from typing import Any

import pytest

from defpact.threats.correlation.lists import builtin_lists
from defpact.threats.correlation.normalise import classify
from defpact.threats.correlation.warninglist import Matcher, parse_warninglist


def _list(kind: str, entries: list[str], **extra: Any) -> dict[str, Any]:
    return {"name": f"{kind} list", "version": 1, "description": "", "type": kind,
            "list": entries, **extra}  # fmt: skip


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ([], "JSON object"),
        ({**_list("cidr", []), "version": "1"}, "version"),
        ({**_list("cidr", []), "type": "glob"}, "type"),
        ({**_list("cidr", []), "name": ""}, "name"),
        ({**_list("cidr", []), "list": "10.0.0.0/8"}, "list"),
        (_list("cidr", ["10.0.0.0/8", "nope"]), "list[1]"),
        (_list("regex", ["(unclosed"]), "list[0]"),
        ({**_list("string", ["x"]), "matching_attributes": [1]}, "matching_attributes"),
    ],
)
def test_bad_lists_name_the_field(data: object, field: str) -> None:
    with pytest.raises(ValueError, match=field.replace("[", r"\[")):
        parse_warninglist(data)


@pytest.mark.parametrize(
    ("data", "hits", "misses"),
    [
        (_list("string", ["8.8.8.8", "EVIL.xk"]), ["8.8.8.8", "evil.xk"], ["8.8.8.9"]),
        (_list("substring", ["tracker"]), ["ads.tracker.xk", "http://a.xk/tracker"], ["a.xk"]),
        (
            _list("hostname", [".cdn.xk"]),
            ["cdn.xk", "a.b.cdn.xk", "http://img.cdn.xk/x", "ops@cdn.xk"],
            ["notcdn.xk", "cdn.xk.evil.al"],
        ),
        (
            _list("cidr", ["45.9.0.0/16", "2a01::/16"]),
            ["45.9.3.4", "45.9.3.0/24", "2a01:4f8::1"],
            ["45.10.0.1", "45.0.0.0/8"],
        ),
        (_list("regex", ["/^evil[0-9]+\\.xk$/i"]), ["EVIL12.xk"], ["evil.xk"]),
        (
            _list("string", ["45.9.1.2"], matching_attributes=["domain"]),
            [],
            ["45.9.1.2"],  # the list is for domains only
        ),
    ],
)
def test_match_types(data: dict[str, Any], hits: list[str], misses: list[str]) -> None:
    matcher = Matcher([parse_warninglist(data)])
    for value in hits:
        assert matcher.suppresses(classify(value)), value
    for value in misses:
        assert not matcher.suppresses(classify(value)), value


def test_builtin_lists_cover_reserved_ranges_and_resolvers() -> None:
    matcher = Matcher(builtin_lists())
    listed = [
        "10.1.1.1", "172.16.5.5", "192.168.0.1", "192.0.2.10", "198.51.100.1", "203.0.113.0/25",
        "100.64.1.1", "127.0.0.1", "::1", "169.254.1.1", "fe80::1", "224.0.0.251", "ff02::1",
        "2001:db8::1", "8.8.8.8", "1.1.1.1", "9.9.9.9", "2606:4700:4700::1111", "example.com",
        "www.example.org", "http://example.net/x", "host.test",
        "d41d8cd98f00b204e9800998ecf8427e",
    ]  # fmt: skip
    for value in listed:
        assert matcher.suppresses(classify(value)), value
    for value in ["45.9.1.2", "172.32.0.1", "8.8.8.9", "example.xk", "2a01::1"]:
        assert not matcher.suppresses(classify(value)), value
