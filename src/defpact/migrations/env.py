"""Alembic environment: migrates the database the running settings (or the caller) name."""

from __future__ import annotations

from alembic import context

from defpact.core.db import Base, make_engine
from defpact.tables import load_all_tables

load_all_tables()
config = context.config
url = config.get_main_option("sqlalchemy.url") or ""


def _run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = make_engine(url)
    with engine.connect() as conn:
        _migrate(conn)
    engine.dispose()


def _migrate(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


_run()
