"""Trust: where a role came from, hashed invitation tokens, anonymised requests, ephemeral sends.

Revision ID: 0008
Revises: 0007
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("user_roles") as batch:
        batch.add_column(sa.Column("source", sa.String(length=16), nullable=True))
    with op.batch_alter_table("kickoff_requests") as batch:
        batch.add_column(sa.Column("anonymized_at", models.base.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("ephemeral", sa.Boolean(), server_default=sa.false(), nullable=False))
    # Invitation links are stored only as their SHA-256; links already handed out keep working.
    invitations = sa.table("advisor_invitations", sa.column("id", sa.Integer), sa.column("token", sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(invitations.c.id, invitations.c.token)).all()
    for row_id, token in rows:
        digest = hashlib.sha256(token.encode()).hexdigest()
        connection.execute(invitations.update().where(invitations.c.id == row_id).values(token=digest))
    with op.batch_alter_table("advisor_invitations") as batch:
        batch.drop_constraint("uq_advisor_invitations_token", type_="unique")
        batch.alter_column("token", new_column_name="token_hash", existing_type=sa.String(length=64))
    with op.batch_alter_table("advisor_invitations") as batch:
        batch.create_unique_constraint("uq_advisor_invitations_token_hash", ["token_hash"])


def downgrade() -> None:
    """Revert this revision (hashed invitations cannot be turned back into links)."""
    with op.batch_alter_table("advisor_invitations") as batch:
        batch.drop_constraint("uq_advisor_invitations_token_hash", type_="unique")
        batch.alter_column("token_hash", new_column_name="token", existing_type=sa.String(length=64))
    with op.batch_alter_table("advisor_invitations") as batch:
        batch.create_unique_constraint("uq_advisor_invitations_token", ["token"])
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("ephemeral")
    with op.batch_alter_table("kickoff_requests") as batch:
        batch.drop_column("anonymized_at")
    with op.batch_alter_table("user_roles") as batch:
        batch.drop_column("source")
