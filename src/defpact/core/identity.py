"""Identities: roles, clearances, the authenticated principal and the password rule.

Clearance levels are ordered UNCLASSIFIED < RESTRICTED < CONFIDENTIAL < SECRET; a principal is a
user of exactly one nation with a set of roles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "Clearance",
    "Principal",
    "Role",
    "password_problem",
    "username_problem",
]

MIN_PASSWORD_LENGTH = 12


class Role(StrEnum):
    ADMIN = "admin"
    PROCUREMENT = "procurement"
    TRAINING = "training"
    ANALYST = "analyst"
    INTEL = "intel"
    APPROVER = "approver"
    OBSERVER = "observer"


class Clearance(IntEnum):
    UNCLASSIFIED = 0
    RESTRICTED = 1
    CONFIDENTIAL = 2
    SECRET = 3

    @classmethod
    def parse(cls, value: str) -> Clearance:
        try:
            return cls[value.strip().upper()]
        except KeyError:
            names = ", ".join(c.name for c in cls)
            raise ValueError(f"unknown clearance {value!r}; valid levels: {names}") from None


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    username: str
    nation: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    clearance: Clearance = Clearance.UNCLASSIFIED

    def has_role(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"password must be at least {MIN_PASSWORD_LENGTH} characters long"
    if len(password) > 1024:
        return "password must be at most 1024 characters long"
    return None


def username_problem(username: str) -> str | None:
    if not 3 <= len(username) <= 64:
        return "username must be 3 to 64 characters long"
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789._-")
    if not set(username) <= allowed:
        return "username may contain only lower-case letters, digits, '.', '_' and '-'"
    return None
