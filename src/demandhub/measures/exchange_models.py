"""Other forces' measures, imported from their exchange files (measures/exchange.py), to be
set beside ours. One row per force, period, measure and segment: importing the same key again
replaces it, so the latest file a force sent is the one shown."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from demandhub.db import Base, BigId, UTCDateTime


class ForceMeasure(Base):
    __tablename__ = "force_measures"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    force: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    period_start: Mapped[date] = mapped_column(sa.Date, nullable=False)  # the force's local calendar, included
    period_end: Mapped[date] = mapped_column(sa.Date, nullable=False)  # excluded
    measure: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    segment: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    # Doubles, so a figure reads back exactly as the file gave it; NULL: no data.
    value: Mapped[float | None] = mapped_column(sa.Double)
    numerator: Mapped[float | None] = mapped_column(sa.Double)
    denominator: Mapped[float | None] = mapped_column(sa.Double)
    unit: Mapped[str] = mapped_column(sa.String(30), nullable=False)
    target: Mapped[float | None] = mapped_column(sa.Double)
    met: Mapped[bool | None] = mapped_column(sa.Boolean)
    definitions_version: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)  # when that force read its figures
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    imported_by: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    source_name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    source_sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)

    __table_args__ = (
        sa.UniqueConstraint("force", "period_start", "period_end", "measure", "segment", name="uq_force_measures_key"),
        sa.Index("ix_force_measures_period", "period_start", "period_end"),
    )
