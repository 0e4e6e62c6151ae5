"""API keys, and the tenant (an API key's key_id) of candidates, jobs and reports.

Candidates' ids become unique per tenant. On SQLite that means rebuilding the table (batch
mode), which store.db.upgrade runs with foreign keys off so that dropping the old table does
not cascade to jobs and reports.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# 0001 left the candidates' unique constraint unnamed: on SQLite, batch mode finds it by this
# convention's name; PostgreSQL named it itself.
SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
PG_OLD_UNIQUE = "candidates_external_id_key"


def _tenant() -> sa.Column:
    return sa.Column("tenant", sa.String(32), nullable=False, server_default="")


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("key_id"),
    )
    for table in ("jobs", "reports"):
        op.add_column(table, _tenant())
        op.create_index(f"ix_{table}_tenant", table, ["tenant"])
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(
            "candidates", naming_convention=SQLITE_NAMES, recreate="always"
        ) as batch:
            batch.add_column(_tenant())
            batch.drop_constraint("uq_candidates_external_id", type_="unique")
            batch.create_unique_constraint(
                "uq_candidates_tenant_external_id", ["tenant", "external_id"]
            )
    else:
        op.add_column("candidates", _tenant())
        op.drop_constraint(PG_OLD_UNIQUE, "candidates", type_="unique")
        op.create_unique_constraint(
            "uq_candidates_tenant_external_id", "candidates", ["tenant", "external_id"]
        )


def downgrade() -> None:
    raise NotImplementedError("tenants cannot be merged back into one namespace of candidates")
