"""How CLI commands print: Rich tables for people, JSON for machines, one-line errors."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from defpact.core.errors import DefpactError, InvalidInput

__all__ = [
    "OutputFormat",
    "emit",
    "err_console",
    "fail",
    "print_json",
    "print_table",
    "reporting_errors",
]

err_console = Console(stderr=True)


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.name if isinstance(value.value, int) else value.value
    if isinstance(value, frozenset | set | tuple):
        return list(value)
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, default=_default, ensure_ascii=False, indent=2))


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=title, header_style="bold")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(_cell(v) for v in row))
    Console().print(table)  # created per call so the terminal width is read now


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.name if isinstance(value.value, int) else value.value)
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return str(value)


def fail(message: str, code: int = 2) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def reporting_errors() -> Iterator[None]:
    """Turn domain errors into one line on stderr and a non-zero exit (2 for bad input)."""
    try:
        yield
    except InvalidInput as exc:
        fail(_message(exc), 2)
    except DefpactError as exc:
        fail(_message(exc), 2 if exc.status < 500 else 1)


def _message(exc: DefpactError) -> str:
    if exc.field and exc.field not in exc.detail:
        return f"{exc.field}: {exc.detail}"
    return exc.detail


def emit(fmt: OutputFormat, data: Any, table: Callable[[], None]) -> None:
    if fmt is OutputFormat.JSON:
        print_json(data)
    else:
        table()
