"""resolution: callback attempts, appointment slots and appointments

Revision ID: 0005r
Revises: 0004
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0005r"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "callback_attempts",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("incident_id", ID, nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("made_by", ID, nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], name=op.f("fk_callback_attempts_incident_id_incidents")),
        sa.ForeignKeyConstraint(["made_by"], ["users.id"], name=op.f("fk_callback_attempts_made_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_attempts")),
    )
    with op.batch_alter_table("callback_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_callback_attempts_incident", ["incident_id", "at"], unique=False)

    op.create_table(
        "appointment_slots",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("area", sa.String(length=80), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", ID, nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_appointment_slots_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_slots")),
        sa.UniqueConstraint("area", "starts_at", name="uq_appointment_slots_area_starts_at"),
    )
    with op.batch_alter_table("appointment_slots", schema=None) as batch_op:
        batch_op.create_index("ix_appointment_slots_starts_at", ["starts_at"], unique=False)

    op.create_table(
        "appointments",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("incident_id", ID, nullable=False),
        sa.Column("slot_id", ID, nullable=False),
        sa.Column("place", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("booked_by", ID, nullable=False),
        sa.Column("reminder_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["booked_by"], ["users.id"], name=op.f("fk_appointments_booked_by_users")),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], name=op.f("fk_appointments_incident_id_incidents")),
        sa.ForeignKeyConstraint(["slot_id"], ["appointment_slots.id"], name=op.f("fk_appointments_slot_id_appointment_slots")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
    )
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.create_index("ix_appointments_incident", ["incident_id", "booked_at"], unique=False)
        batch_op.create_index("uq_appointments_slot_place", ["slot_id", "place"], unique=True,
                              sqlite_where=sa.text("status <> 'cancelled'"),
                              postgresql_where=sa.text("status <> 'cancelled'"))
        batch_op.create_index("uq_appointments_booked_incident", ["incident_id"], unique=True,
                              sqlite_where=sa.text("status = 'booked'"),
                              postgresql_where=sa.text("status = 'booked'"))


def downgrade() -> None:
    op.drop_table("appointments")
    op.drop_table("appointment_slots")
    op.drop_table("callback_attempts")
