from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from demandhub.db import Base, BigId, UTCDateTime


class EvidenceItem(Base):
    """A photo or clip the public sent (with an online report, or from the scene by a share link).
    The bytes live in the evidence store under their SHA-256; this row is the record of them."""

    __tablename__ = "evidence_items"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    media_type: Mapped[str] = mapped_column(sa.String(40), nullable=False)  # as sniffed, never as declared
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    original_name: Mapped[str | None] = mapped_column(sa.String(255))
    source: Mapped[str] = mapped_column(sa.String(30), nullable=False)  # online_report, scene_share
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id"), index=True)
    incident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("incidents.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    received_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    details: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
