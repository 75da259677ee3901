"""Share-the-scene links and what came back through them.

A link is sent to a caller's phone by SMS. Only the SHA-256 of its token is kept, so a copy of
the database cannot open anyone's link. The first browser to open it claims it: the claim
secret lives in that browser's signed session cookie and only its hash here, so the link works
for that browser alone.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from demandhub.db import Base, BigId, UTCDateTime


class ShareLink(Base):
    __tablename__ = "share_links"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incidents.id"), nullable=False, index=True)
    # The incident's contact the caller's number came from, when it did: positions join to it.
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id"))
    to_number: Mapped[str] = mapped_column(sa.String(20), nullable=False)  # E.164
    token_sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    created_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)  # must be opened by then
    # What the SMS gateway said: pending until it answers; logged, queued, sent... or failed.
    sms_status: Mapped[str] = mapped_column(sa.String(30), nullable=False)
    sms_provider_id: Mapped[str | None] = mapped_column(sa.String(64))
    sms_detail: Mapped[str | None] = mapped_column(sa.String(500))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    share_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # set when claimed
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(200))
    positions: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    uploads: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    live_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first live camera segment


class ScenePosition(Base):
    """A position the caller's browser shared: the caller location row (kept with the AML ones,
    so it shows wherever those do) tied to the link and the incident."""

    __tablename__ = "scene_positions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    link_id: Mapped[int] = mapped_column(sa.ForeignKey("share_links.id"), nullable=False, index=True)
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incidents.id"), nullable=False, index=True)
    location_id: Mapped[int] = mapped_column(sa.ForeignKey("caller_locations.id"), nullable=False, unique=True)


class SceneUpload(Base):
    """A photo, clip or live camera segment the caller's browser sent: the evidence item tied to
    the link and the incident, marked live or not (a panel shows the latest live segment and
    every photo and clip without reading through an hour of segments)."""

    __tablename__ = "scene_uploads"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    link_id: Mapped[int] = mapped_column(sa.ForeignKey("share_links.id"), nullable=False, index=True)
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incidents.id"), nullable=False)
    evidence_id: Mapped[int] = mapped_column(sa.ForeignKey("evidence_items.id"), nullable=False, unique=True)
    live: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (sa.Index("ix_scene_uploads_incident", "incident_id", "live", "received_at"),)
