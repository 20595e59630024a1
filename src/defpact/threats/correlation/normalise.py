"""Canonical forms of observable values, so that the same indicator written two ways is one key.

Every function takes the text as found (a STIX property, a pattern literal, a user's query) and
returns an :class:`Observable` (kind + canonical value) or raises ``ValueError`` saying why the
text is not such a value. The rules:

* **IP addresses** (``ipaddress``): IPv4 dotted quad, IPv6 compressed lower-case (RFC 5952);
  an IPv4-mapped IPv6 address (``::ffff:192.0.2.1``) is the IPv4 address; a zone id is dropped.
* **CIDR ranges**: the network address with host bits cleared (``10.1.2.3/8`` → ``10.0.0.0/8``);
  a full-length prefix (``/32``, ``/128``) is the single address.
* **Domains**: trailing dot removed, lower case; internationalised labels become their IDNA
  A-labels (UTS 46 mapping, IDNA 2008, ``idna``); ASCII labels may contain ``_`` (``_dmarc``).
* **URLs** (RFC 3986 section 6.2.2): scheme and host lower case (host as a domain or IP), the
  default port of the scheme dropped, an empty path of a hierarchical URL is ``/``, escapes
  ``%xx`` in upper case, the fragment dropped; user info, path and query otherwise kept as is.
* **E-mail addresses**: ``local@domain``, the domain as a domain and the local part in lower
  case (mail systems treat it case-insensitively in practice).
* **File hashes**: MD5, SHA-1, SHA-256, SHA-512 in lower-case hex of the right length; hash
  names are read as STIX writes them (``SHA-256``) and as tools do (``sha256``).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit, urlunsplit

import idna

__all__ = [
    "HASH_KINDS",
    "IP_KINDS",
    "Kind",
    "Observable",
    "classify",
    "hash_kind",
    "normalise",
    "normalise_domain",
    "normalise_email",
    "normalise_hash",
    "normalise_ip",
    "normalise_url",
]


class Kind(StrEnum):
    IPV4 = "ipv4"
    IPV6 = "ipv6"
    IPV4_NET = "ipv4-net"
    IPV6_NET = "ipv6-net"
    DOMAIN = "domain"
    URL = "url"
    EMAIL = "email"
    MD5 = "md5"
    SHA1 = "sha1"
    SHA256 = "sha256"
    SHA512 = "sha512"


IP_KINDS = frozenset({Kind.IPV4, Kind.IPV6, Kind.IPV4_NET, Kind.IPV6_NET})
HASH_KINDS = {Kind.MD5: 32, Kind.SHA1: 40, Kind.SHA256: 64, Kind.SHA512: 128}
_HASH_NAMES = {
    "MD5": Kind.MD5,
    "SHA1": Kind.SHA1,
    "SHA-1": Kind.SHA1,
    "SHA256": Kind.SHA256,
    "SHA-256": Kind.SHA256,
    "SHA512": Kind.SHA512,
    "SHA-512": Kind.SHA512,
}
_DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21, "ws": 80, "wss": 443}
_ASCII_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_HEX = re.compile(r"^[0-9a-f]+$")
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*$")
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
# A dotted quad already in canonical form (no leading zeros, each octet 0-255): it is its own
# normal form, without building an ``ipaddress`` object (most indicator values are these).
_CANONICAL_V4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")


@dataclass(frozen=True, slots=True, order=True)
class Observable:
    kind: Kind
    value: str


def normalise_ip(text: str) -> Observable:
    """An IP address or CIDR range in canonical form."""
    raw = text.strip()
    if not raw:
        raise ValueError("empty IP address")
    if _CANONICAL_V4.fullmatch(raw):
        return Observable(Kind.IPV4, raw)
    address, slash, prefix = raw.partition("/")
    address = address.split("%", 1)[0]  # zone id of a link-local IPv6 address
    try:
        if slash:
            net = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
            return _network(net)
        return _address(ipaddress.ip_address(address))
    except ValueError:
        raise ValueError(f"{text!r} is not an IPv4/IPv6 address or CIDR range") from None


def _address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> Observable:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return Observable(Kind.IPV4, str(ip.ipv4_mapped))
    return Observable(Kind.IPV4 if ip.version == 4 else Kind.IPV6, ip.compressed)


def _network(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> Observable:
    if net.prefixlen == net.max_prefixlen:
        return _address(net.network_address)
    if isinstance(net, ipaddress.IPv6Network) and net.network_address.ipv4_mapped is not None:
        if net.prefixlen >= 96:
            mapped = ipaddress.IPv4Network((net.network_address.ipv4_mapped, net.prefixlen - 96))
            return _network(mapped)
    kind = Kind.IPV4_NET if net.version == 4 else Kind.IPV6_NET
    return Observable(kind, net.compressed)


def normalise_domain(text: str) -> Observable:
    """A domain name: lower case, no trailing dot, IDNA A-labels."""
    raw = text.strip()
    name = raw[:-1] if raw.endswith(".") else raw
    if not name or len(name) > 253 * 4:
        raise ValueError(f"{text!r} is not a domain name")
    labels = [_label(part, text) for part in name.split(".")]
    result = ".".join(labels)
    if len(result) > 253:
        raise ValueError(f"{text!r} is longer than 253 characters as a domain name")
    if _looks_like_ip(result):
        raise ValueError(f"{text!r} is an IP address, not a domain name")
    return Observable(Kind.DOMAIN, result)


def _label(part: str, text: str) -> str:
    if part.isascii():
        label = part.lower()
        if _ASCII_LABEL.match(label):
            return label
        raise ValueError(f"{text!r} is not a domain name (label {part!r})")
    try:
        encoded: bytes = idna.encode(part, uts46=True)
    except idna.IDNAError as exc:
        raise ValueError(f"{text!r} is not a valid internationalised domain name: {exc}") from None
    return encoded.decode("ascii")


def _looks_like_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def normalise_url(text: str) -> Observable:
    """A URL in the canonical form of RFC 3986 section 6.2.2 (fragment dropped)."""
    raw = text.strip()
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a URL: {exc}") from None
    scheme = parts.scheme.lower()
    if not _SCHEME.match(scheme) or not parts.netloc or not parts.hostname:
        raise ValueError(f"{text!r} is not an absolute URL with a scheme and a host")
    host = _url_host(parts.hostname)
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    if "@" in parts.netloc:
        netloc = f"{parts.netloc.rsplit('@', 1)[0]}@{netloc}"
    path = parts.path or ("/" if scheme in _DEFAULT_PORTS else "")
    url = urlunsplit((scheme, netloc, _upper_escapes(path), _upper_escapes(parts.query), ""))
    if parts.query == "" and raw.split("#", 1)[0].endswith("?"):
        url += "?"
    return Observable(Kind.URL, url)


def _url_host(hostname: str) -> str:
    try:
        ip = ipaddress.ip_address(hostname.split("%", 1)[0])
    except ValueError:
        return normalise_domain(hostname).value
    return f"[{ip.compressed}]" if ip.version == 6 else ip.compressed


def _upper_escapes(part: str) -> str:
    return _ESCAPE.sub(lambda m: m.group(0).upper(), part)


def normalise_email(text: str) -> Observable:
    """An e-mail address ``local@domain`` (lower case, domain in IDNA form)."""
    raw = text.strip()
    local, at, domain = raw.rpartition("@")
    if not at or not local or not domain or any(c.isspace() for c in local) or "@" in local:
        raise ValueError(f"{text!r} is not an e-mail address (local@domain)")
    if len(local) > 64:
        raise ValueError(f"{text!r}: the local part is longer than 64 characters")
    try:
        host = normalise_domain(domain).value
    except ValueError:
        raise ValueError(f"{text!r} is not an e-mail address: bad domain {domain!r}") from None
    return Observable(Kind.EMAIL, f"{local.lower()}@{host}")


def hash_kind(name: str) -> Kind | None:
    """The kind of a STIX hash name (``'SHA-256'``, ``SHA256``, ``md5``); None if unsupported."""
    return _HASH_NAMES.get(name.strip().strip("'\"").upper())


def normalise_hash(text: str, kind: Kind | None = None) -> Observable:
    """A hash in lower-case hex; without ``kind`` the length decides (32/40/64/128)."""
    value = text.strip().lower()
    if not _HEX.match(value):
        raise ValueError(f"{text!r} is not a hexadecimal hash")
    if kind is None:
        for candidate, length in HASH_KINDS.items():
            if len(value) == length:
                return Observable(candidate, value)
        raise ValueError(f"{text!r} is not an MD5, SHA-1, SHA-256 or SHA-512 hash (length)")
    if len(value) != HASH_KINDS[kind]:
        raise ValueError(f"{text!r} is not a {kind.value} hash ({HASH_KINDS[kind]} hex digits)")
    return Observable(kind, value)


def normalise(kind: Kind, text: str) -> Observable:
    """Normalise ``text`` as a value of ``kind`` (an IP kind accepts addresses and ranges)."""
    if kind in IP_KINDS:
        found = normalise_ip(text)
        family = {Kind.IPV4, Kind.IPV4_NET} if "4" in kind.value else {Kind.IPV6, Kind.IPV6_NET}
        if found.kind not in family:
            raise ValueError(f"{text!r} is not an {kind.value.split('-')[0]} address or range")
        return found
    if kind is Kind.DOMAIN:
        return normalise_domain(text)
    if kind is Kind.URL:
        return normalise_url(text)
    if kind is Kind.EMAIL:
        return normalise_email(text)
    return normalise_hash(text, kind)


def classify(text: str) -> Observable:
    """Guess what a free-text value is (a lookup query) and normalise it."""
    raw = text.strip()
    if not raw:
        raise ValueError("the value is empty")
    attempts = []
    if "://" in raw:
        attempts.append(normalise_url)
    elif "@" in raw:
        attempts.append(normalise_email)
    else:
        attempts += [normalise_ip, normalise_hash, normalise_domain]
    for attempt in attempts:
        try:
            return attempt(raw)
        except ValueError:
            continue
    raise ValueError(
        f"{text!r} is not an IP address or CIDR range, domain, URL, e-mail address or "
        "MD5/SHA-1/SHA-256/SHA-512 hash"
    )
