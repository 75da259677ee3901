"""Open Location Code ("plus codes"): what Google Maps shows a caller who has no address.

Decoding and encoding use the `openlocationcode` package (1.0.1, 2019). It is old, so every row
of Google's current test vectors (encoding, decoding, short codes, validity; copied under
tests/standards/olc) is a test in tests/geo/test_pluscodes.py: if an upgrade or a new vector
ever disagrees, those tests say so.

A full code ("9C3XGV8F+6X") names a rectangle; the Fix is its centre and `uncertainty_m` is
half the rectangle's diagonal (haversine between the south-west and north-east corners, halved):
the furthest the caller can be from the centre while still inside the code. A 10-digit code is
about 14 m x 9 m in Britain, so roughly 8 m.

A short code ("9G8F+6X", perhaps followed by a locality: "9G8F+6X London") drops the first four
or more digits and only means something near a reference point. We recover the nearest full code
to `near` (the force's centre, say); we do not geocode the locality (it is kept in `details`).
Recovery is right only if the true place is within half the dropped cell of `near` (about 50 km
north-south for a 4-digit drop), which a force area is: the label says the code was recovered so
a handler can question it.
"""

from __future__ import annotations

import math
import re

from openlocationcode import openlocationcode as olc

from demandhub.geo.fix import Fix, LocationError
from demandhub.geo.points import haversine_m

FIELD = "plus_code"
_MAX_TEXT = 200  # a code plus a locality; anything longer is not something a caller read out
# The only characters a code may hold (the package checks the rest of the grammar). Filtering
# first keeps exotic Unicode (whose .upper() may expand) away from the package's checks.
_CODE_CHARS = re.compile(r"[23456789CFGHJMPQRVWX0+]+", re.IGNORECASE)
_VALID_LENGTHS = (2, 4, 6, 8, 10, 11, 12, 13, 14, 15)


def _check_point(lat: float, lon: float, what: str, field: str) -> tuple[float, float]:
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError) as exc:
        raise LocationError(f"{what} is not a pair of numbers", field=field) from exc
    if not (math.isfinite(lat) and math.isfinite(lon)) or not -90 <= lat <= 90:
        raise LocationError(f"{what} is not a latitude and longitude", field=field)
    return lat, lon


def _split(text: str) -> tuple[str, str]:
    """The code token and the locality (the rest, e.g. "London"), from "9G8F+6X London"."""
    if not isinstance(text, str):
        raise LocationError("a plus code must be text", field=FIELD)
    text = text.strip()
    if not text:
        raise LocationError("no plus code given", field=FIELD)
    if len(text) > _MAX_TEXT:
        raise LocationError("too long to be a plus code", field=FIELD)
    tokens = text.replace(",", " ").split()
    codes = [t for t in tokens if "+" in t]
    if len(codes) != 1:
        raise LocationError("not a plus code (it needs exactly one code with a '+')", field=FIELD)
    code = codes[0]
    if not _CODE_CHARS.fullmatch(code) or not olc.isValid(code):
        raise LocationError(f"{code!r} is not a valid plus code", field=FIELD)
    locality = " ".join(t for t in tokens if t is not code)
    return code.upper(), locality


def decode_plus_code(text: str, *, near: tuple[float, float] | None = None) -> Fix:
    """A full or short plus code (optionally followed by a locality) -> the centre of its area.

    Short codes need `near` (latitude, longitude); without it: LocationError("a short plus code
    needs a nearby place"). Anything that is not a plus code: LocationError(field="plus_code").
    """
    code, locality = _split(text)
    details: dict = {"code_as_given": code}
    if locality:
        details["locality"] = locality  # not geocoded: recovery uses `near`
    if olc.isFull(code):
        full = code
        label = text.strip()
    elif olc.isShort(code):
        if near is None:
            raise LocationError("a short plus code needs a nearby place", field=FIELD)
        ref_lat, ref_lon = _check_point(*_pair(near), "the nearby place", "near")
        # The package encodes the reference point with the same edge-of-the-world rounding bug
        # as encode(): keep it off the last cell row/column (moves it < 14 m, same cell).
        ref_lat = min(ref_lat, 90 - 0.0000625)
        ref_lon = olc.normalizeLongitude(ref_lon)
        ref_lon = min(ref_lon, 180 - 0.0000625)
        try:
            full = olc.recoverNearest(code, ref_lat, ref_lon)
        except ValueError as exc:
            raise LocationError(f"{code!r} could not be recovered near that place", field=FIELD) from exc
        if not olc.isFull(full):
            raise LocationError(f"{code!r} could not be recovered near that place", field=FIELD)
        details["short_code"] = code
        details["recovered_near"] = (ref_lat, ref_lon)
        label = f"{text.strip()} (short code, recovered as {full} nearest {ref_lat:.4f}, {ref_lon:.4f})"
    else:  # valid but neither full nor short: e.g. a first digit beyond latitude 90
        raise LocationError(f"{code!r} is not a plus code for a place on Earth", field=FIELD)
    try:
        area = olc.decode(full)
    except ValueError as exc:  # not expected after isFull; never let it escape as a bare error
        raise LocationError(f"{full!r} could not be decoded", field=FIELD) from exc
    details.update(
        code=full,
        code_length=area.codeLength,
        bounds=(area.latitudeLo, area.longitudeLo, area.latitudeHi, area.longitudeHi),
    )
    half_diagonal = haversine_m(area.latitudeLo, area.longitudeLo, area.latitudeHi, area.longitudeHi) / 2
    return Fix(
        latitude=area.latitudeCenter,
        longitude=area.longitudeCenter,
        source="plus_code",
        uncertainty_m=half_diagonal,
        label=label,
        details=details,
    )


def _pair(near) -> tuple[float, float]:
    try:
        lat, lon = near
    except (TypeError, ValueError) as exc:
        raise LocationError("the nearby place must be (latitude, longitude)", field="near") from exc
    return lat, lon


def encode_plus_code(lat: float, lon: float, length: int = 10) -> str:
    """The full plus code of `length` digits (2, 4, 6, 8, 10-15; longer is cut to 15) for a point.
    Latitude is clipped to +-90 and longitude wrapped, as the specification says."""
    lat, lon = _finite(lat, lon)
    if not isinstance(length, int) or isinstance(length, bool) or (length < 15 and length not in _VALID_LENGTHS):
        raise LocationError(f"{length!r} is not a plus code length", field=FIELD)
    length = min(length, 15)
    # openlocationcode 1.0.1 rounds to 6 decimal places of its internal integers, so a point a
    # hair below latitude 90 (or longitude 180) rounds up into a cell that does not exist ("FF..."
    # is not a valid code). A point in the top row / last column of cells is moved to that cell's
    # centre first: same cell, same code, never off the edge. No vector row changes.
    lat = min(90.0, max(-90.0, lat))
    lon = olc.normalizeLongitude(lon)
    lat_step = olc.computeLatitudePrecision(length)
    lng_step = lat_step if length <= 10 else 0.000125 / 4 ** (length - 10)
    if lat > 90 - lat_step:
        lat = 90 - lat_step / 2
    if lon > 180 - lng_step:
        lon = 180 - lng_step / 2
    return olc.encode(lat, lon, length)


def _finite(lat: float, lon: float) -> tuple[float, float]:
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError) as exc:
        raise LocationError("the point is not a pair of numbers", field=FIELD) from exc
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise LocationError("the point is not a latitude and longitude", field=FIELD)
    return lat, lon
