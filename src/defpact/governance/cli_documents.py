"""``defpact governance documents``: versions, diff, submission for approval and votes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from defpact.core.cli_output import OutputFormat, emit, fail, print_table, reporting_errors
from defpact.governance import service
from defpact.governance.approval import Decision
from defpact.governance.cli_options import (
    AsOpt,
    ClassificationOpt,
    FormatOpt,
    ReleaseOpt,
    TlpOpt,
    acting,
    dump,
    marking_spec,
)
from defpact.governance.presenters import (
    diff_public,
    document_public,
    version_public,
)

__all__ = ["app", "read_text"]

app = typer.Typer(help="Documents, versions and their approval by every ministry.")
FileOpt = Annotated[Path, typer.Option(help="Markdown file with the content")]


def read_text(path: Path, name: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{name}: cannot read {path}: {exc}")


def _documents_table(docs: list[service.DocumentInfo]) -> None:
    print_table(
        "Documents",
        ["ID", "Title", "Versions", "In approval", "Adopted", "Originator"],
        [
            (d.id, d.title, len(d.versions), d.in_approval, d.adopted_version, d.marking.originator)
            for d in docs
        ],
    )


def _version_table(info: service.VersionInfo) -> None:
    typer.echo(f"{info.document_title} — version {info.number}: {info.summary}")
    if info.round is None:
        typer.echo("not submitted for approval")
        return
    comments = {b.nation: b.comment for b in info.round.ballots}
    print_table(
        f"Approval round {info.round.id}: {info.round.status.value}",
        ["Nation", "Position", "Comment"],
        [(n, p, comments.get(n, "")) for n, p in info.round.positions],
    )


@app.command("list")
def documents_list(as_user: AsOpt = None, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Documents you may see, with their approval status."""
    node, actor = acting(as_user)
    with reporting_errors():
        docs = service.list_documents(node.uow(), actor)
    emit(fmt, [dump(document_public(d)) for d in docs], lambda: _documents_table(docs))


@app.command("create")
def documents_create(
    title: str,
    file: FileOpt,
    summary: Annotated[str, typer.Option()] = "first draft",
    classification: ClassificationOpt = None,
    release: ReleaseOpt = None,
    tlp: TlpOpt = None,
    as_user: AsOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Create a document with its first version (a member nation's admin)."""
    node, actor = acting(as_user)
    content = read_text(file, "file")
    spec = marking_spec(classification, release, tlp) or service.MarkingSpec()
    with reporting_errors():
        info = service.create_document(
            node.uow(), actor, service.NewDocument(title, content, summary, spec)
        )
    emit(fmt, dump(document_public(info)), lambda: _documents_table([info]))


@app.command("add-version")
def documents_add_version(
    document_id: int,
    file: FileOpt,
    summary: Annotated[str, typer.Option(help="what changed")] = "",
    as_user: AsOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Add the next numbered version (the originator nation)."""
    node, actor = acting(as_user)
    content = read_text(file, "file")
    with reporting_errors():
        info = service.add_version(node.uow(), actor, document_id, content, summary)
    emit(fmt, dump(version_public(info)), lambda: _version_table(info))


@app.command("show")
def documents_show(
    document_id: int,
    version: Annotated[int | None, typer.Option(help="default: the latest")] = None,
    as_user: AsOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """A version with its approval status per nation."""
    node, actor = acting(as_user)
    with reporting_errors():
        number = version or service.get_document(node.uow(), actor, document_id).versions[-1].number
        info = service.get_version(node.uow(), actor, document_id, number)
    emit(fmt, dump(version_public(info)), lambda: _version_table(info))


@app.command("submit")
def documents_submit(
    document_id: int, version: int, as_user: AsOpt = None, fmt: FormatOpt = OutputFormat.TABLE
) -> None:
    """Submit the latest version to the ministries of every current member."""
    node, actor = acting(as_user)
    with reporting_errors():
        info = service.submit_version(node.uow(), actor, document_id, version)
    emit(fmt, dump(version_public(info)), lambda: _version_table(info))


@app.command("vote")
def documents_vote(
    document_id: int,
    version: int,
    decision: Annotated[Decision, typer.Argument(help="approve or reject")],
    comment: Annotated[str, typer.Option(help="required when rejecting")] = "",
    as_user: AsOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Your nation's vote (an approver, with --as)."""
    node, actor = acting(as_user)
    with reporting_errors():
        info = service.vote_on_version(node.uow(), actor, document_id, version, decision, comment)
    emit(fmt, dump(version_public(info)), lambda: _version_table(info))


@app.command("diff")
def documents_diff(
    document_id: int,
    from_version: int,
    to_version: int,
    as_user: AsOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """The unified diff between two versions."""
    node, actor = acting(as_user)
    with reporting_errors():
        info = service.diff_versions(node.uow(), actor, document_id, from_version, to_version)
    emit(fmt, dump(diff_public(info)), lambda: typer.echo(info.unified, nl=False))
