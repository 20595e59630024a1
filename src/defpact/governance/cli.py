"""``defpact governance``: expert groups, meetings and calendars, documents and approvals, the
action tracker and accession, from the shell.

Every command calls one service function; ``--as USERNAME`` acts as that user, ``--format json``
prints JSON only; bad input is one line on stderr and exit code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from defpact.core.cli_output import OutputFormat, emit, print_table, reporting_errors
from defpact.core.errors import InvalidInput
from defpact.governance import cli_documents, cli_tracker, service
from defpact.governance.cli_options import (
    AsOpt,
    ClassificationOpt,
    FormatOpt,
    ReleaseOpt,
    TlpOpt,
    acting,
    dump,
    marking_spec,
    parse_datetime,
)
from defpact.governance.presenters import (
    group_public,
    meeting_public,
)
from defpact.governance.provisions import parse_provision

__all__ = ["app"]

app = typer.Typer(
    help="Pact governance: groups, meetings, documents, approvals, actions, accession.",
    no_args_is_help=True,
)
groups_app = typer.Typer(help="Expert groups.", no_args_is_help=True)
meetings_app = typer.Typer(help="Meetings and their iCalendar export.", no_args_is_help=True)
app.add_typer(groups_app, name="groups")
app.add_typer(meetings_app, name="meetings")
app.add_typer(cli_documents.app, name="documents")
app.add_typer(cli_tracker.actions_app, name="actions")
app.add_typer(cli_tracker.accession_app, name="accession")


def _groups_table(groups: list[service.GroupInfo]) -> None:
    print_table(
        "Expert groups",
        ["ID", "Name", "Chair", "Provisions", "Members"],
        [
            (g.id, g.name, g.chair_nation, [p.value for p in g.provisions], len(g.members))
            for g in groups
        ],
    )


@groups_app.command("list")
def groups_list(as_user: AsOpt = None, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Expert groups you may see."""
    node, actor = acting(as_user)
    with reporting_errors():
        groups = service.list_groups(node.uow(), actor)
    emit(fmt, [dump(group_public(g)) for g in groups], lambda: _groups_table(groups))


@groups_app.command("create")
def groups_create(
    name: str,
    chair: Annotated[str, typer.Option(help="chair nation code")],
    provision: Annotated[list[str], typer.Option(help="linked provision; repeat")],
    member: Annotated[list[str] | None, typer.Option(help="member username; repeat")] = None,
    mandate: Annotated[str, typer.Option()] = "",
    classification: ClassificationOpt = None,
    release: ReleaseOpt = None,
    tlp: TlpOpt = None,
    originator: Annotated[str | None, typer.Option(help="console only")] = None,
    as_user: AsOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Create an expert group (a member nation's admin)."""
    node, actor = acting(as_user)
    with reporting_errors():
        try:
            provisions = tuple(parse_provision(p) for p in provision)
        except ValueError as exc:
            raise InvalidInput(str(exc), field="provision") from None
        spec = marking_spec(classification, release, tlp, originator) or service.MarkingSpec()
        new = service.NewGroup(name, chair, mandate, provisions, tuple(member or ()), spec)
        info = service.create_group(node.uow(), actor, new)
    emit(fmt, dump(group_public(info)), lambda: _groups_table([info]))


@groups_app.command("add-member")
def groups_add_member(
    group_id: int, username: str, as_user: AsOpt = None, fmt: FormatOpt = OutputFormat.TABLE
) -> None:
    """Add a user to an expert group."""
    node, actor = acting(as_user)
    with reporting_errors():
        info = service.add_group_member(node.uow(), actor, group_id, username)
    emit(fmt, dump(group_public(info)), lambda: _groups_table([info]))


@groups_app.command("withdraw")
def groups_withdraw(
    group_id: int, as_user: AsOpt = None, fmt: FormatOpt = OutputFormat.TABLE
) -> None:
    """Withdraw an expert group (an admin of its originator nation)."""
    node, actor = acting(as_user)
    with reporting_errors():
        info = service.withdraw_group(node.uow(), actor, group_id)
    emit(fmt, dump(group_public(info)), lambda: _groups_table([info]))


def _meetings_table(meetings: list[service.MeetingInfo]) -> None:
    print_table(
        "Meetings",
        ["ID", "Starts", "Ends", "Title", "Group", "Place", "Attendees"],
        [
            (m.id, m.starts, m.ends, m.title, m.group_name, m.place, len(m.attendees))
            for m in meetings
        ],
    )


@meetings_app.command("list")
def meetings_list(
    group: Annotated[int | None, typer.Option(help="only this group's")] = None,
    as_user: AsOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Meetings you may see."""
    node, actor = acting(as_user)
    with reporting_errors():
        meetings = service.list_meetings(node.uow(), actor, group)
    emit(fmt, [dump(meeting_public(m)) for m in meetings], lambda: _meetings_table(meetings))


@meetings_app.command("create")
def meetings_create(
    group: Annotated[int, typer.Option(help="expert group id")],
    title: Annotated[str, typer.Option()],
    starts: Annotated[str, typer.Option(help="ISO time with zone, e.g. 2025-07-15T09:00+02:00")],
    ends: Annotated[str, typer.Option(help="ISO time with zone")],
    place: Annotated[str, typer.Option()] = "",
    agenda: Annotated[str, typer.Option(help="Markdown")] = "",
    attendee: Annotated[list[str] | None, typer.Option(help="username; repeat")] = None,
    as_user: AsOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Schedule a meeting of an expert group (it inherits the group's marking)."""
    node, actor = acting(as_user)
    new = service.NewMeeting(
        group_id=group,
        title=title,
        starts=parse_datetime(starts, "starts"),
        ends=parse_datetime(ends, "ends"),
        place=place,
        agenda=agenda,
        attendees=tuple(attendee or ()),
    )
    with reporting_errors():
        info = service.create_meeting(node.uow(), actor, new)
    emit(fmt, dump(meeting_public(info)), lambda: _meetings_table([info]))


@meetings_app.command("minutes")
def meetings_minutes(
    meeting_id: int,
    file: Annotated[Path, typer.Option(help="Markdown file with the minutes")],
    as_user: AsOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Record a meeting's minutes."""
    node, actor = acting(as_user)
    text = cli_documents.read_text(file, "file")
    with reporting_errors():
        info = service.record_minutes(node.uow(), actor, meeting_id, text)
    emit(fmt, dump(meeting_public(info)), lambda: _meetings_table([info]))


@meetings_app.command("withdraw")
def meetings_withdraw(
    meeting_id: int, as_user: AsOpt = None, fmt: FormatOpt = OutputFormat.TABLE
) -> None:
    """Withdraw a meeting (an admin of its originator nation)."""
    node, actor = acting(as_user)
    with reporting_errors():
        info = service.withdraw_meeting(node.uow(), actor, meeting_id)
    emit(fmt, dump(meeting_public(info)), lambda: _meetings_table([info]))


@meetings_app.command("ics")
def meetings_ics(
    group: Annotated[int | None, typer.Option(help="the group's meetings")] = None,
    user: Annotated[str | None, typer.Option(help="that user's meetings (console)")] = None,
    output: Annotated[Path | None, typer.Option(help="write here instead of stdout")] = None,
    as_user: AsOpt = None,
) -> None:
    """Export meetings as iCalendar: a group's (--group) or a user's (--as or --user)."""
    node, actor = acting(as_user)
    with reporting_errors():
        if group is not None:
            data = service.group_calendar(node.uow(), actor, group)
        else:
            data = service.user_calendar(node.uow(), actor, user)
    if output is None:
        typer.echo(data.decode("utf-8"), nl=False)
    else:
        output.write_bytes(data)
        typer.echo(f"wrote {output}", err=True)
