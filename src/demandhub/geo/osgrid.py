"""Ordnance Survey National Grid references: what mountain rescue, the fire service and OS maps
give ("TQ 30080 80190", "TQ 300 801", "530080, 180190").

A lettered reference names a square: two letters pick a 100 km square, then n digits of easting
and n of northing (n = 0..5) pick a square of 10**(5-n) metres inside it, counted from its
south-west corner (OS references truncate, they do not round). The Fix is the square's centre and
`uncertainty_m` half its diagonal (a 10-figure reference: 1 m square, 0.71 m; 6-figure: 100 m
square, 71 m). Numeric eastings and northings in metres ("530080, 180190", as a GIS exports
them) are a point given to the metre (or to their decimals): the Fix is that point and
`uncertainty_m` half the diagonal of one unit of its last digit.

OSGB36 / British National Grid (EPSG:27700) -> WGS84 (EPSG:4326) uses pyproj, never the network:
the transformation is an explicit pipeline, so PROJ cannot decide to fetch a grid from its CDN
even when PROJ_NETWORK=ON. If the OS's OSTN15 NTv2 grid file is already on this machine (PROJ's
data directories), it is used (agrees with the OS definitive transformation to ~0.1 m; gives
ETRS89, which is within ~1 m of WGS84). Otherwise the EPSG 7-parameter Helmert transformation
"OSGB36 to WGS 84 (6)" is used: EPSG states 2 m, and across Great Britain it is within a few
metres (up to ~5 m) of OSTN15. `Fix.details["datum_transform"]` says which was used; the stated
`uncertainty_m` is the square only, not this datum error.
"""

from __future__ import annotations

import math
import os
import re
import threading
from pathlib import Path

import pyproj
from pyproj import Transformer

from demandhub.geo.fix import Fix, LocationError

FIELD = "grid_reference"
LETTERS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"  # 5 x 5, no I, row A-E at the top (north)
GRID_MAX_E = 700_000  # the National Grid: 0..700 km east, 0..1300 km north of the false origin
GRID_MAX_N = 1_300_000
_MAX_TEXT = 60

_TMERC = (
    "+step +inv +proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 +ellps=airy"
)
# EPSG "OSGB36 to WGS 84 (6)", exactly as PROJ's database gives it (no grids, no network).
HELMERT_PIPELINE = (
    "+proj=pipeline " + _TMERC + " +step +proj=push +v_3 +step +proj=cart +ellps=airy"
    " +step +proj=helmert +x=446.448 +y=-125.157 +z=542.06 +rx=0.15 +ry=0.247 +rz=0.842"
    " +s=-20.489 +convention=position_vector +step +inv +proj=cart +ellps=WGS84"
    " +step +proj=pop +v_3 +step +proj=unitconvert +xy_in=rad +xy_out=deg"
)
HELMERT_NAME = "OSGB36 to WGS 84 (6): 7-parameter Helmert, within a few metres (<= ~5 m) in GB"
OSTN15_FILES = ("uk_os_OSTN15_NTv2_OSGBtoETRS.tif", "OSTN15_NTv2_OSGBtoETRS.gsb")
OSTN15_NAME = "OSTN15 NTv2 grid (local file), ~0.1 m; ETRS89 taken as WGS84 (<1 m)"

_LETTERED = re.compile(r"([A-Z]{2})\s*(\d*)(?:\s+(\d+))?")
_NUMERIC = re.compile(r"(\d{1,7}(?:\.\d{1,3})?)\s*(?:,\s*|\s+)(\d{1,7}(?:\.\d{1,3})?)")


def _ostn15_file() -> Path | None:
    """The OSTN15 grid if it is already on disk in one of PROJ's data directories."""
    dirs: list[str] = []
    for d in (pyproj.datadir.get_data_dir(), pyproj.datadir.get_user_data_dir(), os.environ.get("PROJ_DATA"), os.environ.get("PROJ_LIB")):
        if d:
            dirs.extend(d.split(os.pathsep))
    for d in dirs:
        for name in OSTN15_FILES:
            path = Path(d) / name
            if path.is_file():
                return path
    return None


def _pipeline() -> tuple[str, str]:
    grid = _ostn15_file()
    if grid is None:
        return HELMERT_PIPELINE, HELMERT_NAME
    return (
        f"+proj=pipeline {_TMERC} +step +proj=hgridshift +grids={grid} +step +proj=unitconvert +xy_in=rad +xy_out=deg",
        OSTN15_NAME,
    )


_PIPELINE, DATUM_TRANSFORM = _pipeline()
_local = threading.local()  # pyproj transformers are cheap; one per thread avoids sharing PROJ state


def _transformer() -> Transformer:
    t = getattr(_local, "transformer", None)
    if t is None:
        # forward: easting, northing (m) -> longitude, latitude (deg); inverse the other way
        t = _local.transformer = Transformer.from_pipeline(_PIPELINE)
    return t


def grid_to_wgs84(easting: float, northing: float) -> tuple[float, float]:
    """(latitude, longitude) in WGS84 for a British National Grid point in metres."""
    lon, lat = _transformer().transform(easting, northing)
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise LocationError("the grid reference could not be converted", field=FIELD)
    return lat, lon


def wgs84_to_grid(lat: float, lon: float) -> tuple[float, float]:
    """(easting, northing) in metres on the British National Grid for a WGS84 point."""
    e, n = _transformer().transform(lon, lat, direction="INVERSE")
    return e, n


def _square_origin(letters: str) -> tuple[int, int]:
    """South-west corner (m) of a lettered 100 km square, e.g. "TQ" -> (500000, 100000)."""
    if any(ch not in LETTERS for ch in letters):
        raise LocationError(f"{letters!r} are not National Grid letters (I is not used)", field=FIELD)
    first, second = LETTERS.index(letters[0]), LETTERS.index(letters[1])
    # First letter: 500 km squares with S at the false origin; second: 100 km squares within it.
    e = (first % 5 - 2) * 500_000 + (second % 5) * 100_000
    n = (3 - first // 5) * 500_000 + (4 - second // 5) * 100_000
    if not (0 <= e < GRID_MAX_E and 0 <= n < GRID_MAX_N):
        raise LocationError(f"{letters} is outside the National Grid", field=FIELD)
    return e, n


def parse_grid_reference(text: str) -> Fix:
    """A National Grid reference -> the centre of the square it names (see the module notes)."""
    if not isinstance(text, str):
        raise LocationError("a grid reference must be text", field=FIELD)
    raw = text.strip()
    if not raw:
        raise LocationError("no grid reference given", field=FIELD)
    if len(raw) > _MAX_TEXT:
        raise LocationError("too long to be a grid reference", field=FIELD)
    upper = raw.upper()
    if not upper.isascii():
        raise LocationError("not a grid reference", field=FIELD)
    if m := _LETTERED.fullmatch(upper):
        return _lettered(m.group(1), m.group(2), m.group(3), raw)
    if m := _NUMERIC.fullmatch(upper):
        return _numeric(m.group(1), m.group(2), raw)
    raise LocationError("not a grid reference (e.g. 'TQ 30080 80190' or '530080, 180190')", field=FIELD)


def _lettered(letters: str, first: str, second: str | None, raw: str) -> Fix:
    if second is None:
        if len(first) % 2:
            raise LocationError("a grid reference needs an even number of digits", field=FIELD)
        half = len(first) // 2
        e_digits, n_digits = first[:half], first[half:]
    else:
        e_digits, n_digits = first, second
        if len(e_digits) != len(n_digits) or not e_digits:
            raise LocationError("the easting and northing need the same number of digits", field=FIELD)
    n_per_axis = len(e_digits)
    if n_per_axis > 5:
        raise LocationError("a grid reference has at most 10 digits", field=FIELD)
    e0, n0 = _square_origin(letters)
    size = 10 ** (5 - n_per_axis)
    e = e0 + (int(e_digits) * size if e_digits else 0)
    n = n0 + (int(n_digits) * size if n_digits else 0)
    centre_e, centre_n = e + size / 2, n + size / 2
    lat, lon = grid_to_wgs84(centre_e, centre_n)
    label = " ".join(p for p in (letters, e_digits, n_digits) if p)
    return Fix(
        latitude=lat,
        longitude=lon,
        source="os_grid",
        uncertainty_m=size * math.sqrt(2) / 2,
        label=label,
        details={
            "as_given": raw,
            "easting": centre_e,
            "northing": centre_n,
            "square_m": size,
            "datum_transform": DATUM_TRANSFORM,
        },
    )


def _numeric(e_text: str, n_text: str, raw: str) -> Fix:
    e, n = float(e_text), float(n_text)
    if not (0 <= e < GRID_MAX_E and 0 <= n < GRID_MAX_N):
        raise LocationError("those eastings and northings are outside the National Grid", field=FIELD)
    decimals = max(len(t.partition(".")[2]) for t in (e_text, n_text))
    unit = 10.0**-decimals
    lat, lon = grid_to_wgs84(e, n)
    return Fix(
        latitude=lat,
        longitude=lon,
        source="os_grid",
        uncertainty_m=unit * math.sqrt(2) / 2,
        label=f"{e_text}, {n_text}",
        details={"as_given": raw, "easting": e, "northing": n, "square_m": unit, "datum_transform": DATUM_TRANSFORM},
    )


def to_grid_reference(lat: float, lon: float, digits: int = 10) -> str:
    """The lettered reference ("TQ 30080 80190") of the square containing a WGS84 point.
    `digits` is the total number of digits, even, 0..10. Outside the grid: LocationError."""
    if not isinstance(digits, int) or isinstance(digits, bool) or digits % 2 or not 0 <= digits <= 10:
        raise LocationError(f"{digits!r} digits: a grid reference has an even number, 0 to 10", field=FIELD)
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError) as exc:
        raise LocationError("the point is not a pair of numbers", field=FIELD) from exc
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise LocationError("the point is not a latitude and longitude", field=FIELD)
    e, n = wgs84_to_grid(lat, lon)
    if not (math.isfinite(e) and math.isfinite(n) and 0 <= e < GRID_MAX_E and 0 <= n < GRID_MAX_N):
        raise LocationError("the point is outside the National Grid", field=FIELD)
    e_m, n_m = math.floor(e), math.floor(n)
    e100, n100 = e_m // 100_000, n_m // 100_000
    # Inverse of _square_origin: 500 km square (S at origin), then the 100 km square within it.
    first = _first_letter(e100, n100)
    second = LETTERS[(4 - n100 % 5) * 5 + e100 % 5]
    per_axis = digits // 2
    if per_axis == 0:
        return first + second
    size = 10 ** (5 - per_axis)
    e_digits = str((e_m % 100_000) // size).zfill(per_axis)
    n_digits = str((n_m % 100_000) // size).zfill(per_axis)
    return f"{first}{second} {e_digits} {n_digits}"


def _first_letter(e100: int, n100: int) -> str:
    col = e100 // 5 + 2  # S is column 2, row 3 of the 5 x 5 letter block
    row = 3 - n100 // 5
    return LETTERS[row * 5 + col]
