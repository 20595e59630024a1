"""Command line: withdraw a stored exercise or lesson as the node operator.

    defpact training withdraw exercise CODE [--format json|table]
    defpact training withdraw lesson ID [--format json|table]

A withdrawn record is kept for its nation and the audit and hidden from the other nations; the
next ``schedule --year`` leaves a withdrawn exercise out. An unknown code or id exits 2.
Also home of the output-format option and the error exit the training commands share.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Annotated, NoReturn

import typer

from defpact.core.cli import open_node
from defpact.core.context import Actor
from defpact.core.errors import DefpactError
from defpact.training import exercise_service, planning_service

__all__ = ["FormatOpt", "OutputFormat", "fail", "withdraw_app"]

withdraw_app = typer.Typer(
    help="Withdraw a stored exercise or lesson (kept for its nation and the audit, hidden from "
    "the others).",
    no_args_is_help=True,
)


class OutputFormat(StrEnum):
    json = "json"
    table = "table"


FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]


def fail(message: str) -> NoReturn:
    """One line on stderr and exit code 2 (bad input)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _withdrawn(what: str, ident: str, when: datetime | None, output: OutputFormat) -> None:
    stamp = when.isoformat() if when else None
    if output is OutputFormat.json:
        typer.echo(json.dumps({what: ident, "withdrawn_at": stamp}))
    else:
        typer.echo(f"{what} {ident} withdrawn at {stamp}")


@withdraw_app.command("exercise")
def withdraw_exercise_command(
    code: Annotated[str, typer.Argument(help="Exercise code, e.g. DP27-03.")],
    output: FormatOpt = OutputFormat.table,
) -> None:
    """Withdraw a stored exercise as the node operator; the next solve of its year leaves it out."""
    node = open_node()
    try:
        actor = Actor.console("cli")
        exercise_id = exercise_service.exercise_id_by_code(node.uow(), actor, code)
        info = exercise_service.withdraw_exercise(node.uow(), actor, exercise_id)
    except DefpactError as exc:
        fail(f"{exc.field or 'exercise'}: {exc.detail}")
    finally:
        node.dispose()
    _withdrawn("exercise", info.code, info.withdrawn_at, output)


@withdraw_app.command("lesson")
def withdraw_lesson_command(
    lesson_id: Annotated[int, typer.Argument(help="Lesson id.", min=1)],
    output: FormatOpt = OutputFormat.table,
) -> None:
    """Withdraw a stored lesson as the node operator."""
    node = open_node()
    try:
        info = planning_service.withdraw_lesson(node.uow(), Actor.console("cli"), lesson_id)
    except DefpactError as exc:
        fail(f"{exc.field or 'lesson'}: {exc.detail}")
    finally:
        node.dispose()
    _withdrawn("lesson", str(info.id), info.withdrawn_at, output)
