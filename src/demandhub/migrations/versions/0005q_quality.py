"""quality: samples, sampled contacts, reviews

Revision ID: 0005q
Revises: 0004
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = '0005q'
down_revision = '0004'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('quality_samples',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('per_handler', sa.Integer(), nullable=False),
    sa.Column('double_share', sa.Float(), nullable=False),
    sa.Column('risk_at_least', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', _ID, nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_quality_samples_created_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_samples')),
    sa.UniqueConstraint('period_start', 'period_end', name='uq_quality_samples_period')
    )
    op.create_table('quality_sample_items',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('sample_id', _ID, nullable=False),
    sa.Column('contact_id', _ID, nullable=False),
    sa.Column('handler_id', _ID, nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('double_marked', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_quality_sample_items_contact_id_contacts')),
    sa.ForeignKeyConstraint(['handler_id'], ['users.id'], name=op.f('fk_quality_sample_items_handler_id_users')),
    sa.ForeignKeyConstraint(['sample_id'], ['quality_samples.id'],
                            name=op.f('fk_quality_sample_items_sample_id_quality_samples')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_sample_items')),
    sa.UniqueConstraint('sample_id', 'contact_id', name='uq_quality_sample_items_contact')
    )
    with op.batch_alter_table('quality_sample_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quality_sample_items_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quality_sample_items_handler_id'), ['handler_id'], unique=False)

    op.create_table('quality_reviews',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('item_id', _ID, nullable=False),
    sa.Column('marker', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', _ID, nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('checklist_name', sa.String(length=80), nullable=True),
    sa.Column('checklist_version', sa.String(length=40), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['quality_sample_items.id'],
                            name=op.f('fk_quality_reviews_item_id_quality_sample_items')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_quality_reviews_reviewer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_reviews')),
    sa.UniqueConstraint('item_id', 'marker', name='uq_quality_reviews_marker'),
    sa.UniqueConstraint('item_id', 'reviewer_id', name='uq_quality_reviews_reviewer')
    )
    with op.batch_alter_table('quality_reviews', schema=None) as batch_op:
        batch_op.create_index('ix_quality_reviews_queue', ['reviewer_id', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('quality_reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_quality_reviews_queue')
    op.drop_table('quality_reviews')
    with op.batch_alter_table('quality_sample_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quality_sample_items_handler_id'))
        batch_op.drop_index(batch_op.f('ix_quality_sample_items_contact_id'))
    op.drop_table('quality_sample_items')
    op.drop_table('quality_samples')
