"""online reports: what the public's web form adds to a contact

Revision ID: 0009o
Revises: 0008
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = '0009o'
down_revision = '0008'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('online_reports',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('contact_id', BigId, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=40), nullable=False),
    sa.Column('incident_type', sa.String(length=60), nullable=True),
    sa.Column('happening_now', sa.Boolean(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('occurred_text', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('contact_by', sa.String(length=10), nullable=False),
    sa.Column('location_source', sa.String(length=20), nullable=True),
    sa.Column('location_uncertainty_m', sa.Float(), nullable=True),
    sa.Column('what3words', sa.String(length=200), nullable=True),
    sa.Column('postcode', sa.String(length=10), nullable=True),
    sa.Column('positions', sa.JSON(), nullable=False),
    sa.Column('cues', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_reason', sa.String(length=30), nullable=True),
    sa.Column('closed_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_online_reports_contact_id_contacts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_online_reports')),
    sa.UniqueConstraint('contact_id', name=op.f('uq_online_reports_contact_id'))
    )


def downgrade() -> None:
    op.drop_table('online_reports')
