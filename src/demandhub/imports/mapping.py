"""A mapping file: how one source's calls-for-service export becomes our contacts and incidents.

One YAML file per source layout, read strictly (demandhub.forcefiles): an unknown key, a code
we do not have, a source value claimed twice, a time zone that does not exist: each refuses
the whole file and names the place. Shipped files live in imports/mappings/; a force passes
its own by path.

Code tables are written "ours: [theirs, ...]" (grade "1" is their priorities 0 and 1),
because a reader checks a table by our codes, and a source value listed under two of ours is
a mistake the loader can name.

The keys (the shipped sandiego.yaml and us-open-data.yaml are worked examples):
  source, reference_prefix   what identifies an imported call: (source, source id) is unique,
                             the incident's reference is prefix + source id
  source_id                  the column holding the source's own id for the call
  times                      zone, formats, and the columns for created (required), queued,
                             dispatched, en_route, on_scene, closed
  grade, incident_type, closing_code, channel, area
                             a constant, or a column with groups and/or a default; a value in
                             no group and no default rejects the row, naming the value
  location                   address parts, cross street, values meaning "none", a suffix;
                             latitude and longitude columns, or a WKT point column
  summary, keep              columns for the incident summary; the source's own priority,
                             call type, disposition and area kept with each call
  strict                     refuse the whole file if any row is rejected
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from demandhub import classification
from demandhub.contacts.channels import Channel
from demandhub.forcefiles import load_yaml_model

SHIPPED = ("sandiego", "us-open-data")
SOURCE_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{1,15}$")
AREAS = ("urban", "rural")


class MappingError(ValueError):
    """A mapping file that cannot be used, with the file and the place named."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class Times(Strict):
    """Which columns hold the call's times, how they are written and in which zone."""

    zone: str = Field(description="IANA zone the export's local times are in, e.g. America/Los_Angeles.")
    formats: list[str] = Field(min_length=1, description="strptime formats, tried in order; 'iso' for ISO 8601. "
                                                         "A time that carries its own offset keeps it.")
    created: str = Field(description="When the call reached the source system: the contact is presented then.")
    queued: str | None = Field(None, description="When the call was entered for dispatch (the incident opens).")
    dispatched: str | None = None
    en_route: str | None = None
    on_scene: str | None = None
    closed: str | None = None

    @field_validator("zone")
    @classmethod
    def _zone_exists(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as America/Los_Angeles)") from None
        return value

    @field_validator("formats")
    @classmethod
    def _formats_parse(cls, value: list[str]) -> list[str]:
        for fmt in value:
            if fmt != "iso" and "%" not in fmt:
                raise ValueError(f"time format {fmt!r} has no % directive: write it as for strptime, or 'iso'")
            if fmt != "iso":
                try:  # a format strptime cannot even compile (a stray %Q) fails here, not on every row
                    datetime.strptime("", fmt)
                except ValueError as exc:
                    if "bad directive" in str(exc) or "stray %" in str(exc):
                        raise ValueError(f"time format {fmt!r}: {exc}") from None
        return value

    def columns(self) -> dict[str, str]:
        """Our name of each time -> the source column, for the times this source has."""
        named = {"created": self.created, "queued": self.queued, "dispatched": self.dispatched,
                 "en_route": self.en_route, "on_scene": self.on_scene, "closed": self.closed}
        return {ours: column for ours, column in named.items() if column}


class Coded(Strict):
    """A value of ours read from a source column through a table, or a constant.

    `default` is what a value missing from the table (or an empty cell) becomes; without one,
    such a row is rejected and the reason names the value.
    """

    column: str | None = None
    constant: str | None = None
    groups: dict[str, list[str]] = Field(default_factory=dict)
    default: str | None = None
    case_sensitive: bool = True

    @model_validator(mode="after")
    def _one_source(self) -> Coded:
        if (self.column is None) == (self.constant is None):
            raise ValueError("give exactly one of column (with groups) or constant")
        if self.constant is not None and (self.groups or self.default is not None):
            raise ValueError("a constant needs no groups or default")
        if self.column is not None and not self.groups and self.default is None:
            raise ValueError(f"column {self.column!r} needs groups, a default, or both")
        seen: dict[str, str] = {}
        for ours, theirs in self.groups.items():
            for value in theirs:
                key = self.fold(str(value))
                if key in seen:
                    raise ValueError(f"source value {value!r} is listed under both {seen[key]!r} and {ours!r}")
                seen[key] = ours
        return self

    def fold(self, value: str) -> str:
        value = value.strip()
        return value if self.case_sensitive else value.casefold()

    def ours(self) -> set[str]:
        values = set(self.groups)
        for extra in (self.constant, self.default):
            if extra is not None:
                values.add(extra)
        return values

    def table(self) -> dict[str, str]:
        """Their value (folded) -> ours."""
        return {self.fold(str(theirs)): ours for ours, values in self.groups.items() for theirs in values}


def _check_codes(field: str, coded: Coded | None, allowed, what: str) -> None:
    if coded is None:
        return
    unknown = sorted(v for v in coded.ours() if v not in allowed)
    if unknown:
        raise ValueError(f"{field}: {', '.join(repr(u) for u in unknown)} {'is' if len(unknown) == 1 else 'are'} "
                         f"not {what}")


class Location(Strict):
    """The location text: address parts joined with spaces, a cross street after ' / '."""

    parts: list[str] = Field(default_factory=list)
    cross_street: list[str] = Field(default_factory=list)
    ignore: list[str] = Field(default_factory=list, description="Cell values that mean 'none' (e.g. '0').")
    suffix: str | None = Field(None, description="Appended after a comma: the city, for a geocoder.")
    latitude: str | None = None
    longitude: str | None = None
    point: str | None = Field(None, description='A column holding WKT "POINT (longitude latitude)" (Socrata).')

    @model_validator(mode="after")
    def _pairs(self) -> Location:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("latitude and longitude come as a pair")
        if self.point is not None and self.latitude is not None:
            raise ValueError("give a point column or latitude and longitude columns, not both")
        return self


class CallMapping(Strict):
    name: str = Field(min_length=1, max_length=80)
    version: str = Field(min_length=1, max_length=40)
    description: str = ""
    source: str = Field(description="Short key of the system the export comes from; with the source id it "
                                    "identifies an imported call (lower case, up to 16 characters).")
    force: str = Field(min_length=1, max_length=100, description="Whose calls these are (--force-name overrides).")
    reference_prefix: str = Field(min_length=1, max_length=10, description="Incident reference = prefix + source id.")
    encoding: str = "utf-8-sig"
    delimiter: str = Field(",", min_length=1, max_length=1)
    strict: bool = Field(False, description="Refuse the whole file if any row is rejected.")
    source_id: str
    times: Times
    grade: Coded
    incident_type: Coded
    closing_code: Coded
    channel: Coded
    area: Coded | None = None
    location: Location = Field(default_factory=Location)
    summary: list[str] = Field(default_factory=list, description="Columns whose values make the incident summary.")
    keep: dict[str, str] = Field(default_factory=dict, description="Kept with each imported call for provenance: "
                                 "priority, call_type, disposition, area -> the source column.")

    @field_validator("source")
    @classmethod
    def _source_key(cls, value: str) -> str:
        if not SOURCE_KEY.match(value):
            raise ValueError(f"{value!r} is not a source key: 2 to 16 of a-z, 0-9, _ and -, starting with a "
                             "letter or digit")
        return value

    @field_validator("encoding")
    @classmethod
    def _encoding_known(cls, value: str) -> str:
        import codecs

        try:
            info = codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown text encoding {value!r}") from None
        encoder = info.incrementalencoder()
        encoder.encode("\n")  # the first may carry a byte-order mark
        if encoder.encode("\n") != b"\n":  # lines are split on the byte 0x0A before decoding
            raise ValueError(f"encoding {value!r} is not supported: convert the file to UTF-8 first")
        return value

    @field_validator("keep")
    @classmethod
    def _keep_names(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - {"priority", "call_type", "disposition", "area"})
        if unknown:
            raise ValueError(f"keep: {', '.join(unknown)} not one of priority, call_type, disposition, area")
        return value

    @model_validator(mode="after")
    def _codes_exist(self) -> CallMapping:
        _check_codes("incident_type", self.incident_type, classification.INCIDENT_TYPES,
                     "incident types of demandhub.classification")
        _check_codes("closing_code", self.closing_code, classification.CLOSING_CODES,
                     "closing codes of demandhub.classification")
        _check_codes("channel", self.channel, {c.value for c in Channel}, "channels")
        _check_codes("area", self.area, AREAS, "urban or rural")
        if not self.grade.ours():
            raise ValueError("grade: no grades given")
        return self

    def columns(self) -> set[str]:
        """Every source column the mapping reads: each must be in the file's header."""
        used = {self.source_id, *self.times.columns().values(), *self.location.parts, *self.location.cross_street,
                *self.summary, *self.keep.values()}
        for coded in (self.grade, self.incident_type, self.closing_code, self.channel, self.area):
            if coded is not None and coded.column:
                used.add(coded.column)
        for column in (self.location.latitude, self.location.longitude, self.location.point):
            if column:
                used.add(column)
        return used

    def check_grades(self, grades: tuple[str, ...] | list[str]) -> None:
        """Grades are the force's (its grading policy), so they are checked when the policy is known."""
        unknown = sorted(g for g in self.grade.ours() if g not in grades)
        if unknown:
            raise MappingError(f"mapping {self.name}: grade {', '.join(repr(g) for g in unknown)} not in the grading "
                               f"policy (grades {', '.join(grades)})")


def load_mapping(name_or_path: str | Path) -> CallMapping:
    """A shipped mapping by name (sandiego, us-open-data), or a mapping file by path."""
    text = str(name_or_path)
    if text in SHIPPED:
        return load_yaml_model(None, package="demandhub.imports.mappings", default_file=f"{text}.yaml",
                               what="column mapping", model=CallMapping, error=MappingError)
    path = Path(text)
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise MappingError(f"{text}: not a shipped mapping ({', '.join(SHIPPED)}) nor a .yaml file")
    return load_yaml_model(path, package="demandhub.imports.mappings", default_file="", what="column mapping",
                           model=CallMapping, error=MappingError)
