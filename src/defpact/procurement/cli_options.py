"""Options shared by the database-backed ``defpact procurement`` commands.

Those commands act as a named user (``--as USERNAME``): the same roles, nation and
releasability rules apply as in the API. Catalogue commands may also run without ``--as``, as
the node operator at the console. JSON output uses the API's output schemas, so a command's
``--format json`` equals the corresponding API answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from pydantic import BaseModel

from defpact.core.cli import open_node
from defpact.core.cli_output import OutputFormat, emit, fail
from defpact.core.context import Actor
from defpact.core.identity import Clearance, Principal
from defpact.core.marking import TLP, Marking, parse_releasable_to
from defpact.core.runtime import Node
from defpact.core.sessions import principal_of
from defpact.core.store import UserRepository

__all__ = [
    "AsUser",
    "ClassificationOpt",
    "FormatOpt",
    "ReleaseOpt",
    "RuleOpt",
    "TlpOpt",
    "acting",
    "emit_models",
    "marking_of",
    "money",
]

AsUser = Annotated[str, typer.Option("--as", help="act as this user (their nation and rights)")]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="table or json")]
RuleOpt = Annotated[str, typer.Option("--rule", help="shapley, proportional or nearest-core")]
ClassificationOpt = Annotated[str, typer.Option(help="UNCLASSIFIED..SECRET")]
ReleaseOpt = Annotated[str, typer.Option(help="comma separated nation codes and/or PACT")]
TlpOpt = Annotated[str, typer.Option(help="CLEAR, GREEN, AMBER, AMBER+STRICT or RED")]


@contextmanager
def acting(username: str | None) -> Iterator[tuple[Node, Actor, Principal | None]]:
    """The node and the actor: the named active user, or the console when ``None``.

    The node's engine is disposed when the block ends, whatever happens in it.
    """
    node = open_node()
    try:
        if username is None:
            yield node, Actor.console(), None
            return
        with node.uow() as uow:
            row = UserRepository(uow.session).by_username(username)
            if row is None or row.disabled:
                fail(f"no active user {username!r}")
            principal = principal_of(row)
        yield node, Actor.of(principal), principal
    finally:
        node.dispose()


def marking_of(principal: Principal, classification: str, release: str, tlp: str) -> Marking:
    try:
        return Marking(
            principal.nation,
            Clearance.parse(classification),
            parse_releasable_to([release]),
            TLP.parse(tlp),
        )
    except ValueError as exc:
        fail(str(exc))


def money(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def emit_models(fmt: OutputFormat, data: BaseModel | list[Any], table: Callable[[], None]) -> None:
    """Print Pydantic models (or a list of them) as JSON, or call ``table``."""
    if isinstance(data, list):
        payload: Any = [d.model_dump(mode="json") for d in data]
    else:
        payload = data.model_dump(mode="json")
    emit(fmt, payload, table)
