"""digital contact: references, who first responded, evidence from the public

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('answered_by', BigId, nullable=True))
        batch_op.add_column(sa.Column('urgent', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_contacts_reference'), ['reference'])
        batch_op.create_foreign_key(batch_op.f('fk_contacts_answered_by_users'), 'users', ['answered_by'], ['id'])
    op.create_table('evidence_items',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=40), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=True),
    sa.Column('source', sa.String(length=30), nullable=False),
    sa.Column('contact_id', BigId, nullable=True),
    sa.Column('incident_id', BigId, nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_by', BigId, nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_evidence_items_contact_id_contacts')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_evidence_items_incident_id_incidents')),
    sa.ForeignKeyConstraint(['received_by'], ['users.id'], name=op.f('fk_evidence_items_received_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_items'))
    )
    with op.batch_alter_table('evidence_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_items_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_items_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_items_incident_id'), ['incident_id'], unique=False)


def downgrade() -> None:
    op.drop_table('evidence_items')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contacts_answered_by_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_contacts_reference'), type_='unique')
        batch_op.drop_column('urgent')
        batch_op.drop_column('answered_by')
        batch_op.drop_column('reference')
