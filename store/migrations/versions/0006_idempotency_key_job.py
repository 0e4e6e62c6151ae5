"""The job an idempotency key's request created, written in the job's own transaction.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("idempotency_keys", sa.Column("job_id", sa.String(36), nullable=True))


def downgrade() -> None:
    op.drop_column("idempotency_keys", "job_id")
