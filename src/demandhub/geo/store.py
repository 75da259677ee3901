"""Keeping the road network and the force areas in the database, and the road graph in memory.

The compiled graph is one row (a few MB for a county); every process loads the newest
once and keeps it until a newer one is imported.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.audit import service as audit
from demandhub.geo.areas import Area, AreaMap
from demandhub.geo.models import ForceArea, RoadNetwork
from demandhub.geo.roadgraph import RoadGraph


def save_network(session: Session, *, graph: RoadGraph, name: str, actor: str, now: datetime) -> RoadNetwork:
    blob = graph.to_bytes()
    row = RoadNetwork(name=name[:200], imported_at=now, node_count=graph.node_count, edge_count=graph.edge_count,
                      sha256=hashlib.sha256(blob).hexdigest(), graph=blob)
    session.add(row)
    session.flush()
    audit.append(session, actor=actor, action="roads.imported", entity_type="road_network", entity_id=row.id,
                 at=now, details={"name": row.name, "nodes": row.node_count, "edges": row.edge_count,
                                  "sha256": row.sha256})
    return row


def replace_areas(session: Session, *, areas: list[Area], actor: str, now: datetime) -> None:
    session.execute(sa.delete(ForceArea))
    session.add_all(ForceArea(kind=a.kind, name=a.name, geometry=a.geometry, imported_at=now) for a in areas)
    audit.append(session, actor=actor, action="areas.imported", entity_type="force_areas", entity_id="all", at=now,
                 details={"urban": sum(a.kind == "urban" for a in areas),
                          "boundary": sum(a.kind == "boundary" for a in areas)})


class GeoCache:
    """The newest road graph and the force areas, loaded on first use in this process.

    Each use asks the database which network is newest (one indexed query), so a network
    imported by the command line is picked up by running servers without a restart.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._graph: tuple[int, RoadGraph] | None = None
        self._lines: dict[tuple[int, tuple[str, ...]], list[dict]] = {}
        self._areas: tuple[tuple, AreaMap] | None = None

    def graph(self, session: Session) -> RoadGraph | None:
        newest = session.scalar(sa.select(sa.func.max(RoadNetwork.id)))
        if newest is None:
            return None
        with self._lock:
            if self._graph is None or self._graph[0] != newest:
                blob = session.scalar(sa.select(RoadNetwork.graph).where(RoadNetwork.id == newest))
                self._graph = (newest, RoadGraph.from_bytes(blob))
            return self._graph[1]

    def lines(self, session: Session, classes: tuple[str, ...]) -> list[dict]:
        """The roads of these classes as map lines, built once per network."""
        graph = self.graph(session)
        if graph is None:
            return []
        key = (self._graph[0], classes)
        with self._lock:
            if key not in self._lines:
                self._lines = {key: graph.lines(classes)}  # only the newest network's are kept
            return self._lines[key]

    def areas(self, session: Session) -> AreaMap:
        stamp = tuple(session.execute(sa.select(sa.func.count(ForceArea.id), sa.func.max(ForceArea.id))).one())
        with self._lock:
            if self._areas is None or self._areas[0] != stamp:
                rows = session.scalars(sa.select(ForceArea).order_by(ForceArea.id))
                self._areas = (stamp, AreaMap([Area(r.kind, r.name, r.geometry) for r in rows]))
            return self._areas[1]
