"""Options shared by the ``defpact governance`` commands and the acting-user lookup.

Without ``--as`` a command acts as the node's operator at the console (sees everything,
audited as ``console``); with ``--as USERNAME`` it acts as that user, with their nation, roles
and clearance, exactly as through the API.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from sqlalchemy import select

from defpact.core.cli import open_node
from defpact.core.cli_output import OutputFormat, fail
from defpact.core.context import Actor
from defpact.core.identity import Clearance
from defpact.core.marking import TLP, parse_releasable_to
from defpact.core.runtime import Node
from defpact.core.sessions import principal_of
from defpact.core.store import UserRow
from defpact.governance.access import MarkingSpec

__all__ = [
    "AsOpt",
    "ClassificationOpt",
    "FormatOpt",
    "ReleaseOpt",
    "TlpOpt",
    "acting",
    "dump",
    "marking_spec",
    "parse_date",
    "parse_datetime",
]

FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="table or json")]
AsOpt = Annotated[
    str | None, typer.Option("--as", help="act as this user (default: the console operator)")
]
ClassificationOpt = Annotated[
    str | None, typer.Option(help="UNCLASSIFIED, RESTRICTED, CONFIDENTIAL or SECRET")
]
ReleaseOpt = Annotated[
    list[str] | None, typer.Option("--release", help="PACT or nation codes; repeat or comma")
]
TlpOpt = Annotated[str | None, typer.Option(help="CLEAR, GREEN, AMBER, AMBER+STRICT or RED")]


def acting(as_user: str | None) -> tuple[Node, Actor]:
    """The node and the actor: the named active user, or the console."""
    node = open_node()
    if as_user is None:
        return node, Actor.console()
    with node.uow() as uow:
        row = uow.session.scalars(select(UserRow).where(UserRow.username == as_user)).first()
        if row is None or row.disabled:
            fail(f"--as: no active user {as_user!r}")
        return node, Actor.of(principal_of(row))


def dump(model: BaseModel) -> dict[str, Any]:
    """The API's JSON form of a result, so ``--format json`` matches the REST answers."""
    return model.model_dump(mode="json")


def marking_spec(
    classification: str | None,
    release: list[str] | None,
    tlp: str | None,
    originator: str | None = None,
) -> MarkingSpec | None:
    """The marking asked for on the command line, or None to inherit."""
    if classification is None and release is None and tlp is None and originator is None:
        return None
    try:
        return MarkingSpec(
            Clearance.parse(classification or "UNCLASSIFIED"),
            parse_releasable_to(release or ["PACT"]),
            TLP.parse(tlp or "GREEN"),
            originator.upper() if originator else None,
        )
    except ValueError as exc:
        fail(str(exc))


def parse_date(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{name}: expected a date like 2026-01-01, got {text!r}")


def parse_datetime(text: str, name: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        fail(f"{name}: expected a time like 2025-07-15T09:00+02:00, got {text!r}")
    if value.tzinfo is None:
        fail(f"{name}: give a time zone, e.g. 2025-07-15T09:00Z or +02:00")
    return value
