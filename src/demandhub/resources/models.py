from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from demandhub.db import Base, BigId, UTCDateTime


class Unit(Base):
    """A deployable resource: a crewed car, a dog handler, a PCSO on foot."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    call_sign: Mapped[str] = mapped_column(sa.String(20), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    skills: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    equipment: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    station: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    shift_start: Mapped[str | None] = mapped_column(sa.String(5))  # local "HH:MM"
    shift_end: Mapped[str | None] = mapped_column(sa.String(5))
    status: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    status_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    status_note: Mapped[str | None] = mapped_column(sa.String(200))
    # The incident the unit is working (assigned, en route, at scene); kept by dispatch.
    incident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("incidents.id"))
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    position_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The account of the unit's own terminal, allowed to report this unit's status and position.
    terminal_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class UnitStatusChange(Base):
    """Every status a unit has had, with when, who said so and for which incident."""

    __tablename__ = "unit_status_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), nullable=False)
    status: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    incident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("incidents.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    note: Mapped[str | None] = mapped_column(sa.String(200))

    __table_args__ = (sa.Index("ix_unit_status_changes_unit", "unit_id", "at"),)


class UnitPosition(Base):
    """Where a unit said it was: kept, because where units were is evidence too."""

    __tablename__ = "unit_positions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    latitude: Mapped[float] = mapped_column(sa.Float, nullable=False)
    longitude: Mapped[float] = mapped_column(sa.Float, nullable=False)
    source: Mapped[str] = mapped_column(sa.String(20), nullable=False)  # feed, terminal, dispatcher

    __table_args__ = (sa.Index("ix_unit_positions_unit", "unit_id", "at"),)
