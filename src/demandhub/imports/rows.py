"""One row of an export checked against its mapping: a call we can store, or a rejection
that says why. Pure: no database, no file. Nothing a cell holds makes it raise.

A rejection's `reason` is the same words for the same fault (so the summary can count them);
the particular value goes in `detail`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from demandhub.imports.mapping import CallMapping, Coded

SOURCE_ID_MAX = 64
KEPT_MAX = 100
SUMMARY_MAX = 280
LOCATION_MAX = 2000  # as a contact taken on the call screen
EARLIEST_YEAR, LATEST_YEAR = 1970, 2100
# Text PostgreSQL cannot store (NUL) or UTF-8 cannot encode (lone surrogates).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_WKT_POINT = re.compile(r"^POINT\s*\(\s*(\S+)\s+(\S+)\s*\)$", re.IGNORECASE)
# The order a call's times must come in: each must not be before any earlier one it has.
TIME_ORDER = ("created", "queued", "dispatched", "en_route", "on_scene")


@dataclass(frozen=True, slots=True)
class Call:
    line: int
    source_id: str
    created: datetime  # UTC, as are all times here
    queued: datetime | None
    dispatched: datetime | None
    en_route: datetime | None
    on_scene: datetime | None
    closed: datetime | None
    grade: str
    incident_type: str
    closing_code: str
    channel: str
    area: str | None
    location_text: str | None
    latitude: float | None
    longitude: float | None
    summary: str
    kept: dict[str, str]
    defaulted: tuple[tuple[str, str], ...] = ()  # (what, their value) that took the mapping's default

    @property
    def opened(self) -> datetime:
        """When the incident opened: entered for dispatch if the source says, else when the call came."""
        return self.queued or self.created

    @property
    def attended(self) -> bool:
        return any(t is not None for t in (self.dispatched, self.en_route, self.on_scene))

    @property
    def last_time(self) -> datetime:
        return max(t for t in (self.created, self.queued, self.dispatched, self.en_route, self.on_scene, self.closed)
                   if t is not None)


@dataclass(frozen=True, slots=True)
class Rejection:
    line: int
    source_id: str | None
    reason: str
    detail: str = ""


class _Rejected(Exception):
    def __init__(self, reason: str, detail: str = ""):
        self.reason, self.detail = reason, detail


@dataclass
class _Lookup:
    what: str
    coded: Coded
    index: int | None
    table: dict[str, str] = field(default_factory=dict)
    noted: bool = True

    def value(self, cells: list[str], defaulted: list) -> str:
        if self.coded.constant is not None:
            return self.coded.constant
        raw = cells[self.index].strip()
        ours = self.table.get(self.coded.fold(raw))
        if ours is not None:
            return ours
        if self.coded.default is not None:
            if self.noted:
                defaulted.append((self.what, raw))
            return self.coded.default
        if not raw:
            raise _Rejected(f"{self.what}: {self.coded.column} is empty and the mapping has no default")
        raise _Rejected(f"{self.what}: {self.coded.column} value {_short(raw)} is not in the mapping",
                        f"{self.coded.column}={_short(raw)}")


def _short(value: str, limit: int = 40) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "…")


class RowChecker:
    """Checks rows of one file: built from the mapping and the file's header."""

    def __init__(self, mapping: CallMapping, header: list[str]):
        self.mapping = mapping
        names = [h.strip() for h in header]
        self.width = len(names)
        position = {name: i for i, name in reversed(list(enumerate(names)))}  # the first of a repeated name
        missing = sorted(c for c in mapping.columns() if c not in position)
        if missing:
            raise HeaderMissing(missing)
        self._position = position
        self._id = position[mapping.source_id]
        self._times = {ours: position[column] for ours, column in mapping.times.columns().items()}
        self._time_columns = mapping.times.columns()
        self._zone = ZoneInfo(mapping.times.zone)
        self._parsers = [_parser(fmt) for fmt in mapping.times.formats]
        self._lookups = [
            _Lookup(what, coded, position.get(coded.column) if coded.column else None, coded.table(), noted)
            # A code table's default stands in for a value the table lacks: the summary counts them.
            # A channel's or area's default is the declared "everything else": not worth a line.
            for what, coded, noted in (("grade", mapping.grade, True), ("incident type", mapping.incident_type, True),
                                       ("closing code", mapping.closing_code, True),
                                       ("channel", mapping.channel, False), ("area", mapping.area, False))
            if coded is not None]
        loc = mapping.location
        self._parts = [position[c] for c in loc.parts]
        self._cross = [position[c] for c in loc.cross_street]
        self._ignore = {v.strip() for v in loc.ignore}
        self._suffix = loc.suffix
        self._lat = position[loc.latitude] if loc.latitude else None
        self._lon = position[loc.longitude] if loc.longitude else None
        self._point = position[loc.point] if loc.point else None
        self._summary = [(c, position[c]) for c in mapping.summary]
        self._kept = {name: position[c] for name, c in mapping.keep.items()}
        self._used = sorted(set(position[c] for c in mapping.columns()))
        self._max_id = min(SOURCE_ID_MAX, 40 - len(mapping.reference_prefix))  # incidents.reference is 40 wide

    def check(self, cells: list[str], line: int) -> Call | Rejection:
        source_id = None
        try:
            if len(cells) != self.width:
                raise _Rejected("wrong number of fields", f"expected {self.width}, found {len(cells)}")
            source_id = cells[self._id].strip() or None
            return self._call(cells, line, source_id)
        except _Rejected as exc:
            return Rejection(line, source_id, exc.reason, exc.detail)

    def _call(self, cells: list[str], line: int, source_id: str | None) -> Call:
        for i in self._used:
            if _UNSTORABLE.search(cells[i]):
                raise _Rejected("a cell holds characters that cannot be stored (NUL or broken UTF-16)")
        if source_id is None:
            raise _Rejected(f"source id ({self.mapping.source_id}) is empty")
        if len(source_id) > self._max_id:
            raise _Rejected(f"source id longer than {self._max_id} characters", _short(source_id))
        times = {ours: self._time(ours, cells[i]) for ours, i in self._times.items()}
        if times["created"] is None:
            raise _Rejected(f"created time ({self._time_columns['created']}) is empty")
        present = [(name, times.get(name)) for name in TIME_ORDER if times.get(name) is not None]
        for (before, t0), (after, t1) in zip(present, present[1:]):
            if t1 < t0:
                raise _Rejected(f"times out of order: {after} before {before}",
                                f"{after} {t1:%Y-%m-%d %H:%M:%S}Z < {before} {t0:%Y-%m-%d %H:%M:%S}Z")
        closed = times.get("closed")
        if closed is not None and closed < present[-1][1]:  # nothing happens to a call after it closed
            last, at = present[-1]
            raise _Rejected(f"times out of order: closed before {last}",
                            f"closed {closed:%Y-%m-%d %H:%M:%S}Z < {last} {at:%Y-%m-%d %H:%M:%S}Z")
        defaulted: list[tuple[str, str]] = []
        grade, kind, closing, channel, *area = (lookup.value(cells, defaulted) for lookup in self._lookups)
        kept = {}
        for name, i in self._kept.items():
            value = cells[i].strip()
            if len(value) > KEPT_MAX:
                raise _Rejected(f"{name} longer than {KEPT_MAX} characters", _short(value))
            kept[name] = value
        latitude, longitude = self._position_of(cells)
        return Call(
            line=line, source_id=source_id, created=times["created"], queued=times.get("queued"),
            dispatched=times.get("dispatched"), en_route=times.get("en_route"), on_scene=times.get("on_scene"),
            closed=times.get("closed"), grade=grade, incident_type=kind, closing_code=closing, channel=channel,
            area=area[0] if area else None, location_text=self._location(cells), latitude=latitude,
            longitude=longitude, summary=self._summary_of(cells, source_id), kept=kept, defaulted=tuple(defaulted))

    def _time(self, ours: str, raw: str) -> datetime | None:
        text = raw.strip()
        if not text:
            return None
        column = self._time_columns[ours]
        for parse in self._parsers:
            try:
                parsed = parse(text)
            except ValueError:
                continue
            try:
                return self._to_utc(parsed, ours, column)
            except OverflowError:
                break
        raise _Rejected(f"{ours} time ({column}) is not in a declared format", _short(text))

    def _to_utc(self, parsed: datetime, ours: str, column: str) -> datetime:
        if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
            raise _Rejected(f"{ours} time ({column}) outside {EARLIEST_YEAR}-{LATEST_YEAR}", f"{parsed:%Y-%m-%d}")
        if parsed.tzinfo is not None:
            return parsed.astimezone(timezone.utc)
        local = parsed.replace(tzinfo=self._zone)  # fold=0: in the repeated hour, the first of the two
        utc = local.astimezone(timezone.utc)
        if utc.astimezone(self._zone).replace(tzinfo=None) != parsed:
            raise _Rejected(f"{ours} time ({column}) does not exist in {self.mapping.times.zone} "
                            "(the clocks went forward)", f"{parsed:%Y-%m-%d %H:%M:%S}")
        return utc

    def _location(self, cells: list[str]) -> str | None:
        def joined(indexes):
            words = [cells[i].strip() for i in indexes]
            return " ".join(w for w in words if w and w not in self._ignore)

        text = " / ".join(part for part in (joined(self._parts), joined(self._cross)) if part)
        if not text:
            return None
        if len(text) > LOCATION_MAX:
            raise _Rejected(f"location longer than {LOCATION_MAX} characters", _short(text))
        return f"{text}, {self._suffix}" if self._suffix else text

    def _position_of(self, cells: list[str]) -> tuple[float | None, float | None]:
        if self._point is not None:
            raw = cells[self._point].strip()
            if not raw:
                return None, None
            match = _WKT_POINT.match(raw)
            if match is None:
                raise _Rejected("point is not WKT POINT (longitude latitude)", _short(raw))
            raw_lon, raw_lat = match.group(1), match.group(2)
        elif self._lat is not None:
            raw_lat, raw_lon = cells[self._lat].strip(), cells[self._lon].strip()
        else:
            return None, None
        if not raw_lat and not raw_lon:
            return None, None
        try:
            lat, lon = float(raw_lat), float(raw_lon)
        except ValueError:
            raise _Rejected("latitude or longitude is not a number", f"{_short(raw_lat)}, {_short(raw_lon)}") from None
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            raise _Rejected("latitude or longitude out of range", f"{raw_lat}, {raw_lon}")
        if lat == 0 and lon == 0:  # "no position" in many exports, never a police call in the Gulf of Guinea
            return None, None
        return lat, lon

    def _summary_of(self, cells: list[str], source_id: str) -> str:
        words = [f"{column} {cells[i].strip()}" for column, i in self._summary if cells[i].strip()]
        text = f"Imported from {self.mapping.source} {source_id}" + (": " + ", ".join(words) if words else "")
        return text if len(text) <= SUMMARY_MAX else text[:SUMMARY_MAX - 1] + "…"


# strptime formats that datetime.fromisoformat reads the same, several times faster, when the
# text has exactly their shape.
_ISO_SHAPES = {
    "%Y-%m-%d %H:%M:%S": re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"),
    "%Y-%m-%dT%H:%M:%S": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"),
    "%Y-%m-%dT%H:%M:%S.%f": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$"),
}


def _parser(fmt: str):
    if fmt == "iso":
        return datetime.fromisoformat
    shape = _ISO_SHAPES.get(fmt)
    if shape is None:
        return lambda text: datetime.strptime(text, fmt)

    def parse(text: str) -> datetime:
        if shape.match(text):
            return datetime.fromisoformat(text)
        return datetime.strptime(text, fmt)  # %f also takes 1 to 5 digits; strptime says how it reads

    return parse


class HeaderMissing(ValueError):
    def __init__(self, missing: list[str]):
        super().__init__(f"the file has no column {', '.join(repr(m) for m in missing)} (named in the mapping)")
        self.missing = missing
