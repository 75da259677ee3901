"""force measures: other forces' measures imported from their exchange files, to compare

Revision ID: 0011x
Revises: 0010
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = '0011x'
down_revision = '0010'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('force_measures',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('force', sa.String(length=100), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('measure', sa.String(length=80), nullable=False),
    sa.Column('segment', sa.String(length=120), nullable=False),
    sa.Column('value', sa.Double(), nullable=True),
    sa.Column('numerator', sa.Double(), nullable=True),
    sa.Column('denominator', sa.Double(), nullable=True),
    sa.Column('unit', sa.String(length=30), nullable=False),
    sa.Column('target', sa.Double(), nullable=True),
    sa.Column('met', sa.Boolean(), nullable=True),
    sa.Column('definitions_version', sa.String(length=20), nullable=False),
    sa.Column('generated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_by', sa.String(length=120), nullable=False),
    sa.Column('source_name', sa.String(length=255), nullable=False),
    sa.Column('source_sha256', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_force_measures')),
    sa.UniqueConstraint('force', 'period_start', 'period_end', 'measure', 'segment', name='uq_force_measures_key')
    )
    with op.batch_alter_table('force_measures', schema=None) as batch_op:
        batch_op.create_index('ix_force_measures_period', ['period_start', 'period_end'], unique=False)


def downgrade() -> None:
    op.drop_table('force_measures')
