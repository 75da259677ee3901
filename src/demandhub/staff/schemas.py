"""API shapes for staff records: separate create, update and read shapes; unknown fields refused."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Usernames as accounts have them (auth.service.USERNAME); anything else is a 422, never a lookup.
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,59}$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TrainingCreate(_In):
    course: str = Field(min_length=1, max_length=200, description="Course or skill, e.g. 'First aid at work'.")
    completed_on: date = Field(description="Not in the future.")
    expires_on: date | None = Field(default=None, description="When it must be renewed; none if it never expires.")
    evidence: str | None = Field(default=None, max_length=1000, description="Certificate number, where it is filed.")


class TrainingUpdate(_In):
    course: str | None = Field(default=None, min_length=1, max_length=200)
    completed_on: date | None = None
    expires_on: date | None = None
    evidence: str | None = Field(default=None, max_length=1000)


class CpdCreate(_In):
    title: str = Field(min_length=1, max_length=200)
    due_on: date
    done_on: date | None = Field(default=None, description="Not in the future.")


class CpdUpdate(_In):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    due_on: date | None = None
    done_on: date | None = None


class CpdDone(_In):
    done_on: date | None = Field(default=None, description="Defaults to today; not in the future.")


class SupervisionCreate(_In):
    held_on: date = Field(description="Not in the future.")
    text: str = Field(min_length=1, max_length=10_000)
    actions: str | None = Field(default=None, max_length=4000, description="What was agreed.")


class CheckinCreate(_In):
    checked_on: date | None = Field(default=None, description="Defaults to today; not in the future.")
    score: int | None = Field(default=None, ge=1, le=5, description="1 struggling, 5 very well.")
    words: str | None = Field(default=None, max_length=200, description="How they are, in their own words.")
    note: str | None = Field(default=None, max_length=4000)
    follow_up: bool = False

    @model_validator(mode="after")
    def _how(self) -> CheckinCreate:
        if self.score is None and not (self.words or "").strip():
            raise ValueError("say how they are: a score from 1 to 5 or a few words")
        return self


class DebriefResponse(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"


class DebriefCreate(_In):
    offered_on: date = Field(description="Not in the future.")
    response: DebriefResponse
    note: str | None = Field(default=None, max_length=4000)


# --- reads ------------------------------------------------------------------------------------

class Person(BaseModel):
    id: int
    username: str
    display_name: str
    role: str


class TrainingRead(BaseModel):
    id: int
    course: str
    completed_on: date
    expires_on: date | None
    evidence: str | None
    state: str
    recorded_at: datetime


class CpdRead(BaseModel):
    id: int
    title: str
    due_on: date
    done_on: date | None
    state: str


class SupervisionRead(BaseModel):
    id: int
    held_on: date
    text: str
    actions: str | None
    recorded_by: str
    recorded_at: datetime


class CheckinRead(BaseModel):
    id: int
    checked_on: date
    score: int | None
    words: str | None
    note: str | None
    follow_up: bool
    recorded_by: str
    recorded_at: datetime


class DebriefRead(BaseModel):
    id: int
    offered_on: date
    response: str
    note: str | None
    covers_until: datetime
    recorded_by: str


class ExposureRead(BaseModel):
    incident_id: int
    reference: str | None
    incident_type: str
    type_label: str
    at: datetime
    since_last_debrief: bool


class PromptRead(BaseModel):
    raised_at: datetime
    reason: str
    references: list[str | None]


class ExposureSummary(BaseModel):
    rule: str
    last_30_days: int
    last_365_days: int
    items: list[ExposureRead]
    prompt: PromptRead | None


class StaffRecord(BaseModel):
    person: Person
    today: date
    training: list[TrainingRead]
    cpd: list[CpdRead]
    supervision: list[SupervisionRead]
    checkins: list[CheckinRead]
    debriefs: list[DebriefRead]
    exposures: ExposureSummary


class PersonOverview(BaseModel):
    person: Person
    overdue: int
    due_soon: int
    exposures_30_days: int
    prompt: PromptRead | None
    last_checkin: date | None
    follow_up: bool


class OpenPrompt(BaseModel):
    person: Person
    prompt: PromptRead
