"""Property tests of the federation export rule against an independent reference model.

The model restates DESIGN.md's releasability rule for a peer node as principal (its nation, the
clearance agreed with it, members now) without calling ``core.marking.can_read``. Over random
markings, histories and memberships: a record is sent exactly when the model releases it; a
record that was released at some point in its history and no longer is yields a tombstone (no
stale replica survives); a tombstone never goes to a nation that no version named nor released
through PACT without RED (no nation learns of a record it could never be released); replicas and
a peer's own nation's records are never sent; a record inside another (a lesson) travels
only with its parent; a document carries exactly the versions released to the peer."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from defpact.core.changes import EverReleased
from defpact.core.identity import Clearance
from defpact.core.marking import PACT, TLP, Marking
from defpact.federation.rules import (
    FeedAction,
    PeerView,
    exported_to,
    feed_action,
    released_parts,
)

NATIONS = ("XK", "AL", "HR", "MK", "DE")

markings = st.builds(
    Marking,
    originator=st.sampled_from(NATIONS),
    classification=st.sampled_from(list(Clearance)),
    releasable_to=st.frozensets(st.sampled_from((*NATIONS, PACT)), min_size=1),
    tlp=st.sampled_from(list(TLP)),
)
views = st.builds(
    PeerView,
    nation=st.sampled_from(NATIONS),
    clearance=st.sampled_from(list(Clearance)),
    own_nations=st.frozensets(st.sampled_from(NATIONS), min_size=1, max_size=2),
    members=st.frozensets(st.sampled_from(NATIONS)),
)


def model_sends(m: Marking, withdrawn: bool, v: PeerView) -> bool:
    if m.originator not in v.own_nations or v.nation in v.own_nations or withdrawn:
        return False
    if v.clearance < m.classification or v.nation not in v.members:
        return False
    named = v.nation in m.releasable_to
    through_pact = PACT in m.releasable_to and m.tlp != TLP.RED
    return named or through_pact


def ever(history: list[Marking]) -> EverReleased:
    return EverReleased(
        frozenset().union(*(m.releasable_to - {PACT} for m in history)),
        any(PACT in m.releasable_to and m.tlp is not TLP.RED for m in history),
        min(m.classification for m in history),
    )


@given(markings, st.booleans(), views)
def test_sent_exactly_when_the_model_releases(m: Marking, withdrawn: bool, v: PeerView) -> None:
    assert exported_to(m, withdrawn, v) == model_sends(m, withdrawn, v)
    action = feed_action((m, withdrawn), ever([m]), v)
    assert (action is FeedAction.SEND) == model_sends(m, withdrawn, v)


@given(st.lists(markings, min_size=1, max_size=5), st.booleans(), st.booleans(), views)
def test_no_stale_replica_and_no_tombstone_leak(
    history: list[Marking], withdrawn: bool, deleted: bool, v: PeerView
) -> None:
    origin = history[0].originator
    history = [Marking(origin, m.classification, m.releasable_to, m.tlp) for m in history]
    now = None if deleted else (history[-1], withdrawn)
    action = feed_action(now, ever(history), v)
    was_sent = any(model_sends(m, False, v) for m in history)
    sends_now = not deleted and model_sends(history[-1], withdrawn, v)
    if sends_now:
        assert action is FeedAction.SEND
    elif was_sent:
        assert action is FeedAction.TOMBSTONE
    if action is FeedAction.TOMBSTONE:
        assert any(
            v.nation in m.releasable_to or (PACT in m.releasable_to and m.tlp is not TLP.RED)
            for m in history
        )
        assert v.nation not in v.own_nations


def model_reads(m: Marking, v: PeerView) -> bool:
    """The rule for a nation reading a record, whoever originated it (a parent, a part)."""
    if v.clearance < m.classification:
        return False
    if m.originator == v.nation:
        return True
    if v.nation not in v.members:
        return False
    return v.nation in m.releasable_to or (PACT in m.releasable_to and m.tlp != TLP.RED)


@given(markings, markings, st.booleans(), views)
def test_a_child_record_travels_only_with_its_parent(
    child: Marking, parent: Marking, withdrawn: bool, v: PeerView
) -> None:
    """A lesson is sent exactly when the model releases it and its exercise to the peer; when
    the exercise is not released it is a tombstone if the lesson itself could have reached."""
    action = feed_action((child, withdrawn), ever([child]), v, parent)
    sends = model_sends(child, withdrawn, v) and model_reads(parent, v)
    assert (action is FeedAction.SEND) == sends
    if model_sends(child, withdrawn, v) and not sends:
        assert action is FeedAction.TOMBSTONE


@given(st.lists(markings, max_size=6), views)
def test_a_document_carries_exactly_the_versions_released_to_the_peer(
    parts: list[Marking], v: PeerView
) -> None:
    assert released_parts(parts, v) == [i for i, m in enumerate(parts) if model_reads(m, v)]
