"""MISP warninglists: well-known values that are not worth correlating (pure matching logic).

The format is MISP's (``misp-warninglists/schema.json``): a JSON object with ``name``,
``version`` (integer), ``description``, ``type`` and ``list`` (strings), optionally
``matching_attributes`` (MISP attribute types the list applies to; absent = every type) and
``category``; other keys are ignored. The five types match a value as MISP does:

* ``string``: equal to an entry (case-insensitive; IP entries compared in canonical form);
* ``substring``: an entry occurs in the value (case-insensitive);
* ``hostname``: the domain (of a domain, URL or e-mail value) is an entry or a subdomain of one;
* ``cidr``: the address (or every address of a range) lies in an entry's range;
* ``regex``: an entry, a regular expression (PCRE delimiters ``/.../i`` are understood),
  matches somewhere in the value.

MISP attribute types map to observable kinds (``ip-dst`` → IPv4/IPv6 and ranges, ``domain`` and
``hostname`` → domains, ``url``/``uri``/``link`` → URLs, ``email*`` → e-mail, ``md5``,
``sha1``, ``sha256``, ``sha512`` and their ``filename|...`` forms → hashes).
"""

from __future__ import annotations

import bisect
import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from defpact.threats.correlation.normalise import (
    IP_KINDS,
    Kind,
    Observable,
    normalise_domain,
    normalise_ip,
)

__all__ = [
    "ListType",
    "Matcher",
    "Warninglist",
    "parse_warninglist",
]

_IP_TYPES = ("ip-src", "ip-dst", "ip-src|port", "ip-dst|port", "domain|ip", "ip")
_KINDS_BY_ATTRIBUTE: dict[str, frozenset[Kind]] = {
    **dict.fromkeys(_IP_TYPES, IP_KINDS),
    "domain": frozenset({Kind.DOMAIN}),
    "hostname": frozenset({Kind.DOMAIN}),
    "hostname|port": frozenset({Kind.DOMAIN}),
    "url": frozenset({Kind.URL}),
    "uri": frozenset({Kind.URL}),
    "link": frozenset({Kind.URL}),
    **{
        t: frozenset({Kind.EMAIL})
        for t in (
            "email",
            "email-src",
            "email-dst",
            "target-email",
            "email-reply-to",
            "whois-registrant-email",
        )
    },  # fmt: skip
    **{h: frozenset({Kind(h)}) for h in ("md5", "sha1", "sha256", "sha512")},
    **{f"filename|{h}": frozenset({Kind(h)}) for h in ("md5", "sha1", "sha256", "sha512")},
}
_DELIMITED = re.compile(r"^/(.*)/([imsx]*)$", re.DOTALL)


class ListType(StrEnum):
    STRING = "string"
    SUBSTRING = "substring"
    HOSTNAME = "hostname"
    CIDR = "cidr"
    REGEX = "regex"


@dataclass(frozen=True, slots=True)
class Warninglist:
    name: str
    version: int
    description: str
    type: ListType
    entries: tuple[str, ...]
    matching_attributes: tuple[str, ...] = ()
    category: str = ""

    def kinds(self) -> frozenset[Kind]:
        """The observable kinds the list applies to."""
        if not self.matching_attributes:
            return frozenset(Kind)
        kinds: set[Kind] = set()
        for attribute in self.matching_attributes:
            kinds |= _KINDS_BY_ATTRIBUTE.get(attribute, frozenset())
        return frozenset(kinds)


def _text(data: dict[str, Any], name: str, limit: int) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name}: required, a non-empty string")
    if len(value) > limit:
        raise ValueError(f"{name}: at most {limit} characters")
    return value.strip()


def _strings(data: dict[str, Any], name: str, *, required: bool) -> tuple[str, ...]:
    value = data.get(name)
    if value is None and not required:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{name}: must be a list of strings")
    return tuple(v.strip() for v in value if v.strip())


def parse_warninglist(data: object) -> Warninglist:
    """A warninglist from MISP JSON; ``ValueError`` naming the field when it is not valid."""
    if not isinstance(data, dict):
        raise ValueError("a warninglist must be a JSON object (MISP list.json format)")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValueError("version: required, an integer")
    kind = data.get("type")
    if kind not in {t.value for t in ListType}:
        allowed = ", ".join(t.value for t in ListType)
        raise ValueError(f"type: must be one of {allowed} (got {kind!r})")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ValueError("description: must be a string")
    category = data.get("category", "")
    wl = Warninglist(
        name=_text(data, "name", 200),
        version=version,
        description=description[:2000],
        type=ListType(kind),
        entries=_strings(data, "list", required=True),
        matching_attributes=_strings(data, "matching_attributes", required=False),
        category=category if isinstance(category, str) else "",
    )
    _ListMatcher(wl)  # every entry must be usable: raises ValueError naming it
    return wl


def _regex(entry: str) -> re.Pattern[str]:
    found = _DELIMITED.match(entry)
    pattern, flags = (found.group(1), found.group(2)) if found else (entry, "")
    value = 0
    for letter in flags:
        value |= {"i": re.I, "m": re.M, "s": re.S, "x": re.X}[letter]
    return re.compile(pattern, value)


def _hostname_entry(entry: str) -> str:
    return normalise_domain(entry.lstrip(".").lstrip("*.")).value


def _host_of(obs: Observable) -> str | None:
    if obs.kind is Kind.DOMAIN:
        return obs.value
    if obs.kind is Kind.EMAIL:
        return obs.value.rsplit("@", 1)[1]
    if obs.kind is Kind.URL:
        return urlsplit(obs.value).hostname
    return None


@dataclass
class _Ranges:
    """Merged, sorted address intervals of one IP version, searched by bisection."""

    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, nets: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> _Ranges:
        intervals = sorted((int(n.network_address), int(n.broadcast_address)) for n in nets)
        ranges = cls()
        for start, end in intervals:
            if ranges.ends and start <= ranges.ends[-1] + 1:
                ranges.ends[-1] = max(ranges.ends[-1], end)
            else:
                ranges.starts.append(start)
                ranges.ends.append(end)
        return ranges

    def covers(self, first: int, last: int) -> bool:
        i = bisect.bisect_right(self.starts, first) - 1
        return i >= 0 and self.ends[i] >= last


@lru_cache(maxsize=65536)
def _span(value: str) -> tuple[int, int, int]:
    net = ipaddress.ip_network(value)
    return net.version, int(net.network_address), int(net.broadcast_address)


class _ListMatcher:
    def __init__(self, wl: Warninglist) -> None:
        self.name = wl.name
        self.type = wl.type
        self.kinds = wl.kinds()
        self.strings: set[str] = set()
        self.patterns: list[re.Pattern[str]] = []
        v4: list[ipaddress.IPv4Network] = []
        v6: list[ipaddress.IPv6Network] = []
        for n, entry in enumerate(wl.entries):
            try:
                self._add(entry, v4, v6)
            except (ValueError, re.error) as exc:
                raise ValueError(
                    f"list[{n}]: {entry!r} is not a valid {wl.type} entry: {exc}"
                ) from None
        self.v4, self.v6 = _Ranges.of(v4), _Ranges.of(v6)

    def _add(
        self, entry: str, v4: list[ipaddress.IPv4Network], v6: list[ipaddress.IPv6Network]
    ) -> None:
        if self.type is ListType.CIDR:
            net = ipaddress.ip_network(entry, strict=False)
            (v4 if isinstance(net, ipaddress.IPv4Network) else v6).append(net)  # type: ignore[arg-type]
        elif self.type is ListType.REGEX:
            self.patterns.append(_regex(entry))
        elif self.type is ListType.HOSTNAME:
            self.strings.add(_hostname_entry(entry))
        elif self.type is ListType.STRING:
            self.strings.add(entry.lower())
            try:
                self.strings.add(normalise_ip(entry).value)
            except ValueError:
                pass
        else:
            self.strings.add(entry.lower())

    def matches(self, obs: Observable) -> bool:
        if obs.kind not in self.kinds:
            return False
        if self.type is ListType.STRING:
            return obs.value in self.strings
        if self.type is ListType.SUBSTRING:
            return any(s in obs.value for s in self.strings)
        if self.type is ListType.REGEX:
            return any(p.search(obs.value) for p in self.patterns)
        if self.type is ListType.HOSTNAME:
            host = _host_of(obs)
            return host is not None and self._host_listed(host)
        return self._in_ranges(obs)

    def _host_listed(self, host: str) -> bool:
        labels = host.split(".")
        return any(".".join(labels[i:]) in self.strings for i in range(len(labels)))

    def _in_ranges(self, obs: Observable) -> bool:
        if obs.kind is Kind.IPV4:  # canonical dotted quad: no ipaddress object needed
            a, b, c, d = (int(part) for part in obs.value.split("."))
            number = (a << 24) | (b << 16) | (c << 8) | d
            return self.v4.covers(number, number)
        if obs.kind not in IP_KINDS:
            return False
        version, first, last = _span(obs.value)
        return (self.v4 if version == 4 else self.v6).covers(first, last)


class Matcher:
    """All enabled lists at once: which of them a value is on."""

    def __init__(self, lists: Sequence[Warninglist]) -> None:
        self._lists = [_ListMatcher(wl) for wl in lists]

    def __len__(self) -> int:
        return len(self._lists)

    def lists_matching(self, obs: Observable) -> list[str]:
        return [m.name for m in self._lists if m.matches(obs)]

    def suppresses(self, obs: Observable) -> bool:
        return any(m.matches(obs) for m in self._lists)
