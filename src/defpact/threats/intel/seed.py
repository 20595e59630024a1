"""Demo intelligence reports that show releasability at work (development only)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from defpact.core.context import Actor
from defpact.core.identity import Clearance
from defpact.core.marking import PACT, TLP, Marking
from defpact.core.sessions import principal_of
from defpact.core.store import UserRepository
from defpact.core.uow import UnitOfWork
from defpact.threats.intel.model import ReportDraft
from defpact.threats.intel.service import create_report
from defpact.threats.intel.store import IntelReportRow

__all__ = ["seed_intel_demo"]

_REPORTS: tuple[tuple[Any, ...], ...] = (
    (
        "xk.analyst",
        "Phishing wave against defence ministry mail",
        "Credential-harvesting e-mails impersonating the pact secretariat.",
        "Lures reference the **Tirana expert-group meeting**; links lead to look-alike domains.",
        "Western Balkans",
        ("phishing", "credential-theft"),
        "B",
        "2",
        Clearance.RESTRICTED,
        frozenset({PACT}),
        TLP.AMBER,
    ),
    (
        "al.analyst",
        "Coordinated accounts amplifying anti-pact narratives",
        "Inauthentic network posting near-identical texts in Albanian and Serbian.",
        "About 40 accounts created within two weeks; shared links to the same three sites.",
        "Adriatic",
        ("disinformation", "coordinated-behaviour"),
        "C",
        "3",
        Clearance.UNCLASSIFIED,
        frozenset({PACT}),
        TLP.GREEN,
    ),
    (
        "hr.analyst",
        "UAV overflights near port infrastructure",
        "Repeated small-UAV overflights of a port during exercise preparation.",
        "Shared with Albania only while the investigation runs.",
        "Adriatic",
        ("uav", "critical-infrastructure"),
        "B",
        "3",
        Clearance.CONFIDENTIAL,
        frozenset({"AL"}),
        TLP.AMBER_STRICT,
    ),
    (
        "xk.analyst",
        "Source reporting on a planned DDoS campaign",
        "Single-source reporting; national eyes only.",
        "Not released: visible to Kosovo only.",
        "Kosovo",
        ("ddos",),
        "D",
        "4",
        Clearance.SECRET,
        frozenset(),
        TLP.RED,
    ),
)


def seed_intel_demo(uow: UnitOfWork) -> int:
    """Create the demo reports once (skipped when any report exists); returns how many."""
    with uow:
        if (uow.session.scalar(select(func.count()).select_from(IntelReportRow)) or 0) > 0:
            return 0
        repo = UserRepository(uow.session)
        rows = {u: repo.by_username(u) for u in {r[0] for r in _REPORTS}}
        authors = {u: principal_of(r) for u, r in rows.items() if r is not None}
    created = 0
    for username, title, summary, body, region, tags, rel, cred, cls, release, tlp in _REPORTS:
        principal = authors.get(username)
        if principal is None:
            continue
        marking = Marking(principal.nation, cls, release, tlp)
        draft = ReportDraft(title, summary, body, region, tags, rel, cred, marking)
        create_report(uow, Actor.of(principal), draft)
        created += 1
    return created
