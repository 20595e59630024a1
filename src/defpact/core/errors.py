"""Domain errors raised by services; entry points map them to HTTP problems or CLI messages."""

from __future__ import annotations

__all__ = [
    "AuthenticationFailed",
    "Conflict",
    "DefpactError",
    "InvalidInput",
    "NotFound",
    "PermissionDenied",
    "TooManyAttempts",
]


class DefpactError(Exception):
    """Base of every error a user may see; ``detail`` is safe to show."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class InvalidInput(DefpactError):
    status = 422
    slug = "invalid-input"
    title = "Invalid input"


class NotFound(DefpactError):
    """Also used for what exists but may not be seen: the two must be indistinguishable."""

    status = 404
    slug = "not-found"
    title = "Not found"

    def __init__(self, detail: str = "No such record.", *, field: str | None = None) -> None:
        super().__init__(detail, field=field)


class Conflict(DefpactError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class PermissionDenied(DefpactError):
    status = 403
    slug = "forbidden"
    title = "Forbidden"


class AuthenticationFailed(DefpactError):
    status = 401
    slug = "unauthenticated"
    title = "Authentication required"


class TooManyAttempts(DefpactError):
    status = 429
    slug = "too-many-attempts"
    title = "Too many attempts"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
