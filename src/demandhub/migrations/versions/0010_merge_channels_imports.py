"""one line of history again: online reports, conversations, scene sharing and imports were migrated side by side

Revision ID: 0010
Revises: 0009c, 0009i, 0009o, 0009s
Create Date: 2026-11-29
"""

revision = "0010"
down_revision = ("0009c", "0009i", "0009o", "0009s")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
