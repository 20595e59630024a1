"""Reading posts: bad rows are skipped with a reason and counted, never a crash or a silent drop."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest

from defpact.threats.disinfo.posts import InputFormatError, Post, read_posts

HEADER = "id,account,platform,published_at,text,urls,reply_to,reshare_of,language,media_hash\n"


def _csv(*lines: bytes) -> io.BytesIO:
    return io.BytesIO(HEADER.encode() + b"".join(lines))


def _read(data: io.BytesIO, fmt: str = "csv") -> tuple[list[Post], dict[str, object]]:
    stream, report = read_posts(data, fmt=fmt)
    posts = list(stream)
    return posts, report.to_dict()


def test_valid_csv_rows_become_posts_with_parsed_fields() -> None:
    posts, report = _read(
        _csv(
            b'1,alice,X,2025-03-01T10:00:00Z,"Hello, world","[""https://a.example/x""]",,,en,\n',
            "2,бојан,telegram,2025-03-01T12:00:00+01:00,Здраво,https://a https://b,,1,sr-Cyrl,"
            "ab12\n".encode(),
        )
    )
    assert report["rows_accepted"] == 2
    assert report["complete"] is True
    first, second = posts
    assert first.platform == "x"
    assert first.urls == ("https://a.example/x",)
    assert first.published_at == datetime(2025, 3, 1, 10, tzinfo=UTC)
    assert second.account == "бојан"
    assert second.urls == ("https://a", "https://b")
    assert second.reshare_of == "1"
    assert second.published_at == datetime(2025, 3, 1, 11, tzinfo=UTC)


def test_bad_rows_are_skipped_and_reported_with_line_and_reason() -> None:
    posts, report = _read(
        _csv(
            b"1,alice,x,2025-03-01T10:00:00Z,ok,[],,,,\n",
            b"2,,x,2025-03-01T10:00:00Z,no account,[],,,,\n",
            b"3,bob,x,yesterday,bad time,[],,,,\n",
            b"4,bob,x,2025-03-01T10:00:00Z,bad \xff\xfe bytes,[],,,,\n",
            b"5,bob,x,2025-03-01T10:00:00Z,bad urls,[oops,,,,\n",
            b"1,carol,x,2025-03-01T10:00:00Z,same id again,[],,,,\n",
            b"6,dave,x,2025-03-01T10:00:00Z,too few fields\n",
            b"7,erin,x,2025-03-01T10:00:00Z,fine,[],,,,\n",
        )
    )
    assert [p.id for p in posts] == ["1", "7"]
    assert report["rows_read"] == 8
    assert report["rows_skipped"] == 6
    assert report["skipped_by_reason"] == {
        "bad_encoding": 1,
        "bad_row": 1,
        "bad_timestamp": 1,
        "bad_urls": 1,
        "duplicate_id": 1,
        "missing_field": 1,
    }
    examples = {e["reason"]: e for e in report["examples"]}  # type: ignore[attr-defined]
    assert examples["missing_field"]["line"] == 3
    assert "'account'" in examples["missing_field"]["detail"]
    assert "'published_at'" in examples["bad_timestamp"]["detail"]
    assert examples["bad_encoding"]["line"] == 5


def test_a_timestamp_without_offset_is_taken_as_utc_and_counted() -> None:
    posts, report = _read(_csv(b"1,a,x,2025-03-01 10:00:00,t,[],,,,\n"))
    assert posts[0].published_at.tzinfo is UTC
    assert report["warnings"] == {"timestamp_without_offset_taken_as_utc": 1}


def test_csv_header_without_a_required_column_names_it() -> None:
    data = io.BytesIO(b"id,account,text\n1,a,hello\n")
    with pytest.raises(InputFormatError, match="published_at"):
        read_posts(data, fmt="csv")


def test_jsonl_rows_with_reasons() -> None:
    good = {"id": 1, "account": "a", "platform": "x", "published_at": "2025-03-01T10:00:00Z",
            "text": "hi", "urls": ["https://e.org"], "nation": "XK"}  # fmt: skip
    lines = [
        json.dumps(good),
        "",
        "{not json",
        "[1, 2]",
        json.dumps({**good, "id": 2, "text": 5}),
        json.dumps({**good, "id": 3, "urls": "https://a https://b"}),
        json.dumps({**good, "id": 4, "platform": None}),
    ]
    posts, report = _read(io.BytesIO("\n".join(lines).encode()), fmt="jsonl")
    assert [p.id for p in posts] == ["1", "3"]
    assert posts[0].nation == "XK"
    assert posts[1].urls == ("https://a", "https://b")
    assert report["skipped_by_reason"] == {"bad_field": 1, "bad_json": 2, "missing_field": 1}


def test_utf8_byte_order_mark_and_utf16_files_are_read() -> None:
    row = "1,ana,x,2025-03-01T10:00:00Z,Čestitamo,[],,,hr,\n"
    for data in (b"\xef\xbb\xbf" + (HEADER + row).encode(), (HEADER + row).encode("utf-16")):
        posts, _ = _read(io.BytesIO(data))
        assert posts[0].text == "Čestitamo"


def test_unknown_file_format_and_missing_file_are_refused() -> None:
    with pytest.raises(InputFormatError, match="format"):
        read_posts(io.BytesIO(b""), fmt="xml")
    with pytest.raises(InputFormatError, match="no such file"):
        read_posts("/nonexistent/posts.csv")
