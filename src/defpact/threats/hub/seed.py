"""Demo data of the hub (development only): the DISARM framework when its data file is on the
machine, and three reports that show releasability on the threat board."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from defpact.core.context import Actor
from defpact.core.identity import Clearance
from defpact.core.marking import PACT, TLP, Marking
from defpact.core.sessions import principal_of
from defpact.core.store import UserRepository
from defpact.core.uow import UnitOfWork
from defpact.threats.hub import service
from defpact.threats.hub.disarm import read_disarm_file
from defpact.threats.hub.reports import (
    CampaignReport,
    ExamplePost,
    IncidentReport,
    Observable,
    SocialAccount,
)
from defpact.threats.stix.collections import NODE_ORIGINATOR
from defpact.threats.stix.store import StixObjectRow

__all__ = ["DISARM_CANDIDATES", "seed_hub_demo"]

# Where the DISARM bundle is looked for: beside the checkout (the pact's shared data folder).
DISARM_CANDIDATES = (
    Path.cwd().parent / "shared" / "data" / "disarm" / "DISARM.json",
    Path(__file__).resolve().parents[5] / "shared" / "data" / "disarm" / "DISARM.json",
)


def _actor(uow: UnitOfWork, username: str) -> Actor | None:
    with uow:
        row = UserRepository(uow.session).by_username(username)
        return Actor.of(principal_of(row)) if row is not None else None


def seed_hub_demo(uow: UnitOfWork) -> tuple[int, int]:
    """(DISARM objects added, demo reports created); each part is created once."""
    added = 0
    for path in DISARM_CANDIDATES:
        if path.is_file():
            added = service.import_disarm(uow, Actor.console("demo"), read_disarm_file(path))
            break
    with uow:
        exists = uow.session.execute(
            select(StixObjectRow.pk).where(StixObjectRow.originator != NODE_ORIGINATOR).limit(1)
        ).first()
    if exists is not None:
        return added, 0
    xk, al, hr = (_actor(uow, f"{c}.analyst") for c in ("xk", "al", "hr"))
    if xk is None or al is None or hr is None:
        return added, 0
    now = datetime.now(UTC)
    service.submit_incident(
        uow, xk,
        IncidentReport(
            "Phishing wave against defence ministry mail",
            "Credential-harvesting e-mails impersonating the pact secretariat (demo data).",
            "phishing", affected_nations=("XK", "AL"), sectors=("defence",),
            observables=(Observable("ipv4-addr", "203.0.113.7"),
                         Observable("domain-name", "pact-secretariat-login.example"),
                         Observable("url", "https://pact-secretariat-login.example/owa")),
        ),
        Marking("XK", Clearance.RESTRICTED, frozenset({PACT}), TLP.AMBER),
    )  # fmt: skip
    service.submit_incident(
        uow, hr,
        IncidentReport(
            "Scanning of port authority systems",
            "Repeated scans from one range during exercise preparation (demo data).",
            "intrusion", observables=(Observable("ipv4-addr", "198.51.100.0/24"),),
        ),
        Marking("HR", Clearance.CONFIDENTIAL, frozenset({"AL"}), TLP.AMBER_STRICT),
    )  # fmt: skip
    techniques = ("T0049.003",) if service.disarm_framework(uow) is not None else ()
    service.submit_campaign(
        uow, al,
        CampaignReport(
            "Border fear narratives",
            "Coordinated accounts posting near-identical claims of troop movements (demo data).",
            objective="erode trust in the pact", languages=("sq", "sr-Cyrl"),
            narratives=("the pact drags the region into war",),
            affected_nations=("AL", "XK"), techniques=techniques,
            example_posts=(ExamplePost("They are moving troops tonight, share before deleted!",
                                       "telegram", "", now),),
            accounts=(SocialAccount("telegram", "border_truth_1"),
                      SocialAccount("telegram", "border_truth_2")),
        ),
        Marking("AL", Clearance.UNCLASSIFIED, frozenset({PACT}), TLP.GREEN),
    )  # fmt: skip
    return added, 3
