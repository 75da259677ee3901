from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from demandhub.db import Base, BigId, UTCDateTime


class CallbackAttempt(Base):
    """One call the resolution desk made to a caller, and how it went. Never changed."""

    __tablename__ = "callback_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incidents.id"), nullable=False)
    outcome: Mapped[str] = mapped_column(sa.String(20), nullable=False)  # rules.AttemptOutcome
    note: Mapped[str | None] = mapped_column(sa.Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    made_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)

    __table_args__ = (sa.Index("ix_callback_attempts_incident", "incident_id", "at"),)


class AppointmentSlot(Base):
    """A time an officer in an area can see a caller, and how many callers it takes."""

    __tablename__ = "appointment_slots"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    area: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    capacity: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    created_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)

    __table_args__ = (
        sa.UniqueConstraint("area", "starts_at", name="uq_appointment_slots_area_starts_at"),  # one slot a time
        sa.Index("ix_appointment_slots_starts_at", "starts_at"),
    )


# Appointments that hold a place in their slot. A cancelled one gives its place back; a
# missed or attended one keeps it (the time was spent).
HOLDING = ("booked", "attended", "missed")


class Appointment(Base):
    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incidents.id"), nullable=False)
    slot_id: Mapped[int] = mapped_column(sa.ForeignKey("appointment_slots.id"), nullable=False)
    # Which of the slot's places (1..capacity) this is: with the unique index below, the
    # database itself refuses a second booking of one place, whatever the application does.
    place: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    status: Mapped[str] = mapped_column(sa.String(20), nullable=False)  # booked, attended, missed, cancelled
    note: Mapped[str | None] = mapped_column(sa.Text)
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    booked_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # attended, missed or cancelled

    __table_args__ = (
        sa.Index("uq_appointments_slot_place", "slot_id", "place", unique=True,
                 sqlite_where=sa.text("status <> 'cancelled'"), postgresql_where=sa.text("status <> 'cancelled'")),
        # At most one appointment waiting to happen per incident.
        sa.Index("uq_appointments_booked_incident", "incident_id", unique=True,
                 sqlite_where=sa.text("status = 'booked'"), postgresql_where=sa.text("status = 'booked'")),
        sa.Index("ix_appointments_incident", "incident_id", "booked_at"),
    )
