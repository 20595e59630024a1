"""Who is acting and in which request: carried to the audit log without threading it everywhere."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from defpact.core.identity import Principal

__all__ = ["Actor", "current_request_id", "request_id_var"]

request_id_var: ContextVar[str | None] = ContextVar("defpact_request_id", default=None)


def current_request_id() -> str | None:
    return request_id_var.get()


@dataclass(frozen=True, slots=True)
class Actor:
    """The author of an action: a signed-in user, or an operator at the node's console (CLI)."""

    user_id: int | None
    name: str
    nation: str | None
    principal: Principal | None = None

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(principal.user_id, principal.username, principal.nation, principal)

    @classmethod
    def console(cls, name: str = "console") -> Actor:
        return cls(None, name, None, None)

    @property
    def is_console(self) -> bool:
        return self.user_id is None
