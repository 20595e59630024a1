"""The running node: settings, engine and session factory, created once per process."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from defpact.core.config import Settings
from defpact.core.db import make_engine, make_session_factory
from defpact.core.uow import UnitOfWork

__all__ = ["Node"]


@dataclass
class Node:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Any] = field(init=False)

    def __post_init__(self) -> None:
        self.session_factory = make_session_factory(self.engine)

    @classmethod
    def from_settings(cls, settings: Settings) -> Node:
        return cls(settings, make_engine(settings))

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def dispose(self) -> None:
        self.engine.dispose()
