from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from demandhub.db import Base, BigId, UTCDateTime


class ImportBatch(Base):
    """One file imported from another system: what, from whom, through which mapping, and
    what became of its rows. The same file (by SHA-256) is imported once per source."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    force_name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    mapping_name: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    mapping_version: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    file_name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    file_sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    rows_read: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    imported: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    rejected: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    skipped: Mapped[int] = mapped_column(sa.Integer, nullable=False)  # imported before, by an earlier file
    summary: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    imported_by: Mapped[str] = mapped_column(sa.String(120), nullable=False)

    __table_args__ = (sa.UniqueConstraint("source", "file_sha256", name="uq_import_batches_source_file"),)


class ImportedCall(Base):
    """Where an incident (and its contact) came from: the source's own id for it, the batch
    and the line, and the source's codes as they were. (source, source_id) is unique, so a
    call is never imported twice."""

    __tablename__ = "imported_calls"

    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incidents.id"), primary_key=True, autoincrement=False)
    contact_id: Mapped[int] = mapped_column(sa.ForeignKey("contacts.id"), nullable=False, unique=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("import_batches.id"), nullable=False, index=True)
    source: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    source_id: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    line: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    priority: Mapped[str | None] = mapped_column(sa.String(100))
    call_type: Mapped[str | None] = mapped_column(sa.String(100))
    disposition: Mapped[str | None] = mapped_column(sa.String(100))
    source_area: Mapped[str | None] = mapped_column(sa.String(100))  # their beat, district...
    # urban or rural where the mapping could say (attendance targets differ); None: from the position.
    area: Mapped[str | None] = mapped_column(sa.String(10))

    __table_args__ = (sa.UniqueConstraint("source", "source_id", name="uq_imported_calls_source_id"),)
