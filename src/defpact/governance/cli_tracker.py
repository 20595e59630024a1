"""``defpact governance actions`` and ``defpact governance accession``."""

from __future__ import annotations

from typing import Annotated

import typer

from defpact.core.cli_output import OutputFormat, emit, fail, print_table, reporting_errors
from defpact.governance import service
from defpact.governance.approval import Decision
from defpact.governance.cli_options import AsOpt, FormatOpt, acting, dump, parse_date
from defpact.governance.presenters import (
    accession_public,
    action_public,
    summary_public,
    withdrawal_public,
)
from defpact.governance.provisions import parse_provision
from defpact.governance.tracker import ActionStatus, StatusSummary

__all__ = ["accession_app", "actions_app"]

actions_app = typer.Typer(help="The action tracker of the declaration's provisions.")
accession_app = typer.Typer(help="Accession of new member states and withdrawal.")


def _actions_table(items: list[service.ActionInfo]) -> None:
    print_table(
        "Action items",
        ["ID", "Due", "Overdue", "Provision", "Owner", "Status", "Title"],
        [
            (
                a.id,
                a.due,
                "OVERDUE" if a.overdue else "",
                a.provision.value,
                a.owner_nation,
                a.status.value,
                a.title,
            )
            for a in items
        ],
    )


def _status(text: str | None) -> ActionStatus | None:
    try:
        return ActionStatus.parse(text) if text else None
    except ValueError as exc:
        fail(str(exc))


@actions_app.command("list")
def actions_list(
    provision: Annotated[str | None, typer.Option()] = None,
    nation: Annotated[str | None, typer.Option(help="owner nation")] = None,
    status: Annotated[str | None, typer.Option()] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="only overdue items")] = False,
    as_user: AsOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Action items you may see."""
    node, actor = acting(as_user)
    try:
        chosen = parse_provision(provision) if provision else None
    except ValueError as exc:
        fail(str(exc))
    where = service.ActionFilter(chosen, nation, _status(status), True if overdue else None)
    with reporting_errors():
        items = service.list_actions(node.uow(), actor, where)
    emit(fmt, [dump(action_public(a)) for a in items], lambda: _actions_table(items))


@actions_app.command("create")
def actions_create(
    provision: Annotated[str, typer.Option()],
    title: Annotated[str, typer.Option()],
    owner: Annotated[str, typer.Option(help="owner nation")],
    due: Annotated[str, typer.Option(help="YYYY-MM-DD")],
    group: Annotated[int | None, typer.Option(help="expert group id")] = None,
    description: Annotated[str, typer.Option()] = "",
    as_user: AsOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Create an action item (a member nation's admin)."""
    node, actor = acting(as_user)
    try:
        chosen = parse_provision(provision)
    except ValueError as exc:
        fail(str(exc))
    when = parse_date(due, "due")
    if when is None:  # pragma: no cover - typer requires --due
        fail("due: required")
    new = service.NewAction(chosen, title, owner, when, description, group)
    with reporting_errors():
        info = service.create_action(node.uow(), actor, new)
    emit(fmt, dump(action_public(info)), lambda: _actions_table([info]))


@actions_app.command("progress")
def actions_progress(
    action_id: int,
    status: Annotated[str | None, typer.Option()] = None,
    note: Annotated[str, typer.Option()] = "",
    as_user: AsOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Report progress: a new status and/or a note (owner or originator nation)."""
    node, actor = acting(as_user)
    with reporting_errors():
        info = service.report_progress(
            node.uow(), actor, action_id, status=_status(status), note=note
        )
    emit(fmt, dump(action_public(info)), lambda: _actions_table([info]))


@actions_app.command("withdraw")
def actions_withdraw(
    action_id: int, as_user: AsOpt = None, fmt: FormatOpt = OutputFormat.TABLE
) -> None:
    """Withdraw an action item (an admin of its originator nation)."""
    node, actor = acting(as_user)
    with reporting_errors():
        info = service.withdraw_action(node.uow(), actor, action_id)
    emit(fmt, dump(action_public(info)), lambda: _actions_table([info]))


def _summary_table(title: str, rows: tuple[StatusSummary, ...]) -> None:
    statuses = [s.value for s in ActionStatus]
    print_table(
        title,
        ["", *statuses, "overdue", "done %"],
        [
            (r.label, *(r.by_status[s] for s in statuses), r.overdue, f"{r.completion:.0%}")
            for r in rows
        ],
    )


@actions_app.command("summary")
def actions_summary(as_user: AsOpt = None, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Status counts and overdue items per provision and per owner nation."""
    node, actor = acting(as_user)
    with reporting_errors():
        summary = service.action_summary(node.uow(), actor)

    def tables() -> None:
        _summary_table("By provision", summary.by_provision)
        _summary_table("By owner nation", summary.by_nation)

    emit(fmt, dump(summary_public(summary)), tables)


def _accessions_table(items: list[service.AccessionInfo]) -> None:
    print_table(
        "Accession requests",
        ["ID", "Nation", "From", "Status", "Waiting for", "Rejections"],
        [
            (
                a.id,
                f"{a.nation_name} ({a.nation})",
                a.effective_joined or a.stated_joined,
                a.status,
                a.round.pending,
                "; ".join(
                    f"{b.nation}: {b.comment}"
                    for b in a.round.ballots
                    if b.decision is Decision.REJECT
                ),
            )
            for a in items
        ],
    )


@accession_app.command("list")
def accession_list(as_user: AsOpt = None, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Accession requests and their votes."""
    node, actor = acting(as_user)
    with reporting_errors():
        items = service.list_accessions(node.uow(), actor)
    emit(fmt, [dump(accession_public(a)) for a in items], lambda: _accessions_table(items))


@accession_app.command("propose")
def accession_propose(
    nation: str,
    joined: Annotated[str | None, typer.Option(help="member from (default today)")] = None,
    statement: Annotated[str, typer.Option()] = "",
    as_user: AsOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Propose a NATO member or EU member state for accession (a member's admin, --as)."""
    node, actor = acting(as_user)
    stated = parse_date(joined, "joined")
    with reporting_errors():
        info = service.propose_accession(node.uow(), actor, nation, stated, statement)
    emit(fmt, dump(accession_public(info)), lambda: _accessions_table([info]))


@accession_app.command("vote")
def accession_vote(
    accession_id: int,
    decision: Annotated[Decision, typer.Argument(help="approve or reject")],
    comment: Annotated[str, typer.Option(help="required when rejecting")] = "",
    as_user: AsOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Your nation's vote; unanimity admits the state."""
    node, actor = acting(as_user)
    with reporting_errors():
        info = service.vote_on_accession(node.uow(), actor, accession_id, decision, comment)
    emit(fmt, dump(accession_public(info)), lambda: _accessions_table([info]))


@accession_app.command("withdraw")
def accession_withdraw(
    nation: str,
    left: Annotated[str | None, typer.Option(help="default today")] = None,
    as_user: AsOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Withdraw a member from the pact (its admin with --as, or the console)."""
    node, actor = acting(as_user)
    when = parse_date(left, "left")
    with reporting_errors():
        result = service.withdraw_from_pact(node.uow(), actor, nation, when)
    emit(
        fmt,
        dump(withdrawal_public(result)),
        lambda: typer.echo(
            f"{result.member.name} ({result.member.code}) leaves the pact on {result.member.left}; "
            f"{len(result.closed_rounds)} open round(s) closed by its departure"
        ),
    )


@accession_app.command("history")
def accession_history(fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Every membership period of the pact."""
    node, _actor = acting(None)
    periods = service.membership_history(node.uow())
    emit(
        fmt,
        periods,
        lambda: print_table(
            "Membership history",
            ["Nation", "Name", "Joined", "Left"],
            [(p.code, p.name, p.joined, p.left) for p in periods],
        ),
    )
