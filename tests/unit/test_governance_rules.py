"""Pure governance rules: unanimity rounds, accession eligibility, the tracker's overdue flag
and summaries, meeting times, the version diff, safe Markdown, iCalendar and the SVG timeline."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar

from defpact.governance.accession import (
    effective_join_date,
    proposal_problem,
    withdrawal_problem,
)
from defpact.governance.approval import (
    Ballot,
    Decision,
    ProblemKind,
    RoundState,
    RoundStatus,
    VoteProblem,
    cast,
    decide,
    nation_positions,
    open_round,
    remove_participant,
    supersede,
    vote_problem,
)
from defpact.governance.ical import CalendarEvent, meetings_calendar
from defpact.governance.markup import render_markdown
from defpact.governance.meetings import schedule_problem
from defpact.governance.provisions import Provision, parse_provision
from defpact.governance.textdiff import LineKind, diff_stats, line_diff, unified_diff
from defpact.governance.timeline import MembershipPeriod, membership_timeline_svg
from defpact.governance.tracker import (
    ActionStatus,
    TrackedItem,
    is_overdue,
    summary_by_nation,
    summary_by_provision,
)

FOUNDERS = frozenset({"XK", "AL", "HR"})
TODAY = date(2026, 11, 28)


def _problem(state: RoundState, nation: str = "XK", **kw: object) -> VoteProblem | None:
    args: dict[str, object] = {
        "voter_nation": nation,
        "for_nation": nation,
        "is_approver": True,
        "decision": Decision.APPROVE,
        "comment": "",
    }
    args.update(kw)
    return vote_problem(state, **args)  # type: ignore[arg-type]


def test_unanimity_adopts_only_when_every_participant_approved() -> None:
    state = open_round(FOUNDERS)
    for nation in ("XK", "AL"):
        state = cast(state, Ballot(nation, Decision.APPROVE))
        assert state.status is RoundStatus.OPEN
    assert state.pending == frozenset({"HR"})
    assert cast(state, Ballot("HR", Decision.APPROVE)).status is RoundStatus.ADOPTED


def test_one_rejection_rejects_at_once() -> None:
    state = cast(open_round(FOUNDERS), Ballot("AL", Decision.REJECT, "no budget"))
    assert state.status is RoundStatus.REJECTED
    assert dict(nation_positions(state)) == {"AL": "rejected", "HR": "pending", "XK": "pending"}


@pytest.mark.parametrize(
    ("kw", "kind", "field", "words"),
    [
        ({"is_approver": False}, ProblemKind.FORBIDDEN, None, "approver"),
        ({"for_nation": "AL"}, ProblemKind.FORBIDDEN, "nation", "own nation"),
        ({"voter_nation": "MK", "for_nation": "MK"}, ProblemKind.FORBIDDEN, None, "not a member"),
        ({"decision": Decision.REJECT, "comment": " "}, ProblemKind.INVALID, "comment", "reasons"),
        ({"comment": "x" * 5000}, ProblemKind.INVALID, "comment", "at most"),
    ],
)
def test_vote_problems_name_their_kind_and_field(
    kw: dict[str, Any], kind: ProblemKind, field: str | None, words: str
) -> None:
    problem = _problem(open_round(FOUNDERS), **kw)
    assert problem is not None
    assert (problem.kind, problem.field) == (kind, field)
    assert words in problem.message


def test_voting_twice_or_on_a_closed_round_is_a_conflict() -> None:
    state = cast(open_round(FOUNDERS), Ballot("XK", Decision.APPROVE))
    twice = _problem(state)
    assert twice is not None and twice.kind is ProblemKind.CONFLICT
    closed = cast(state, Ballot("AL", Decision.REJECT, "no"))
    late = _problem(closed, "HR")
    assert late is not None and "closed (rejected)" in late.message
    assert _problem(open_round(FOUNDERS)) is None


def test_a_leaving_nation_is_removed_and_its_departure_may_complete_the_round() -> None:
    state = open_round(FOUNDERS)
    state = cast(cast(state, Ballot("XK", Decision.APPROVE)), Ballot("AL", Decision.APPROVE))
    after = remove_participant(state, "HR")
    assert after.status is RoundStatus.ADOPTED and after.remaining == {"XK", "AL"}
    assert dict(nation_positions(after))["HR"] == "removed"
    gone = _problem(remove_participant(open_round(FOUNDERS), "HR"), "HR")
    assert gone is not None and "left the pact" in gone.message
    assert remove_participant(after, "XK") == after  # a closed round no longer changes


def test_rounds_lapse_without_participants_and_supersede_only_when_open() -> None:
    assert open_round([]).status is RoundStatus.LAPSED
    alone = remove_participant(open_round({"XK"}), "XK")
    assert alone.status is RoundStatus.LAPSED
    assert supersede(open_round(FOUNDERS)).status is RoundStatus.SUPERSEDED
    adopted = cast(open_round({"XK"}), Ballot("XK", Decision.APPROVE))
    assert supersede(adopted).status is RoundStatus.ADOPTED
    assert decide(frozenset({"XK"}), []) is RoundStatus.OPEN


def test_accession_eligibility() -> None:
    member = proposal_problem("AL", FOUNDERS, TODAY, TODAY)
    assert member is not None and member.conflict and "already a member" in member.message
    unknown = proposal_problem("RS", FOUNDERS, TODAY, TODAY)
    assert unknown is not None and not unknown.conflict and unknown.field == "nation"
    assert "neither a NATO member nor an EU member state" in unknown.message
    assert "MK" in unknown.message and ", AL," not in unknown.message
    kosovo = proposal_problem("XK", frozenset({"AL", "HR"}), TODAY, TODAY)
    assert kosovo is not None and "neither a NATO member nor an EU member state" in kosovo.message
    pending = proposal_problem("MK", FOUNDERS, TODAY, TODAY, pending=True)
    assert pending is not None and pending.conflict
    backdated = proposal_problem("MK", FOUNDERS, TODAY - timedelta(days=1), TODAY)
    assert backdated is not None and backdated.field == "joined"
    assert proposal_problem("AT", FOUNDERS, TODAY, TODAY) is None  # EU, not NATO
    assert proposal_problem("NO", FOUNDERS, TODAY, TODAY) is None  # NATO, not EU


def test_membership_is_never_backdated_and_withdrawal_rules() -> None:
    assert effective_join_date(date(2026, 1, 1), TODAY) == TODAY
    assert effective_join_date(date(2027, 1, 1), TODAY) == date(2027, 1, 1)
    assert withdrawal_problem("HR", FOUNDERS, TODAY, TODAY) is None
    late = withdrawal_problem("HR", FOUNDERS, TODAY - timedelta(days=1), TODAY)
    assert late is not None and late.field == "left"
    outsider = withdrawal_problem("MK", FOUNDERS, TODAY, TODAY)
    assert outsider is not None and outsider.conflict


def test_overdue_means_past_due_and_not_closed() -> None:
    assert is_overdue(TODAY - timedelta(days=1), ActionStatus.IN_PROGRESS, TODAY)
    assert not is_overdue(TODAY, ActionStatus.OPEN, TODAY)
    assert not is_overdue(TODAY - timedelta(days=9), ActionStatus.DONE, TODAY)
    assert not is_overdue(TODAY - timedelta(days=9), ActionStatus.CANCELLED, TODAY)
    assert ActionStatus.parse("In progress") is ActionStatus.IN_PROGRESS


def test_summaries_count_statuses_overdue_and_completion() -> None:
    items = [
        TrackedItem(Provision.JOINT_EXERCISES, "AL", ActionStatus.DONE, date(2025, 1, 1)),
        TrackedItem(Provision.JOINT_EXERCISES, "AL", ActionStatus.OPEN, date(2025, 1, 1)),
        TrackedItem(Provision.JOINT_EXERCISES, "HR", ActionStatus.CANCELLED, date(2025, 1, 1)),
        TrackedItem(Provision.RECRUITMENT, "HR", ActionStatus.BLOCKED, date(2030, 1, 1)),
    ]
    by_provision = {s.key: s for s in summary_by_provision(items, TODAY)}
    assert len(by_provision) == 6 and by_provision["hybrid-threats"].total == 0
    exercises = by_provision["joint-exercises"]
    assert (exercises.total, exercises.overdue, exercises.completion) == (3, 1, 0.5)
    by_nation = summary_by_nation(items, TODAY, {"AL": "Albania", "HR": "Croatia"})
    assert [(s.key, s.label, s.total) for s in by_nation] == [
        ("AL", "Albania", 2),
        ("HR", "Croatia", 2),
    ]


def test_meeting_times() -> None:
    start = datetime(2025, 7, 15, 9, tzinfo=UTC)
    backwards = schedule_problem(start, start - timedelta(minutes=1))
    assert backwards is not None and backwards.field == "ends"
    assert schedule_problem(start, start) is not None
    naive = schedule_problem(datetime(2025, 7, 15, 9), start)
    assert naive is not None and naive.field == "starts"
    assert schedule_problem(start, start + timedelta(days=15)) is not None
    assert schedule_problem(start, start + timedelta(hours=8)) is None


def test_provisions_parse_codes_and_labels() -> None:
    assert parse_provision("Joint exercises") is Provision.JOINT_EXERCISES
    assert parse_provision("hybrid_threats") is Provision.HYBRID_THREATS
    with pytest.raises(ValueError, match="valid provisions"):
        parse_provision("parades")


def test_diff_numbers_lines_and_reports_changes() -> None:
    old = "a\nb\nc\n"
    new = "a\nB\nc\nd\n"
    lines = line_diff(old, new)
    assert lines[0].kind is LineKind.HUNK
    removed = [line for line in lines if line.kind is LineKind.REMOVED]
    added = [line for line in lines if line.kind is LineKind.ADDED]
    assert [(r.old_number, r.text) for r in removed] == [(2, "b")]
    assert [(a.new_number, a.text) for a in added] == [(2, "B"), (4, "d")]
    assert diff_stats(lines) == (2, 1)
    assert line_diff(old, old) == [] and unified_diff(old, old, "v1", "v2") == ""
    assert unified_diff(old, new, "v1", "v2").startswith("--- v1\n+++ v2\n@@")


def test_markdown_is_rendered_without_raw_html_or_script_links() -> None:
    html = render_markdown(
        "# Guide\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) <b>bold</b>\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    assert "<h1>Guide</h1>" in html and "<table>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>" not in html and 'href="javascript' not in html


def _event(meeting_id: int, starts: datetime, classified: bool = False) -> CalendarEvent:
    return CalendarEvent(
        meeting_id=meeting_id,
        title=f"Meeting {meeting_id}",
        group="Implementation",
        place="Tirana",
        starts=starts,
        ends=starts + timedelta(hours=6),
        agenda="1. Exercises",
        banner="UNCLASSIFIED // REL TO PACT, AL // TLP:GREEN",
        classified=classified,
        updated=starts,
    )


def test_icalendar_export_parses_back() -> None:
    start = datetime(2025, 7, 15, 7, tzinfo=UTC)
    data = meetings_calendar(
        "My meetings", [_event(1, start), _event(2, start, True)], datetime.now(UTC)
    )
    calendar = Calendar.from_ical(data)
    assert str(calendar["X-WR-CALNAME"]) == "My meetings"
    first, second = calendar.walk("VEVENT")
    assert str(first["UID"]) == "gov-meeting-1@defpact"
    assert first.decoded("DTSTART") == start
    assert "TLP:GREEN" in str(first["DESCRIPTION"]) and str(first["CLASS"]) == "PUBLIC"
    assert str(second["CLASS"]) == "CONFIDENTIAL"
    assert meetings_calendar("none", [], datetime.now(UTC)).count(b"BEGIN:VEVENT") == 0


def test_timeline_is_well_formed_escaped_svg_with_one_bar_per_period() -> None:
    periods = [
        MembershipPeriod("XK", "Kosovo", date(2025, 3, 18), None),
        MembershipPeriod("AL", "Albania <&>", date(2025, 3, 18), None),
        MembershipPeriod("MK", "North Macedonia", date(2026, 1, 1), date(2026, 6, 1)),
        MembershipPeriod("MK", "North Macedonia", date(2026, 9, 1), None),
    ]
    svg = membership_timeline_svg(periods, TODAY)
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    ns = "{http://www.w3.org/2000/svg}"
    bars = root.findall(f"{ns}rect")
    assert [b.get("data-nation") for b in bars] == ["XK", "AL", "MK", "MK"]
    assert "Albania <&>" in "".join(root.itertext())
    widths = {b.findtext(f"{ns}title"): float(b.get("width", "0")) for b in bars}
    former = widths["North Macedonia (MK): member from 2026-01-01 until 2026-06-01"]
    assert former < widths["Kosovo (XK): member from 2025-03-18 to date"]
    assert "No membership history" in membership_timeline_svg([], TODAY)


def test_a_changed_final_newline_or_line_ending_is_a_change() -> None:
    """Texts that differ only by their final newline differ; CRLF and LF lines are equal."""
    assert line_diff("a", "a\n") != []
    assert [(d.kind, d.text) for d in line_diff("a", "a\n")][1:] == [
        (LineKind.CONTEXT, "a"),
        (LineKind.ADDED, ""),
    ]
    assert line_diff("a\r\nb\r\n", "a\nb\n") == []
    assert line_diff("", "") == [] and unified_diff("x", "x", "v1", "v2") == ""
