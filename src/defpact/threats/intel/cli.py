"""``defpact intel report create|list|show``: intelligence reports from the console.

Commands act as a named user (``--as USERNAME``), so the same releasability and role rules
apply as in the API; the user's nation is the originator of what they create.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from defpact.core.cli import active_principal, open_node
from defpact.core.cli_output import OutputFormat, emit, fail, print_table, reporting_errors
from defpact.core.context import Actor
from defpact.core.identity import Clearance, Principal
from defpact.core.marking import TLP, Marking, banner, parse_releasable_to
from defpact.core.runtime import Node
from defpact.threats.intel import service
from defpact.threats.intel.model import IntelReport, ReportDraft

__all__ = ["intel_app"]

intel_app = typer.Typer(help="Shared intelligence.", no_args_is_help=True)
report_app = typer.Typer(help="Intelligence reports.", no_args_is_help=True)
intel_app.add_typer(report_app, name="report")

AsUser = Annotated[str, typer.Option("--as", help="act as this user (their nation and rights)")]
FormatOpt = Annotated[OutputFormat, typer.Option("--format")]


def _principal(node: Node, username: str) -> Principal:
    return active_principal(node, username)


def _json(report: IntelReport) -> dict[str, object]:
    m = report.marking
    return {
        "id": report.id,
        "title": report.title,
        "summary": report.summary,
        "body": report.body,
        "region": report.region,
        "tags": list(report.tags),
        "reliability": report.reliability,
        "credibility": report.credibility,
        "marking": {
            "originator": m.originator,
            "classification": m.classification.name,
            "releasable_to": sorted(m.releasable_to),
            "tlp": m.tlp.value,
            "banner": banner(m),
        },
        "author": report.author,
        "created_at": report.created_at,
        "updated_at": report.updated_at,
        "version": report.version,
        "withdrawn": report.withdrawn,
    }


@report_app.command("create")
def create(
    as_user: AsUser,
    title: Annotated[str, typer.Option()],
    reliability: Annotated[str, typer.Option(help="A-F")],
    credibility: Annotated[str, typer.Option(help="1-6")],
    summary: Annotated[str, typer.Option()] = "",
    body_file: Annotated[Path | None, typer.Option(help="Markdown file; - for stdin")] = None,
    region: Annotated[str, typer.Option()] = "",
    tag: Annotated[list[str] | None, typer.Option(help="repeat for several tags")] = None,
    classification: Annotated[str, typer.Option()] = "UNCLASSIFIED",
    releasable_to: Annotated[str, typer.Option(help="comma separated codes and/or PACT")] = "PACT",
    tlp: Annotated[str, typer.Option()] = "GREEN",
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Create a report as --as USER (roles intel or analyst)."""
    body = ""
    if body_file is not None:
        body = sys.stdin.read() if str(body_file) == "-" else _read(body_file)
    node = open_node()
    principal = _principal(node, as_user)
    try:
        marking = Marking(
            principal.nation,
            Clearance.parse(classification),
            parse_releasable_to([releasable_to]),
            TLP.parse(tlp),
        )
    except ValueError as exc:
        fail(str(exc))
    draft = ReportDraft(
        title, summary, body, region, tuple(tag or ()), reliability.upper(), credibility, marking
    )
    with reporting_errors():
        report = service.create_report(node.uow(), Actor.of(principal), draft)
    emit(fmt, _json(report), lambda: typer.echo(f"created report {report.id}: {report.title}"))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {path}: {exc}")


@report_app.command("list")
def list_(
    as_user: AsUser,
    q: Annotated[str | None, typer.Option(help="text search")] = None,
    region: Annotated[str | None, typer.Option()] = None,
    tag: Annotated[str | None, typer.Option()] = None,
    originator: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Reports visible to --as USER."""
    node = open_node()
    principal = _principal(node, as_user)
    with reporting_errors():
        page = service.list_reports(
            node.uow(),
            principal,
            service.ReportFilter(
                q=q, region=region, tag=tag, originator=originator, limit=limit, offset=offset
            ),
        )
    emit(
        fmt,
        {
            "items": [_json(r) for r in page.items],
            "total": page.total,
            "limit": page.limit,
            "offset": page.offset,
        },
        lambda: print_table(
            f"Intelligence reports ({page.total} visible)",
            ["ID", "Title", "Marking", "Region", "Admiralty"],
            [(r.id, r.title, banner(r.marking), r.region, r.admiralty) for r in page.items],
        ),
    )


@report_app.command("show")
def show(report_id: int, as_user: AsUser, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """One report, if --as USER may see it."""
    node = open_node()
    principal = _principal(node, as_user)
    with reporting_errors():
        report = service.get_report(node.uow(), principal, report_id)
    emit(fmt, _json(report), lambda: _print(report))


def _print(report: IntelReport) -> None:
    typer.echo(banner(report.marking))
    typer.echo(f"#{report.id} {report.title}  [{report.admiralty}]  by {report.author}")
    typer.echo(report.summary)
    typer.echo("")
    typer.echo(report.body)
