"""UK postcodes: the format rules, and a lookup in a table the force supplies.

Format (Royal Mail / BS 7666): an outward code, a space, an inward code.
  outward  A9, A99, AA9, AA99, A9A, AA9A    (A a letter, 9 a digit)
  inward   9AA
with letters restricted by position:
  1st letter        not Q V X
  2nd letter (AA..) not I J Z
  3rd (A9A)         only A B C D E F G H J K P S T U W
  4th (AA9A)        only A B E H M N P R V W X Y
  inward letters    not C I K M O V
plus the one historic exception GIR 0AA (Girobank). Non-geographic codes (BFPO, the overseas
territories' "ASCN 1ZZ" style) are not accepted: they name no place a patrol can go.

A postcode is not a position. The lookup table (columns postcode, latitude, longitude in WGS84,
e.g. the ONS Postcode Directory or Code-Point Open converted) gives one point per postcode; a
postcode covers ~15 addresses on average (up to ~100), typically a street or part of one, so
the Fix claims 100 m. Rural postcodes can spread over kilometres: the handler sees "postcode".
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from demandhub.geo.fix import Fix, LocationError

FIELD = "postcode"
POSTCODE_UNCERTAINTY_M = 100.0  # a unit postcode: ~15 addresses, typically a street or part of one
DEMO_TABLE = Path(__file__).with_name("demo_postcodes.csv")

_OUTWARD = (
    r"[A-PR-UWYZ][0-9]{1,2}"  # A9, A99
    r"|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}"  # AA9, AA99
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]"  # A9A
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]"  # AA9A
)
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"  # no C I K M O V
_POSTCODE = re.compile(rf"(?P<outward>{_OUTWARD})(?P<inward>{_INWARD})|(?P<gir>GIR0AA)")
_MAX_TEXT = 20

# Where a British postcode can be (Scilly and Jersey to Shetland, Lowestoft to Fermanagh), with
# room to spare: a row outside it is a swapped or broken column, not a place.
UK_BOUNDS = (49.0, -8.7, 61.0, 2.0)  # min lat, min lon, max lat, max lon

_ALIASES = {
    "postcode": "postcode",
    "pcds": "postcode",  # ONS Postcode Directory
    "pcd": "postcode",
    "latitude": "latitude",
    "lat": "latitude",
    "longitude": "longitude",
    "long": "longitude",
    "lon": "longitude",
    "lng": "longitude",
}


def normalise_postcode(text: str) -> str:
    """"sw1a2aa" -> "SW1A 2AA". Anything that is not a UK postcode: LocationError(field="postcode")."""
    if not isinstance(text, str):
        raise LocationError("a postcode must be text", field=FIELD)
    if len(text) > _MAX_TEXT * 4:
        raise LocationError("too long to be a postcode", field=FIELD)
    compact = "".join(text.split()).upper()
    if not compact:
        raise LocationError("no postcode given", field=FIELD)
    if not compact.isascii() or len(compact) > 7 or not (m := _POSTCODE.fullmatch(compact)):
        raise LocationError(f"{text.strip()[:_MAX_TEXT]!r} is not a UK postcode", field=FIELD)
    if m.group("gir"):
        return "GIR 0AA"
    return f"{m.group('outward')} {m.group('inward')}"


@dataclass(frozen=True)
class PostcodeProblem:
    """A row of a postcode file that was not loaded, and why."""

    line: int  # 1-based line in the file
    text: str  # the row as read
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}: {self.text!r}"


class PostcodeTable:
    """Postcode -> (latitude, longitude), from a file the force supplies. Immutable once built."""

    def __init__(self, points: Mapping[str, tuple[float, float]], *, name: str = "local postcode table"):
        self._points: dict[str, tuple[float, float]] = {}
        for postcode, (lat, lon) in points.items():
            self._points[normalise_postcode(postcode)] = _check_position(lat, lon)
        self.name = name

    @classmethod
    def from_csv(cls, path: Path | str) -> tuple[PostcodeTable, list[PostcodeProblem]]:
        """Load a CSV with a header naming postcode, latitude, longitude (also ONSPD's pcds,
        lat, long); other columns are ignored; lines starting with '#' are comments.

        Strict: every row that cannot be used (bad postcode, missing or non-numeric or
        out-of-range coordinates, outside the UK, a repeated postcode) is returned as a
        PostcodeProblem, never silently dropped; the first occurrence of a repeated postcode is
        kept. A file without the needed columns raises ValueError."""
        path = Path(path)
        problems: list[PostcodeProblem] = []
        points: dict[str, tuple[float, float]] = {}
        first_line: dict[str, int] = {}
        with path.open(encoding="utf-8-sig", newline="") as f:
            numbers: list[int] = []

            def content():
                for number, line in enumerate(f, start=1):
                    if line.strip() and not line.lstrip().startswith("#"):
                        numbers.append(number)
                        yield line

            reader = csv.reader(content())
            header = next(reader, None)
            if header is None:
                raise ValueError(f"{path}: no header row (postcode, latitude, longitude)")
            columns = _columns(header, path)
            for row in reader:
                line = numbers[reader.line_num - 1]
                text = ",".join(row)
                try:
                    postcode = normalise_postcode(row[columns["postcode"]])
                except IndexError:
                    problems.append(PostcodeProblem(line, text, "missing columns"))
                    continue
                except LocationError:
                    problems.append(PostcodeProblem(line, text, "not a valid postcode"))
                    continue
                try:
                    lat_text, lon_text = row[columns["latitude"]], row[columns["longitude"]]
                    position = _check_position(float(lat_text), float(lon_text))
                except IndexError:
                    problems.append(PostcodeProblem(line, text, "missing columns"))
                    continue
                except ValueError as exc:
                    reason = str(exc) if isinstance(exc, LocationError) else "latitude/longitude are not numbers"
                    problems.append(PostcodeProblem(line, text, reason))
                    continue
                if postcode in points:
                    problems.append(PostcodeProblem(line, text, f"repeats {postcode} from line {first_line[postcode]}"))
                    continue
                points[postcode] = position
                first_line[postcode] = line
        table = cls({}, name=path.name)
        table._points = points
        return table, problems

    @classmethod
    def demo(cls) -> PostcodeTable:
        """The invented demo-county table shipped beside this module (demo_postcodes.csv)."""
        table, problems = cls.from_csv(DEMO_TABLE)
        if problems:  # a broken shipped file is a bug, not something to limp past
            raise ValueError("; ".join(str(p) for p in problems))
        return table

    def lookup(self, text: str) -> Fix:
        """The table's point for a postcode. Not a postcode: LocationError; a valid postcode the
        table lacks: LocationError("postcode not in the local table"); both field="postcode"."""
        postcode = normalise_postcode(text)
        try:
            lat, lon = self._points[postcode]
        except KeyError:
            raise LocationError("postcode not in the local table", field=FIELD) from None
        return Fix(
            latitude=lat,
            longitude=lon,
            source="postcode",
            uncertainty_m=POSTCODE_UNCERTAINTY_M,
            label=postcode,
            details={"table": self.name, "as_given": text.strip()},
        )

    def __len__(self) -> int:
        return len(self._points)

    def __contains__(self, text: object) -> bool:
        try:
            return normalise_postcode(text) in self._points  # type: ignore[arg-type]
        except LocationError:
            return False

    def postcodes(self) -> list[str]:
        return sorted(self._points)


def _columns(header: list[str], path: Path) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        key = _ALIASES.get(name.strip().lower())
        if key and key not in columns:
            columns[key] = index
    missing = [c for c in ("postcode", "latitude", "longitude") if c not in columns]
    if missing:
        raise ValueError(f"{path}: the header has no {', '.join(missing)} column (got {header})")
    return columns


def _check_position(lat: float, lon: float) -> tuple[float, float]:
    lat, lon = float(lat), float(lon)
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise LocationError("latitude/longitude are not finite numbers", field=FIELD)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise LocationError("latitude/longitude out of range (no position recorded?)", field=FIELD)
    min_lat, min_lon, max_lat, max_lon = UK_BOUNDS
    if not (min_lat <= lat <= max_lat and min_lon <= lon <= max_lon):
        raise LocationError("position is outside the UK (latitude and longitude swapped?)", field=FIELD)
    return lat, lon
