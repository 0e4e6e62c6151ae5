"""Alembic environment: migrations run on the connection ``store.migrate.upgrade`` hands over,
one process at a time (PostgreSQL advisory lock; SQLite's write lock)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from store.schema import Base

LOCK_ID = 0x0CAA_5701  # pg_advisory_xact_lock key of this project's migrations


def run_migrations_online() -> None:
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_ID})
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run them on a database")
run_migrations_online()
