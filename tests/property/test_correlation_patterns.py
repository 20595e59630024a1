"""The regular-expression reader of simple patterns returns exactly what the stix2-patterns
inspector does, for every simple pattern Hypothesis can build."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from defpact.threats.correlation.extract import pattern_values, pattern_values_slow
from defpact.threats.stix.validate import simple_pattern_is_valid

PATHS = [
    "ipv4-addr:value", "ipv6-addr:value", "domain-name:value", "url:value", "email-addr:value",
    "network-traffic:dst_ref.value", "network-traffic:src_ref.value",
    "email-message:from_ref.value", "email-message:subject", "x-custom-thing:value",
    "file:name", "domain-name:resolves_to_refs",
]  # fmt: skip
VALUES = [
    "45.9.1.2", "45.9.0.0/16", "2a01:4f8::1", "::ffff:45.9.1.2", "Evil.XK.", "http://Evil.xk:80/a",
    "boss@ministry.xk", "not a value", "it\\'s", "back\\\\slash", "", "45.9.1.2/33",
]  # fmt: skip
comparison = st.builds(
    lambda path, op, value: f"{path} {op} '{value}'",
    st.sampled_from(PATHS),
    st.sampled_from(["=", "!="]),
    st.sampled_from(VALUES),
)


@st.composite
def simple_patterns(draw: st.DrawFn) -> str:
    parts = draw(st.lists(comparison, min_size=1, max_size=5))
    joined = parts[0]
    for part in parts[1:]:
        joined += f" {draw(st.sampled_from(['AND', 'OR']))} {part}"
    return f"[{joined}]"


@settings(max_examples=300, deadline=None)
@given(simple_patterns())
def test_fast_reader_equals_the_inspector(pattern: str) -> None:
    assert simple_pattern_is_valid(pattern)
    assert pattern_values(pattern) == pattern_values_slow(pattern)
