"""``defpact procurement catalogue|requirement|budget|import|export``: records from the console."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from defpact.core.cli_output import OutputFormat, fail, print_table, reporting_errors
from defpact.procurement import (
    budget_service,
    catalogue_service,
    planning_service,
    requirement_service,
    transfer_service,
)
from defpact.procurement.budget_service import BudgetChange
from defpact.procurement.catalogue_service import CatalogueDraft
from defpact.procurement.cli_options import (
    AsUser,
    ClassificationOpt,
    FormatOpt,
    ReleaseOpt,
    TlpOpt,
    acting,
    emit_models,
    marking_of,
    money,
)
from defpact.procurement.requirement_service import RequirementChange
from defpact.procurement.schemas import (
    BudgetLinePublic,
    CatalogueItemPublic,
    ImportReportPublic,
    RequirementPublic,
)

__all__ = ["budget_app", "catalogue_app", "register_records", "requirement_app"]

catalogue_app = typer.Typer(
    help="Catalogue of systems with pricing and schedule.", no_args_is_help=True
)
requirement_app = typer.Typer(
    help="Requirements of your nation and those released to it.", no_args_is_help=True
)
budget_app = typer.Typer(help="Budget lines per fiscal year.", no_args_is_help=True)

OptionalAs = Annotated[
    str | None, typer.Option("--as", help="act as this user; default: the node's console")
]


def _json_object(text: str, field: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        fail(f"{field}: not valid JSON: {exc}")
    if not isinstance(value, dict):
        fail(f"{field}: must be a JSON object")
    return value


def _catalogue_table(items: list[CatalogueItemPublic]) -> None:
    print_table(
        "Catalogue",
        ["Key", "Name", "Channel", "t1", "Slope", "Tiers", "Line/month", "Version"],
        [
            (
                i.key,
                i.name,
                i.channel,
                money(i.cost["t1"]),
                i.cost["slope"],
                " ".join(f"{q}+:x{m}" for q, m in i.cost["tiers"]),
                i.sched["cap"],
                i.version,
            )
            for i in items
        ],
    )


@catalogue_app.command("list")
def catalogue_list(fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Every system in the catalogue."""
    with acting(None) as (node, _, _):
        items = [CatalogueItemPublic.of(i) for i in catalogue_service.list_catalogue(node.uow())]
        emit_models(fmt, items, lambda: _catalogue_table(items))


@catalogue_app.command("add")
def catalogue_add(
    key: str,
    name: Annotated[str, typer.Option()],
    cost: Annotated[str, typer.Option(help='JSON, e.g. {"t1": 2e5, "tiers": [[1, 1.0]]}')],
    sched: Annotated[str, typer.Option(help='JSON, e.g. {"cap": 20, "T_loa": 6}')],
    channel: Annotated[str, typer.Option(help="FMS, DCS, NSPA or EDA")] = "FMS",
    as_user: OptionalAs = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Add a system (as a procurement user, or as the console)."""
    draft = CatalogueDraft(
        key, name, channel, _json_object(cost, "cost"), _json_object(sched, "sched")
    )
    with acting(as_user) as (node, actor, _):
        with reporting_errors():
            item = CatalogueItemPublic.of(
                catalogue_service.create_catalogue_item(node.uow(), actor, draft)
            )
        emit_models(fmt, item, lambda: typer.echo(f"added {item.key}: {item.name}"))


@catalogue_app.command("update")
def catalogue_update(
    key: str,
    name: Annotated[str | None, typer.Option()] = None,
    cost: Annotated[str | None, typer.Option(help="JSON object of the fields to change")] = None,
    sched: Annotated[str | None, typer.Option(help="JSON object of the fields to change")] = None,
    channel: Annotated[str | None, typer.Option()] = None,
    version: Annotated[int | None, typer.Option(help="fail if the entry changed since")] = None,
    as_user: OptionalAs = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Change some fields of a system; the others keep their values."""
    with acting(as_user) as (node, actor, _):
        with reporting_errors():
            current = catalogue_service.get_catalogue_item(node.uow(), key)
            draft = CatalogueDraft(
                key,
                name or current.name,
                channel or current.channel,
                current.cost | (_json_object(cost, "cost") if cost else {}),
                current.sched | (_json_object(sched, "sched") if sched else {}),
            )
            updated = catalogue_service.update_catalogue_item(
                node.uow(), actor, key, draft, version or current.version
            )
        item = CatalogueItemPublic.of(updated)
        emit_models(fmt, item, lambda: typer.echo(f"updated {item.key} (version {item.version})"))


def _requirements_table(found: list[RequirementPublic]) -> None:
    print_table(
        f"Requirements ({len(found)} visible)",
        ["ID", "Item", "Nation", "Units", "Need-by", "Marking", "Version"],
        [
            (r.id, r.item, r.nation, r.quantity, r.need_by, r.marking.banner, r.version)
            for r in found
        ],
    )


@requirement_app.command("list")
def requirement_list(
    as_user: AsUser,
    item: Annotated[str | None, typer.Option()] = None,
    nation: Annotated[str | None, typer.Option()] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Requirements visible to --as USER."""
    with acting(as_user) as (node, _, principal):
        assert principal is not None  # noqa: S101 - --as is required here
        with reporting_errors():
            found = requirement_service.list_requirements(
                node.uow(), principal, item=item, nation=nation
            )
        rows = [RequirementPublic.of(r) for r in found]
        emit_models(fmt, rows, lambda: _requirements_table(rows))


@requirement_app.command("add")
def requirement_add(
    as_user: AsUser,
    item: Annotated[str, typer.Option(help="catalogue key")],
    quantity: Annotated[int, typer.Option()],
    need_by: Annotated[str, typer.Option(help="YYYY-MM")],
    note: Annotated[str, typer.Option()] = "",
    classification: ClassificationOpt = "UNCLASSIFIED",
    releasable_to: ReleaseOpt = "PACT",
    tlp: TlpOpt = "GREEN",
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """State a requirement of your nation (role procurement)."""
    with acting(as_user) as (node, actor, principal):
        assert principal is not None  # noqa: S101
        marking = marking_of(principal, classification, releasable_to, tlp)
        change = RequirementChange(quantity, need_by, note, marking)
        with reporting_errors():
            created = requirement_service.create_requirement(node.uow(), actor, item, change)
        row = RequirementPublic.of(created)
        emit_models(
            fmt, row, lambda: typer.echo(f"requirement {row.id}: {row.quantity} x {row.item}")
        )


@requirement_app.command("update")
def requirement_update(
    requirement_id: int,
    as_user: AsUser,
    quantity: Annotated[int | None, typer.Option()] = None,
    need_by: Annotated[str | None, typer.Option(help="YYYY-MM")] = None,
    version: Annotated[int | None, typer.Option(help="fail if it changed since")] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Change the quantity or need-by month of one of your nation's requirements."""
    with acting(as_user) as (node, actor, principal):
        assert principal is not None  # noqa: S101
        with reporting_errors():
            current = requirement_service.get_requirement(node.uow(), principal, requirement_id)
            change = RequirementChange(
                current.quantity if quantity is None else quantity,
                need_by or current.need_by,
                current.note,
                current.marking,
            )
            updated = requirement_service.update_requirement(
                node.uow(), actor, requirement_id, change, version or current.version
            )
        row = RequirementPublic.of(updated)
        emit_models(
            fmt, row, lambda: typer.echo(f"requirement {row.id} is now version {row.version}")
        )


@requirement_app.command("withdraw")
def requirement_withdraw(requirement_id: int, as_user: AsUser) -> None:
    """Withdraw one of your nation's requirements."""
    with acting(as_user) as (node, actor, _):
        with reporting_errors():
            requirement_service.withdraw_requirement(node.uow(), actor, requirement_id)
        typer.echo(f"requirement {requirement_id} withdrawn")


@budget_app.command("list")
def budget_list(as_user: AsUser, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Budget lines visible to --as USER."""
    with acting(as_user) as (node, _, principal):
        assert principal is not None  # noqa: S101
        rows = [
            BudgetLinePublic.of(b) for b in budget_service.list_budget_lines(node.uow(), principal)
        ]
        emit_models(
            fmt,
            rows,
            lambda: print_table(
                "Budget lines",
                ["ID", "Nation", "Year", "Amount", "Marking"],
                [(b.id, b.nation, b.year, money(b.amount), b.marking.banner) for b in rows],
            ),
        )


@budget_app.command("add")
def budget_add(
    as_user: AsUser,
    year: Annotated[int, typer.Option()],
    amount: Annotated[float, typer.Option()],
    classification: ClassificationOpt = "UNCLASSIFIED",
    releasable_to: ReleaseOpt = "PACT",
    tlp: TlpOpt = "GREEN",
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """State your nation's procurement budget for a fiscal year (role procurement)."""
    with acting(as_user) as (node, actor, principal):
        assert principal is not None  # noqa: S101
        change = BudgetChange(amount, "", marking_of(principal, classification, releasable_to, tlp))
        with reporting_errors():
            line = BudgetLinePublic.of(
                budget_service.create_budget_line(node.uow(), actor, year, change)
            )
        emit_models(
            fmt,
            line,
            lambda: typer.echo(f"budget line {line.id}: {line.year} {money(line.amount)}"),
        )


def _read(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() in {".yaml", ".yml"}:
            return yaml.safe_load(text)
        return json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        fail(f"{path}: cannot read the scenario: {first}")


def import_command(
    file: Annotated[Path, typer.Argument(help="Scenario file (.json, .yaml or .yml)")],
    as_user: AsUser,
    classification: ClassificationOpt = "UNCLASSIFIED",
    releasable_to: ReleaseOpt = "PACT",
    tlp: TlpOpt = "GREEN",
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Import a scenario as your nation: catalogue items, your requirements and budget."""
    with acting(as_user) as (node, actor, principal):
        assert principal is not None  # noqa: S101
        marking = marking_of(principal, classification, releasable_to, tlp)
        with reporting_errors():
            report = transfer_service.import_scenario(node.uow(), actor, _read(file), marking)
        public = ImportReportPublic.of(report)
        emit_models(
            fmt,
            public,
            lambda: typer.echo(
                f"catalogue: {len(report.catalogue_created)} new, "
                f"{len(report.catalogue_updated)} updated; "
                f"requirements: {len(report.requirements_created)} new, "
                f"{len(report.requirements_updated)} updated; budget years: "
                f"{len(report.budget_years_created)} new, "
                f"{len(report.budget_years_updated)} updated; "
                f"not imported (other nations): {', '.join(report.ignored_nations) or 'none'}"
            ),
        )


def export_command(
    as_user: AsUser,
    yaml_output: Annotated[bool, typer.Option("--yaml", help="YAML instead of JSON")] = False,
) -> None:
    """Print the catalogue and the requirements and budgets visible to you as a scenario."""
    with acting(as_user) as (node, _, principal):
        assert principal is not None  # noqa: S101
        document = planning_service.export_scenario(node.uow(), principal)
        if yaml_output:
            typer.echo(yaml.safe_dump(document, sort_keys=False, default_flow_style=None), nl=False)
        else:
            typer.echo(json.dumps(document, indent=2, ensure_ascii=False))


def register_records(app: typer.Typer) -> None:
    app.add_typer(catalogue_app, name="catalogue")
    app.add_typer(requirement_app, name="requirement")
    app.add_typer(budget_app, name="budget")
    app.command("import")(import_command)
    app.command("export")(export_command)
