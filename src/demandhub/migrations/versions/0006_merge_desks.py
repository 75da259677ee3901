"""one line of history again: the four desks of issue 4 were migrated side by side

Revision ID: 0006
Revises: 0005q, 0005r, 0005s, 0005v
Create Date: 2026-11-28
"""

revision = "0006"
down_revision = ("0005q", "0005r", "0005s", "0005v")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
