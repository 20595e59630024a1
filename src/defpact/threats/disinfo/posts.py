"""Posts and how they are read from CSV or JSON Lines files, with an ingest report.

A post has ``id``, ``account``, ``platform``, ``published_at`` (ISO 8601; without a UTC
offset it is taken as UTC), ``text``, ``urls`` and optionally ``reply_to``, ``reshare_of``,
``language``, ``media_hash`` and ``nation`` (the nation whose analysts collected it).
``id``, ``account``, ``platform`` and ``published_at`` must be non-empty; ``text`` and
``urls`` may be empty. In CSV, ``urls`` is either a JSON array (``["https://a", ...]``) or
URLs separated by white space; in JSON Lines it is an array (a string is split as in CSV).

Reading streams the file and never stops on a bad row: a row with a missing field, a bad
timestamp, invalid UTF-8, malformed JSON or CSV, or an ``id`` already seen is skipped and
counted by reason in the :class:`IngestReport`, which keeps the first examples with their
line numbers. Only problems with the file as a whole (it does not exist, the format is
unknown, the CSV header lacks a required column) raise :class:`InputFormatError`.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, cast

__all__ = [
    "FIELDS",
    "OPTIONAL_FIELDS",
    "REQUIRED_FIELDS",
    "IngestReport",
    "InputFormatError",
    "Post",
    "PostStream",
    "SkippedRow",
    "read_posts",
]

REQUIRED_FIELDS = ("id", "account", "platform", "published_at")
OPTIONAL_FIELDS = ("text", "urls", "reply_to", "reshare_of", "language", "media_hash", "nation")
FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS
_MAX_EXAMPLES = 20
_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


class InputFormatError(ValueError):
    """The file as a whole cannot be read (the message names the file or field)."""


@dataclass(slots=True)
class Post:
    """One social-media post as the detection sees it (treat it as a value: do not mutate)."""

    id: str
    account: str
    platform: str
    published_at: datetime
    text: str = ""
    urls: tuple[str, ...] = ()
    reply_to: str | None = None
    reshare_of: str | None = None
    language: str | None = None
    media_hash: str | None = None
    nation: str | None = None


@dataclass(frozen=True, slots=True)
class SkippedRow:
    """Why one row was skipped: a reason code and a sentence naming the field."""

    line: int
    reason: str
    detail: str


@dataclass(slots=True)
class IngestReport:
    """Counts of rows read, accepted and skipped by reason; complete once the stream ends."""

    source: str
    format: str
    rows_read: int = 0
    rows_accepted: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)
    examples: list[SkippedRow] = field(default_factory=list)
    complete: bool = False

    @property
    def rows_skipped(self) -> int:
        return sum(self.skipped.values())

    def skip(self, line: int, reason: str, detail: str) -> None:
        self.skipped[reason] += 1
        if len(self.examples) < _MAX_EXAMPLES:
            self.examples.append(SkippedRow(line, reason, detail))

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.format,
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_skipped": self.rows_skipped,
            "skipped_by_reason": dict(sorted(self.skipped.items())),
            "warnings": dict(sorted(self.warnings.items())),
            "examples": [
                {"line": e.line, "reason": e.reason, "detail": e.detail} for e in self.examples
            ],
            "complete": self.complete,
        }


class _RowError(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


_SURROGATE = re.compile("[\udc80-\udcff]")


def _parse_time(value: Any, report: IngestReport) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip() if value.__class__ is str else value)
    except (TypeError, ValueError):
        shown = value[:40] if isinstance(value, str) else value
        if shown is None or shown == "":
            raise _RowError("missing_field", "missing field 'published_at'") from None
        raise _RowError(
            "bad_timestamp", f"field 'published_at' is not an ISO 8601 date-time: {shown!r}"
        ) from None
    if moment.tzinfo is None:
        report.warnings["timestamp_without_offset_taken_as_utc"] += 1
        return moment.replace(tzinfo=UTC)
    return moment


def _required(name: str, value: Any) -> str:
    if value.__class__ is str:
        value = value.strip()
        if value:
            return str(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    elif value is not None:
        raise _RowError("bad_field", f"field '{name}' must be text, got {type(value).__name__}")
    raise _RowError("missing_field", f"missing field '{name}'")


def _optional(name: str, value: Any) -> str | None:
    if not value:
        return None
    if value.__class__ is str:
        return str(value).strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise _RowError("bad_field", f"field '{name}' must be text, got {type(value).__name__}")


def _parse_urls(value: Any) -> tuple[str, ...]:
    if not value or value == "[]":
        return ()
    if isinstance(value, str):
        if not value.lstrip().startswith("["):
            return tuple(value.split())
        try:
            value = json.loads(value)
        except ValueError:
            raise _RowError("bad_urls", "field 'urls' is not a valid JSON array") from None
    if not isinstance(value, list) or not all(isinstance(u, str) for u in value):
        raise _RowError("bad_urls", "field 'urls' must be a list of texts")
    return tuple(u.strip() for u in value if u.strip())


def _to_post(fields: Sequence[Any], report: IngestReport, nation: str | None) -> Post:
    """Build a post from the values of ``FIELDS`` (in that order), checking each."""
    pid, account, platform, published, text, urls, reply, reshare, lang, media, own = fields
    if text is None:
        text = ""
    elif text.__class__ is not str:
        raise _RowError("bad_field", f"field 'text' must be text, got {type(text).__name__}")
    return Post(
        _required("id", pid),
        _required("account", account),
        _required("platform", platform).lower(),
        _parse_time(published, report),
        text,
        _parse_urls(urls),
        _optional("reply_to", reply),
        _optional("reshare_of", reshare),
        _optional("language", lang),
        _optional("media_hash", media),
        nation or _optional("nation", own),
    )


Records = Iterator[tuple[int, Sequence[Any] | _RowError]]


def _text_stream(raw: IO[bytes]) -> io.TextIOWrapper:
    """Decode UTF-8 (BOM optional) or, with a byte-order mark, UTF-16; bad bytes are kept as
    lone surrogates so that the row holding them can be reported."""
    if not isinstance(raw, io.BufferedReader | gzip.GzipFile):
        raw = io.BufferedReader(cast(Any, raw))
    head = raw.peek(4)[:4]
    encoding = "utf-16" if head.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    return io.TextIOWrapper(raw, encoding=encoding, errors="surrogateescape", newline="")


def _bad_encoding(text: str) -> _RowError | None:
    if text.isascii():
        return None
    found = _SURROGATE.search(text)
    if found is None:
        return None
    return _RowError("bad_encoding", f"invalid UTF-8 at character {found.start()} of the row")


def _jsonl_records(text: IO[str]) -> Records:
    for number, line in enumerate(text, 1):
        if not line.strip():
            continue
        bad = _bad_encoding(line)
        if bad is not None:
            yield number, bad
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            yield number, _RowError("bad_json", f"not valid JSON: {exc}")
            continue
        if not isinstance(record, dict):
            yield number, _RowError("bad_json", "a line must hold one JSON object")
            continue
        yield number, [record.get(name) for name in FIELDS]


def _csv_header(reader: Any, source: str) -> list[str]:
    try:
        header = [name.strip().lower() for name in next(reader, [])]
    except csv.Error as exc:
        raise InputFormatError(f"{source}: unreadable CSV header: {exc}") from None
    missing = [name for name in REQUIRED_FIELDS if name not in header]
    if missing:
        columns = ", ".join(missing)
        raise InputFormatError(f"{source}: CSV header lacks required column(s) {columns}")
    return header


def _csv_records(reader: Any, header: list[str]) -> Records:
    width, last = len(header), reader.line_num
    pick = itemgetter(*[header.index(name) if name in header else width for name in FIELDS])
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, _RowError("bad_row", f"malformed CSV: {exc}")
            last = reader.line_num
            continue
        first, last = last + 1, reader.line_num
        if not values:
            continue
        if len(values) != width:
            yield first, _RowError("bad_row", f"expected {width} fields, found {len(values)}")
            continue
        bad = _bad_encoding("".join(values))
        values.append("")  # the value of every column the header lacks
        yield first, bad if bad is not None else pick(values)


class PostStream(Iterator[Post]):
    """Iterates the valid posts of one source; ``report`` fills in as rows are read."""

    def __init__(
        self, raw: IO[bytes], source: str, fmt: str, nation: str | None, line_offset: int = 0
    ) -> None:
        self.format = fmt
        self.line_offset = line_offset
        self.report = IngestReport(source=source, format=fmt)
        self._raw = raw
        self._text = _text_stream(raw)
        self._seen: set[int] = set()
        if fmt == "csv":
            reader = csv.reader(self._text)
            try:
                header = _csv_header(reader, source)
            except InputFormatError:
                self.close()
                raise
            records = _csv_records(reader, header)
        else:
            records = _jsonl_records(self._text)
        self._posts = self._accepted(records, nation)

    @property
    def bytes_read(self) -> int:
        """Position in the underlying (compressed) file, for progress bars."""
        raw = getattr(self._raw, "fileobj", self._raw)
        try:
            return int(raw.tell())
        except (OSError, ValueError):
            return 0

    def __iter__(self) -> Iterator[Post]:
        return self._posts

    def __next__(self) -> Post:
        return next(self._posts)

    def close(self) -> None:
        self._text.close()

    def _accepted(self, records: Records, nation: str | None) -> Iterator[Post]:
        report, seen = self.report, self._seen
        try:
            for line, record in records:
                report.rows_read += 1
                try:
                    if isinstance(record, _RowError):
                        raise record
                    post = _to_post(record, report, nation)
                    key = hash(post.id)
                    if key in seen:
                        raise _RowError("duplicate_id", f"id {post.id!r} was already read")
                    seen.add(key)
                except _RowError as exc:
                    report.skip(line + self.line_offset, exc.reason, exc.detail)
                    continue
                report.rows_accepted += 1
                yield post
            report.complete = True
        finally:
            self.close()


def _format_of(name: str, fmt: str | None) -> str:
    if fmt is not None:
        if fmt not in {"csv", "jsonl"}:
            raise InputFormatError(f"unknown input format {fmt!r} (use csv or jsonl)")
        return fmt
    suffixes = Path(name).suffixes
    if suffixes and suffixes[-1].lower() == ".gz":
        suffixes = suffixes[:-1]
    found = _FORMATS.get(suffixes[-1].lower()) if suffixes else None
    if found is None:
        raise InputFormatError(
            f"{name}: cannot tell the format from the file name (use .csv, .jsonl or .ndjson)"
        )
    return found


def read_posts(
    source: str | Path | IO[bytes],
    *,
    fmt: str | None = None,
    nation: str | None = None,
    name: str | None = None,
    line_offset: int = 0,
) -> tuple[PostStream, IngestReport]:
    """Stream the valid posts of a CSV or JSON Lines file (``.gz`` too) or binary stream.

    Returns the stream and its report, which is complete once the stream is exhausted.
    ``fmt`` is needed for a stream; ``nation``, when given, is set on every post (the
    nation whose batch this is); ``line_offset`` is added to reported line numbers (for a
    stream that starts inside a file). Raises :class:`InputFormatError` for a missing file, an
    unknown format or a CSV header without the required columns.
    """
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise InputFormatError(f"{path}: no such file")
        found = _format_of(str(path), fmt)
        if path.suffix.lower() == ".gz":
            raw: IO[bytes] = cast(IO[bytes], gzip.open(path, "rb"))
        else:
            raw = path.open("rb")
        label = name or str(path)
    else:
        label = name or "<stream>"
        found = _format_of(label, fmt)
        raw = source
    stream = PostStream(raw, label, found, nation, line_offset)
    return stream, stream.report
