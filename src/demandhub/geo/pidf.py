"""PIDF-LO location objects (RFC 4119, RFC 5491 shapes, RFC 5139 civic addresses, RFC 7459).

`parse_pidf_lo(xml)` reads a `<presence>` document and returns one `PidfLocation` per location
value found in each `<gp:geopriv>/<gp:location-info>` (of a `<tuple>`, `<dm:device>` or
`<dm:person>`):

- a geodetic shape becomes a `Fix(source="pidf_lo")`: Point (no uncertainty); Circle and Sphere
  (radius); Ellipse and Ellipsoid (semi-major axis); Polygon and Prism (area centroid, and the
  largest distance from it to a vertex); ArcBand (the middle of the band, and the largest
  distance from there to the band's edge: the cell-mast centre itself is not where the caller
  is). 3D shapes (EPSG 4979) give their 2D centre; altitude goes into `details`.
- a civic address gives `.civic` (element name -> text) and `.address` (one readable line);
  `.fix` is None: a civic address carries no position.
- a location-info holding only RFC 5962 dynamic data (speed, heading) gives an entry with
  neither fix nor civic, its `dynamic` dict filled, so the handler sees it was sent.

Coordinates are "latitude longitude" as GML requires for EPSG 4326/4979. Both GML 3.1.1
(`http://www.opengis.net/gml`) and the old RFC 4119 GML 3.0 namespace are read. For the old
form's `<gml:coordinates>37:46:30N 122:25:10W</gml:coordinates>` (RFC 4119's own example, in
Ng911Lib's RFC5491TuplePointLocation.xml) we parse degrees:minutes:seconds with a hemisphere
letter, because the letters make the axis order unambiguous; any other `coordinates` text is
refused (field "coordinates") rather than guessed, since GML 3.0 coordinates default to x,y.

XML is read with defusedxml with DTDs forbidden: XXE, entity expansion (billion laughs) and
any malformed document give a LocationError (field "xml"), never another exception.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

from demandhub.geo.fix import Fix, LocationError

__all__ = ["PidfLocation", "parse_pidf_lo"]

PIDF = "urn:ietf:params:xml:ns:pidf"
DM = "urn:ietf:params:xml:ns:pidf:data-model"
GP = "urn:ietf:params:xml:ns:pidf:geopriv10"
GML = "http://www.opengis.net/gml"
GML30 = "urn:opengis:specification:gml:schema-xsd:feature:v3.0"
GS = "http://www.opengis.net/pidflo/1.0"
CA = "urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr"
CA_EXT = "urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr:ext"
CL_OLD = "urn:ietf:params:xml:ns:pidf:geopriv10:civicLoc"  # RFC 4119 (pre RFC 5139)
CON = "urn:ietf:params:xml:ns:geopriv:conf"
DYN = "urn:ietf:params:xml:ns:pidf:geopriv10:dynamic"

_MAX_BYTES = 1_000_000
_EARTH_R = 6_371_008.8
_M_PER_DEG = _EARTH_R * math.pi / 180
_METRES = {"urn:ogc:def:uom:EPSG::9001"}
_DEGREES = {"urn:ogc:def:uom:EPSG::9102"}
_SRS_DIMS = {
    "urn:ogc:def:crs:EPSG::4326": 2,
    "urn:ogc:def:crs:EPSG::4979": 3,
    "epsg:4326": 2,  # RFC 4119's GML 3.0 example spelling
}


@dataclass(frozen=True)
class PidfLocation:
    fix: Fix | None = None  # geodetic shape -> position; None for civic / dynamic-only
    civic: dict | None = (
        None  # civic address elements by name (country, A1.., RD, HNO, ...)
    )
    address: str | None = None  # civic address as one readable line
    shape: str | None = None  # Point, Circle, Polygon, ... or "civicAddress"
    method: str | None = None  # <gp:method>: GPS, 802.11, Manual, OTDOA ...
    timestamp: datetime | None = None  # the tuple/device/person <timestamp>
    confidence: float | None = None  # RFC 7459 con:confidence, percent
    provided_by: dict | None = None  # <gp:provided-by> leaf values by element name
    element: str | None = None  # tuple, device or person
    element_id: str | None = None
    dynamic: dict = field(default_factory=dict)  # RFC 5962 speed/heading/orientation


def _err(message: str, name: str) -> LocationError:
    return LocationError(message, field=name)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _ns(tag) -> str:
    return (
        tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""
    )


def _text(el) -> str:
    return (el.text or "").strip() if el is not None else ""


def _float(text: str, name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _err(f"{name} is not a number: {text[:40]!r}", name) from None
    if not math.isfinite(value):
        raise _err(f"{name} is not a finite number", name)
    return value


def _child(el, local: str, namespaces=(GS, GML)):
    for child in el:
        if _local(child.tag) == local and _ns(child.tag) in namespaces:
            return child
    return None


def _length(el, name: str) -> float:
    node = _child(el, name)
    if node is None:
        raise _err(f"{_local(el.tag)} has no {name}", name)
    uom = node.get("uom", "urn:ogc:def:uom:EPSG::9001")
    if uom not in _METRES:
        raise _err(f"{name} must be in metres (EPSG::9001), got {uom[:60]!r}", "uom")
    value = _float(_text(node), name)
    if value < 0:
        raise _err(f"{name} is negative", name)
    return value


def _angle(el, name: str) -> float:
    node = _child(el, name)
    if node is None:
        raise _err(f"{_local(el.tag)} has no {name}", name)
    uom = node.get("uom", "urn:ogc:def:uom:EPSG::9102")
    if uom not in _DEGREES:
        raise _err(f"{name} must be in degrees (EPSG::9102), got {uom[:60]!r}", "uom")
    return _float(_text(node), name)


def _check(lat: float, lon: float) -> None:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise _err(f"position out of range: {lat} {lon}", "pos")


def _positions(text: str, dims: int) -> list[tuple[float, ...]]:
    numbers = [_float(t, "pos") for t in text.split()]
    if not numbers or len(numbers) % dims:
        raise _err(
            f"expected coordinates in groups of {dims}, got {len(numbers)} numbers",
            "pos",
        )
    points = [tuple(numbers[i : i + dims]) for i in range(0, len(numbers), dims)]
    for p in points:
        _check(p[0], p[1])
    return points


def _pos(el, dims: int) -> tuple[float, ...]:
    node = _child(el, "pos", (GML,))
    if node is None:
        raise _err(f"{_local(el.tag)} has no gml:pos", "pos")
    points = _positions(_text(node), dims)
    if len(points) != 1:
        raise _err("gml:pos must hold exactly one position", "pos")
    return points[0]


def _srs_dims(el, inherited: int | None) -> int:
    srs = el.get("srsName")
    if srs is None:
        if inherited is None:
            raise _err(f"{_local(el.tag)} has no srsName", "srsName")
        return inherited
    dims = _SRS_DIMS.get(srs.strip())
    if dims is None:
        raise _err(
            f"unsupported srsName {srs[:60]!r} (EPSG 4326 or 4979 only)", "srsName"
        )
    return dims


# --- planar helpers: a local east/north tangent plane in metres around a reference point


def _to_xy(lat, lon, lat0, lon0):
    dlon = (lon - lon0 + 540) % 360 - 180
    return dlon * _M_PER_DEG * math.cos(math.radians(lat0)), (lat - lat0) * _M_PER_DEG


def _from_xy(x, y, lat0, lon0):
    lat = lat0 + y / _M_PER_DEG
    coslat = max(math.cos(math.radians(lat0)), 1e-9)
    lon = (lon0 + x / (_M_PER_DEG * coslat) + 540) % 360 - 180
    return max(-90.0, min(90.0, lat)), lon


def _distance(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_R * math.asin(min(1.0, math.sqrt(a)))


def _polygon(poly, dims: int):
    """Centroid (lat, lon), largest centroid-vertex distance, and mean altitude for 3D."""
    exterior = _child(poly, "exterior", (GML,))
    ring = _child(exterior, "LinearRing", (GML,)) if exterior is not None else None
    if ring is None:
        raise _err("Polygon has no gml:exterior/gml:LinearRing", "Polygon")
    points: list[tuple[float, ...]] = []
    for node in ring:
        if _ns(node.tag) == GML and _local(node.tag) in ("pos", "posList"):
            points.extend(_positions(_text(node), dims))
    if len(points) > 1 and points[0] == points[-1]:
        points = points[:-1]
    if len(points) < 3:
        raise _err("Polygon needs at least 3 distinct vertices", "Polygon")
    lat0, lon0 = points[0][0], points[0][1]
    xy = [_to_xy(p[0], p[1], lat0, lon0) for p in points]
    area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(xy, xy[1:] + xy[:1]):
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if abs(area) > 1e-6:
        cx, cy = cx / (3 * area), cy / (3 * area)
    else:  # degenerate (all in a line): fall back to the vertex mean
        cx = sum(x for x, _ in xy) / len(xy)
        cy = sum(y for _, y in xy) / len(xy)
    lat, lon = _from_xy(cx, cy, lat0, lon0)
    radius = max(_distance(lat, lon, p[0], p[1]) for p in points)
    altitude = sum(p[2] for p in points) / len(points) if dims == 3 else None
    return lat, lon, radius, altitude


def _arcband(el, dims: int):
    centre = _pos(el, dims)
    inner = _length(el, "innerRadius")
    outer = _length(el, "outerRadius")
    if inner > outer:
        raise _err("ArcBand innerRadius is larger than outerRadius", "innerRadius")
    start = _angle(el, "startAngle")
    opening = _angle(el, "openingAngle")
    if not 0 < opening <= 360:
        raise _err("ArcBand openingAngle must be in (0, 360]", "openingAngle")
    # angles are clockwise from north (RFC 5491 5.2.4); x east, y north
    mid_r = (inner + outer) / 2
    mid_a = math.radians(start + opening / 2)
    mx, my = mid_r * math.sin(mid_a), mid_r * math.cos(mid_a)
    radius = 0.0
    steps = 36
    for i in range(steps + 1):
        a = math.radians(start + opening * i / steps)
        for r in (inner, outer):
            radius = max(radius, math.hypot(r * math.sin(a) - mx, r * math.cos(a) - my))
    lat, lon = _from_xy(mx, my, centre[0], centre[1])
    _check(lat, lon)
    return lat, lon, radius


def _shape(el, inherited_dims: int | None = None):
    """A geodetic shape element -> (lat, lon, uncertainty_m, extra details)."""
    name = _local(el.tag)
    dims = _srs_dims(el, inherited_dims)
    extra: dict = {"shape": name, "dimensions": dims}
    if name == "Point":
        p = _pos(el, dims)
        lat, lon, unc = p[0], p[1], None
    elif name in ("Circle", "Sphere"):
        p = _pos(el, dims)
        lat, lon, unc = p[0], p[1], _length(el, "radius")
    elif name in ("Ellipse", "Ellipsoid"):
        p = _pos(el, dims)
        major, minor = _length(el, "semiMajorAxis"), _length(el, "semiMinorAxis")
        lat, lon, unc = p[0], p[1], max(major, minor)
        extra.update(
            semi_major_m=major,
            semi_minor_m=minor,
            orientation_deg=_angle(el, "orientation"),
        )
        if name == "Ellipsoid":
            extra["vertical_axis_m"] = _length(el, "verticalAxis")
    elif name == "ArcBand":
        p = _pos(el, dims)
        lat, lon, unc = _arcband(el, dims)
        extra["arc_centre"] = (p[0], p[1])
    elif name == "Polygon":
        lat, lon, unc, altitude = _polygon(el, dims)
        p = (lat, lon, altitude) if dims == 3 else (lat, lon)
    elif name == "Prism":
        base = _child(el, "base", (GS,))
        poly = _child(base, "Polygon", (GML,)) if base is not None else None
        if poly is None:
            raise _err("Prism has no gs:base/gml:Polygon", "Prism")
        lat, lon, unc, altitude = _polygon(poly, _srs_dims(poly, dims))
        p = (lat, lon, altitude)
        extra["height_m"] = _length(el, "height")
    else:
        raise _err(f"unsupported shape {name[:40]}", "shape")
    if len(p) == 3 and p[2] is not None:
        extra["altitude_m"] = p[2]
    return lat, lon, unc, extra


_DMS = re.compile(r"(\d{1,3}):(\d{1,2}):(\d{1,2}(?:\.\d+)?)([NSEW])")


def _old_gml_point(location_el):
    """RFC 4119-era `<gml:location><gml:Point><gml:coordinates>` (GML 3.0 namespace)."""
    point = _child(location_el, "Point", (GML30,))
    if point is None:
        raise _err("old-style gml:location without gml:Point", "shape")
    srs = (point.get("srsName") or "epsg:4326").strip().lower()
    if srs not in ("epsg:4326", "urn:ogc:def:crs:epsg::4326"):
        raise _err(f"unsupported srsName {srs[:60]!r}", "srsName")
    coords = _child(point, "coordinates", (GML30,))
    pos = _child(point, "pos", (GML30,))
    if pos is not None:
        p = _positions(_text(pos), 2)
        if len(p) != 1:
            raise _err("gml:pos must hold one position", "pos")
        return p[0][0], p[0][1]
    if coords is None:
        raise _err("gml:Point has neither coordinates nor pos", "coordinates")
    parts = _text(coords).split()
    lat = lon = None
    for part in parts:
        m = _DMS.fullmatch(part)
        if not m:
            raise _err(
                f"coordinates not in DD:MM:SS[NSEW] form: {part[:40]!r}", "coordinates"
            )
        deg, minutes, seconds, hemi = int(m[1]), int(m[2]), float(m[3]), m[4]
        if minutes >= 60 or seconds >= 60:
            raise _err(f"bad minutes/seconds in {part!r}", "coordinates")
        value = deg + minutes / 60 + seconds / 3600
        if hemi in "SW":
            value = -value
        if hemi in "NS":
            lat = value if lat is None else None
        else:
            lon = value if lon is None else None
    if len(parts) != 2 or lat is None or lon is None:
        raise _err(
            "coordinates must be one latitude (N/S) and one longitude (E/W)",
            "coordinates",
        )
    _check(lat, lon)
    return lat, lon


# --- civic addresses

_CIVIC_NS = (CA, CA_EXT, CL_OLD)


def _civic(el) -> dict:
    civic: dict = {}
    for child in el:
        if not isinstance(child.tag, str):
            continue
        name = _local(child.tag)
        value = " ".join((child.text or "").split())
        if value and name not in civic:
            civic[name] = value
    return civic


def _address(c: dict) -> str | None:
    def joined(*names):
        return " ".join(c[n] for n in names if c.get(n))

    parts = [
        c.get("NAM"),
        c.get("BLD"),
        f"Unit {c['UNIT']}" if c.get("UNIT") else None,
        f"Room {c['ROOM']}" if c.get("ROOM") else None,
        f"Floor {c['FLR']}" if c.get("FLR") else None,
        c.get("LOC"),
        c.get("LMK"),
    ]
    road = c.get("RD") or c.get("A6")  # RFC 4119 used A6 for the street
    street = " ".join(x for x in (c.get("PRM"), c.get("PRD"), c.get("STP"), road, c.get("STS"),
                                  c.get("POD"), c.get("POM")) if x)  # fmt: skip
    number = joined("HNP", "HNO") + (c.get("HNS") or "")
    parts.append(" ".join(x for x in (number, street) if x))
    parts += [
        f"milepost {c['MP']}" if c.get("MP") else None,
        f"post {c['PN']}" if c.get("PN") else None,
        c.get("RDSEC"), c.get("RDBR"), c.get("RDSUBBR"),
        c.get("A5"), c.get("A4"), c.get("A3"), c.get("PCN"), c.get("A2"), c.get("A1"),
        c.get("PC"),
        f"PO Box {c['POBOX']}" if c.get("POBOX") else None,
        c.get("country"),
    ]  # fmt: skip
    out: list[str] = []
    for part in parts:
        if part and (not out or out[-1].casefold() != part.casefold()):
            out.append(part)
    return ", ".join(out) or None


# --- document walk


def _timestamp(owner) -> datetime | None:
    for child in owner:
        if _local(child.tag) == "timestamp" and _ns(child.tag) in (PIDF, DM):
            text = _text(child)
            try:
                value = datetime.fromisoformat(text.replace("z", "Z"))
            except ValueError:
                raise _err(
                    f"timestamp is not an RFC 3339 time: {text[:40]!r}", "timestamp"
                ) from None
            if value.tzinfo is None:
                raise _err("timestamp has no time zone", "timestamp")
            return value.astimezone(UTC)
    return None


def _leaves(el) -> dict:
    out: dict = {}
    for node in el.iter():
        if node is el or not isinstance(node.tag, str) or len(node):
            continue
        value = _text(node)
        if value and _local(node.tag) not in out:
            out[_local(node.tag)] = value
    return out


def _read_geopriv(geopriv, owner, kind: str) -> list[PidfLocation]:
    method = None
    provided_by = None
    info_blocks = []
    for child in geopriv:
        name = _local(child.tag)
        if name == "method" and _ns(child.tag) in (GP, PIDF):
            method = _text(child) or None
        elif name == "provided-by" and _ns(child.tag) == GP:
            provided_by = _leaves(child) or None
        elif name == "location-info" and _ns(child.tag) == GP:
            info_blocks.append(child)
    timestamp = _timestamp(owner)
    common = {
        "method": method,
        "timestamp": timestamp,
        "provided_by": provided_by,
        "element": kind,
        "element_id": owner.get("id"),
    }

    results: list[PidfLocation] = []
    for info in info_blocks:
        confidence = None
        dynamic: dict = {}
        values = []
        for child in info:
            ns, name = _ns(child.tag), _local(child.tag)
            if ns == CON and name == "confidence":
                confidence = _float(_text(child), "confidence")
                if not 0 < confidence < 100:
                    raise _err(
                        "confidence must be between 0 and 100 percent", "confidence"
                    )
            elif ns == DYN and name == "Dynamic":
                dynamic = _leaves(child)
            elif ns in (GML, GS, GML30) or (
                ns in (CA, CL_OLD) and name == "civicAddress"
            ):
                values.append(child)
        made = []
        for value in values:
            ns, name = _ns(value.tag), _local(value.tag)
            if name == "civicAddress":
                civic = _civic(value)
                made.append(
                    {
                        "civic": civic,
                        "address": _address(civic),
                        "shape": "civicAddress",
                    }
                )
                continue
            if ns == GML30:
                if name != "location":
                    raise _err(f"unsupported GML 3.0 element {name[:40]}", "shape")
                lat, lon = _old_gml_point(value)
                unc, extra = None, {"shape": "Point", "gml": "3.0"}
            else:
                lat, lon, unc, extra = _shape(value)
            made.append({"shape": extra["shape"], "fix": (lat, lon, unc, extra)})
        if not made and dynamic:
            made.append({})
        for item in made:
            fix = None
            if "fix" in item:
                lat, lon, unc, extra = item.pop("fix")
                details = {**extra, "method": method, "confidence": confidence}
                if dynamic:
                    details["dynamic"] = dict(dynamic)
                fix = Fix(latitude=lat, longitude=lon, source="pidf_lo", uncertainty_m=unc,
                          observed_at=timestamp, label=extra["shape"], details=details)  # fmt: skip
            results.append(PidfLocation(fix=fix, confidence=confidence, dynamic=dict(dynamic),
                                        **item, **common))  # fmt: skip
    return results


def _parse_root(xml) -> ET.Element:
    if isinstance(xml, str):
        xml = xml.lstrip("\ufeff")
        size = len(xml)
    elif isinstance(xml, (bytes, bytearray)):
        xml = bytes(xml)
        size = len(xml)
    else:
        raise _err("PIDF-LO must be str or bytes", "xml")
    if size > _MAX_BYTES:
        raise _err("PIDF-LO document too large", "xml")
    try:
        return DET.fromstring(
            xml, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:
        raise _err(f"refused unsafe XML ({type(exc).__name__})", "xml") from None
    except (ET.ParseError, ValueError, UnicodeError, LookupError) as exc:
        raise _err(f"not well-formed XML: {exc}", "xml") from None


def parse_pidf_lo(xml: str | bytes) -> list[PidfLocation]:
    """All location values of a PIDF-LO presence document, in document order."""
    root = _parse_root(xml)
    if root.tag != f"{{{PIDF}}}presence":
        raise _err(
            f"not a PIDF presence document (root {str(root.tag)[:80]!r})", "presence"
        )
    try:
        results: list[PidfLocation] = []
        for owner in root:
            kind = {
                f"{{{PIDF}}}tuple": "tuple",
                f"{{{DM}}}device": "device",
                f"{{{DM}}}person": "person",
            }.get(owner.tag if isinstance(owner.tag, str) else "")
            if kind is None:
                continue
            for geopriv in owner.iter(f"{{{GP}}}geopriv"):
                results.extend(_read_geopriv(geopriv, owner, kind))
        return results
    except LocationError:
        raise
    except (
        ValueError,
        TypeError,
        ArithmeticError,
        KeyError,
        IndexError,
        AttributeError,
    ) as exc:
        # backstop: the contract is "a result or a LocationError", whatever the document
        raise _err(f"unreadable PIDF-LO: {exc}", "xml") from None
