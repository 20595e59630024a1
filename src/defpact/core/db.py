"""Database engine and declarative base.

SQLite (the embedded default) runs in WAL mode with foreign keys enforced and synchronous=FULL so
that an acknowledged commit survives a crash; PostgreSQL is reached through psycopg 3.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import (
    Boolean,
    DateTime,
    MetaData,
    Table,
    TypeDecorator,
    create_engine,
    event,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from defpact.core.config import Settings

__all__ = [
    "Base",
    "UTCDateTime",
    "bulk_insert",
    "lock_singleton",
    "make_engine",
    "make_session_factory",
    "redact_url",
    "refresh_statistics",
    "utcnow",
]

_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=_NAMING)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self,
        value: datetime | None,
        dialect: Dialect,  # noqa: ARG002 - signature fixed by SQLAlchemy
    ) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def redact_url(url: str) -> str:
    """The URL with any password replaced, for error messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def make_engine(settings: Settings | str, **kwargs: Any) -> Engine:
    url = settings if isinstance(settings, str) else settings.database_url
    synchronous = "FULL" if isinstance(settings, str) else settings.sqlite_synchronous
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        _install_sqlite_pragmas(engine, synchronous)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _ensure_sqlite_dir(url: str) -> None:
    from pathlib import Path

    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _install_sqlite_pragmas(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy own transactions (BEGIN emitted below) instead of pysqlite.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock at once, so concurrent writers queue instead of failing.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine, info: dict[str, Any] | None = None) -> sessionmaker[Any]:
    """Sessions of one node; ``info`` travels with every session (``Session.info``)."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True, info=info or {})


_Row = TypeVar("_Row", bound=Base)


def lock_singleton(session: Session, model: type[_Row], **initial: Any) -> _Row:
    """The single row (``id`` 1) of ``model``, locked until the transaction ends (FOR UPDATE;
    SQLite's BEGIN IMMEDIATE holds the lock), created with ``initial`` values when missing.

    Concurrent first writers on PostgreSQL both find no row: the loser's insert fails in its
    savepoint and it locks the winner's row instead."""
    stmt = select(model).where(model.id == 1).with_for_update()  # type: ignore[attr-defined]
    row = session.scalars(stmt).first()
    if row is None:
        try:
            with session.begin_nested():
                session.add(model(id=1, **initial))
        except IntegrityError:
            pass
        row = session.scalars(stmt).one()
    return row


_COPY_FROM = 50  # fewer rows than this: a plain executemany is as quick as starting a COPY


def _processor(column_type: Any, dialect: Dialect) -> Any:
    """A column type's bind processor; none for booleans on SQLite, whose driver stores a
    Python bool as 0/1 itself (the processor's per-value check was a tenth of an insert)."""
    if dialect.name == "sqlite" and isinstance(column_type, Boolean):
        return None
    return column_type._cached_bind_processor(dialect)


def bulk_insert(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many rows (each with the same keys) in the session's transaction: one COPY on
    PostgreSQL, the driver's own executemany on SQLite.

    psycopg runs an executemany as one statement per row (pipelined, but each row is parsed,
    bound and executed on its own); COPY streams every row in one statement, several times
    faster for the thousands of rows an ingest or a federation page writes. On SQLite the rows
    go straight to ``sqlite3``'s executemany: SQLAlchemy's per-row parameter handling was a
    third of the time of an envelope's inserts. Column values go through each column type's
    bind processing, as in an INSERT; pending ORM changes are flushed first, as before any ORM
    statement. A table with a Python-side default on a column the rows leave out goes through
    SQLAlchemy's INSERT, which applies the default. Keys that are not columns of the table are
    left out (callers pass rows that carry more, e.g. the parsed object, to later steps)."""
    if not rows:
        return
    session.flush()
    conn = session.connection()
    dialect = conn.dialect
    names = [n for n in rows[0] if n in table.c]  # other keys ride along for the caller
    defaulted = any(c.default is not None and c.name not in rows[0] for c in table.columns)
    if defaulted or dialect.name not in ("postgresql", "sqlite") or len(rows) < _COPY_FROM:
        conn.execute(insert(table), [{n: r[n] for n in names} for r in rows])
        return
    get = itemgetter(*names)
    values: list[Any] = [get(r) for r in rows] if len(names) > 1 else [(get(r),) for r in rows]
    procs = [(i, p) for i, n in enumerate(names) if (p := _processor(table.c[n].type, dialect))]
    if procs:
        values = [list(v) for v in values]
        for value in values:
            for i, process in procs:
                value[i] = process(value[i])
    quote = dialect.identifier_preparer
    target = f"{quote.format_table(table)} ({', '.join(quote.quote(n) for n in names)})"
    if dialect.name == "sqlite":
        marks = ", ".join("?" for _ in names)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(f"INSERT INTO {target} VALUES ({marks})", values)  # noqa: S608 - quoted names
        finally:
            cursor.close()
        return
    driver = conn.connection.driver_connection
    assert driver is not None  # noqa: S101 - a live connection
    with driver.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)


def refresh_statistics(session: Session, tables: Sequence[str], growth: float = 0.5) -> list[str]:
    """ANALYZE each of ``tables`` (PostgreSQL) that changed by more than ``growth`` times its
    size (and 1,000 rows) since its statistics were taken; returns the tables analysed.

    A table growing by thousands of rows a second (a federation sync, a bulk ingest) outruns
    autovacuum, whose analyze runs at most once a minute: PostgreSQL then plans key lookups
    on statistics that still say "empty", e.g. an index scan on the first two columns of a
    primary key with the third filtered row by row (measured: every page of a 100,000-object
    sync read the whole replica registry, 80 ms per 500 keys at the end). Statistics are
    refreshed in proportion to growth, so a table of N rows is analysed O(log N) times while
    it grows. SQLite needs none of this: it plans these lookups on the indexes without them.
    """
    if session.get_bind().dialect.name != "postgresql" or not tables:
        return []
    stmt = text(
        "SELECT c.relname, c.reltuples, pg_stat_get_mod_since_analyze(c.oid) "
        "FROM pg_class c WHERE c.relkind = 'r' AND c.relname = ANY(:names) "
        "AND c.relnamespace = to_regnamespace(current_schema())"
    )
    stale = [
        name
        for name, size, changed in session.execute(stmt, {"names": list(tables)})
        if changed > 1000 and changed > growth * max(float(size), 0.0)
    ]
    quote = session.get_bind().dialect.identifier_preparer.quote
    for name in sorted(stale):
        session.execute(text(f"ANALYZE {quote(name)}"))
    return sorted(stale)
