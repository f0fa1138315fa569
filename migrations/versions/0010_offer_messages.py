"""Offers by hand and offer messages: who offered a request by hand, and the outbox rows of the
offer message and its reminder (edited once the offer ends). The new offer status ``returned``
needs no change: ``offers.status`` is text.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("offered_by_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("message_outbox_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reminder_outbox_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_offers_offered_by_user_id_users"),
            "users",
            ["offered_by_user_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_offers_offered_by_user_id_users"), type_="foreignkey")
        batch_op.drop_column("reminder_outbox_id")
        batch_op.drop_column("message_outbox_id")
        batch_op.drop_column("offered_by_user_id")
