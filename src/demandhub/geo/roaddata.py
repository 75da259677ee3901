"""What a road network is made of, as read from OpenStreetMap or generated for the demo.

This is the boundary between the readers (osm.py, county.py) and the graph (roadgraph.py):
plain data, no numpy, no database.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Way:
    """One OSM way tagged highway=*, in drawing order."""

    nodes: tuple[int, ...]  # OSM node ids, in order along the way
    highway: str  # the OSM highway=* value: motorway, trunk, primary, ..., residential, service
    oneway: int = 0  # 0 both directions, 1 only in drawing order, -1 only against it
    maxspeed_kph: float | None = None  # from maxspeed=*, when the way has a usable one
    name: str | None = None  # name=* or ref=* (for example "A508" or "High Street")


@dataclass
class RoadData:
    nodes: dict[int, tuple[float, float]] = field(default_factory=dict)  # OSM node id -> (lat, lon), WGS84
    ways: list[Way] = field(default_factory=list)
