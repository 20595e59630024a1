"""The fast paths of value extraction equal the general ones: the regular-expression reader of
simple patterns returns exactly what the stix2-patterns inspector does, the canonical dotted-quad
shortcut normalises exactly as ``ipaddress`` does, and warninglist range checks of addresses
agree with ``ipaddress`` containment."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from defpact.threats.correlation.extract import pattern_values, pattern_values_slow
from defpact.threats.correlation.normalise import Kind, normalise_ip
from defpact.threats.correlation.warninglist import Matcher, parse_warninglist
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
    "045.9.1.2", "256.1.1.1", "0.0.0.0", "255.255.255.255", "10.0.0.01",  # noqa: S104
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


octet_text = st.one_of(
    st.integers(0, 255).map(str),
    st.integers(0, 999).map(str),
    st.integers(0, 255).map(lambda n: f"0{n}"),
    st.text("0123456789", min_size=0, max_size=4),
)
dotted = st.lists(octet_text, min_size=3, max_size=5).map(".".join)


def _reference_ip(text: str) -> tuple[Kind, str] | None:
    """What ``ipaddress`` alone makes of a plain address (no range, no zone)."""
    try:
        ip = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return Kind.IPV4, str(ip.ipv4_mapped)
    return (Kind.IPV4 if ip.version == 4 else Kind.IPV6), ip.compressed


@settings(max_examples=500, deadline=None)
@given(dotted)
def test_dotted_quad_shortcut_equals_ipaddress(text: str) -> None:
    try:
        got: tuple[Kind, str] | None = (lambda o: (o.kind, o.value))(normalise_ip(text))
    except ValueError:
        got = None
    assert got == _reference_ip(text)


RANGES = ["10.0.0.0/8", "192.168.0.0/16", "8.8.8.8/32", "100.64.0.0/10", "45.9.0.0/24"]
MATCHER = Matcher([parse_warninglist({
    "name": "ranges", "version": 1, "type": "cidr", "matching_attributes": ["ip-dst"],
    "list": RANGES,
})])  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_address_range_check_equals_ipaddress_containment(number: int) -> None:
    address = ipaddress.IPv4Address(number)
    obs = normalise_ip(str(address))
    expected = any(address in ipaddress.ip_network(r) for r in RANGES)
    assert MATCHER.suppresses(obs) is expected
