"""Secrets handling: Argon2id password hashes and random bearer secrets stored only as hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = [
    "TOKEN_PREFIX",
    "generate_password",
    "generate_token",
    "hash_password",
    "hash_secret",
    "needs_rehash",
    "secrets_equal",
    "verify_password",
]

TOKEN_PREFIX = "dpt_"  # noqa: S105 - a public prefix, not a secret
_HASHER = PasswordHasher()  # Argon2id with the library's current RFC 9106 defaults
# A valid hash to verify against when the user does not exist, so timing does not tell.
_DUMMY_HASH = _HASHER.hash("defpact-timing-equaliser")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)


def generate_password() -> str:
    return secrets.token_urlsafe(15)


def generate_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """SHA-256 of a high-entropy random secret (tokens, session ids): no salt is needed."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secrets_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
