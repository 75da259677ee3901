"""Read the drivable roads out of an OpenStreetMap extract (.osm, .osm.pbf, .osm.bz2, ...).

The file is read twice with pyosmium: first the ways (to learn which nodes the kept roads
use), then only those nodes. That keeps memory to what the road network needs, works
whatever order the file lists objects in, and copes with the negative ids of unsaved
editor files, which pyosmium's node location index cannot store.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from demandhub.geo.roaddata import RoadData, Way

MPH_KPH = 1.609344
KNOT_KPH = 1.852

# What a police car drives on. Everything else tagged highway=* (footway, path, cycleway,
# bridleway, steps, pedestrian, track, construction, proposed, corridor, bus_guideway,
# raceway, abandoned, platform, busway, ...) is left out: tracks and pedestrian zones are
# sometimes passable, but an ETA routed along them would be a promise the car can't keep.
DRIVABLE = frozenset(
    {
        "motorway", "motorway_link",
        "trunk", "trunk_link",
        "primary", "primary_link",
        "secondary", "secondary_link",
        "tertiary", "tertiary_link",
        "unclassified", "residential", "living_street", "service", "road",
    }
)  # fmt: skip

# Only these are one-way without a tag (OSM wiki, Key:oneway). Motorway links are often
# one-way too, but by convention they are tagged explicitly, so we don't guess.
_IMPLIED_ONEWAY_HIGHWAYS = frozenset({"motorway"})
_IMPLIED_ONEWAY_JUNCTIONS = frozenset({"roundabout", "circular"})

# GB implicit limits (mph): the "national speed limit" signs and a lit road's 30 limit.
_GB_IMPLICIT_MPH = {"nsl_single": 60, "nsl_dual": 70, "motorway": 70, "nsl_restricted": 30}

_SPEED = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*(km/h|kmh|kph|mph|knots)?", re.ASCII | re.IGNORECASE)
_ZONE = re.compile(r"zone\s*:?\s*([0-9]+(?:\.[0-9]+)?)", re.ASCII | re.IGNORECASE)
_COUNTRY = re.compile(r"[A-Za-z]{2}", re.ASCII)
_UNIT_KPH = {None: 1.0, "km/h": 1.0, "kmh": 1.0, "kph": 1.0, "mph": MPH_KPH, "knots": KNOT_KPH}
_MAX_PLAUSIBLE_KPH = 300.0  # above this it is a typo, not a speed limit


class RoadImportError(ValueError):
    """The file could not be turned into a road network; the message is meant for the user."""


@dataclass(frozen=True)
class ImportSummary:
    ways_kept: int
    ways_skipped_by_class: int = 0  # highway=footway, path, cycleway, ...: not for a police car
    ways_skipped_by_tag: int = 0  # area=yes, motor_vehicle=no, fewer than two distinct nodes
    ways_missing_nodes: int = 0  # referenced a node the file does not contain (clipped extract)
    nodes: int = 0
    skipped_highways: dict[str, int] = field(default_factory=dict)  # highway value -> ways skipped by class

    @property
    def ways_skipped(self) -> int:
        return self.ways_skipped_by_class + self.ways_skipped_by_tag + self.ways_missing_nodes


def read_osm(path: Path | str) -> tuple[RoadData, ImportSummary]:
    """The drivable road network in an OSM file, and what was left out of it."""
    path = Path(path)
    if not path.exists():
        raise RoadImportError(f"{path}: no such file")
    if not path.is_file():
        raise RoadImportError(f"{path}: not a file")
    try:
        ways, skipped_by_class, skipped_by_tag = _read_ways(path)
        if not ways:
            raise RoadImportError(f"{path.name}: no drivable roads in this file")
        coords = _read_nodes(path, {ref for way in ways for ref in way.nodes})
    except RoadImportError:
        raise
    except (RuntimeError, ValueError, OSError) as exc:
        # libosmium reports bad input (wrong format, broken XML or PBF, unreadable file) as
        # RuntimeError with a one-line reason; the user gets that line, not a traceback.
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RoadImportError(f"{path.name} could not be read as OpenStreetMap data: {reason}") from exc

    kept = [way for way in ways if all(ref in coords for ref in way.nodes)]
    if not kept:
        raise RoadImportError(f"{path.name}: no drivable roads with all their nodes in this file")
    nodes = {ref: coords[ref] for way in kept for ref in way.nodes}
    summary = ImportSummary(
        ways_kept=len(kept),
        ways_skipped_by_class=skipped_by_class.total(),
        ways_skipped_by_tag=skipped_by_tag,
        ways_missing_nodes=len(ways) - len(kept),
        nodes=len(nodes),
        skipped_highways=dict(skipped_by_class),
    )
    return RoadData(nodes=nodes, ways=kept), summary


def _read_ways(path: Path) -> tuple[list[Way], Counter[str], int]:
    import osmium  # a compiled extension: only load it when a file is actually read

    processor = osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(osmium.filter.KeyFilter("highway"))
    ways: list[Way] = []
    skipped_by_class: Counter[str] = Counter()
    skipped_by_tag = 0
    for obj in processor:
        tags = obj.tags
        highway = tags.get("highway", "")
        if highway not in DRIVABLE:
            skipped_by_class[highway] += 1
            continue
        refs = _distinct_consecutive(node.ref for node in obj.nodes)
        if tags.get("area") == "yes" or _no_motor_vehicles(tags) or len(refs) < 2:
            skipped_by_tag += 1
            continue
        ways.append(
            Way(
                nodes=refs,
                highway=highway,
                oneway=parse_oneway(highway, tags.get("oneway"), tags.get("junction")),
                maxspeed_kph=parse_maxspeed(tags.get("maxspeed", "")),
                name=tags.get("name") or tags.get("ref") or None,
            )
        )
    return ways, skipped_by_class, skipped_by_tag


def _read_nodes(path: Path, wanted: set[int]) -> dict[int, tuple[float, float]]:
    import osmium

    processor = osmium.FileProcessor(str(path), osmium.osm.NODE)
    # IdFilter drops unwanted nodes inside libosmium, which matters on big extracts, but it
    # only takes positive ids; files with negative ids are small unsaved editor files.
    if min(wanted) > 0:
        processor.with_filter(osmium.filter.IdFilter(wanted))
    coords: dict[int, tuple[float, float]] = {}
    for node in processor:
        location = node.location
        if node.id in wanted and location.valid():
            coords[node.id] = (location.lat, location.lon)
    return coords


def _distinct_consecutive(refs) -> tuple[int, ...]:
    """Node ids with immediate repeats removed: broken data sometimes lists a node twice."""
    out: list[int] = []
    for ref in refs:
        if not out or out[-1] != ref:
            out.append(ref)
    return tuple(out)


def _no_motor_vehicles(tags) -> bool:
    """True when the way is closed to motor vehicles as such, not merely to the public.

    access=no/private stays in: that is a legal restriction (private estates, hospital
    grounds, gated roads) which a police car on a call is allowed and expected to ignore.
    motor_vehicle=no (or motorcar=no, vehicle=no) usually marks a way a car physically
    can't use - a filtered or pedestrianised street, a greenway tagged highway=service - so
    routing a response through it would give an ETA nobody can drive. The most specific key
    present decides, so motor_vehicle=yes overrides vehicle=no.
    """
    for key in ("motorcar", "motor_vehicle", "vehicle"):
        value = tags.get(key)
        if value is not None:
            return value.strip().lower() == "no"
    return False


def parse_oneway(highway: str, oneway: str | None, junction: str | None = None) -> int:
    """1 one-way in drawing order, -1 against it, 0 both ways."""
    value = (oneway or "").strip().lower()
    if value in ("yes", "true", "1"):
        return 1
    if value in ("-1", "reverse"):
        return -1
    # reversible/alternating roads change direction by time of day or by signal; we have no
    # clock on the graph, and closing them entirely would cut routes, so both ways it is.
    if value in ("no", "false", "0", "reversible", "alternating"):
        return 0
    implied = highway in _IMPLIED_ONEWAY_HIGHWAYS or (junction or "").strip().lower() in _IMPLIED_ONEWAY_JUNCTIONS
    return 1 if implied else 0


def parse_maxspeed(value: str) -> float | None:
    """A maxspeed=* value in km/h, or None when it gives no usable limit.

    Several values ("50;30") mean the road changes limit or is tagged ambiguously; the lower
    one is the one that can be relied on.
    """
    speeds = [speed for part in value.split(";") if (speed := _parse_one_speed(part.strip())) is not None]
    return min(speeds) if speeds else None


def _parse_one_speed(text: str) -> float | None:
    country, colon, rest = text.partition(":")
    if colon and _COUNTRY.fullmatch(country):
        return _parse_implicit(country.upper(), rest.strip())
    return _parse_explicit(text, default_kph_per_unit=1.0)


def _parse_implicit(country: str, rest: str) -> float | None:
    """Country-coded values: GB:nsl_single, GB:zone20, DE:zone:30, GB:30 mph, ..."""
    uk = country in ("GB", "UK")
    unit = MPH_KPH if uk else 1.0  # UK limits are in mph, everywhere else's in km/h
    if uk and rest.lower() in _GB_IMPLICIT_MPH:
        return _GB_IMPLICIT_MPH[rest.lower()] * MPH_KPH
    zone = _ZONE.fullmatch(rest)
    if zone:
        return _plausible(float(zone[1]) * unit)
    # Other implicit values (DE:urban, FR:rural, ...) vary by country and vehicle; leaving
    # them out lets the graph fall back to its per-class default speeds.
    return _parse_explicit(rest, default_kph_per_unit=unit)


def _parse_explicit(text: str, default_kph_per_unit: float) -> float | None:
    match = _SPEED.fullmatch(text)
    if not match:
        return None  # none, signals, walk, variable, or garbage
    unit = match[2].lower() if match[2] else None
    per_unit = default_kph_per_unit if unit is None else _UNIT_KPH[unit]
    return _plausible(float(match[1]) * per_unit)


def _plausible(kph: float) -> float | None:
    return kph if math.isfinite(kph) and 0 < kph <= _MAX_PLAUSIBLE_KPH else None
