from __future__ import annotations

import re
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from demandhub.resources.status import UnitKind, UnitStatus

CallSign = Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9][A-Za-z0-9 /-]*$")
ShiftTime = Field(default=None, pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="Local time, HH:MM.")


TAG_PATTERN = re.compile(r"^[a-z0-9_]{1,40}$")


def _unique_tags(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    for value in values:
        if not TAG_PATTERN.match(value):
            raise ValueError(f"{value!r} is not a code: use 1-40 lower-case letters, digits or _")
    return sorted(set(values))


class UnitCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    call_sign: str = CallSign
    kind: UnitKind
    skills: list[str] = Field(default_factory=list, max_length=30,
                              description="Skill codes, e.g. firearms, dog_handler, advanced_driver, first_aid.")
    equipment: list[str] = Field(default_factory=list, max_length=30, description="e.g. taser, defibrillator, stinger.")
    station: str = Field(min_length=1, max_length=80)
    shift_start: str | None = ShiftTime
    shift_end: str | None = ShiftTime
    status: UnitStatus = Field(default=UnitStatus.OFF_DUTY, description="available, committed or off_duty.")
    terminal_username: str | None = Field(default=None, max_length=80,
                                          description="The field_unit account of the unit's own terminal.")

    _tags = field_validator("skills", "equipment")(_unique_tags)


class UnitUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: UnitKind | None = None
    skills: list[str] | None = Field(default=None, max_length=30)
    equipment: list[str] | None = Field(default=None, max_length=30)
    station: str | None = Field(default=None, min_length=1, max_length=80)
    shift_start: str | None = ShiftTime
    shift_end: str | None = ShiftTime
    terminal_username: str | None = Field(default=None, max_length=80)

    _tags = field_validator("skills", "equipment")(_unique_tags)


class PositionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    call_sign: str = CallSign
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    at: AwareDatetime


class PositionBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    positions: list[PositionIn] = Field(min_length=1, max_length=5000)


class OwnPosition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    at: AwareDatetime | None = None


class PositionsAccepted(BaseModel):
    accepted: int
    moved: int  # units whose latest known position changed (older fixes are kept, but do not move a unit)


class UnitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    call_sign: str
    kind: UnitKind
    skills: list[str]
    equipment: list[str]
    station: str
    shift_start: str | None
    shift_end: str | None
    status: UnitStatus
    status_at: datetime
    status_note: str | None
    incident_id: int | None
    latitude: float | None
    longitude: float | None
    position_at: datetime | None
