from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from demandhub.db import Base, BigId, UTCDateTime


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # Set in the committing transaction (see service._number_at_commit); never seen empty.
    reference: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    category: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    incident_type: Mapped[str] = mapped_column(sa.String(80), nullable=False)  # opening classification
    qualifiers: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    grade: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    status: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    restricted: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    summary: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    location_text: Mapped[str | None] = mapped_column(sa.Text)
    latitude: Mapped[float | None] = mapped_column(sa.Float)  # WGS84, from the opening contact
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    grading_decision_id: Mapped[int] = mapped_column(sa.ForeignKey("grading_decisions.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    created_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closing_code: Mapped[str | None] = mapped_column(sa.String(60))

    __table_args__ = (sa.Index("ix_incidents_queue", "status", "grade", "created_at"),
                      sa.Index("ix_incidents_position", "latitude", "longitude"))  # possible duplicates nearby


class IncidentContact(Base):
    """A contact belongs to at most one incident; the first one opened it."""

    __tablename__ = "incident_contacts"

    contact_id: Mapped[int] = mapped_column(sa.ForeignKey("contacts.id"), primary_key=True)
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incidents.id"), nullable=False, index=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    linked_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)


class TimelineEntry(Base):
    __tablename__ = "incident_timeline"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incidents.id"), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    kind: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    text: Mapped[str] = mapped_column(sa.Text, nullable=False)
    data: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)

    __table_args__ = (sa.Index("ix_incident_timeline_incident", "incident_id", "at"),)


class ReferenceCounter(Base):
    """Per-day sequence behind references like INC-20261128-0042 (allocated with an upsert)."""

    __tablename__ = "reference_counters"

    day: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    last: Mapped[int] = mapped_column(sa.Integer, nullable=False)
