import pytest

from defpact.core.audit import mask_secrets
from defpact.core.credentials import (
    generate_token,
    hash_password,
    hash_secret,
    verify_password,
)
from defpact.core.identity import Clearance, password_problem, username_problem


def test_clearances_are_ordered() -> None:
    assert Clearance.UNCLASSIFIED < Clearance.RESTRICTED < Clearance.CONFIDENTIAL < Clearance.SECRET
    assert Clearance.parse("secret") is Clearance.SECRET


def test_unknown_clearance_names_valid_levels() -> None:
    with pytest.raises(ValueError, match="UNCLASSIFIED, RESTRICTED, CONFIDENTIAL, SECRET"):
        Clearance.parse("TOP SECRET")


def test_password_rule_states_the_minimum() -> None:
    assert password_problem("short") == "password must be at least 12 characters long"
    assert password_problem("x" * 12) is None


def test_username_rule() -> None:
    assert username_problem("al.admin") is None
    assert username_problem("Al Admin") is not None
    assert username_problem("ab") is not None


def test_argon2id_hash_verifies_only_the_right_password() -> None:
    digest = hash_password("correct horse battery")
    assert digest.startswith("$argon2id$")
    assert verify_password(digest, "correct horse battery")
    assert not verify_password(digest, "wrong horse battery")
    assert not verify_password(None, "anything at all")


def test_tokens_are_random_and_hashed() -> None:
    a, b = generate_token(), generate_token()
    assert a != b and a.startswith("dpt_") and len(a) > 40
    assert hash_secret(a) != a and len(hash_secret(a)) == 64


def test_audit_masks_secrets() -> None:
    masked = mask_secrets({"username": "x", "password": "p", "nested": {"api_token": "t"}})
    assert masked == {"username": "x", "password": "***", "nested": {"api_token": "***"}}
