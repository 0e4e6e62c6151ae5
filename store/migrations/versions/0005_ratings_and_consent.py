"""Recruiters' own ratings of a report's subscores, and a job's recorded consent.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(32), nullable=False, server_default=""),
        sa.Column(
            "report_pk",
            sa.Integer(),
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("subscore", sa.String(32), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("rated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("report_pk", "subscore", name="uq_ratings_report_pk_subscore"),
    )
    op.create_index("ix_ratings_report_pk", "ratings", ["report_pk"])
    op.add_column("jobs", sa.Column("consent_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("jobs", "consent_at")
    op.drop_index("ix_ratings_report_pk", table_name="ratings")
    op.drop_table("ratings")
