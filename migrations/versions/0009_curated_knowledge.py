"""Curated knowledge: entries the coordinators make in the chat from answered questions.

The new audit actions (knowledge_create, …) need no change: ``coordinator_actions.action`` is text.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "curated_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_curated_entries_question_id_questions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_curated_entries")),
        sa.UniqueConstraint("question_id", name=op.f("uq_curated_entries_question_id")),
    )
    with op.batch_alter_table("curated_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_curated_entries_status"), ["status"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("curated_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_curated_entries_status"))
    op.drop_table("curated_entries")
