from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from demandhub.db import Base, BigId, UTCDateTime


class RoadNetwork(Base):
    """An imported road network, compiled (see geo.roadgraph). The newest one is used."""

    __tablename__ = "road_networks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)  # the file it came from
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    node_count: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    edge_count: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    # numpy arrays in one npz (no pickles: loaded with allow_pickle=False)
    graph: Mapped[bytes] = mapped_column(sa.LargeBinary, nullable=False)


class ForceArea(Base):
    """The force boundary and its urban areas (GeoJSON polygons); rural is the rest."""

    __tablename__ = "force_areas"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(sa.String(20), nullable=False)  # boundary | urban
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    geometry: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
