"""The joint-order case lifecycle: allowed transitions, and refusals naming the state."""

from __future__ import annotations

import pytest

from defpact.core.errors import Conflict
from defpact.procurement.lifecycle import (
    CaseAction,
    CaseState,
    allowed_actions,
    next_state,
    state_after_commit,
)

MILESTONES = [
    (CaseAction.SEND_LOR, CaseState.LOR_SENT),
    (CaseAction.OFFER_LOA, CaseState.LOA_OFFERED),
    (CaseAction.SIGN_LOA, CaseState.LOA_SIGNED),
    (CaseAction.AWARD, CaseState.AWARDED),
    (CaseAction.START_DELIVERY, CaseState.DELIVERING),
    (CaseAction.CLOSE, CaseState.CLOSED),
]


def test_the_happy_path_from_commitment_to_closure() -> None:
    state = state_after_commit(CaseState.PROPOSED, 1, 3)
    assert state is CaseState.PROPOSED
    state = state_after_commit(state, 3, 3)
    assert state is CaseState.COMMITTED
    for action, expected in MILESTONES:
        assert allowed_actions(state)[0] is action
        state = next_state(state, action)
        assert state is expected
    assert allowed_actions(state) == []


@pytest.mark.parametrize("state", list(CaseState))
def test_withdrawal_only_before_the_loa_is_signed(state: CaseState) -> None:
    before_signature = {
        CaseState.PROPOSED,
        CaseState.COMMITTED,
        CaseState.LOR_SENT,
        CaseState.LOA_OFFERED,
    }
    if state in before_signature:
        assert next_state(state, CaseAction.WITHDRAW) is CaseState.WITHDRAWN
    else:
        with pytest.raises(Conflict) as refused:
            next_state(state, CaseAction.WITHDRAW)
        assert f"the case is {state.value}" in refused.value.detail


def test_skipping_a_step_is_refused_with_the_allowed_actions() -> None:
    with pytest.raises(Conflict) as refused:
        next_state(CaseState.COMMITTED, CaseAction.SIGN_LOA)
    assert refused.value.detail.startswith("cannot sign_loa: the case is committed")
    assert "allowed now: send_lor, withdraw" in refused.value.detail
    with pytest.raises(Conflict, match="the case is lor_sent"):
        state_after_commit(CaseState.LOR_SENT, 2, 2)
    with pytest.raises(Conflict, match="none \\(the case is final\\)"):
        next_state(CaseState.WITHDRAWN, CaseAction.CLOSE)
