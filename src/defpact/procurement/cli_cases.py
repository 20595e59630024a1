"""``defpact procurement opportunities|item|cash|what-if|case``: live plans and joint orders."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from defpact.core.cli_output import OutputFormat, emit, fail, print_table, reporting_errors
from defpact.core.context import Actor
from defpact.core.identity import Principal
from defpact.core.runtime import Node
from defpact.procurement import case_service, planning_service
from defpact.procurement.cli_options import AsUser, FormatOpt, RuleOpt, acting, emit_models, money
from defpact.procurement.schemas_plans import (
    CasePublic,
    ItemPlanPublic,
    OpportunityPublic,
    PlanEntry,
    WhatIfPublic,
)

__all__ = ["case_app", "register_cases"]

case_app = typer.Typer(help="Joint-order cases and their lifecycle.", no_args_is_help=True)


@contextmanager
def _principal(username: str) -> Iterator[tuple[Node, Actor, Principal]]:
    with acting(username) as (node, actor, principal):
        assert principal is not None  # noqa: S101 - --as is required
        yield node, actor, principal


def _gained(plan: PlanEntry) -> str:
    return ", ".join(f"{n} {g:+d}" for n, g in plan.months_gained_by_joint.items())


def _opportunities_table(rows: list[OpportunityPublic]) -> None:
    print_table(
        "Joint-order opportunities (from the requirements visible to you)",
        ["Item", "Nations", "Alone (sum)", "Joint cost", "Savings", "%", "Months gained"],
        [
            (
                o.item,
                ",".join(o.plan.participants),
                money(o.plan.sum_stand_alone),
                money(o.plan.joint_cost),
                money(o.plan.savings),
                o.plan.savings_pct,
                _gained(o.plan),
            )
            if o.plan
            else (o.item, "", "", "", "", "", o.error)
            for o in rows
        ],
    )


def opportunities_command(
    as_user: AsUser, rule: RuleOpt = "shapley", fmt: FormatOpt = OutputFormat.TABLE
) -> None:
    """Items wanted by two or more nations visible to --as USER, with savings."""
    with _principal(as_user) as (node, _, principal):
        with reporting_errors():
            found = planning_service.opportunities(node.uow(), principal, rule)
        rows = [OpportunityPublic.of(o) for o in found]
        emit_models(fmt, rows, lambda: _opportunities_table(rows))


def _item_table(plan: ItemPlanPublic) -> None:
    entry = plan.plan
    if entry is None:
        typer.echo(plan.error or "no plan")
        return
    print_table(
        f"{plan.item.name}: joint {money(entry.joint_cost)} vs alone "
        f"{money(entry.sum_stand_alone)} ({entry.savings_pct}% saved, rule {plan.rule})",
        [
            "Nation",
            "Units",
            "Alone",
            "Share",
            "Delivery alone",
            "Delivery joint",
            "Need-by",
            "Gained",
        ],
        [
            (
                n,
                entry.qty[n],
                money(entry.stand_alone[n]),
                money(entry.shares[n]),
                " to ".join(entry.delivery_individual[n]),
                " to ".join(entry.delivery_joint[n]),
                entry.need_by.get(n, ""),
                entry.months_gained_by_joint[n],
            )
            for n in entry.participants
        ],
    )


def item_command(
    key: str, as_user: AsUser, rule: RuleOpt = "shapley", fmt: FormatOpt = OutputFormat.TABLE
) -> None:
    """The plan of one catalogue item over the requirements visible to --as USER."""
    with _principal(as_user) as (node, _, principal):
        with reporting_errors():
            plan = ItemPlanPublic.of(planning_service.item_plan(node.uow(), principal, key, rule))
        emit_models(fmt, plan, lambda: _item_table(plan))


def cash_command(
    as_user: AsUser, rule: RuleOpt = "shapley", fmt: FormatOpt = OutputFormat.TABLE
) -> None:
    """Payments by fiscal year alone vs jointly against budget, per visible nation."""
    with _principal(as_user) as (node, _, principal):
        with reporting_errors():
            report = planning_service.cash_overview(node.uow(), principal, rule)
        rows = []
        for nation, entry in report["nations"].items():
            budget = entry["budget"] or {}
            for year in sorted(set(entry["individual"]) | set(entry["joint"])):
                rows.append(
                    (
                        nation,
                        year,
                        money(entry["individual"].get(year)),
                        money(entry["joint"].get(year)),
                        money(budget.get(year)) if entry["budget"] is not None else "not visible",
                    )
                )
        emit(
            fmt,
            report,
            lambda: print_table(
                "Cash by fiscal year", ["Nation", "Year", "Alone", "Joint", "Budget"], rows
            ),
        )


def what_if_command(
    as_user: AsUser,
    nation: Annotated[str, typer.Option("--nation", help="the joining nation")],
    qty: Annotated[list[str], typer.Option("--qty", help="ITEM=UNITS, repeat per item")],
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """How each visible participant's Shapley share changes if NATION joins."""
    quantities: dict[str, int] = {}
    for pair in qty:
        key, sep, units = pair.partition("=")
        if not sep or not units.strip().isdigit():
            fail(f"--qty {pair!r}: write ITEM=UNITS, e.g. javelin=40")
        quantities[key.strip()] = int(units)
    with _principal(as_user) as (node, _, principal):
        with reporting_errors():
            report = WhatIfPublic.model_validate(
                planning_service.what_if(node.uow(), principal, nation, quantities)
            )
        emit_models(
            fmt,
            report,
            lambda: print_table(
                f"If {report.nation} joins",
                ["Member", "Before", "After", "Change"],
                [
                    (m, money(t.before), money(t.after), money(t.change))
                    for m, t in report.totals.items()
                ],
            ),
        )


def _case_table(cases: list[CasePublic]) -> None:
    print_table(
        "Joint-order cases",
        ["ID", "Item", "Lead", "Participants", "Committed", "Joint cost", "State", "Version"],
        [
            (
                c.id,
                c.item,
                c.lead,
                ",".join(c.participants),
                ",".join(c.committed),
                money(c.joint_cost),
                c.state,
                c.version,
            )
            for c in cases
        ],
    )


@case_app.command("list")
def case_list(
    as_user: AsUser,
    state: Annotated[str | None, typer.Option()] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Cases --as USER's nation takes part in."""
    with _principal(as_user) as (node, _, principal):
        with reporting_errors():
            cases = [
                CasePublic.of(c)
                for c in case_service.list_cases(node.uow(), principal, state=state)
            ]
        emit_models(fmt, cases, lambda: _case_table(cases))


@case_app.command("show")
def case_show(case_id: int, as_user: AsUser, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """One case with shares, commitments and history."""
    with _principal(as_user) as (node, _, principal):
        with reporting_errors():
            case = CasePublic.of(case_service.get_case(node.uow(), principal, case_id))
        emit_models(fmt, case, lambda: _case_table([case]))


@case_app.command("propose")
def case_propose(
    as_user: AsUser,
    item: Annotated[str, typer.Option(help="catalogue key")],
    rule: RuleOpt = "shapley",
    nations: Annotated[str | None, typer.Option(help="participants, e.g. XK,AL")] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Propose a joint order (role procurement); shares are computed now."""
    with _principal(as_user) as (node, actor, _):
        chosen = [n.strip() for n in nations.split(",") if n.strip()] if nations else None
        with reporting_errors():
            case = CasePublic.of(case_service.propose_case(node.uow(), actor, item, rule, chosen))
        emit_models(
            fmt,
            case,
            lambda: typer.echo(
                f"proposed case {case.id}: {case.item} for {', '.join(case.participants)}"
            ),
        )


@case_app.command("commit")
def case_commit(
    case_id: int,
    as_user: AsUser,
    version: Annotated[
        int | None, typer.Option(help="the version you saw (default: current)")
    ] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Commit your nation to its share (role approver)."""
    with _principal(as_user) as (node, actor, principal):
        with reporting_errors():
            seen = version or case_service.get_case(node.uow(), principal, case_id).version
            case = CasePublic.of(case_service.commit_share(node.uow(), actor, case_id, seen))
        emit_models(fmt, case, lambda: typer.echo(f"case {case.id}: {case.state_label}"))


@case_app.command("advance")
def case_advance(
    case_id: int,
    action: Annotated[
        str,
        typer.Argument(
            help="send_lor, offer_loa, sign_loa, award, start_delivery, close or withdraw"
        ),
    ],
    as_user: AsUser,
    version: Annotated[int | None, typer.Option(help="fail if the case changed since")] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Record a milestone of the case, or withdraw it."""
    with _principal(as_user) as (node, actor, _):
        with reporting_errors():
            case = CasePublic.of(
                case_service.advance_case(node.uow(), actor, case_id, action, version)
            )
        emit_models(fmt, case, lambda: typer.echo(f"case {case.id}: {case.state_label}"))


def register_cases(app: typer.Typer) -> None:
    app.command("opportunities")(opportunities_command)
    app.command("item")(item_command)
    app.command("cash")(cash_command)
    app.command("what-if")(what_if_command)
    app.add_typer(case_app, name="case")
