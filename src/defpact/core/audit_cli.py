"""``defpact audit``: issue a signed tree head and verify the whole log."""

from __future__ import annotations

from typing import Annotated

import typer

from defpact.core import audit_service
from defpact.core.cli import open_node
from defpact.core.cli_output import OutputFormat, emit, fail

__all__ = ["audit_app"]

audit_app = typer.Typer(help="Tamper-evident audit log.", no_args_is_help=True)


@audit_app.command("verify")
def verify(
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
) -> None:
    """Recompute the Merkle tree from the stored events and check every signed tree head."""
    node = open_node()
    try:
        report = audit_service.verify_log(node.uow(), node.signing_key().public_key())
    finally:
        node.dispose()
    data = {
        "ok": report.ok,
        "events": report.size,
        "tree_heads_checked": report.heads_checked,
        "first_bad_index": report.first_bad_index,
        "problems": report.problems,
    }
    if report.ok:
        emit(
            fmt,
            data,
            lambda: typer.echo(
                f"audit log OK: {report.size} events, "
                f"{report.heads_checked} signed tree heads checked"
            ),
        )
        return
    if fmt is OutputFormat.JSON:
        emit(fmt, data, lambda: None)
        raise typer.Exit(1)
    fail(f"audit log FAILED at index {report.first_bad_index}: {report.problems[0]}", 1)


@audit_app.command("sth")
def sth(fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE) -> None:
    """Issue (if the log grew) and print the newest signed tree head."""
    node = open_node()
    try:
        head = audit_service.signed_tree_head(node.uow(), node.signing_key())
    finally:
        node.dispose()
    emit(
        fmt,
        head,
        lambda: typer.echo(
            f"tree size {head.tree_size}, root {head.root_hash}, signed at {head.timestamp} ms"
        ),
    )
