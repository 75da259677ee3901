from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from demandhub.db import Base, BigId, UTCDateTime


class Assignment(Base):
    """One unit sent to one incident, and how that went. The attendance clock reads these."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incidents.id"), nullable=False)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), nullable=False)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    assigned_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    # What the recommendation said when the dispatcher chose the unit (None: chosen off-list).
    eta_s: Mapped[float | None] = mapped_column(sa.Float)
    distance_m: Mapped[float | None] = mapped_column(sa.Float)
    en_route_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    at_scene_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # cleared (job done), cancelled (stood down before arriving), diverted (sent elsewhere)
    outcome: Mapped[str | None] = mapped_column(sa.String(20))

    __table_args__ = (
        sa.Index("ix_assignments_incident", "incident_id", "assigned_at"),
        # One open assignment per unit: a unit cannot be at two jobs (the database says so too).
        sa.Index("uq_assignments_open_unit", "unit_id", unique=True,
                 sqlite_where=sa.text("ended_at IS NULL"), postgresql_where=sa.text("ended_at IS NULL")),
    )
