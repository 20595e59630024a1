"""Reference data of the states that may take part in the pact, and the eligibility rule.

Every NATO member and every EU member state, plus Kosovo (XK, the user-assigned ISO 3166-1 code
that Kosovo uses), with the date each joined NATO (the North Atlantic Treaty's entry into force
for the founders, 1949-08-24) and the EU (1958-01-01 for the founders of the EEC). The pact was
founded by XK, AL and HR on 2025-03-18 (the trilateral defence declaration).

Eligibility of a future member: a NATO or EU member state that is not already a member.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = [
    "FOUNDED",
    "FOUNDING_MEMBERS",
    "NATIONS",
    "Nation",
    "eligibility_problem",
    "is_eligible",
    "nation_colour",
    "nation_flag",
]

FOUNDED = date(2025, 3, 18)
FOUNDING_MEMBERS: tuple[str, ...] = ("XK", "AL", "HR")

_NATO_1949 = date(1949, 8, 24)
_EU_1958 = date(1958, 1, 1)
_EU_2004 = date(2004, 5, 1)
_NATO_2004 = date(2004, 3, 29)
_NATO_1999 = date(1999, 3, 12)


@dataclass(frozen=True, slots=True)
class Nation:
    code: str
    name: str
    nato_joined: date | None
    eu_joined: date | None

    @property
    def in_nato(self) -> bool:
        return self.nato_joined is not None

    @property
    def in_eu(self) -> bool:
        return self.eu_joined is not None


def _n(code: str, name: str, nato: date | None, eu: date | None) -> Nation:
    return Nation(code, name, nato, eu)


_ALL: tuple[Nation, ...] = (
    _n("AL", "Albania", date(2009, 4, 1), None),
    _n("AT", "Austria", None, date(1995, 1, 1)),
    _n("BE", "Belgium", _NATO_1949, _EU_1958),
    _n("BG", "Bulgaria", _NATO_2004, date(2007, 1, 1)),
    _n("CA", "Canada", _NATO_1949, None),
    _n("HR", "Croatia", date(2009, 4, 1), date(2013, 7, 1)),
    _n("CY", "Cyprus", None, _EU_2004),
    _n("CZ", "Czechia", _NATO_1999, _EU_2004),
    _n("DK", "Denmark", _NATO_1949, date(1973, 1, 1)),
    _n("EE", "Estonia", _NATO_2004, _EU_2004),
    _n("FI", "Finland", date(2023, 4, 4), date(1995, 1, 1)),
    _n("FR", "France", _NATO_1949, _EU_1958),
    _n("DE", "Germany", date(1955, 5, 6), _EU_1958),
    _n("GR", "Greece", date(1952, 2, 18), date(1981, 1, 1)),
    _n("HU", "Hungary", _NATO_1999, _EU_2004),
    _n("IS", "Iceland", _NATO_1949, None),
    _n("IE", "Ireland", None, date(1973, 1, 1)),
    _n("IT", "Italy", _NATO_1949, _EU_1958),
    _n("XK", "Kosovo", None, None),
    _n("LV", "Latvia", _NATO_2004, _EU_2004),
    _n("LT", "Lithuania", _NATO_2004, _EU_2004),
    _n("LU", "Luxembourg", _NATO_1949, _EU_1958),
    _n("MT", "Malta", None, _EU_2004),
    _n("ME", "Montenegro", date(2017, 6, 5), None),
    _n("NL", "Netherlands", _NATO_1949, _EU_1958),
    _n("MK", "North Macedonia", date(2020, 3, 27), None),
    _n("NO", "Norway", _NATO_1949, None),
    _n("PL", "Poland", _NATO_1999, _EU_2004),
    _n("PT", "Portugal", _NATO_1949, date(1986, 1, 1)),
    _n("RO", "Romania", _NATO_2004, date(2007, 1, 1)),
    _n("SK", "Slovakia", _NATO_2004, _EU_2004),
    _n("SI", "Slovenia", _NATO_2004, _EU_2004),
    _n("ES", "Spain", date(1982, 5, 30), date(1986, 1, 1)),
    _n("SE", "Sweden", date(2024, 3, 7), date(1995, 1, 1)),
    _n("TR", "Türkiye", date(1952, 2, 18), None),
    _n("GB", "United Kingdom", _NATO_1949, None),
    _n("US", "United States", _NATO_1949, None),
)

NATIONS: dict[str, Nation] = {n.code: n for n in _ALL}

# A stable, distinguishable colour per nation for tables and charts (founders first).
_COLOURS = {"XK": "#244AA5", "AL": "#C8102E", "HR": "#171796"}
_PALETTE = (
    "#1b7837",
    "#8c510a",
    "#5e3c99",
    "#01665e",
    "#b35806",
    "#762a83",
    "#2166ac",
    "#b2182b",
    "#4d9221",
    "#c51b7d",
    "#35978f",
    "#bf812d",
)


def nation_colour(code: str) -> str:
    if code in _COLOURS:
        return _COLOURS[code]
    index = sorted(NATIONS).index(code) if code in NATIONS else sum(map(ord, code))
    return _PALETTE[index % len(_PALETTE)]


def nation_flag(code: str) -> str:
    """The flag emoji built from regional indicator symbols (XK renders on most platforms)."""
    if len(code) != 2 or not code.isalpha():
        return ""
    return "".join(chr(0x1F1E6 + ord(ch) - ord("A")) for ch in code.upper())


def eligibility_problem(code: str, current_members: frozenset[str] | set[str]) -> str | None:
    """Why ``code`` may not join now, or ``None`` when it is eligible."""
    nation = NATIONS.get(code)
    if nation is None:
        return f"unknown nation code {code!r}; valid codes: {', '.join(sorted(NATIONS))}"
    if code in current_members:
        return f"{nation.name} ({code}) is already a member of the pact"
    if not (nation.in_nato or nation.in_eu):
        return f"{nation.name} ({code}) is neither a NATO member nor an EU member state"
    return None


def is_eligible(code: str, current_members: frozenset[str] | set[str]) -> bool:
    return eligibility_problem(code, current_members) is None
