"""Timestamps, the opaque paging token and match[version] parsing."""

from __future__ import annotations

import pytest

from defpact.threats.stix.query import (
    Cursor,
    QueryError,
    decode_cursor,
    encode_cursor,
    parse_spec_versions,
    parse_version_selector,
)
from defpact.threats.stix.stamps import format_date_added, format_version, parse_timestamp


def test_timestamps_round_trip_to_the_microsecond() -> None:
    us = parse_timestamp("2016-04-06T20:03:48.123456Z")
    assert format_date_added(us) == "2016-04-06T20:03:48.123456Z"
    assert format_version(parse_timestamp("2016-04-06T20:03:48.123Z")) == "2016-04-06T20:03:48.123Z"
    assert parse_timestamp("2016-04-06T20:03:48Z") == parse_timestamp("2016-04-06T20:03:48.000Z")
    assert parse_timestamp("2016-04-06T20:03:48.1234567Z") == us  # finer digits truncated


@pytest.mark.parametrize(
    "text", ["2016-04-06", "2016-02-30T00:00:00Z", "2016-04-06T20:03:48+01:00"]
)
def test_bad_timestamps_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="timestamp|valid date"):
        parse_timestamp(text)


def test_cursor_round_trips_and_is_url_safe() -> None:
    cursor = Cursor(1_700_000_000_123_456, "indicator--0b8e2a3e-6e2e-4b19-9b42-3f0a2f1c0f01")
    token = encode_cursor(cursor)
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_cursor(token) == cursor


@pytest.mark.parametrize("token", ["", "!!!", "bm90LWEtY3Vyc29y", "MTIzfA"])
def test_forged_tokens_are_refused_naming_next(token: str) -> None:
    with pytest.raises(QueryError) as caught:
        decode_cursor(token)
    assert caught.value.parameter == "next"


def test_version_selector_combines_keywords_and_timestamps() -> None:
    sel = parse_version_selector(["first,2020-01-01T00:00:00.000Z", "last"])
    assert sel.first and sel.last and not sel.every
    assert sel.stamps == {parse_timestamp("2020-01-01T00:00:00Z")}
    assert parse_version_selector(None).last
    assert parse_version_selector(None, default="all").every


def test_bad_version_and_spec_version_values_name_their_parameter() -> None:
    with pytest.raises(QueryError, match=r"match\[version\]"):
        parse_version_selector(["newest"])
    with pytest.raises(QueryError, match=r"match\[spec_version\]"):
        parse_spec_versions(["two"])
    assert parse_spec_versions(["2.0,2.1"]) == {"2.0", "2.1"}
