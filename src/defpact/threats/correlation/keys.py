"""Index keys of observables and the CIDR containment rule.

A value is found by ``value_key`` (128 bits of SHA-256 over kind and canonical value: fixed
width, so one B-tree index serves every kind and any value length). IP addresses and ranges also
carry an ``ip_key``, the (network) address as fixed-width hex, so what lies inside a range is one
index range scan.

**Containment rule.** A range of at least ``/16`` (IPv4) or ``/32`` (IPv6) *contains* the
addresses and narrower ranges inside it: looking up (or ingesting) an address also matches the
indexed ranges around it (its supernets from its own prefix up to ``/16`` resp. ``/32``: at most
16 resp. 96 keys), and looking up a range also matches the indexed addresses and narrower
ranges inside it. Wider ranges (``10.0.0.0/8``) match only themselves: a /8 around everything
would correlate everything.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Collection
from dataclasses import dataclass

from defpact.threats.correlation.normalise import Kind, Observable

__all__ = [
    "MIN_PREFIX_V4",
    "MIN_PREFIX_V6",
    "AddressRange",
    "address_range",
    "containing_networks",
    "ip_key",
    "prefix_of",
    "value_key",
]

MIN_PREFIX_V4 = 16
MIN_PREFIX_V6 = 32


def value_key(obs: Observable) -> str:
    digest = hashlib.sha256(f"{obs.kind.value}\x00{obs.value}".encode()).hexdigest()
    return digest[:32]


def ip_key(obs: Observable) -> str | None:
    """Fixed-width hex of an address, or of a range's network address (8 digits IPv4, 32
    IPv6); None for other kinds."""
    if obs.kind is Kind.IPV4:  # already canonical dotted quad: no ipaddress objects needed
        a, b, c, d = (int(part) for part in obs.value.split("."))
        return f"{(a << 24) | (b << 16) | (c << 8) | d:08x}"
    if obs.kind is Kind.IPV4_NET:
        return f"{int(ipaddress.IPv4Network(obs.value).network_address):08x}"
    if obs.kind in (Kind.IPV6, Kind.IPV6_NET):
        return f"{int(ipaddress.IPv6Network(obs.value).network_address):032x}"
    return None


def _dotted(number: int) -> str:
    return f"{number >> 24}.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}"


def prefix_of(obs: Observable) -> int | None:
    """The prefix length of a range, None for anything else."""
    if obs.kind in (Kind.IPV4_NET, Kind.IPV6_NET):
        return int(obs.value.rsplit("/", 1)[1])
    return None


def containing_networks(
    obs: Observable, prefixes: Collection[int] | None = None
) -> list[Observable]:
    """The ranges (within the containment rule) that contain an address or a narrower range;
    only those of the given prefix lengths when ``prefixes`` is given."""
    if obs.kind not in (Kind.IPV4, Kind.IPV6, Kind.IPV4_NET, Kind.IPV6_NET):
        return []
    net = ipaddress.ip_network(obs.value)
    start = int(net.network_address)
    floor = MIN_PREFIX_V4 if net.version == 4 else MIN_PREFIX_V6
    lengths = [p for p in range(floor, net.prefixlen) if prefixes is None or p in prefixes]
    if net.version == 4:
        return [
            Observable(Kind.IPV4_NET, f"{_dotted(start & (0xFFFFFFFF << (32 - p)))}/{p}")
            for p in lengths
        ]
    ones = (1 << 128) - 1
    return [
        Observable(
            Kind.IPV6_NET,
            f"{ipaddress.IPv6Address(start & (ones << (128 - p)) & ones).compressed}/{p}",
        )
        for p in lengths
    ]


@dataclass(frozen=True, slots=True)
class AddressRange:
    """Indexed values of ``kinds`` whose ``ip_key`` lies in [low, high] *may* be inside the
    range; :meth:`holds` decides (a wider range can share the network address)."""

    kinds: tuple[Kind, Kind]
    low: str
    high: str
    network: ipaddress.IPv4Network | ipaddress.IPv6Network

    def holds(self, value: str) -> bool:
        inner = ipaddress.ip_network(value)
        return inner.version == self.network.version and inner.subnet_of(self.network)  # type: ignore[arg-type]


def address_range(obs: Observable) -> AddressRange | None:
    """The ``ip_key`` span of the addresses and narrower ranges inside a range (within the
    containment rule), or None."""
    if obs.kind not in (Kind.IPV4_NET, Kind.IPV6_NET):
        return None
    net = ipaddress.ip_network(obs.value)
    first, last = int(net.network_address), int(net.broadcast_address)
    if net.version == 4:
        if net.prefixlen < MIN_PREFIX_V4:
            return None
        return AddressRange((Kind.IPV4, Kind.IPV4_NET), f"{first:08x}", f"{last:08x}", net)
    if net.prefixlen < MIN_PREFIX_V6:
        return None
    return AddressRange((Kind.IPV6, Kind.IPV6_NET), f"{first:032x}", f"{last:032x}", net)
