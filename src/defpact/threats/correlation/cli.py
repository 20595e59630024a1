"""``defpact threats lookup|alerts|alert-ack|sightings|hot-values|warninglist ...``.

Reads act as a named user (``--as USERNAME``) so the releasability rule applies exactly as over
the API; warninglist changes and the hot-value report are node administration, done at the
console (audited as the console actor).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from defpact.core.cli import active_principal, open_node
from defpact.core.cli_output import OutputFormat, emit, fail, print_table, reporting_errors
from defpact.core.context import Actor
from defpact.core.marking import banner
from defpact.core.runtime import Node
from defpact.threats.correlation import service, sightings, warninglist_service
from defpact.threats.correlation.service import AlertState, AlertView, LookupResult

__all__ = ["threats_app"]

threats_app = typer.Typer(help="Hybrid-threat hub: correlation, alerts, warninglists.",
                          no_args_is_help=True)  # fmt: skip
warninglist_app = typer.Typer(help="MISP warninglists (values never correlated).",
                              no_args_is_help=True)  # fmt: skip
threats_app.add_typer(warninglist_app, name="warninglist")

AsUser = Annotated[str, typer.Option("--as", help="act as this user (their nation and rights)")]
FormatOpt = Annotated[OutputFormat, typer.Option("--format")]


def _actor(node: Node, username: str) -> Actor:
    return Actor.of(active_principal(node, username))


def _lookup_json(result: LookupResult) -> dict[str, Any]:
    return {
        "kind": result.query.kind.value,
        "value": result.query.value,
        "warninglists": list(result.warninglists),
        "total": result.total,
        "hits": [
            {"stix_id": h.stix_id, "type": h.object_type, "collection_id": h.collection_id,
             "marking": banner(h.marking), "kind": h.kind.value, "value": h.value,
             "relation": h.relation, "suppressed": h.suppressed}
            for h in result.hits
        ],
    }  # fmt: skip


@threats_app.command("lookup")
def lookup(
    value: str,
    as_user: AsUser,
    kind: Annotated[
        str | None, typer.Option(help="force the kind (ipv4, domain, sha256 ...)")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=service.MAX_LOOKUP)] = 100,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Objects visible to --as USER that hold VALUE (IP/CIDR, domain, URL, e-mail, hash)."""
    node = open_node()
    try:
        who = _actor(node, as_user)
        with reporting_errors():
            result = service.lookup(node.uow(), who, service.parse_value(value, kind), limit)
    finally:
        node.dispose()
    title = f"{result.query.kind.value} {result.query.value}: {result.total} visible objects"
    if result.warninglists:
        title += f" (on warninglists: {', '.join(result.warninglists)})"
    emit(fmt, _lookup_json(result), lambda: print_table(
        title, ["Object", "Relation", "Value", "Marking", "Suppressed"],
        [(h.stix_id, h.relation, h.value, banner(h.marking), h.suppressed) for h in result.hits],
    ))  # fmt: skip


def _alert_json(alert: AlertView) -> dict[str, Any]:
    c = alert.correlation
    return {
        "id": alert.id, "nation": alert.nation, "created_at": alert.created_at.isoformat(),
        "acknowledged_at": alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
        "acknowledged_by": alert.acknowledged_by,
        "new": {"stix_id": c.new.stix_id, "value": c.new.value, "marking": banner(c.new.marking)},
        "old": {"stix_id": c.old.stix_id, "value": c.old.value, "marking": banner(c.old.marking)},
    }  # fmt: skip


@threats_app.command("alerts")
def alerts(
    as_user: AsUser,
    state: Annotated[AlertState, typer.Option()] = AlertState.OPEN,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Correlation alerts of the nation of --as USER that the user may see."""
    node = open_node()
    try:
        who = _actor(node, as_user)
        with reporting_errors():
            page = service.list_alerts(node.uow(), who, state, limit, offset)
    finally:
        node.dispose()
    emit(
        fmt,
        {"items": [_alert_json(a) for a in page.items], "total": page.total,
         "limit": page.limit, "offset": page.offset},
        lambda: print_table(
            f"{state.value} alerts of {who.nation} ({page.total})",
            ["ID", "Value", "New object", "Earlier object (nation)", "Acknowledged"],
            [(a.id, a.correlation.new.value, a.correlation.new.stix_id,
              f"{a.correlation.old.stix_id} ({a.correlation.old.marking.originator})",
              a.acknowledged_by or "") for a in page.items],
        ),
    )  # fmt: skip


@threats_app.command("alert-ack")
def alert_ack(alert_id: int, as_user: AsUser, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Acknowledge an alert for the nation of --as USER (analyst or intel role)."""
    node = open_node()
    try:
        who = _actor(node, as_user)
        with reporting_errors():
            alert = service.acknowledge_alert(node.uow(), who, alert_id)
    finally:
        node.dispose()
    done = f"alert {alert.id} acknowledged by {alert.acknowledged_by} for {alert.nation}"
    emit(fmt, _alert_json(alert), lambda: typer.echo(done))


@threats_app.command("sightings")
def sightings_(stix_id: str, as_user: AsUser, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Counts of the sightings of STIX_ID that --as USER may see."""
    node = open_node()
    try:
        who = _actor(node, as_user)
        with reporting_errors():
            summary = sightings.sighting_summary(node.uow(), who, stix_id)
    finally:
        node.dispose()
    emit(fmt, asdict(summary), lambda: print_table(
        f"{summary.sightings} sightings ({summary.sightings_total} seen, "
        f"{summary.false_positives} false positives) of {stix_id}",
        ["Nation", "Sightings", "Seen", "False positives", "Last seen"],
        [(n.nation, n.sightings, n.sightings_total, n.false_positives, n.last_seen)
         for n in summary.by_nation],
    ))  # fmt: skip


@threats_app.command("hot-values")
def hot_values(
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Values flagged by the correlation cap (operator view: counts every nation's objects)."""
    node = open_node()
    try:
        rows = service.hot_values(node.uow(), limit)
    finally:
        node.dispose()
    emit(fmt, [asdict(r) for r in rows], lambda: print_table(
        f"Values over the correlation cap ({node.settings.correlation_cap} objects)",
        ["Kind", "Value", "Objects when flagged", "Flagged"],
        [(r.kind, r.value, r.objects, r.flagged_at) for r in rows],
    ))  # fmt: skip


def _lists_table(infos: list[warninglist_service.WarninglistInfo]) -> None:
    print_table(
        "Warninglists",
        ["Name", "Type", "Entries", "Enabled", "Built-in", "Version"],
        [(i.name, i.type, i.entries, i.enabled, i.builtin, i.version) for i in infos],
    )


@warninglist_app.command("list")
def wl_list(fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Built-in and imported warninglists."""
    node = open_node()
    try:
        infos = warninglist_service.list_warninglists(node.uow())
    finally:
        node.dispose()
    emit(fmt, [asdict(i) for i in infos], lambda: _lists_table(infos))


@warninglist_app.command("import")
def wl_import(
    path: Annotated[Path, typer.Argument(help="a MISP warninglist list.json")],
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Import (or replace) a MISP warninglist."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {path}: {exc}")
    except json.JSONDecodeError as exc:
        fail(f"{path} is not JSON: {exc}")
    node = open_node()
    try:
        with reporting_errors():
            info = warninglist_service.import_warninglist(node.uow(), Actor.console(), data)
    finally:
        node.dispose()
    emit(fmt, asdict(info), lambda: typer.echo(
        f"imported warninglist {info.name!r} ({info.type}, {info.entries} entries)"))  # fmt: skip


def _switch(name: str, enabled: bool, fmt: OutputFormat) -> None:
    node = open_node()
    try:
        with reporting_errors():
            info = warninglist_service.set_warninglist_enabled(
                node.uow(), Actor.console(), name, enabled
            )
    finally:
        node.dispose()
    state = "enabled" if info.enabled else "disabled"
    emit(fmt, asdict(info), lambda: typer.echo(f"warninglist {info.name!r} {state}"))


@warninglist_app.command("enable")
def wl_enable(name: str, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Switch a warninglist on (by name)."""
    _switch(name, True, fmt)


@warninglist_app.command("disable")
def wl_disable(name: str, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Switch a warninglist off (by name)."""
    _switch(name, False, fmt)
