from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from demandhub.db import Base, BigId, UTCDateTime


class OnlineReport(Base):
    """What a member of the public told us on the online form, beyond what every contact has
    (the words, the sender, the position are on the contact): which kind of report, when it
    happened, how to reach them, and where each given position came from and how sure it is."""

    __tablename__ = "online_reports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    contact_id: Mapped[int] = mapped_column(sa.ForeignKey("contacts.id"), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20), nullable=False)  # crime, incident, information
    subject: Mapped[str] = mapped_column(sa.String(40), nullable=False)  # the public's choice (report_types.py)
    incident_type: Mapped[str | None] = mapped_column(sa.String(60))  # its classification code, when there is one
    happening_now: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    occurred_on: Mapped[date | None] = mapped_column(sa.Date)  # local date as given
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when a time was given too
    occurred_text: Mapped[str | None] = mapped_column(sa.String(200))  # "not sure": roughly when, in their words
    email: Mapped[str | None] = mapped_column(sa.String(254))
    contact_by: Mapped[str] = mapped_column(sa.String(10), nullable=False)  # phone, text, email
    # The position the contact carries: which of those given was used and how far off it may be.
    location_source: Mapped[str | None] = mapped_column(sa.String(20))  # pin, w3w, postcode
    location_uncertainty_m: Mapped[float | None] = mapped_column(sa.Float)
    what3words: Mapped[str | None] = mapped_column(sa.String(200))  # as typed, checked or not
    postcode: Mapped[str | None] = mapped_column(sa.String(10))
    positions: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)  # every one given, with source
    cues: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)  # risk cues found in the words
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    closed_reason: Mapped[str | None] = mapped_column(sa.String(30))  # closed without an incident: why
    closed_note: Mapped[str | None] = mapped_column(sa.Text)
