"""Accession and withdrawal rules of the pact.

A member may propose a state that is a NATO member or an EU member state and not already a
member (``core.nations.eligibility_problem``), from a stated date no earlier than the day of the
proposal. Every member at the proposal takes part in a unanimity round (``approval``); when the
last remaining participant approves, the state is admitted from

    effective = max(stated date, day of the deciding vote)

so membership is never backdated. A member may withdraw from a day no earlier than today; from
then on it reads only its own records and takes part in no round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from defpact.core.nations import NATIONS, eligibility_problem

__all__ = [
    "AccessionProblem",
    "effective_join_date",
    "proposal_problem",
    "withdrawal_problem",
]


@dataclass(frozen=True, slots=True)
class AccessionProblem:
    """``conflict`` problems answer 409, the others 422; ``field`` names the input."""

    field: str
    message: str
    conflict: bool = False


def proposal_problem(
    code: str, members: frozenset[str], stated: date, today: date, *, pending: bool = False
) -> AccessionProblem | None:
    """Why ``code`` may not be proposed for accession from ``stated``, or None."""
    if code in members:
        name = NATIONS[code].name
        return AccessionProblem(
            "nation", f"{name} ({code}) is already a member of the pact", conflict=True
        )
    if code not in NATIONS:
        eligible = ", ".join(sorted(c for c in NATIONS if eligibility_problem(c, members) is None))
        return AccessionProblem(
            "nation",
            f"{code!r} is neither a NATO member nor an EU member state; "
            f"eligible states: {eligible}",
        )
    if problem := eligibility_problem(code, members):
        return AccessionProblem("nation", problem)
    if pending:
        name = NATIONS[code].name
        return AccessionProblem(
            "nation", f"an accession request for {name} ({code}) is already open", conflict=True
        )
    if stated < today:
        return AccessionProblem(
            "joined",
            f"the accession date {stated.isoformat()} is before today ({today.isoformat()}); "
            "membership cannot be backdated",
        )
    return None


def effective_join_date(stated: date, decided_on: date) -> date:
    return max(stated, decided_on)


def withdrawal_problem(
    code: str, members: frozenset[str], left: date, today: date
) -> AccessionProblem | None:
    """Why ``code`` may not withdraw on ``left``, or None."""
    nation = NATIONS.get(code)
    if nation is None:
        return AccessionProblem("nation", f"unknown nation code {code!r}")
    if code not in members:
        return AccessionProblem(
            "nation", f"{nation.name} ({code}) is not a member of the pact", conflict=True
        )
    if left < today:
        return AccessionProblem(
            "left",
            f"the withdrawal date {left.isoformat()} is before today ({today.isoformat()})",
        )
    return None
