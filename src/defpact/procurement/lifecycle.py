"""Lifecycle of a joint-order case (an FMS-style case bought by several nations together).

    proposed --(every participant's approver commits to its share)--> committed
    committed --send_lor--> lor_sent --offer_loa--> loa_offered --sign_loa--> loa_signed
    loa_signed --award--> awarded --start_delivery--> delivering --close--> closed
    proposed | committed | lor_sent | loa_offered --withdraw--> withdrawn

``commit`` keeps the case ``proposed`` until the last participant commits; that commitment moves
it to ``committed``. A case may be withdrawn only before the Letter of Offer and Acceptance is
signed: after signature the nations are bound by the LOA. ``closed`` and ``withdrawn`` are final.
Any other action is a conflict whose message names the current state and the actions it allows.
"""

from __future__ import annotations

from enum import StrEnum

from defpact.core.errors import Conflict

__all__ = [
    "ACTION_LABELS",
    "STATE_LABELS",
    "CaseAction",
    "CaseState",
    "allowed_actions",
    "next_state",
    "state_after_commit",
]


class CaseState(StrEnum):
    PROPOSED = "proposed"
    COMMITTED = "committed"
    LOR_SENT = "lor_sent"
    LOA_OFFERED = "loa_offered"
    LOA_SIGNED = "loa_signed"
    AWARDED = "awarded"
    DELIVERING = "delivering"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class CaseAction(StrEnum):
    COMMIT = "commit"
    SEND_LOR = "send_lor"
    OFFER_LOA = "offer_loa"
    SIGN_LOA = "sign_loa"
    AWARD = "award"
    START_DELIVERY = "start_delivery"
    CLOSE = "close"
    WITHDRAW = "withdraw"


STATE_LABELS: dict[CaseState, str] = {
    CaseState.PROPOSED: "Proposed (awaiting commitments)",
    CaseState.COMMITTED: "Committed by every participant",
    CaseState.LOR_SENT: "Letter of Request sent",
    CaseState.LOA_OFFERED: "Letter of Offer and Acceptance offered",
    CaseState.LOA_SIGNED: "LOA signed",
    CaseState.AWARDED: "Contract awarded",
    CaseState.DELIVERING: "Delivering",
    CaseState.CLOSED: "Closed",
    CaseState.WITHDRAWN: "Withdrawn",
}

ACTION_LABELS: dict[CaseAction, str] = {
    CaseAction.COMMIT: "Commit to our share",
    CaseAction.SEND_LOR: "Letter of Request sent",
    CaseAction.OFFER_LOA: "LOA offered",
    CaseAction.SIGN_LOA: "LOA signed",
    CaseAction.AWARD: "Contract awarded",
    CaseAction.START_DELIVERY: "Deliveries started",
    CaseAction.CLOSE: "Close case",
    CaseAction.WITHDRAW: "Withdraw case",
}

_STEPS: dict[CaseAction, tuple[CaseState, CaseState]] = {
    CaseAction.SEND_LOR: (CaseState.COMMITTED, CaseState.LOR_SENT),
    CaseAction.OFFER_LOA: (CaseState.LOR_SENT, CaseState.LOA_OFFERED),
    CaseAction.SIGN_LOA: (CaseState.LOA_OFFERED, CaseState.LOA_SIGNED),
    CaseAction.AWARD: (CaseState.LOA_SIGNED, CaseState.AWARDED),
    CaseAction.START_DELIVERY: (CaseState.AWARDED, CaseState.DELIVERING),
    CaseAction.CLOSE: (CaseState.DELIVERING, CaseState.CLOSED),
}
_WITHDRAWABLE = frozenset(
    {CaseState.PROPOSED, CaseState.COMMITTED, CaseState.LOR_SENT, CaseState.LOA_OFFERED}
)


def allowed_actions(state: CaseState) -> list[CaseAction]:
    """The actions possible in ``state``, in lifecycle order."""
    actions = [CaseAction.COMMIT] if state is CaseState.PROPOSED else []
    actions += [action for action, (source, _) in _STEPS.items() if source is state]
    if state in _WITHDRAWABLE:
        actions.append(CaseAction.WITHDRAW)
    return actions


def _refuse(state: CaseState, action: CaseAction) -> Conflict:
    allowed = ", ".join(a.value for a in allowed_actions(state)) or "none (the case is final)"
    return Conflict(
        f"cannot {action.value}: the case is {state.value} ({STATE_LABELS[state]}); "
        f"allowed now: {allowed}",
        field="action",
    )


def next_state(state: CaseState, action: CaseAction) -> CaseState:
    """The state after ``action`` (not ``commit``); Conflict naming ``state`` if not allowed."""
    if action is CaseAction.WITHDRAW and state in _WITHDRAWABLE:
        return CaseState.WITHDRAWN
    step = _STEPS.get(action)
    if step is None or step[0] is not state:
        raise _refuse(state, action)
    return step[1]


def state_after_commit(state: CaseState, committed: int, participants: int) -> CaseState:
    """``committed`` once every participant has committed; Conflict unless ``proposed``."""
    if state is not CaseState.PROPOSED:
        raise _refuse(state, CaseAction.COMMIT)
    return CaseState.COMMITTED if committed >= participants else CaseState.PROPOSED
