"""Offers carry an index on (status, advisor_id, request_id): matching counts every advisor's load
from the index alone, without reading the offers' rows.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_index("ix_offers_loads", "offers", ["status", "advisor_id", "request_id"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_offers_loads", table_name="offers")
