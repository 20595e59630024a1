"""``defpact disinfo ingest|batches|run|runs|show|publish``: the platform from the console.

``ingest`` stores a file as a batch of ``--nation`` with a marking (the same options as
``defpact intel report create``), as the node's operator or, with ``--as USER``, as that
user (who must be of that nation). The other commands act as ``--as USER``, so the same
releasability and role rules apply as in the API: ``run`` pools only what that user may read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from defpact.core.cli import active_principal, open_node
from defpact.core.cli_output import (
    OutputFormat,
    emit,
    err_console,
    print_table,
    reporting_errors,
)
from defpact.core.context import Actor
from defpact.core.errors import InvalidInput
from defpact.core.identity import Principal
from defpact.core.marking import banner
from defpact.core.runtime import Node
from defpact.threats.disinfo import ingest_service, publish_service, read_service, run_service
from defpact.threats.disinfo.api import upload_marking
from defpact.threats.disinfo.cli import app
from defpact.threats.disinfo.publishing import CampaignDraft, parse_disarm
from defpact.threats.disinfo.schemas import BatchPublic, RunPublic

__all__ = ["app"]

AsUser = Annotated[str, typer.Option("--as", help="act as this user (their nation and rights)")]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="table for people, json")]
Classification = Annotated[str, typer.Option(help="UNCLASSIFIED, RESTRICTED, CONFIDENTIAL, SECRET")]
ReleasableTo = Annotated[str, typer.Option(help="comma separated codes and/or PACT")]
TlpOpt = Annotated[str, typer.Option(help="CLEAR, GREEN, AMBER, AMBER+STRICT, RED")]


def _principal(node: Node, username: str) -> Principal:
    return active_principal(node, username)


def _bar(label: str) -> Progress:
    return Progress(
        TextColumn(f"{label:<14}"), BarColumn(), TextColumn("{task.completed:>10,.0f} posts"),
        TimeElapsedColumn(), console=err_console, transient=True,
        disable=not err_console.is_terminal,
    )  # fmt: skip


def _marking(nation: str, classification: str, releasable_to: str, tlp: str) -> Any:
    with reporting_errors():
        return upload_marking(nation.upper(), classification, [releasable_to], tlp)


@app.command("ingest")
def ingest_command(
    file: Annotated[Path, typer.Argument(help="posts as CSV or JSON Lines (.csv, .jsonl, .gz)")],
    nation: Annotated[str, typer.Option(help="the nation whose batch this is, e.g. XK")],
    as_user: Annotated[str | None, typer.Option("--as", help="ingest as this user")] = None,
    classification: Classification = "UNCLASSIFIED",
    releasable_to: ReleasableTo = "PACT",
    tlp: TlpOpt = "GREEN",
    input_format: Annotated[str | None, typer.Option(help="csv or jsonl")] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Store FILE as a marked batch; bad rows are skipped and reported with reasons."""
    marking = _marking(nation, classification, releasable_to, tlp)
    node = open_node()
    try:
        actor = Actor.of(_principal(node, as_user)) if as_user else Actor.console("console")
        upload = ingest_service.Upload(file, file.name, input_format)
        with _bar("ingesting") as bar, reporting_errors():
            task = bar.add_task("ingest", total=None)
            batch = ingest_service.ingest_batch(
                node.uow(), actor, upload, marking, lambda n: bar.update(task, completed=n)
            )
    finally:
        node.dispose()
    data = BatchPublic.of(batch).model_dump(mode="json")
    emit(fmt, data, lambda: _batch_table(data))


def _batch_table(b: dict[str, Any]) -> None:
    print_table(
        f"batch {b['id']} ({b['filename']}) {b['marking']['banner']}",
        ("rows read", "accepted", "skipped"),
        [(b["rows_read"], b["rows_accepted"], b["rows_skipped"])],
    )
    if b["examples"]:
        print_table(
            "skipped rows by reason", ("reason", "rows"), sorted(b["skipped_by_reason"].items())
        )
        print_table("first skipped rows", ("line", "reason", "detail"),
                    [(e["line"], e["reason"], e["detail"]) for e in b["examples"]])  # fmt: skip


@app.command("batches")
def batches_command(
    as_user: AsUser,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Batches visible to --as USER."""
    node = open_node()
    try:
        items, total = ingest_service.list_batches(
            node.uow(), _principal(node, as_user), limit, offset
        )
    finally:
        node.dispose()
    data = {"items": [BatchPublic.of(b).model_dump(mode="json") for b in items], "total": total}
    emit(fmt, data, lambda: print_table(
        f"batches ({total} visible)", ("id", "file", "marking", "accepted", "skipped", "by"),
        [(b.id, b.filename, banner(b.marking), b.rows_accepted, b.rows_skipped, b.uploaded_by)
         for b in items],
    ))  # fmt: skip


def _run_table(run: dict[str, Any]) -> None:
    stats = run["stats"] or {}
    err_console.print(
        f"run {run['id']} {run['marking']['banner']}: batches {run['batch_ids']}, "
        f"{run['posts_pooled'] if run['posts_pooled'] is not None else 'withheld'} posts, "
        f"threshold {stats.get('threshold', '–')}",
        highlight=False,
    )
    print_table(
        f"groups of run {run['id']}",
        ("group", "size", "score", "accounts", "languages", "platforms", "nations"),
        [(g["id"], g["size"], "–" if g["score"] is None else f"{g['score']:.2f}",
          ", ".join(g["accounts"][:5]) + (" …" if g["size"] > 5 else ""),
          ", ".join(g["languages"]), ", ".join(g["platforms"]), ", ".join(g["nations"]))
         for g in run["groups"]],
    )  # fmt: skip


@app.command("run")
def run_command(
    as_user: AsUser,
    window: Annotated[float, typer.Option("--window", help="co-action window in seconds")] = 60.0,
    min_group_size: Annotated[int, typer.Option(help="smallest group reported")] = 3,
    alpha: Annotated[float, typer.Option(help="expected number of chance edges kept")] = 1.0,
    text_similarity: Annotated[float, typer.Option(help="Jaccard of near-duplicates")] = 0.5,
    seed: Annotated[int, typer.Option(help="seed of the null-model shuffles")] = 0,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Detect coordinated groups in every batch --as USER may read; store the run."""
    node = open_node()
    try:
        principal = _principal(node, as_user)
        request = run_service.RunRequest(window, min_group_size, alpha, text_similarity, seed)
        with _bar("detecting") as bar, reporting_errors():
            task = bar.add_task("run", total=None)
            run_id = run_service.create_run(
                node.uow(), Actor.of(principal), request,
                lambda stage, done, _total: bar.update(task, description=stage, completed=done),
            )  # fmt: skip
            run = read_service.get_run(node.uow(), principal, run_id)
    finally:
        node.dispose()
    data = RunPublic.of(run).model_dump(mode="json")
    emit(fmt, data, lambda: _run_table(data))


@app.command("runs")
def runs_command(as_user: AsUser, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Detection runs visible to --as USER."""
    node = open_node()
    try:
        items, total = run_service.list_runs(node.uow(), _principal(node, as_user))
    finally:
        node.dispose()
    data = {"items": [RunPublic.of(r).model_dump(mode="json") for r in items], "total": total}
    emit(fmt, data, lambda: print_table(
        f"runs ({total} visible)", ("id", "marking", "by", "at", "batches", "posts"),
        [(r.id, banner(r.marking), r.created_by, f"{r.created_at:%Y-%m-%d %H:%M}",
          len(r.batch_ids), r.posts_pooled if r.posts_pooled is not None else "withheld")
         for r in items],
    ))  # fmt: skip


@app.command("show")
def show_command(run_id: int, as_user: AsUser, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """One run and its groups, as --as USER may see them."""
    node = open_node()
    try:
        with reporting_errors():
            run = read_service.get_run(node.uow(), _principal(node, as_user), run_id)
    finally:
        node.dispose()
    data = RunPublic.of(run).model_dump(mode="json")
    emit(fmt, data, lambda: _run_table(data))


@app.command("publish")
def publish_command(
    group_id: int,
    as_user: AsUser,
    name: Annotated[str, typer.Option(help="campaign name")],
    description: Annotated[str, typer.Option()] = "",
    disarm: Annotated[
        list[str] | None, typer.Option(help='DISARM technique "T0049 Name" (repeat)')
    ] = None,
    classification: Classification = "UNCLASSIFIED",
    releasable_to: ReleasableTo = "PACT",
    tlp: TlpOpt = "GREEN",
    examples: Annotated[int, typer.Option(min=0, max=50, help="example posts as notes")] = 10,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Publish a group as a STIX campaign in the user's national TAXII collection."""
    node = open_node()
    try:
        principal = _principal(node, as_user)
        marking = _marking(principal.nation, classification, releasable_to, tlp)
        with reporting_errors():
            try:
                techniques = parse_disarm(disarm or [])
            except ValueError as exc:
                raise InvalidInput(str(exc), field="disarm") from None
            draft = CampaignDraft(name, description, techniques, marking, examples)
            done = publish_service.publish_group(node.uow(), Actor.of(principal), group_id, draft)
    finally:
        node.dispose()
    data = {"group_id": group_id, "campaign_stix_id": done.stix_id,
            "collection_id": done.collection_id, "objects": done.objects}  # fmt: skip
    emit(fmt, data, lambda: typer.echo(
        f"published group {group_id} as {done.stix_id} ({done.objects} objects) "
        f"in TAXII collection {done.collection_id}"
    ))  # fmt: skip
