"""Several processes on one PostgreSQL: chat leases (per-chat order across processes) and the
shared send budget.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "chat_leases",
        sa.Column("chat_key", sa.BigInteger(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_key", name=op.f("pk_chat_leases")),
    )
    op.create_index(op.f("ix_chat_leases_expires_at"), "chat_leases", ["expires_at"], unique=False)
    op.create_table(
        "send_budget",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("next_slot", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_send_budget")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("send_budget")
    op.drop_index(op.f("ix_chat_leases_expires_at"), table_name="chat_leases")
    op.drop_table("chat_leases")
