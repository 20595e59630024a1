"""Releasability markings and the one rule every read obeys (DESIGN.md "Releasability").

A marking has an ``originator`` nation, a ``classification`` (UNCLASSIFIED < RESTRICTED <
CONFIDENTIAL < SECRET), ``releasable_to`` (explicit nation codes and/or ``PACT`` = every current
member at read time) and a TLP 2.0 label. A user of nation N with clearance L reads record R iff

    L >= R.classification  and  (R.originator = N  or  (N is a member now, R is not withdrawn
                                                       and N in resolve(R.releasable_to)))

where ``resolve`` expands ``PACT`` to the current members unless R is TLP:RED (RED is granted
only to nations named explicitly). A nation that is not (or no longer) a member reads only its
own nation's records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from defpact.core.identity import Clearance
from defpact.core.nations import NATIONS

__all__ = [
    "PACT",
    "TLP",
    "Marking",
    "banner",
    "can_read",
    "marking_problem",
    "parse_releasable_to",
    "resolve_release",
]

PACT = "PACT"


class TLP(StrEnum):
    """Traffic Light Protocol 2.0 labels."""

    CLEAR = "CLEAR"
    GREEN = "GREEN"
    AMBER = "AMBER"
    AMBER_STRICT = "AMBER+STRICT"
    RED = "RED"

    @classmethod
    def parse(cls, value: str) -> TLP:
        text = value.strip().upper().removeprefix("TLP:")
        for label in cls:
            if label.value == text:
                return label
        raise ValueError(f"unknown TLP label {value!r}; valid labels: {', '.join(cls)}")


@dataclass(frozen=True, slots=True)
class Marking:
    originator: str
    classification: Clearance = Clearance.UNCLASSIFIED
    releasable_to: frozenset[str] = frozenset({PACT})
    tlp: TLP = TLP.GREEN


def parse_releasable_to(values: Iterable[str]) -> frozenset[str]:
    """Normalise codes (upper case, ``PACT`` kept); unknown codes raise ValueError."""
    result: set[str] = set()
    for raw in values:
        for part in raw.split(","):
            code = part.strip().upper()
            if not code:
                continue
            if code != PACT and code not in NATIONS:
                raise ValueError(
                    f"unknown nation {code!r} in releasable_to; use PACT or one of: "
                    + ", ".join(sorted(NATIONS))
                )
            result.add(code)
    return frozenset(result)


def resolve_release(marking: Marking, members_now: frozenset[str]) -> frozenset[str]:
    """The nations (other than the originator) a record is released to right now."""
    named = {c for c in marking.releasable_to if c != PACT and c in members_now}
    if PACT in marking.releasable_to and marking.tlp is not TLP.RED:
        named |= members_now
    return frozenset(named)


def can_read(
    nation: str,
    clearance: Clearance,
    marking: Marking,
    members_now: frozenset[str],
    *,
    withdrawn: bool = False,
) -> bool:
    if clearance < marking.classification:
        return False
    if marking.originator == nation:
        return True
    if withdrawn or nation not in members_now:
        return False
    return nation in resolve_release(marking, members_now)


def marking_problem(
    marking: Marking, members_now: frozenset[str], author_clearance: Clearance
) -> tuple[str, str] | None:
    """(field, message) when a marking may not be stored, else None."""
    for code in marking.releasable_to:
        if code != PACT and code not in NATIONS:
            return "releasable_to", f"unknown nation {code!r}"
        if code != PACT and code not in members_now and code != marking.originator:
            name = NATIONS[code].name
            return (
                "releasable_to",
                f"{name} ({code}) is not a member of the pact; records may be released "
                "only to current members",
            )
    if marking.classification > author_clearance:
        return (
            "classification",
            f"classification {marking.classification.name} is above your clearance "
            f"{author_clearance.name}",
        )
    return None


def banner(marking: Marking) -> str:
    """A marking banner such as ``SECRET // REL TO AL, HR, XK // TLP:AMBER``."""
    named = sorted((marking.releasable_to - {PACT}) | {marking.originator})
    parts = ([PACT] if PACT in marking.releasable_to else []) + named
    return f"{marking.classification.name} // REL TO {', '.join(parts)} // TLP:{marking.tlp.value}"
