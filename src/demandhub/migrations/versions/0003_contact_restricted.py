"""contacts.restricted (contacts of restricted incidents carry the restriction themselves);
users.sessions_valid_from (logging out ends every page session issued before)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("restricted", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("sessions_valid_from", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE contacts SET restricted = TRUE WHERE id IN (SELECT ic.contact_id FROM incident_contacts ic "
               "JOIN incidents i ON i.id = ic.incident_id WHERE i.restricted)")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("sessions_valid_from")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("restricted")
