"""``defpact disinfo``: coordinated-behaviour detection on a file, without a server.

``detect FILE`` prints the groups (``--format json`` for machines); ``ingest-check FILE``
prints what reading the file would accept and skip, and why. A progress bar is drawn on
stderr when it is a terminal.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from defpact.core.cli_output import OutputFormat, emit, err_console, fail, print_table
from defpact.threats.disinfo.coordination import DetectionParams, detect_file
from defpact.threats.disinfo.posts import IngestReport, InputFormatError, PostStream, read_posts
from defpact.threats.disinfo.result import DetectionResult

__all__ = ["app"]

app = typer.Typer(
    help="Detect coordinated behaviour (disinformation campaigns) in social-media posts.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

FileArg = Annotated[Path, typer.Argument(help="posts as CSV or JSON Lines (.csv, .jsonl, .gz)")]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="table for people, json")]
InputOpt = Annotated[
    str | None, typer.Option("--input-format", help="csv or jsonl (default: from the name)")
]
_STAGES = {
    "read": "reading posts",
    "texts": "hashing texts",
    "network": "co-actions",
    "null": "null model",
    "groups": "groups",
}


def _open(file: Path, input_format: str | None) -> tuple[PostStream, IngestReport]:
    try:
        return read_posts(file, fmt=input_format)
    except InputFormatError as exc:
        fail(str(exc))


class _Bar:
    """Rich progress on stderr, fed by the detection's progress callback."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            for task in self.tasks.values():
                self.progress.update(task, total=1, completed=1)
            self.tasks[stage] = self.progress.add_task(_STAGES.get(stage, stage), total=None)
        self.progress.update(self.tasks[stage], completed=done, total=total or None)


@contextmanager
def _progress() -> Iterator[_Bar]:
    progress = Progress(
        TextColumn("{task.description:<14}"),
        BarColumn(),
        TextColumn("{task.completed:>9,.0f}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )
    with progress:
        yield _Bar(progress)


def _ingest_summary(report: IngestReport) -> dict[str, Any]:
    data = report.to_dict()
    return {k: data[k] for k in ("rows_read", "rows_accepted", "rows_skipped", "skipped_by_reason")}


def _groups_table(result: DetectionResult, report: IngestReport) -> None:
    rows = []
    for i, group in enumerate(result.groups, 1):
        top = group.shared_objects[:3]
        objects = "; ".join(f"{o.kind}:{o.key[:40]} ({o.accounts})" for o in top)
        shown = ", ".join(group.accounts[:6]) + (" …" if len(group.accounts) > 6 else "")
        span = f"{group.time_span.start:%Y-%m-%d %H:%M} +{group.time_span.seconds / 3600:.1f} h"
        rows.append(
            (i, len(group.accounts), f"{group.score:.2f}", shown, objects, span,
             ", ".join(group.languages), ", ".join(group.platforms), ", ".join(group.nations))
        )  # fmt: skip
    columns = ("#", "size", "score", "accounts", "top shared objects", "time span",
               "languages", "platforms", "nations")  # fmt: skip
    print_table(f"coordinated groups in {report.source}", columns, rows)
    s = result.stats
    err_console.print(
        f"{s.posts} posts, {s.accounts} accounts, {s.co_actions} co-actions, "
        f"threshold τ={s.threshold:.2f} from {s.null_shuffles} shuffles, "
        f"{s.edges_kept} edges kept, {s.groups} groups; "
        f"{report.rows_skipped} rows skipped",
        highlight=False,
    )


@app.command("detect")
def detect_command(
    file: FileArg,
    window: Annotated[
        float, typer.Option("--window", help="seconds within which co-actions count")
    ] = 60.0,
    fmt: FormatOpt = OutputFormat.TABLE,
    min_group_size: Annotated[int, typer.Option(help="smallest group reported")] = 3,
    alpha: Annotated[float, typer.Option(help="expected number of chance edges kept")] = 1.0,
    text_similarity: Annotated[
        float, typer.Option(help="Jaccard similarity of near-duplicate texts")
    ] = 0.5,
    seed: Annotated[int, typer.Option(help="seed of the null-model shuffles")] = 0,
    workers: Annotated[
        int, typer.Option(help="background processes hashing texts (0: none)", min=0, max=64)
    ] = 1,
    input_format: InputOpt = None,
) -> None:
    """Find groups of accounts that share rare links, texts or posts within seconds."""
    try:
        params = DetectionParams(
            window_seconds=window,
            min_group_size=min_group_size,
            alpha=alpha,
            text_similarity=text_similarity,
            seed=seed,
            workers=workers,
        )
    except ValueError as exc:
        fail(str(exc))
    try:
        with _progress() as bar:
            result, report = detect_file(file, params, bar, input_format)
    except InputFormatError as exc:
        fail(str(exc))
    if not report.rows_accepted:
        reasons = ", ".join(f"{k}: {v}" for k, v in sorted(report.skipped.items())) or "empty"
        fail(f"{file}: no valid posts ({reasons}); see `ingest-check`")
    if result.stats.truncated:
        err_console.print(
            "[yellow]warning:[/] too many co-actions: the densest were left out; "
            "use a smaller --window",
            highlight=False,
        )
    data = result.to_dict()
    data["stats"]["ingest"] = _ingest_summary(report)
    emit(fmt, data, lambda: _groups_table(result, report))


def _report_table(report: IngestReport) -> None:
    print_table(
        f"ingest check of {report.source} ({report.format})",
        ("rows read", "accepted", "skipped"),
        [(report.rows_read, report.rows_accepted, report.rows_skipped)],
    )
    if report.skipped:
        print_table("skipped rows by reason", ("reason", "rows"), sorted(report.skipped.items()))
        print_table(
            "first skipped rows",
            ("line", "reason", "detail"),
            [(e.line, e.reason, e.detail) for e in report.examples],
        )
    if report.warnings:
        print_table("warnings", ("warning", "rows"), sorted(report.warnings.items()))


@app.command("ingest-check")
def ingest_check_command(
    file: FileArg, fmt: FormatOpt = OutputFormat.TABLE, input_format: InputOpt = None
) -> None:
    """Read FILE as detection would and report accepted and skipped rows with reasons."""
    stream, report = _open(file, input_format)
    with _progress() as bar:
        for count, _ in enumerate(stream, 1):
            if not count % 50_000:
                bar("read", count, 0)
    emit(fmt, report.to_dict(), lambda: _report_table(report))
