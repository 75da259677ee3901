"""Turn whatever a caller or handler gives for a place into a position with its source:
a what3words address, a plus code, an OS grid reference, a postcode, or latitude and longitude.

Which kind it is follows from its shape, tried from the most distinctive to the least, so
"TQ 300 801" is never read as a postcode nor "9C4WGQ8W+2X" as anything but a plus code.
"""

from __future__ import annotations

import re

from demandhub.geo.fix import Fix, LocationError
from demandhub.geo.osgrid import parse_grid_reference
from demandhub.geo.pluscodes import decode_plus_code
from demandhub.geo.postcodes import PostcodeTable, normalise_postcode
from demandhub.geo.w3w import What3Words, find_three_word_addresses

_DECIMAL_PAIR = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[,\s]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
_GRID_LETTERS = re.compile(r"^\s*[A-Za-z]{2}\s*\d")
_GRID_NUMBERS = re.compile(r"^\s*\d{6}(?:\.\d+)?\s*,?\s*\d{6,7}(?:\.\d+)?\s*$")

KINDS = "what3words (///word.word.word), a plus code, an OS grid reference, a postcode, or latitude, longitude"


def locate(text: str, *, near: tuple[float, float] | None = None, w3w: What3Words | None = None,
           postcodes: PostcodeTable | None = None) -> Fix:
    text = (text or "").strip()
    if not text:
        raise LocationError(f"give a place: {KINDS}")
    if len(text) > 200:
        raise LocationError("that is too long to be a place reference")
    if (pair := _DECIMAL_PAIR.match(text)) is not None:
        lat, lon = float(pair.group(1)), float(pair.group(2))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise LocationError("latitude must be within ±90 and longitude within ±180")
        return Fix(latitude=lat, longitude=lon, source="coordinates", label=text)
    words = find_three_word_addresses(text)
    if len(words) == 1 and text.lstrip("/").strip().lower() == words[0].lower():
        if w3w is None or not w3w.available:
            raise LocationError("what3words is not configured: set DEMANDHUB_W3W_API_KEY", field="what3words")
        return w3w.to_fix(words[0])
    if "+" in text:
        return decode_plus_code(text, near=near)
    grid_problem = None
    if _GRID_LETTERS.match(text) or _GRID_NUMBERS.match(text):
        try:
            return parse_grid_reference(text)
        except LocationError as exc:
            grid_problem = exc  # "NN1 2AB" starts like a grid reference too: try it as a postcode
    try:
        postcode = normalise_postcode(text)
    except LocationError:
        if grid_problem is not None:  # neither: the grid reference's own complaint says more
            raise grid_problem from None
        raise LocationError(f"not a place reference we recognise: give {KINDS}") from None
    if postcodes is None:
        raise LocationError(f"{postcode} is a postcode, but no postcode table is loaded", field="postcode")
    return postcodes.lookup(postcode)
