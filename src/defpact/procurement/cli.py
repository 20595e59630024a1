"""``defpact procurement``: plan joint orders and the joiner effect from a scenario file, and
work with the platform's catalogue, requirements, budgets, opportunities and cases.

``plan`` and ``joiner`` work on files alone (no server, no database): parse the scenario, call
``build_plan`` or ``joiner_effect``, render as Rich tables or JSON. The other commands
(``cli_records``, ``cli_cases``) act on the node's database as ``--as USERNAME``. Bad input is
one line on stderr, exit 2.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from defpact.core.cli_output import OutputFormat, emit, print_table, reporting_errors
from defpact.procurement.cli_cases import register_cases
from defpact.procurement.cli_records import register_records
from defpact.procurement.joiner import joiner_effect
from defpact.procurement.plan import build_plan
from defpact.procurement.scenario import load_scenario

__all__ = ["app"]

app = typer.Typer(
    help="Joint procurement: fair cost shares, deliveries and payments from a scenario file "
    "(plan, joiner), and the platform's catalogue, requirements, budgets, opportunities and "
    "joint-order cases (--as USERNAME).",
    no_args_is_help=True,
)


class RuleChoice(StrEnum):
    SHAPLEY = "shapley"
    PROPORTIONAL = "proportional"
    NEAREST_CORE = "nearest-core"


FileArg = Annotated[
    Path, typer.Argument(help="Scenario file (.json, .yaml or .yml); see docs/procurement.md.")
]
FormatOpt = Annotated[
    OutputFormat, typer.Option("--format", help="table for people, json for machines.")
]


def _members(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [code.strip() for code in text.split(",") if code.strip()]


def _money(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _span(months: list[str] | None) -> str:
    return "" if months is None else f"{months[0]} to {months[1]}"


def _met(flags: dict[str, bool], nation: str) -> str:
    return "" if nation not in flags else ("yes" if flags[nation] else "NO")


def _share_rows(entry: dict[str, Any]) -> list[list[Any]]:
    return [
        [
            nation,
            entry["qty"][nation],
            _money(entry["stand_alone"][nation]),
            _money(entry["shapley"][nation]),
            _money(entry["proportional"][nation]),
            _money(entry["saving_by_nation"][nation]),
        ]
        for nation in entry["participants"]
    ]


def _schedule_rows(entry: dict[str, Any]) -> list[list[Any]]:
    return [
        [
            nation,
            entry["award_individual"][nation],
            _span(entry["delivery_individual"].get(nation)),
            _span(entry["delivery_joint"].get(nation)),
            entry["need_by"].get(nation, ""),
            _met(entry["meets_need_by_individual"], nation),
            _met(entry["meets_need_by_joint"], nation),
            entry["months_gained_by_joint"][nation],
        ]
        for nation in entry["participants"]
    ]


def _item_titles(item_id: str, entry: dict[str, Any]) -> tuple[str, str]:
    core = (
        "in core" if entry["in_core"] else f"NOT in core, blocked by {entry['blocking_coalition']}"
    )
    shares = (
        f"{item_id}: {entry['name']} | joint {_money(entry['joint_cost'])} vs alone "
        f"{_money(entry['sum_stand_alone'])}: saving {_money(entry['savings'])} "
        f"({entry['savings_pct']}%) | max excess {_money(entry['core_max_excess'])}, {core}, "
        f"individually rational: {'yes' if entry['individually_rational'] else 'NO'}"
    )
    schedule = (
        f"{item_id} schedule | LOA signed {entry['signature_individual']} alone, "
        f"{entry['signature_joint']} joint | joint award {entry['award_joint'] or '-'}"
    )
    return shares, schedule


def _plan_tables(report: dict[str, Any], rule: str) -> None:
    share_columns = ["nation", "qty", "stand-alone", "shapley", "proportional", f"saving ({rule})"]
    schedule_columns = [
        "nation", "award alone", "delivery alone", "delivery joint", "need-by",
        "met alone", "met joint", "months gained",
    ]  # fmt: skip
    for item_id, entry in report["items"].items():
        shares_title, schedule_title = _item_titles(item_id, entry)
        print_table(shares_title, share_columns, _share_rows(entry))
        print_table(schedule_title, schedule_columns, _schedule_rows(entry))
    totals = [
        [
            n,
            _money(t["stand_alone"]),
            _money(t["joint_share"]),
            _money(t["saving"]),
            t["saving_pct"],
        ]
        for n, t in report["totals"].items()
    ]
    print_table(
        f"Totals ({rule})", ["nation", "stand-alone", "joint share", "saving", "saving %"], totals
    )
    print_table(
        "Cash by fiscal year", ["nation", "year", "individual", "joint"], _cash_rows(report)
    )


def _cash_rows(report: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for nation in report["members"]:
        alone, joint = report["cash_by_fy_individual"][nation], report["cash_by_fy_joint"][nation]
        for year in sorted(set(alone) | set(joint)):
            mark_alone = (
                " BREACH" if int(year) in report["budget_breaches_individual"][nation] else ""
            )
            mark_joint = " BREACH" if int(year) in report["budget_breaches_joint"][nation] else ""
            rows.append(
                [
                    nation,
                    year,
                    _money(alone.get(year, 0.0)) + mark_alone,
                    _money(joint.get(year, 0.0)) + mark_joint,
                ]
            )
    return rows


@app.command("plan")
def plan_command(
    file: FileArg,
    members: Annotated[
        str | None, typer.Option("--members", help="Comma-separated nations to consider.")
    ] = None,
    rule: Annotated[
        RuleChoice, typer.Option("--rule", help="Sharing rule for savings and payments.")
    ] = RuleChoice.SHAPLEY,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Costs, fair shares, deliveries, cash by fiscal year and budget breaches per nation."""
    with reporting_errors():
        scenario = load_scenario(file)
        report = build_plan(scenario, _members(members), rule.value)
    emit(fmt, report, lambda: _plan_tables(report, rule.value))


def _joiner_tables(report: dict[str, Any]) -> None:
    columns = ["member", "before", "after", "change", "cause"]
    for item_id, effect in report["items"].items():
        rows = [
            [m, _money(c["before"]), _money(c["after"]), _money(c["change"]), c["cause"] or ""]
            for m, c in effect["changes"].items()
        ]
        title = (
            f"{item_id}: {effect['name']} | {report['nation']} buys {effect['candidate_qty']}, "
            f"pays {_money(effect['candidate_share'])} | joint cost "
            f"{_money(effect['joint_cost_before'])} -> {_money(effect['joint_cost_after'])}"
        )
        print_table(title, columns, rows)
    totals = [
        [m, _money(t["before"]), _money(t["after"]), _money(t["change"])]
        for m, t in report["totals"].items()
    ]
    print_table(
        f"Totals if {report['nation']} joins", ["member", "before", "after", "change"], totals
    )


@app.command("joiner")
def joiner_command(
    file: FileArg,
    nation: Annotated[str, typer.Option("--nation", help="The candidate nation (in the file).")],
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """How each member's Shapley share changes if NATION joins; increases flagged with cause."""
    with reporting_errors():
        scenario = load_scenario(file)
        report = joiner_effect(scenario, nation)
    emit(fmt, report, lambda: _joiner_tables(report))


register_records(app)
register_cases(app)
