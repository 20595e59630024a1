"""Database lifecycle: migrate with Alembic and check that the database answers."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from defpact.core.db import make_engine, redact_url
from defpact.core.errors import DefpactError

__all__ = [
    "DatabaseUnavailable",
    "alembic_config",
    "check_reachable",
    "upgrade",
]


class DatabaseUnavailable(DefpactError):
    status = 503
    slug = "database-unavailable"
    title = "Database unavailable"


def alembic_config(url: str, engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent.parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def check_reachable(engine: Engine) -> None:
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except (OperationalError, SQLAlchemyError, OSError) as exc:
        raise DatabaseUnavailable(
            f"cannot reach the database at {redact_url(engine.url.render_as_string(False))}"
        ) from exc


def upgrade(url: str) -> None:
    """Migrate the database at ``url`` to the newest revision."""
    engine = make_engine(url)
    try:
        check_reachable(engine)
        with engine.begin() as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")
    finally:
        engine.dispose()


def has_tables(engine: Engine) -> bool:
    return "users" in inspect(engine).get_table_names()
