"""Staff records: each row belongs to one person (a user) and is for supervisors and that person only."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from demandhub.db import Base, BigId, UTCDateTime


class TrainingRecord(Base):
    """A course or skill completed, and when it must be renewed (None: it never expires)."""

    __tablename__ = "staff_training"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    course: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    completed_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    expires_on: Mapped[date | None] = mapped_column(sa.Date)
    evidence: Mapped[str | None] = mapped_column(sa.String(1000))  # certificate number, where it is kept
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    recorded_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (sa.Index("ix_staff_training_user", "user_id", "completed_on"),)


class CpdItem(Base):
    """A piece of continuing professional development with a due date."""

    __tablename__ = "staff_cpd"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    due_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    done_on: Mapped[date | None] = mapped_column(sa.Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    recorded_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (sa.Index("ix_staff_cpd_user", "user_id", "due_on"),)


class SupervisionNote(Base):
    __tablename__ = "staff_supervision_notes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    held_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    text: Mapped[str] = mapped_column(sa.Text, nullable=False)
    actions: Mapped[str | None] = mapped_column(sa.Text)  # what was agreed
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    recorded_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)

    __table_args__ = (sa.Index("ix_staff_supervision_notes_user", "user_id", "held_on"),)


class WelfareCheckin(Base):
    """How a person is: by the person themselves or by a supervisor with them."""

    __tablename__ = "staff_checkins"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    checked_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    score: Mapped[int | None] = mapped_column(sa.SmallInteger)  # 1 struggling .. 5 very well
    words: Mapped[str | None] = mapped_column(sa.String(200))  # how they are, in their words
    note: Mapped[str | None] = mapped_column(sa.Text)
    follow_up: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    recorded_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)

    __table_args__ = (sa.Index("ix_staff_checkins_user", "user_id", "checked_on"),)


class Debrief(Base):
    """A debrief offered after traumatic exposures. It clears the prompt for every exposure up
    to `covers_until` (when it was recorded): later exposures start counting afresh."""

    __tablename__ = "staff_debriefs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    offered_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    response: Mapped[str] = mapped_column(sa.String(20), nullable=False)  # accepted | declined
    note: Mapped[str | None] = mapped_column(sa.Text)
    covers_until: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    recorded_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)

    __table_args__ = (sa.Index("ix_staff_debriefs_user", "user_id", "covers_until"),)
