"""``defpact threats ...``: DISARM import, reports, STIX/MISP import, bundle export, objects.

Commands that read or write shared data act as a named user (``--as USERNAME``), so the same
releasability and role rules apply as in the API and the TAXII server.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.progress import Progress

from defpact.core.cli import active_principal, open_node
from defpact.core.cli_output import (
    OutputFormat,
    emit,
    fail,
    print_json,
    print_table,
    reporting_errors,
)
from defpact.core.context import Actor
from defpact.core.marking import Marking, banner
from defpact.core.runtime import Node
from defpact.core.uow import UnitOfWork
from defpact.threats.hub import service
from defpact.threats.hub.disarm import ATTRIBUTION, DisarmError, read_disarm_file
from defpact.threats.hub.schemas import CampaignIn, IncidentIn
from defpact.threats.stix.stamps import parse_timestamp

__all__ = ["threats_app"]

threats_app = typer.Typer(
    help="Hybrid threats: STIX objects, reports, DISARM.", no_args_is_help=True
)
disarm_app = typer.Typer(help="The DISARM disinformation framework.", no_args_is_help=True)
report_app = typer.Typer(help="Incident and campaign reports.", no_args_is_help=True)
threats_app.add_typer(disarm_app, name="disarm")
threats_app.add_typer(report_app, name="report")

AsUser = Annotated[str, typer.Option("--as", help="act as this user (their nation and rights)")]
FormatOpt = Annotated[OutputFormat, typer.Option("--format")]
_DEFAULT_DISARM = Path("..") / "shared" / "data" / "disarm" / "DISARM.json"


def _actor(node: Node, username: str) -> Actor:
    return Actor.of(active_principal(node, username))


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")


@disarm_app.command("import")
def disarm_import(
    path: Annotated[
        Path, typer.Argument(help="DISARM.json (STIX bundle of the DISARM Red framework)")
    ] = _DEFAULT_DISARM,
) -> None:
    """Import the DISARM framework as pact-wide reference data (served over TAXII)."""
    try:
        framework = read_disarm_file(path)
    except DisarmError as exc:
        fail(str(exc))
    node = open_node()
    try:
        with reporting_errors():
            added = service.import_disarm(node.uow(), Actor.console("disarm-import"), framework)
    finally:
        node.dispose()
    typer.echo(
        f"DISARM: {len(framework.tactics)} tactics, {len(framework.techniques)} techniques; "
        f"{added} objects added ({len(framework.objects) - added} already present)"
    )
    typer.echo(ATTRIBUTION)


@disarm_app.command("list")
def disarm_list(
    query: Annotated[str, typer.Option("--query", "-q", help="filter by id or name")] = "",
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """DISARM techniques (id, name, tactic)."""
    node = open_node()
    try:
        framework = service.disarm_framework(node.uow())
    finally:
        node.dispose()
    if framework is None:
        fail("the DISARM framework has not been imported: run `defpact threats disarm import`")
    q = query.lower()
    rows = [
        t
        for t in framework.techniques
        if not q or q in t.external_id.lower() or q in t.name.lower()
    ]

    def table() -> None:
        print_table(
            "DISARM techniques", ["id", "name", "tactic"],
            [(t.external_id, t.name, t.tactic) for t in rows],
        )  # fmt: skip
        typer.echo(ATTRIBUTION)

    emit(
        fmt,
        {
            "attribution": ATTRIBUTION,
            "techniques": [
                {"id": t.external_id, "name": t.name, "tactic": t.tactic, "stix_id": t.stix_id}
                for t in rows
            ],
        },
        table,
    )


def _load_json(path: Path) -> Any:
    try:
        return json.loads(_read_bytes(path).decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{path} is not JSON: {exc}")


def _validation_message(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}"


def _report(
    path: Path,
    as_user: str,
    fmt: OutputFormat,
    schema: type[IncidentIn] | type[CampaignIn],
    submit: Callable[[UnitOfWork, Actor, Any, Marking], service.ReportResult],
) -> None:
    """Read a report JSON (the API's body), submit it as ``as_user`` and print the result."""
    try:
        body = schema.model_validate(_load_json(path))
    except ValidationError as exc:
        fail(_validation_message(exc))
    node = open_node()
    try:
        actor = _actor(node, as_user)
        assert actor.nation is not None  # noqa: S101 - users have a nation
        with reporting_errors():
            marking = body.marking.to_marking(actor.nation)
            result = submit(node.uow(), actor, body.report(), marking)
    finally:
        node.dispose()
    ids = [s.stix_id for s in result.status.successes]
    emit(
        fmt,
        {"id": result.stix_id, "objects": ids, "banner": banner(marking)},
        lambda: typer.echo(f"reported {result.stix_id} ({len(ids)} STIX objects)"),
    )


@report_app.command("incident")
def report_incident(
    path: Annotated[Path, typer.Argument(help="JSON with the fields of the incident form")],
    as_user: AsUser,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Report a cyber incident (same JSON as POST /api/threats/reports/incidents)."""
    _report(path, as_user, fmt, IncidentIn, service.submit_incident)


@report_app.command("campaign")
def report_campaign(
    path: Annotated[Path, typer.Argument(help="JSON with the fields of the campaign form")],
    as_user: AsUser,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Report a disinformation campaign (same JSON as POST /api/threats/reports/campaigns)."""
    _report(path, as_user, fmt, CampaignIn, service.submit_campaign)


@threats_app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="a STIX 2.1 bundle or a MISP event (JSON)")],
    as_user: AsUser,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Add a STIX bundle's or a MISP event's objects to --as USER's nation collection."""
    data = _read_bytes(path)
    node = open_node()
    try:
        actor = _actor(node, as_user)
        with Progress(transient=True) as progress:
            task = progress.add_task(f"importing {path.name}", total=None)
            with reporting_errors():
                kind, info = service.import_document(node.uow(), actor, data)
            progress.update(task, completed=1, total=1)
    finally:
        node.dispose()
    failures = [{"id": f.stix_id, "message": f.message or ""} for f in info.failures]

    def table() -> None:
        typer.echo(
            f"{kind}: {info.success_count} of {info.total_count} objects stored, "
            f"{info.failure_count} failed (status {info.id})"
        )
        for f in failures[:20]:
            typer.echo(f"  {f['id'] or '(no id)'}: {f['message']}")

    emit(
        fmt,
        {
            "format": kind,
            "status_id": info.id,
            "total": info.total_count,
            "stored": info.success_count,
            "failed": info.failure_count,
            "failures": failures,
        },
        table,
    )
    if info.failure_count and not info.success_count:
        raise typer.Exit(2)


@threats_app.command("export")
def export(
    as_user: AsUser,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="file; stdout if omitted")] = None,
    type_: Annotated[list[str] | None, typer.Option("--type", help="repeat for several")] = None,
    originator: Annotated[str | None, typer.Option()] = None,
    added_after: Annotated[str | None, typer.Option(help="STIX timestamp")] = None,
    limit: Annotated[int, typer.Option(min=1, max=service.MAX_EXPORT)] = service.MAX_EXPORT,
) -> None:
    """Export what --as USER may see as a STIX 2.1 bundle."""
    after = None
    if added_after:
        try:
            after = parse_timestamp(added_after)
        except ValueError as exc:
            fail(f"--added-after: {exc}")
    node = open_node()
    try:
        actor = _actor(node, as_user)
        with reporting_errors():
            bundle = service.export_bundle(
                node.uow(), actor, types=type_ or (), originator=originator, added_after=after,
                limit=limit,
            )  # fmt: skip
    finally:
        node.dispose()
    if out is None:
        print_json(bundle)
        return
    try:
        out.write_text(json.dumps(bundle, indent=1, ensure_ascii=False), encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}")
    typer.echo(f"wrote {len(bundle['objects'])} objects to {out}")


@threats_app.command("show")
def show(
    stix_id: Annotated[str, typer.Argument(help="a STIX id")],
    as_user: AsUser,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """One object visible to --as USER and the relationships around it."""
    node = open_node()
    try:
        actor = _actor(node, as_user)
        with reporting_errors():
            view = service.object_view(node.uow(), actor, stix_id)
    finally:
        node.dispose()
    data = {
        "object": view.obj,
        "banner": banner(view.item.marking),
        "edges": [
            {"source": e.source, "target": e.target, "label": e.label, "via": e.via}
            for e in view.edges
        ],
    }

    def table() -> None:
        typer.echo(f"{banner(view.item.marking)}\n{view.item.type}: {view.item.name}")
        print_table(
            "relationships", ["source", "label", "target"],
            [(e.source, e.label, e.target) for e in view.edges],
        )  # fmt: skip

    emit(fmt, data, table)
