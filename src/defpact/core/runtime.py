"""The running node: settings, engine and session factory, created once per process."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from defpact.core.audit_keys import ensure_signing_key
from defpact.core.config import Settings
from defpact.core.db import make_engine, make_session_factory
from defpact.core.origin import SERVED_NATIONS
from defpact.core.uow import UnitOfWork

__all__ = ["Node"]


@dataclass
class Node:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Any] = field(init=False)
    _signing_key: Ed25519PrivateKey | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        info = {SERVED_NATIONS: self.settings.served_nations}
        self.session_factory = make_session_factory(self.engine, info)

    @classmethod
    def from_settings(cls, settings: Settings) -> Node:
        return cls(settings, make_engine(settings))

    def signing_key(self) -> Ed25519PrivateKey:
        """The audit signing key (created at ``defpact init``; created here if missing)."""
        if self._signing_key is None:
            self._signing_key = ensure_signing_key(self.settings.audit_key_path)
        return self._signing_key

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def dispose(self) -> None:
        self.engine.dispose()
