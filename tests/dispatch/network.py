"""A small road network for dispatch tests, with distances that can be worked by hand.

A 5 x 5 grid of residential streets (30 km/h), 500 m apart, near 52N 0E. A river runs
north-south between columns 2 and 3: the only bridge is the primary road along row 0
(70 km/h). So a unit across the river is close as the crow flies but far by road.
"""

from __future__ import annotations

import math

from demandhub.geo.points import EARTH_RADIUS_M
from demandhub.geo.roaddata import RoadData, Way

LAT0, LON0, STEP_M = 52.0, 0.0, 500.0
ROWS = COLS = 5


def at(row: float, col: float) -> tuple[float, float]:
    """(lat, lon) of a grid position; fractions are points along the streets."""
    lat = LAT0 + math.degrees(row * STEP_M / EARTH_RADIUS_M)
    lon = LON0 + math.degrees(col * STEP_M / (EARTH_RADIUS_M * math.cos(math.radians(LAT0))))
    return lat, lon


def node_id(row: int, col: int) -> int:
    return 1 + row * COLS + col


def grid() -> RoadData:
    data = RoadData()
    for r in range(ROWS):
        for c in range(COLS):
            data.nodes[node_id(r, c)] = at(r, c)
    for r in range(ROWS):  # east-west streets, broken by the river except on row 0
        west = tuple(node_id(r, c) for c in range(0, 3))
        east = tuple(node_id(r, c) for c in range(3, COLS))
        if r == 0:
            data.ways.append(Way(nodes=west + east, highway="primary", name="Bridge Road"))
        else:
            data.ways.append(Way(nodes=west, highway="residential", name=f"West Street {r}"))
            data.ways.append(Way(nodes=east, highway="residential", name=f"East Street {r}"))
    for c in range(COLS):  # north-south streets
        data.ways.append(Way(nodes=tuple(node_id(r, c) for r in range(ROWS)), highway="residential",
                             name=f"Avenue {c}"))
    return data


def west_bank_urban() -> dict:
    (s, w), (n, e) = at(-0.5, -0.5), at(4.5, 2.5)
    far_e = at(4.5, 4.5)[1]
    ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
    boundary = [[w, s], [far_e, s], [far_e, n], [w, n], [w, s]]
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"kind": "boundary", "name": "Testshire"},
         "geometry": {"type": "Polygon", "coordinates": [boundary]}},
        {"type": "Feature", "properties": {"kind": "urban", "name": "Westbank"},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
