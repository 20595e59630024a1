"""Canonical forms of observable values, CIDR containment keys and pattern value extraction."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from defpact.threats.correlation.extract import object_values, pattern_values
from defpact.threats.correlation.keys import address_range, containing_networks, ip_key
from defpact.threats.correlation.normalise import (
    Kind,
    Observable,
    classify,
    normalise,
    normalise_domain,
    normalise_email,
    normalise_hash,
    normalise_ip,
    normalise_url,
)


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("192.0.2.1", Kind.IPV4, "192.0.2.1"),
        (" 192.0.2.1/32 ", Kind.IPV4, "192.0.2.1"),
        ("10.1.2.3/8", Kind.IPV4_NET, "10.0.0.0/8"),
        ("2001:0DB8:0000:0000:0000:0000:0000:0001", Kind.IPV6, "2001:db8::1"),
        ("2001:db8::1/64", Kind.IPV6_NET, "2001:db8::/64"),
        ("::ffff:198.51.100.7", Kind.IPV4, "198.51.100.7"),
        ("::ffff:198.51.100.0/120", Kind.IPV4_NET, "198.51.100.0/24"),
        ("fe80::1%eth0", Kind.IPV6, "fe80::1"),
    ],
)
def test_ip_addresses_and_ranges(text: str, kind: Kind, value: str) -> None:
    assert normalise_ip(text) == Observable(kind, value)


@pytest.mark.parametrize("text", ["", "1.2.3", "010.1.1.1", "1.2.3.4/33", "::g", "host"])
def test_not_ip_addresses(text: str) -> None:
    with pytest.raises(ValueError):
        normalise_ip(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Evil.Example.COM.", "evil.example.com"),
        ("BÜCHER.de", "xn--bcher-kva.de"),
        ("xn--bcher-kva.de", "xn--bcher-kva.de"),
        ("_dmarc.mail.xk", "_dmarc.mail.xk"),
    ],
)
def test_domains(text: str, value: str) -> None:
    assert normalise_domain(text).value == value


@pytest.mark.parametrize(
    "text", ["", "a..b", "-a.xk", "a b.xk", "1.2.3.4", "a/b.xk", "x" * 64 + ".xk"]
)
def test_not_domains(text: str) -> None:
    with pytest.raises(ValueError):
        normalise_domain(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("HTTP://Evil.XK:80", "http://evil.xk/"),
        ("https://evil.xk:443/a%2fb?x=1#top", "https://evil.xk/a%2Fb?x=1"),
        ("https://evil.xk:8443/", "https://evil.xk:8443/"),
        ("http://user:pw@EVIL.xk/p", "http://user:pw@evil.xk/p"),
        ("http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x"),
        ("http://bücher.de/", "http://xn--bcher-kva.de/"),
        ("ftp://files.xk:21/f", "ftp://files.xk/f"),
    ],
)
def test_urls(text: str, value: str) -> None:
    assert normalise_url(text).value == value


@pytest.mark.parametrize("text", ["evil.xk/path", "http://", "mailto:a@b.xk", "http://a b/"])
def test_not_urls(text: str) -> None:
    with pytest.raises(ValueError):
        normalise_url(text)


def test_email_and_hashes() -> None:
    assert normalise_email("John.Doe@MAIL.Bücher.de").value == "john.doe@mail.xn--bcher-kva.de"
    with pytest.raises(ValueError):
        normalise_email("no-at-sign")
    assert normalise_hash("D41D8CD98F00B204E9800998ECF8427E") == Observable(
        Kind.MD5, "d41d8cd98f00b204e9800998ecf8427e"
    )
    assert normalise_hash("ab" * 32, Kind.SHA256).kind is Kind.SHA256
    with pytest.raises(ValueError, match="sha1"):
        normalise_hash("ab" * 32, Kind.SHA1)
    with pytest.raises(ValueError):
        normalise_hash("xyz")


def test_classify_guesses_the_kind() -> None:
    assert classify("45.9.1.2").kind is Kind.IPV4
    assert classify("https://x.xk").kind is Kind.URL
    assert classify("a@x.xk").kind is Kind.EMAIL
    assert classify("ab" * 20).kind is Kind.SHA1
    assert classify("evil.xk").kind is Kind.DOMAIN
    with pytest.raises(ValueError, match="not an IP address"):
        classify("two words")


@given(st.integers(0, 2**32 - 1))
def test_every_ipv4_spelling_has_one_form(number: int) -> None:
    address = ipaddress.IPv4Address(number)
    forms = [str(address), f"{address}/32", f"::ffff:{address}", f" {address} "]
    assert {normalise_ip(f) for f in forms} == {Observable(Kind.IPV4, str(address))}


@given(st.integers(0, 2**128 - 1), st.integers(0, 128))
def test_ipv6_ranges_are_idempotent_and_contain_their_addresses(number: int, prefix: int) -> None:
    address = ipaddress.IPv6Address(number)
    obs = normalise_ip(f"{address.exploded.upper()}/{prefix}")
    assert normalise(obs.kind, obs.value) == obs
    if obs.kind is Kind.IPV6_NET:
        assert address in ipaddress.ip_network(obs.value)


labels = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)


@given(st.lists(labels, min_size=2, max_size=4), st.booleans(), st.booleans())
def test_domain_case_and_trailing_dot_do_not_matter(
    parts: list[str], upper: bool, dot: bool
) -> None:
    name = ".".join(parts)
    spelled = (name.upper() if upper else name) + ("." if dot else "")
    try:
        canonical = normalise_domain(name)
    except ValueError:
        return  # e.g. all-digit labels that read as an IP address
    assert normalise_domain(spelled) == canonical
    url = normalise_url(f"HTTP://{spelled.rstrip('.')}:80")
    assert url.value == f"http://{canonical.value}/"


def test_containment_keys() -> None:
    around = containing_networks(Observable(Kind.IPV4, "45.9.3.4"))
    assert [n.value for n in around][:2] == ["45.9.0.0/16", "45.9.0.0/17"] and len(around) == 16
    assert containing_networks(Observable(Kind.IPV4_NET, "45.0.0.0/8")) == []
    span = address_range(Observable(Kind.IPV4_NET, "45.9.0.0/16"))
    assert span is not None and (span.low, span.high) == ("2d090000", "2d09ffff")
    assert address_range(Observable(Kind.IPV4_NET, "45.0.0.0/15")) is None
    assert len(containing_networks(Observable(Kind.IPV6, "2a01::1"))) == 96
    assert ip_key(Observable(Kind.IPV6, "::1")) == "0" * 31 + "1"


def test_pattern_values_take_equality_and_in_only() -> None:
    pattern = (
        "[ipv4-addr:value IN ('45.9.1.1', '45.9.2.0/24') AND ipv4-addr:value NOT = '45.9.9.9'"
        " AND url:value != 'http://skip.xk' AND domain-name:value LIKE '%.skip.xk'] OR"
        " [file:hashes.'SHA-256' = '" + "AB" * 32 + "' AND file:hashes.md5 = 'short'] FOLLOWEDBY"
        " [email-message:to_refs[*].value = 'Boss@Ministry.XK' AND"
        " network-traffic:dst_ref.value = '2a01::1'] WITHIN 10 SECONDS"
    )
    assert set(pattern_values(pattern)) == {
        Observable(Kind.IPV4, "45.9.1.1"),
        Observable(Kind.IPV4_NET, "45.9.2.0/24"),
        Observable(Kind.SHA256, "ab" * 32),
        Observable(Kind.EMAIL, "boss@ministry.xk"),
        Observable(Kind.IPV6, "2a01::1"),
    }


def test_object_values_of_observables() -> None:
    file = {"type": "file", "hashes": {"SHA-1": "AB" * 20, "MD5": "bad", "x": "y"}}
    assert object_values(file) == (Observable(Kind.SHA1, "ab" * 20),)
    assert object_values({"type": "email-addr", "value": "A@B.xk"}) == (
        Observable(Kind.EMAIL, "a@b.xk"),
    )
    assert object_values({"type": "indicator", "pattern_type": "sigma", "pattern": "x"}) == ()
    assert object_values({"type": "malware", "name": "x"}) == ()
