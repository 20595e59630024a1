"""Properties of the unanimity round and of the version diff (Hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from defpact.governance.approval import (
    Ballot,
    Decision,
    RoundStatus,
    cast,
    open_round,
    remove_participant,
)
from defpact.governance.textdiff import LineKind, line_diff, text_lines

NATIONS = ["XK", "AL", "HR", "MK", "ME", "BG"]

rounds = st.lists(st.sampled_from(NATIONS), min_size=1, max_size=6, unique=True).flatmap(
    lambda ps: st.tuples(
        st.just(ps),
        st.permutations(ps),
        st.lists(st.sampled_from(list(Decision)), min_size=len(ps), max_size=len(ps)),
    )
)


@settings(max_examples=60, deadline=None)
@given(rounds)
def test_the_outcome_is_unanimity_whatever_the_order_of_ballots(
    case: tuple[list[str], list[str], list[Decision]],
) -> None:
    participants, order, decisions = case
    state = open_round(participants)
    for nation, decision in zip(order, decisions, strict=True):
        if state.status is not RoundStatus.OPEN:
            break
        state = cast(state, Ballot(nation, decision, "reasons"))
    if Decision.REJECT in decisions:
        assert state.status is RoundStatus.REJECTED
        first_reject = decisions.index(Decision.REJECT)
        assert len(state.ballots) == first_reject + 1
    else:
        assert state.status is RoundStatus.ADOPTED and state.pending == frozenset()


@settings(max_examples=60, deadline=None)
@given(rounds, st.data())
def test_removing_participants_never_needs_their_vote(
    case: tuple[list[str], list[str], list[Decision]], data: st.DataObject
) -> None:
    participants, order, _decisions = case
    voters = data.draw(st.integers(0, len(order)))
    state = open_round(participants)
    for nation in order[:voters]:
        state = cast(state, Ballot(nation, Decision.APPROVE))
    for nation in order[voters:]:
        assert state.status is RoundStatus.OPEN
        state = remove_participant(state, nation)
        assert nation not in state.pending
    expected = RoundStatus.ADOPTED if voters else RoundStatus.LAPSED
    assert state.status is expected


lines = st.lists(st.sampled_from(["a", "b", "c", "", "# title", "- item"]), max_size=30)


@settings(max_examples=60, deadline=None)
@given(lines, lines)
def test_a_full_context_diff_rebuilds_both_versions(old: list[str], new: list[str]) -> None:
    diff = line_diff("\n".join(old), "\n".join(new), context=10_000)
    if text_lines("\n".join(old)) == text_lines("\n".join(new)):
        assert diff == []
        return
    body = [line for line in diff if line.kind is not LineKind.HUNK]
    rebuilt_old = [line.text for line in body if line.kind is not LineKind.ADDED]
    rebuilt_new = [line.text for line in body if line.kind is not LineKind.REMOVED]
    assert rebuilt_old == text_lines("\n".join(old))
    assert rebuilt_new == text_lines("\n".join(new))
