"""The validation shortcuts never accept what the reference libraries refuse.

* every plain indicator :func:`plain_indicator_is_valid` accepts is accepted by ``stix2.parse``;
* every pattern :func:`simple_pattern_is_valid` accepts is valid for ``stix2-patterns``;
* :func:`validate_object` refuses whatever ``stix2`` refuses.
"""

from __future__ import annotations

import uuid
from typing import Any

import stix2
import stix2.exceptions
from hypothesis import given, settings
from hypothesis import strategies as st
from stix2patterns.validator import run_validator

from defpact.threats.stix.fastpath import plain_indicator_is_valid
from defpact.threats.stix.validate import Rejected, simple_pattern_is_valid, validate_object

_ID = uuid.UUID("6ba7b810-9dad-41d1-80b4-00c04fd430c8")
ids = st.sampled_from([
    f"indicator--{_ID}", f"indicator--{str(_ID).upper()}", f"indicator--{uuid.UUID(int=5)}",
    f"indicator--{uuid.uuid1()}", f"malware--{_ID}", "indicator--x", f"indicator--{_ID}0",
    "indicator--6ba7b810-9dad-41d1-c0b4-00c04fd430c8",
])  # fmt: skip
stamps = st.sampled_from([
    "2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00.123456Z", "2024-01-01T00:00:00Z",
    "2024-01-01T00:00:00.1234567Z", "2024-02-30T00:00:00.000Z", "2024-01-01 00:00:00.000Z",
    "2024-01-01T00:00:00.000+00:00", "2023-12-31T23:59:59.999Z", "2025-06-01T12:00:00.5Z", "",
])  # fmt: skip
texts = st.sampled_from(["", "C2", 5, None, ["a"], "ünïcode"])
lists = st.sampled_from([[], ["malicious-activity"], [""], "a", [1], ["a", "b"]])
refs = st.sampled_from([
    [f"marking-definition--{_ID}"], [f"identity--{_ID}"], [], [f"marking-definition--{_ID}", 3],
])  # fmt: skip
changes = st.fixed_dictionaries(
    {},
    optional={
        "id": ids, "created": stamps, "modified": stamps, "valid_from": stamps,
        "valid_until": stamps, "name": texts, "description": texts, "lang": texts,
        "indicator_types": lists, "labels": lists, "object_marking_refs": refs,
        "confidence": st.sampled_from([-1, 0, 50, 100, 101, True, 5.0, "5"]),
        "revoked": st.sampled_from([True, False, "true", 1, None]),
        "pattern_type": st.sampled_from(["stix", "sigma", "", 3]),
        "pattern_version": st.sampled_from(["2.1", "2.0", "3"]),
        "spec_version": st.sampled_from(["2.1", "2.0"]),
        "created_by_ref": st.sampled_from([f"identity--{_ID}", f"malware--{_ID}", "x"]),
        "x_custom": st.sampled_from([1, "a"]), "FOO": st.just(1),
    },
)  # fmt: skip


def _indicator(extra: dict[str, Any]) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": "indicator", "spec_version": "2.1", "id": f"indicator--{_ID}",
        "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
        "pattern": "[ipv4-addr:value = '198.51.100.1']", "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z",
    }  # fmt: skip
    obj.update(extra)
    return obj


def _stix2_accepts(obj: dict[str, Any]) -> bool:
    try:
        stix2.parse(obj, allow_custom=True, version="2.1")
    except (stix2.exceptions.STIXError, ValueError, TypeError, KeyError):
        return False
    return True


@settings(max_examples=400, deadline=None)
@given(changes)
def test_plain_indicator_shortcut_accepts_only_what_stix2_accepts(extra: dict[str, Any]) -> None:
    obj = _indicator(extra)
    if plain_indicator_is_valid(obj):
        assert _stix2_accepts(obj), obj
    if not _stix2_accepts(obj):
        assert isinstance(validate_object(obj), Rejected), obj


names = st.sampled_from(["ipv4-addr", "domain-name", "x-thing", "Ipv4", "url", "a--b", "-x"])
paths = st.sampled_from(
    ["value", "name", "hashes.md5", "x_y.z", "and", "value.AND", "_v", "value[*]", "Value", ""]
)
literals = st.sampled_from(
    ["'1.2.3.4'", "'it\\'s'", "'a\\\\'", "'bad\\q'", "''", "5", "'unterminated"]
)
comparisons = st.builds(
    lambda t, p, op, lit, gap: f"{t}:{p}{gap}{op}{gap}{lit}",
    names, paths, st.sampled_from(["=", "!=", "==", "<", "LIKE"]), literals,
    st.sampled_from(["", " ", "  "]),
)  # fmt: skip
patterns = st.builds(
    lambda parts, joins, left, right: left + "".join(
        (f" {joins[i % len(joins)]} " if i else "") + p for i, p in enumerate(parts)
    ) + right,
    st.lists(comparisons, min_size=1, max_size=3),
    st.lists(st.sampled_from(["AND", "OR", "and", "FOLLOWEDBY"]), min_size=1, max_size=2),
    st.sampled_from(["[", "[ ", "", "(["]),
    st.sampled_from(["]", " ]", "", "])"]),
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(patterns)
def test_simple_pattern_shortcut_accepts_only_valid_patterns(pattern: str) -> None:
    if simple_pattern_is_valid(pattern):
        assert run_validator(pattern, "2.1") == [], pattern
