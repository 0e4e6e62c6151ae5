"""Engines and migrations for the results store.

SQLite (the zero-set-up default) runs in WAL mode with full fsync, foreign keys on, a 30 s
busy timeout and secure delete (deleted rows are overwritten); every write transaction starts
with ``BEGIN IMMEDIATE`` so that writers from several processes queue for the lock instead of
failing on a stale read snapshot. PostgreSQL (``postgresql+psycopg://``) needs nothing special.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def utcnow() -> datetime:
    """Now, naive UTC (how the store keeps times)."""
    return datetime.now(UTC).replace(tzinfo=None)


def iso(t: datetime | None) -> str | None:
    """A stored time as ISO 8601 UTC with a ``Z``, to the second."""
    return None if t is None else t.replace(microsecond=0).isoformat() + "Z"


def tenant_clause(column, tenant: str | None) -> list:
    """A WHERE clause keeping ``tenant``'s rows; none for None (the service's own calls)."""
    return [] if tenant is None else [column == tenant]


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, *, immediate: bool = True) -> Engine:
    """An engine for ``url``.

    Args:
        url: SQLAlchemy URL (``sqlite:///path`` or ``postgresql+psycopg://...``).
        immediate: SQLite only: begin transactions with ``BEGIN IMMEDIATE`` (writers) rather
            than a deferred ``BEGIN`` (readers).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # transactions begin in _begin below
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=FULL",
            "foreign_keys=ON",
            "busy_timeout=30000",
            "secure_delete=ON",  # deleted rows are zeroed in the file (erasure: Store.scrub)
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def upgrade(engine: Engine) -> None:
    """Migrate the database to the newest revision (Alembic; a no-op when it is there).

    Safe to call from several processes at once: the migration runs under the database's
    write lock (SQLite) or an advisory lock (PostgreSQL).
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        # SQLite rebuilds a table to change its constraints (create, copy, drop, rename):
        # with foreign keys on, dropping the old table would cascade to the rows that refer
        # to it. The pragma only takes effect outside a transaction: set it on the driver's
        # connection before the migration's transaction begins, check the keys before commit.
        driver = connection.connection.driver_connection if is_sqlite(str(engine.url)) else None
        if driver is not None:
            driver.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                before = MigrationContext.configure(connection).get_current_revision()
                command.upgrade(config, "head")
                after = MigrationContext.configure(connection).get_current_revision()
                if driver is not None and after != before:  # only when a migration ran
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration broke foreign keys: {broken[:5]}")
        finally:
            if driver is not None:
                driver.execute("PRAGMA foreign_keys=ON")
