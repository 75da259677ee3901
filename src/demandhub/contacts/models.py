from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from demandhub.db import Base, BigId, UTCDateTime


class Contact(Base):
    """One contact from the public on one channel. Which incident it belongs to is the incident's business."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(sa.String(30), nullable=False)
    caller_name: Mapped[str | None] = mapped_column(sa.String(200))
    caller_number: Mapped[str | None] = mapped_column(sa.String(20), index=True)  # E.164
    caller_number_raw: Mapped[str | None] = mapped_column(sa.String(40))
    location_text: Mapped[str | None] = mapped_column(sa.Text)
    latitude: Mapped[float | None] = mapped_column(sa.Float)  # WGS84, where the event is
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    description: Mapped[str] = mapped_column(sa.Text, nullable=False)
    presented_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    abandoned: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    # Set when the contact belongs to a restricted incident (sexual offences, child abuse):
    # its details are then for the roles allowed and the handler who took it, every view audited.
    restricted: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False,
                                             server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    created_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    # Digital contacts (contacts/digital.py): the reference the public were given, and the
    # member of staff who first responded (answered_at is when).
    reference: Mapped[str | None] = mapped_column(sa.String(30), unique=True)
    answered_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The sender's words carry risk cues (a weapon, self-harm...): the digital queue puts it first.
    urgent: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False, server_default=sa.false())
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(200))
    request_fingerprint: Mapped[str | None] = mapped_column(sa.String(64))

    __table_args__ = (
        sa.UniqueConstraint("created_by", "idempotency_key", name="uq_contacts_idempotency"),
        sa.Index("ix_contacts_presented_at", "presented_at"),
        sa.Index("ix_contacts_position", "latitude", "longitude"),  # history of a place: a box, then exact
    )


class CallerLocation(Base):
    """A position for a caller from a source other than the handler (AML today): kept with its
    source and uncertainty, by the caller's number, and joined to the contact by number and time."""

    __tablename__ = "caller_locations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    caller_number: Mapped[str] = mapped_column(sa.String(20), nullable=False)  # E.164
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id"))
    source: Mapped[str] = mapped_column(sa.String(20), nullable=False)  # aml_sms, aml_https
    located: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)  # False: the handset could not locate itself
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    uncertainty_m: Mapped[float | None] = mapped_column(sa.Float)
    observed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    method: Mapped[str | None] = mapped_column(sa.String(20))  # gnss, wifi, cell...
    details: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)

    __table_args__ = (sa.Index("ix_caller_locations_number", "caller_number", "received_at"),)
