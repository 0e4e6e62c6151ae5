"""Results store: candidates, jobs, reports, report tags, runners.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "candidates",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("external_id"),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("job_id", sa.String(36), nullable=False),
        sa.Column(
            "candidate_pk",
            sa.Integer(),
            sa.ForeignKey("candidates.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("stages", sa.JSON(), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("media_duration_s", sa.Float(), nullable=True),
        sa.Column("run_s", sa.Float(), nullable=True),
        sa.Column("report_id", sa.String(36), nullable=False),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("runner_id", sa.String(160), nullable=True),
        sa.Column("callback_url", sa.String(2000), nullable=True),
        sa.Column("queue", sa.String(16), nullable=False),
        sa.UniqueConstraint("job_id"),
        sa.UniqueConstraint("report_id"),
    )
    op.create_index("ix_jobs_candidate_pk", "jobs", ["candidate_pk"])
    op.create_index("ix_jobs_status", "jobs", ["status"])
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.String(36), nullable=False),
        sa.Column(
            "job_pk", sa.Integer(), sa.ForeignKey("jobs.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column(
            "candidate_pk",
            sa.Integer(),
            sa.ForeignKey("candidates.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("schema_version", sa.String(16), nullable=False),
        sa.Column("scoring_version", sa.String(16), nullable=True),
        sa.Column("talent_score", sa.Float(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("measures", sa.JSON(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.UniqueConstraint("report_id"),
    )
    op.create_index("ix_reports_job_pk", "reports", ["job_pk"])
    op.create_index("ix_reports_candidate_pk", "reports", ["candidate_pk"])
    op.create_index("ix_reports_created_at", "reports", ["created_at"])
    op.create_index("ix_reports_talent_score", "reports", ["talent_score"])
    op.create_table(
        "report_tags",
        sa.Column(
            "report_pk",
            sa.Integer(),
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("value", sa.String(200), primary_key=True),
    )
    op.create_index("ix_report_tags_kind_value", "report_tags", ["kind", "value"])
    op.create_table(
        "runners",
        sa.Column("runner_id", sa.String(160), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=False),
        sa.Column("job_id", sa.String(36), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("runners")
    op.drop_index("ix_report_tags_kind_value", table_name="report_tags")
    op.drop_table("report_tags")
    op.drop_table("reports")
    op.drop_table("jobs")
    op.drop_table("candidates")
