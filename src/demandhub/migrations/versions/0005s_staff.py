"""staff: training, CPD, supervision notes, welfare check-ins, debriefs

Revision ID: 0005s
Revises: 0004
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = '0005s'
down_revision = '0004'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _owned(table: str, *columns: sa.Column, index: tuple[str, str]) -> None:
    """A table of rows that belong to one person, recorded by someone, with its per-person index."""
    op.create_table(table,
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('user_id', ID, nullable=False),
    *columns,
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', ID, nullable=False),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f(f'fk_{table}_recorded_by_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f(f'fk_{table}_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}'))
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(f'ix_{table}_user', list(index), unique=False)


def upgrade() -> None:
    _owned('staff_training',
           sa.Column('course', sa.String(length=200), nullable=False),
           sa.Column('completed_on', sa.Date(), nullable=False),
           sa.Column('expires_on', sa.Date(), nullable=True),
           sa.Column('evidence', sa.String(length=1000), nullable=True),
           sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
           index=('user_id', 'completed_on'))
    _owned('staff_cpd',
           sa.Column('title', sa.String(length=200), nullable=False),
           sa.Column('due_on', sa.Date(), nullable=False),
           sa.Column('done_on', sa.Date(), nullable=True),
           sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
           index=('user_id', 'due_on'))
    _owned('staff_supervision_notes',
           sa.Column('held_on', sa.Date(), nullable=False),
           sa.Column('text', sa.Text(), nullable=False),
           sa.Column('actions', sa.Text(), nullable=True),
           index=('user_id', 'held_on'))
    _owned('staff_checkins',
           sa.Column('checked_on', sa.Date(), nullable=False),
           sa.Column('score', sa.SmallInteger(), nullable=True),
           sa.Column('words', sa.String(length=200), nullable=True),
           sa.Column('note', sa.Text(), nullable=True),
           sa.Column('follow_up', sa.Boolean(), nullable=False),
           index=('user_id', 'checked_on'))
    _owned('staff_debriefs',
           sa.Column('offered_on', sa.Date(), nullable=False),
           sa.Column('response', sa.String(length=20), nullable=False),
           sa.Column('note', sa.Text(), nullable=True),
           sa.Column('covers_until', sa.DateTime(timezone=True), nullable=False),
           index=('user_id', 'covers_until'))


def downgrade() -> None:
    for table in ('staff_debriefs', 'staff_checkins', 'staff_supervision_notes', 'staff_cpd', 'staff_training'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{table}_user')
        op.drop_table(table)
