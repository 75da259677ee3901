"""The force boundary and its urban areas, from GeoJSON a force supplies. Rural is the rest."""

from __future__ import annotations

from dataclasses import dataclass

from shapely import prepared
from shapely.geometry import Point, shape

KINDS = ("boundary", "urban")


class AreaError(ValueError):
    pass


@dataclass(frozen=True)
class Area:
    kind: str
    name: str
    geometry: dict  # GeoJSON geometry, [lon, lat] order


def parse_areas(document: object) -> list[Area]:
    """A GeoJSON FeatureCollection of Polygon or MultiPolygon features, each with properties
    kind (boundary or urban) and name. Every problem is named with the feature's position."""
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise AreaError("expected a GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list) or not features:
        raise AreaError("the FeatureCollection has no features")
    areas, problems = [], []
    for i, feature in enumerate(features):
        props = (feature or {}).get("properties") or {} if isinstance(feature, dict) else {}
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        kind, name = props.get("kind"), props.get("name")
        if kind not in KINDS:
            problems.append(f"features[{i}]: properties.kind must be one of {', '.join(KINDS)}")
            continue
        if not isinstance(name, str) or not name.strip():
            problems.append(f"features[{i}]: properties.name is missing")
            continue
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            problems.append(f"features[{i}]: geometry must be a Polygon or MultiPolygon")
            continue
        try:
            shaped = shape(geometry)
        except (ValueError, TypeError, AttributeError, IndexError) as exc:
            problems.append(f"features[{i}]: geometry is not valid GeoJSON ({exc})")
            continue
        if shaped.is_empty or not shaped.is_valid:
            problems.append(f"features[{i}]: the polygon is empty or crosses itself")
            continue
        minx, miny, maxx, maxy = shaped.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            problems.append(f"features[{i}]: coordinates are not [longitude, latitude] in degrees")
            continue
        areas.append(Area(kind=kind, name=name.strip(), geometry=geometry))
    if problems:
        raise AreaError("; ".join(problems))
    return areas


class AreaMap:
    """Urban or rural for a point, fast enough to ask for every incident on a screen."""

    def __init__(self, areas: list[Area]):
        self.areas = areas
        self._urban = [prepared.prep(shape(a.geometry)) for a in areas if a.kind == "urban"]

    def classify(self, lat: float, lon: float) -> str:
        """urban or rural. Without any urban areas every point is urban: the stricter target,
        so no incident looks better than it was while a force has not supplied its areas."""
        if not self._urban:
            return "urban"
        point = Point(lon, lat)
        return "urban" if any(area.contains(point) for area in self._urban) else "rural"
