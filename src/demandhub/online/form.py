"""Checking what the public sent on the online form: every problem named against its field,
in plain words, so the form can come back with an error summary and their answers kept.

Nothing here writes. The only outside calls are the location look-ups (what3words, the
postcode table); a what3words service that cannot be reached never stops a report: the
words are passed to staff unchecked, as they are when no key is configured.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Mapping
from zoneinfo import ZoneInfo

from demandhub.contacts import phone as phones
from demandhub.errors import FieldProblem, Invalid
from demandhub.evidence.checks import IMAGE_TYPES, Limits, TooLarge, check_upload
from demandhub.geo.fix import LocationError
from demandhub.geo.postcodes import PostcodeTable, normalise_postcode
from demandhub.geo.resolve import locate
from demandhub.geo.w3w import What3Words, What3WordsError, find_three_word_addresses
from demandhub.online.report_types import KIND_BY_CODE, SUBJECT_BY_CODE, Subject

MAX_PHOTOS = 3
CONTACT_BY = {"phone": "A phone call", "text": "A text message", "email": "An email"}
WHEN = ("now", "date", "unsure")
PIN_SOURCES = {"map": "map pin", "device": "phone location", "typed": "typed position"}
# Longest answer per field; the words of the report may be long, a name may not.
MAX_LENGTH = {"what_happened": 10_000, "address": 2000, "name": 200, "phone": 40, "email": 254,
              "what3words": 200, "postcode": 20, "roughly": 200, "date": 20, "time": 10,
              "latitude": 40, "longitude": 40, "pin_accuracy": 40, "pin_source": 10}
# A position whose uncertainty nobody told us (typed coordinates) is ranked as if this far
# off: a guess better than a postcode's area and worse than a 3 m square or a close pin.
UNKNOWN_UNCERTAINTY_M = 50.0
# A browser's clock may run a little ahead of ours.
FUTURE_SKEW = timedelta(minutes=5)
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")
# Control characters other than tab and line breaks mean nothing in a report; NUL is refused.
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Position:
    """One position the sender gave, with where it came from and how far off it may be."""

    source: str  # map, device, typed (the pin fields), w3w, postcode
    latitude: float
    longitude: float
    uncertainty_m: float | None
    label: str | None = None

    def as_dict(self) -> dict:
        return {"source": self.source, "latitude": self.latitude, "longitude": self.longitude,
                "uncertainty_m": self.uncertainty_m, "label": self.label}


@dataclass(frozen=True)
class Photo:
    name: str | None
    data: bytes  # at most the image limit plus one byte: more than the limit means too large


@dataclass
class Report:
    """A report that passed every check, ready to record."""

    kind: str
    subject: Subject
    what_happened: str
    happening_now: bool
    occurred_on: date | None
    occurred_at: datetime | None
    occurred_text: str | None
    address: str | None
    what3words: str | None
    what3words_checked: bool
    postcode: str | None
    positions: list[Position]
    name: str
    phone: str | None  # E.164
    phone_raw: str | None
    email: str | None
    contact_by: str
    photos: list[Photo] = field(default_factory=list)

    @property
    def position(self) -> Position | None:
        """The position the contact carries: the one most likely to be right."""
        if not self.positions:
            return None
        return min(self.positions, key=lambda p: UNKNOWN_UNCERTAINTY_M if p.uncertainty_m is None else p.uncertainty_m)


class FormRefused(Exception):
    """The form had problems; `status` is 413 when a photo was too large, else 422."""

    def __init__(self, problems: list[FieldProblem], *, status: int = 422):
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems
        self.status = status


@dataclass(frozen=True)
class Lookups:
    """What the location checks need from the running application."""

    w3w: What3Words | None
    postcodes: PostcodeTable | None
    limits: Limits
    region: str
    timezone: str


def clean(value: str, *, multiline: bool = False) -> str:
    """The text without meaningless control characters (NUL is refused before this)."""
    text = _CONTROL.sub("", value)
    if not multiline:
        text = " ".join(text.split())
    return text.strip()


class _Checker:
    def __init__(self, fields: Mapping[str, str]):
        self.fields = fields
        self.problems: list[FieldProblem] = []

    def problem(self, name: str, message: str) -> None:
        if not any(p.field == name for p in self.problems):  # one message per field, the first
            self.problems.append(FieldProblem(name, message))

    def text(self, name: str, *, multiline: bool = False) -> str:
        raw = self.fields.get(name) or ""
        if "\x00" in raw:
            self.problem(name, "This answer contains a character we cannot accept (NUL): remove it")
            return ""
        value = clean(raw, multiline=multiline)
        limit = MAX_LENGTH.get(name)
        if limit is not None and len(value) > limit:
            self.problem(name, f"This answer must be {limit:,} characters or fewer (it has {len(value):,})")
            return ""
        return value


def check(fields: Mapping[str, str], photos: list[Photo], *, lookups: Lookups, now: datetime) -> Report:
    """The report, or FormRefused naming every problem."""
    c = _Checker(fields)
    kind = c.text("kind")
    if kind not in KIND_BY_CODE:
        c.problem("kind", "Select what you are reporting: a crime, an incident or information")
    subject = SUBJECT_BY_CODE.get(c.text("subject"))
    if subject is None:
        c.problem("subject", "Select what it is about")
    elif kind in KIND_BY_CODE and subject.kind != kind:
        c.problem("subject", f"“{subject.label}” is not one of the choices for {KIND_BY_CODE[kind].label.lower()}: "
                             "select another")
    what = c.text("what_happened", multiline=True)
    if not what and "what_happened" not in {p.field for p in c.problems}:
        c.problem("what_happened", "Tell us what happened")
    happening_now, occurred_on, occurred_at, occurred_text = _when(c, lookups, now)
    address, w3w_text, w3w_checked, postcode, positions = _where(c, lookups)
    name, number, number_raw, email, contact_by = _who(c, lookups)
    if c.text("declaration") != "yes":
        c.problem("declaration", "Tick the box to confirm what you have told us is true")
    status = _check_photos(c, photos, lookups.limits)
    if c.problems:
        raise FormRefused(c.problems, status=status)
    return Report(kind=kind, subject=subject, what_happened=what, happening_now=happening_now,
                  occurred_on=occurred_on, occurred_at=occurred_at, occurred_text=occurred_text,
                  address=address, what3words=w3w_text, what3words_checked=w3w_checked, postcode=postcode,
                  positions=positions, name=name, phone=number, phone_raw=number_raw, email=email,
                  contact_by=contact_by, photos=photos)


def _when(c: _Checker, lookups: Lookups, now: datetime):
    when = c.text("when")
    day_text, time_text, roughly = c.text("date"), c.text("time"), c.text("roughly")
    if when not in WHEN:
        c.problem("when", "Select when it happened")
        return False, None, None, None
    if when == "now":
        return True, None, None, None
    if when == "unsure":
        return False, None, None, roughly or None
    if not day_text:
        c.problem("date", "Enter the date it happened, for example 27/11/2026")
        return False, None, None, None
    day = _parse_date(day_text)
    if day is None:
        c.problem("date", "Enter a real date, for example 27/11/2026")
        return False, None, None, None
    at_time = None
    if time_text:
        at_time = _parse_time(time_text)
        if at_time is None:
            c.problem("time", "Enter a real time, for example 21:30, or leave it empty")
            return False, None, None, None
    zone = ZoneInfo(lookups.timezone)
    local_now = now.astimezone(zone)
    if day < local_now.date() - timedelta(days=366 * 100):
        c.problem("date", "Check the year: the date must be within the last 100 years")
        return False, None, None, None
    if day > local_now.date():
        c.problem("date", "The date must be today or in the past")
        return False, None, None, None
    occurred_at = None
    if at_time is not None:
        occurred_at = datetime.combine(day, at_time, tzinfo=zone)
        if occurred_at > now + FUTURE_SKEW:
            c.problem("time", "The time must be in the past")
            return False, None, None, None
    return False, day, occurred_at, None


def _parse_date(text: str) -> date | None:
    """2026-11-27 (what a date picker sends) or 27/11/2026 (what people type)."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
        m = re.fullmatch(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})", text)
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None
    return None


def _parse_time(text: str) -> time | None:
    m = re.fullmatch(r"(\d{1,2})[:.](\d{2})(?::\d{2})?", text)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        return None
    return time(int(m.group(1)), int(m.group(2)))


def _number(c: _Checker, name: str, low: float, high: float, what: str) -> float | None:
    text = c.text(name)
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not low <= value <= high:
        c.problem(name, f"Enter the {what} as a number between {low:g} and {high:g}, for example "
                        f"{'52.2405' if name == 'latitude' else '-0.9027'}")
        return None
    return value


def _where(c: _Checker, lookups: Lookups):
    positions: list[Position] = []
    address = c.text("address", multiline=True) or None
    lat = _number(c, "latitude", -90, 90, "latitude")
    lon = _number(c, "longitude", -180, 180, "longitude")
    given_lat, given_lon = c.text("latitude"), c.text("longitude")
    if bool(given_lat) != bool(given_lon):
        c.problem("longitude" if given_lat else "latitude", "Give both latitude and longitude, or neither")
    elif lat is not None and lon is not None:
        source = c.text("pin_source")
        source = source if source in PIN_SOURCES else "typed"
        accuracy = _accuracy(c.text("pin_accuracy")) if source != "typed" else None
        positions.append(Position(source, lat, lon, accuracy, f"{lat:.6f}, {lon:.6f}"))

    w3w_text, w3w_checked = None, False
    words_given = c.text("what3words")
    if words_given:
        found = find_three_word_addresses(words_given)
        bare = words_given.lstrip("/").strip().lower()
        if len(found) != 1 or (bare != found[0] and not bare.endswith("/" + found[0])):
            c.problem("what3words", "Enter 3 words separated by full stops, like ///filled.count.soap")
        else:
            w3w_text = "///" + found[0]
            if lookups.w3w is not None and lookups.w3w.available:
                try:
                    fix = locate(w3w_text, w3w=lookups.w3w, postcodes=lookups.postcodes)
                    positions.append(Position("w3w", fix.latitude, fix.longitude, fix.uncertainty_m, fix.label))
                    w3w_checked = True
                except What3WordsError as exc:
                    if exc.code.startswith("Bad") and exc.code != "BadResponse":
                        c.problem("what3words", "We could not find those 3 words: check them, or leave this empty")
                    # otherwise the service is down or refusing us: pass the words on unchecked
                except LocationError:
                    c.problem("what3words", "We could not find those 3 words: check them, or leave this empty")

    postcode = None
    postcode_given = c.text("postcode")
    if postcode_given:
        try:
            postcode = normalise_postcode(postcode_given)
        except LocationError:
            c.problem("postcode", "Enter a real postcode, like NN1 1AA")
        else:
            try:
                fix = locate(postcode, w3w=lookups.w3w, postcodes=lookups.postcodes)
                positions.append(Position("postcode", fix.latitude, fix.longitude, fix.uncertainty_m, fix.label))
            except LocationError:
                pass  # a real postcode our table lacks (another force's area): staff see it as written

    if not (address or positions or words_given or postcode_given or given_lat or given_lon):
        c.problem("address", "Tell us where it happened: an address or a description of the place, a postcode, "
                             "3 words, or a pin on the map")
    return address, w3w_text, w3w_checked, postcode, positions


def _accuracy(text: str) -> float | None:
    """The pin's uncertainty our own script worked out (the map's scale, or the phone's GPS)."""
    try:
        value = float(text)
    except ValueError:
        return None
    return round(value, 1) if math.isfinite(value) and 0 < value <= 100_000 else None


def _who(c: _Checker, lookups: Lookups):
    name = c.text("name")
    if not name and "name" not in {p.field for p in c.problems}:
        c.problem("name", "Enter your name")
    raw = c.text("phone")
    number = None
    if raw:
        try:
            number = phones.normalise(raw, region=lookups.region)
        except phones.BadNumber:
            c.problem("phone", "Enter a real phone number, like 07700 900 982 or +44 7700 900 982")
    email = c.text("email")
    if email and not _EMAIL.match(email):
        c.problem("email", "Enter an email address in the right format, like name@example.com")
    contact_by = c.text("contact_by")
    if contact_by not in CONTACT_BY:
        c.problem("contact_by", "Select how we should contact you")
    elif contact_by in ("phone", "text") and not raw:
        c.problem("phone", "Enter a phone number, or choose email as the way to contact you")
    elif contact_by == "email" and not email:
        c.problem("email", "Enter an email address, or choose a phone call or text as the way to contact you")
    return name, number, raw or None, email or None, contact_by


def size_text(n: int) -> str:
    if n >= 1_048_576:
        return f"{n / 1_048_576:.0f} MB"
    return f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} bytes"


def _check_photos(c: _Checker, photos: list[Photo], limits: Limits) -> int:
    if len(photos) > MAX_PHOTOS:
        c.problem("photos", f"Choose up to {MAX_PHOTOS} photos (you chose {len(photos)})")
        return 422
    for photo in photos:
        label = f"“{photo.name}”" if photo.name else "A photo"
        try:
            if len(photo.data) > limits.max_image_bytes:  # read only this far: larger is too large
                raise TooLarge("too large")
            check_upload(photo.data, limits=limits, allowed=IMAGE_TYPES, field="photos")
        except TooLarge:
            c.problem("photos", f"{label} is larger than {size_text(limits.max_image_bytes)}: choose a smaller photo")
            return 413
        except Invalid:
            c.problem("photos", f"{label} is not a photo we can take: choose a JPEG, PNG or WebP image")
    return 422
