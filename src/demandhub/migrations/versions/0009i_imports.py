"""imports: batches of calls imported from other systems, and where each imported call came from

Revision ID: 0009i
Revises: 0008
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = '0009i'
down_revision = '0008'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('import_batches',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('force_name', sa.String(length=100), nullable=False),
    sa.Column('mapping_name', sa.String(length=80), nullable=False),
    sa.Column('mapping_version', sa.String(length=40), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('imported', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_by', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batches')),
    sa.UniqueConstraint('source', 'file_sha256', name='uq_import_batches_source_file')
    )
    op.create_table('imported_calls',
    sa.Column('incident_id', BigId, autoincrement=False, nullable=False),
    sa.Column('contact_id', BigId, nullable=False),
    sa.Column('batch_id', BigId, nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('source_id', sa.String(length=64), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('priority', sa.String(length=100), nullable=True),
    sa.Column('call_type', sa.String(length=100), nullable=True),
    sa.Column('disposition', sa.String(length=100), nullable=True),
    sa.Column('source_area', sa.String(length=100), nullable=True),
    sa.Column('area', sa.String(length=10), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batches.id'], name=op.f('fk_imported_calls_batch_id_import_batches')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_imported_calls_contact_id_contacts')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_imported_calls_incident_id_incidents')),
    sa.PrimaryKeyConstraint('incident_id', name=op.f('pk_imported_calls')),
    sa.UniqueConstraint('contact_id', name=op.f('uq_imported_calls_contact_id')),
    sa.UniqueConstraint('source', 'source_id', name='uq_imported_calls_source_id')
    )
    with op.batch_alter_table('imported_calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_imported_calls_batch_id'), ['batch_id'], unique=False)


def downgrade() -> None:
    op.drop_table('imported_calls')
    op.drop_table('import_batches')
