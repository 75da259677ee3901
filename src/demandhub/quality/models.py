from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from demandhub.db import Base, BigId, UTCDateTime


class QualitySample(Base):
    """One run of the sampling policy over a period, with everything needed to run it again
    and get the same sample (the seed and the parameters)."""

    __tablename__ = "quality_samples"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    period_start: Mapped[date] = mapped_column(sa.Date, nullable=False)  # local calendar days, both included
    period_end: Mapped[date] = mapped_column(sa.Date, nullable=False)
    seed: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    per_handler: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    double_share: Mapped[float] = mapped_column(sa.Float, nullable=False)
    risk_at_least: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    created_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)

    # One sample per period: a second run for the same days is refused (409), so no contact
    # is sampled twice for a period even when two supervisors press the button together.
    __table_args__ = (sa.UniqueConstraint("period_start", "period_end", name="uq_quality_samples_period"),)


class QualitySampleItem(Base):
    """A contact chosen for review, why, and whether it is marked twice."""

    __tablename__ = "quality_sample_items"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    sample_id: Mapped[int] = mapped_column(sa.ForeignKey("quality_samples.id"), nullable=False)
    contact_id: Mapped[int] = mapped_column(sa.ForeignKey("contacts.id"), nullable=False, index=True)
    handler_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    reasons: Mapped[list] = mapped_column(sa.JSON, nullable=False)  # quota, override, rwd_closure
    double_marked: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)

    __table_args__ = (sa.UniqueConstraint("sample_id", "contact_id", name="uq_quality_sample_items_contact"),)


class QualityReview(Base):
    """One reviewer's review of one sampled contact: open until submitted, then final."""

    __tablename__ = "quality_reviews"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("quality_sample_items.id"), nullable=False)
    marker: Mapped[int] = mapped_column(sa.Integer, nullable=False)  # 1, or 2 for the second marking
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    status: Mapped[str] = mapped_column(sa.String(10), nullable=False)  # open | done
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    answers: Mapped[dict | None] = mapped_column(sa.JSON)  # item code -> yes | partly | no | not_applicable
    comment: Mapped[str | None] = mapped_column(sa.Text)
    checklist_name: Mapped[str | None] = mapped_column(sa.String(80))
    checklist_version: Mapped[str | None] = mapped_column(sa.String(40))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.UniqueConstraint("item_id", "marker", name="uq_quality_reviews_marker"),
        sa.UniqueConstraint("item_id", "reviewer_id", name="uq_quality_reviews_reviewer"),
        sa.Index("ix_quality_reviews_queue", "reviewer_id", "status"),
    )
