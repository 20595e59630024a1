"""Drift gates: models match migrations (``alembic check``) on both backends."""

from __future__ import annotations

from alembic import command

from defpact.core.db import make_engine
from defpact.core.schema import alembic_config


def test_models_match_migrations(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            cfg = alembic_config(database_url)
            cfg.attributes["connection"] = conn
            command.check(cfg)  # raises when autogenerate would produce operations
    finally:
        engine.dispose()
