from datetime import date

from defpact.core.nations import (
    FOUNDED,
    FOUNDING_MEMBERS,
    NATIONS,
    eligibility_problem,
    is_eligible,
    nation_flag,
)

FOUNDERS = frozenset(FOUNDING_MEMBERS)


def test_reference_data_covers_nato_eu_and_kosovo() -> None:
    nato = {c for c, n in NATIONS.items() if n.in_nato}
    eu = {c for c, n in NATIONS.items() if n.in_eu}
    assert len(nato) == 32
    assert len(eu) == 27
    assert "XK" in NATIONS and not NATIONS["XK"].in_nato and not NATIONS["XK"].in_eu
    assert len(NATIONS) == len(nato | eu | {"XK"})


def test_known_accession_dates() -> None:
    assert NATIONS["AL"].nato_joined == date(2009, 4, 1)
    assert NATIONS["HR"].eu_joined == date(2013, 7, 1)
    assert NATIONS["SE"].nato_joined == date(2024, 3, 7)
    assert NATIONS["MK"].eu_joined is None


def test_founding_pact() -> None:
    assert FOUNDING_MEMBERS == ("XK", "AL", "HR")
    assert FOUNDED == date(2025, 3, 18)


def test_nato_or_eu_state_outside_the_pact_is_eligible() -> None:
    assert is_eligible("MK", FOUNDERS)  # NATO only
    assert is_eligible("AT", FOUNDERS)  # EU only
    assert is_eligible("DE", FOUNDERS)  # both


def test_current_member_is_not_eligible() -> None:
    problem = eligibility_problem("AL", FOUNDERS)
    assert problem is not None and "already a member" in problem


def test_state_in_neither_alliance_is_not_eligible() -> None:
    problem = eligibility_problem("XK", frozenset({"AL"}))
    assert problem is not None and "neither a NATO member nor an EU member" in problem


def test_unknown_code_lists_valid_codes() -> None:
    problem = eligibility_problem("ZZ", FOUNDERS)
    assert problem is not None and "valid codes" in problem and "HR" in problem


def test_flag_is_regional_indicator_pair() -> None:
    assert nation_flag("AL") == "\U0001f1e6\U0001f1f1"
