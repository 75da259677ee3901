"""seeing the scene: one-time share links and the positions shared through them

Revision ID: 0009s
Revises: 0008
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = '0009s'
down_revision = '0008'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('share_links',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('incident_id', BigId, nullable=False),
    sa.Column('contact_id', BigId, nullable=True),
    sa.Column('to_number', sa.String(length=20), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', BigId, nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sms_status', sa.String(length=30), nullable=False),
    sa.Column('sms_provider_id', sa.String(length=64), nullable=True),
    sa.Column('sms_detail', sa.String(length=500), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claim_sha256', sa.String(length=64), nullable=True),
    sa.Column('share_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', BigId, nullable=True),
    sa.Column('revoked_reason', sa.String(length=200), nullable=True),
    sa.Column('positions', sa.Integer(), nullable=False),
    sa.Column('uploads', sa.Integer(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('live_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_share_links_contact_id_contacts')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_share_links_created_by_users')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_share_links_incident_id_incidents')),
    sa.ForeignKeyConstraint(['revoked_by'], ['users.id'], name=op.f('fk_share_links_revoked_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_links')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_share_links_token_sha256'))
    )
    with op.batch_alter_table('share_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_links_incident_id'), ['incident_id'], unique=False)
    op.create_table('scene_positions',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('link_id', BigId, nullable=False),
    sa.Column('incident_id', BigId, nullable=False),
    sa.Column('location_id', BigId, nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_scene_positions_incident_id_incidents')),
    sa.ForeignKeyConstraint(['link_id'], ['share_links.id'], name=op.f('fk_scene_positions_link_id_share_links')),
    sa.ForeignKeyConstraint(['location_id'], ['caller_locations.id'],
                            name=op.f('fk_scene_positions_location_id_caller_locations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scene_positions')),
    sa.UniqueConstraint('location_id', name=op.f('uq_scene_positions_location_id'))
    )
    with op.batch_alter_table('scene_positions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scene_positions_link_id'), ['link_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_scene_positions_incident_id'), ['incident_id'], unique=False)
    op.create_table('scene_uploads',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('link_id', BigId, nullable=False),
    sa.Column('incident_id', BigId, nullable=False),
    sa.Column('evidence_id', BigId, nullable=False),
    sa.Column('live', sa.Boolean(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence_items.id'],
                            name=op.f('fk_scene_uploads_evidence_id_evidence_items')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_scene_uploads_incident_id_incidents')),
    sa.ForeignKeyConstraint(['link_id'], ['share_links.id'], name=op.f('fk_scene_uploads_link_id_share_links')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scene_uploads')),
    sa.UniqueConstraint('evidence_id', name=op.f('uq_scene_uploads_evidence_id'))
    )
    with op.batch_alter_table('scene_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scene_uploads_link_id'), ['link_id'], unique=False)
        batch_op.create_index('ix_scene_uploads_incident', ['incident_id', 'live', 'received_at'], unique=False)


def downgrade() -> None:
    op.drop_table('scene_uploads')
    op.drop_table('scene_positions')
    op.drop_table('share_links')
