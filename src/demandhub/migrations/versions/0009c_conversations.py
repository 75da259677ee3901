"""conversations: webchat, social media messages and emergency SMS, with their messages

Revision ID: 0009c
Revises: 0008
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = '0009c'
down_revision = '0008'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('conversations',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('contact_id', BigId, nullable=False),
    sa.Column('channel', sa.String(length=30), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=True),
    sa.Column('platform', sa.String(length=40), nullable=True),
    sa.Column('sender_id', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('party_name', sa.String(length=200), nullable=True),
    sa.Column('handler_id', BigId, nullable=True),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_conversations_contact_id_contacts')),
    sa.ForeignKeyConstraint(['handler_id'], ['users.id'], name=op.f('fk_conversations_handler_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversations')),
    sa.UniqueConstraint('contact_id', name=op.f('uq_conversations_contact_id')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_conversations_token_sha256'))
    )
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.create_index('ix_conversations_sender', ['platform', 'sender_id'], unique=False)
        batch_op.create_index('ix_conversations_phone', ['phone'], unique=False)
        batch_op.create_index('ix_conversations_handler_id', ['handler_id'], unique=False)
    op.create_table('conversation_messages',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('conversation_id', BigId, nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_id', BigId, nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivery', sa.String(length=20), nullable=True),
    sa.Column('delivery_detail', sa.String(length=300), nullable=True),
    sa.Column('provider_id', sa.String(length=200), nullable=True),
    sa.Column('external_id', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_conversation_messages_author_id_users')),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                            name=op.f('fk_conversation_messages_conversation_id_conversations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_messages')),
    sa.UniqueConstraint('external_id', name=op.f('uq_conversation_messages_external_id'))
    )
    with op.batch_alter_table('conversation_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_messages_conversation_id'), ['conversation_id'],
                              unique=False)


def downgrade() -> None:
    op.drop_table('conversation_messages')
    op.drop_table('conversations')
