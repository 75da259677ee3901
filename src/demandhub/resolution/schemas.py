"""API shapes of the resolution desk and appointments: separate create and read shapes."""

from __future__ import annotations

from datetime import date, datetime, time

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from demandhub.assessment.schemas import AssessmentCreate, Decision
from demandhub.http import MAX_ID
from demandhub.resolution.rules import AttemptOutcome, Outcome

MAX_NOTE = 4000


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AttemptIn(_In):
    outcome: AttemptOutcome
    note: str | None = Field(default=None, max_length=MAX_NOTE)


class AttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    incident_id: int
    outcome: AttemptOutcome
    note: str | None
    at: datetime
    made_by: int


class OutcomeIn(_In):
    outcome: Outcome
    closing_code: str | None = Field(default=None, max_length=60,
                                     description="For resolved: no_crime_advice_given (default), resolved_by_phone "
                                                 "or information_recorded. Others have their own code.")
    note: str = Field(min_length=1, max_length=MAX_NOTE, description="What was done, for the record.")
    partner: str | None = Field(default=None, max_length=200, description="Required to refer: which agency.")
    crime_reference: str | None = Field(default=None, max_length=60, description="For a crime recorded.")


class EscalateIn(_In):
    """The officer's fresh THRIVE+ assessment of the callback, and the decision on the new grade."""

    description: str = Field(min_length=1, max_length=10_000, description="What the caller said on the callback.")
    assessment: AssessmentCreate
    decision: Decision


class QueueItem(BaseModel):
    id: int
    reference: str | None
    grade: str
    incident_type: str
    status: str
    restricted: bool
    summary: str | None  # None where the reader may not see a restricted incident's details
    location_text: str | None
    created_at: datetime
    due_at: datetime
    overdue: bool
    attempts: int
    failed_since_spoken: int
    last_attempt_at: datetime | None


class ResolutionRead(BaseModel):
    incident_id: int
    reference: str | None
    grade: str
    status: str
    closing_code: str | None
    due_at: datetime
    overdue: bool
    attempts: list[AttemptRead]
    attempts_exhausted: bool


class SlotIn(_In):
    area: str = Field(min_length=1, max_length=80)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    capacity: int = Field(ge=1, le=100)


class DaySlotsIn(_In):
    """A day's slots for an area, back to back, in local time (DEMANDHUB_TIMEZONE)."""

    area: str = Field(min_length=1, max_length=80)
    day: date
    first: time = Field(description="Local start of the first slot, e.g. 09:00.")
    last_end: time = Field(description="Local end of the last slot, e.g. 17:00.")
    length_min: int = Field(default=60, ge=10, le=480)
    capacity: int = Field(default=1, ge=1, le=100)


class SlotRead(BaseModel):
    id: int
    area: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    taken: int
    free: int


class BookIn(_In):
    incident_id: int = Field(ge=1, le=MAX_ID)
    slot_id: int = Field(ge=1, le=MAX_ID)
    note: str | None = Field(default=None, max_length=MAX_NOTE)


class RescheduleIn(_In):
    slot_id: int = Field(ge=1, le=MAX_ID)
    note: str | None = Field(default=None, max_length=MAX_NOTE)


class AppointmentNote(_In):
    note: str | None = Field(default=None, max_length=MAX_NOTE)


class AppointmentRead(BaseModel):
    id: int
    incident_id: int
    reference: str | None
    slot_id: int
    area: str
    starts_at: datetime
    ends_at: datetime
    place: int
    status: str
    note: str | None
    booked_at: datetime
    reminder_sent_at: datetime | None
    ended_at: datetime | None


class RemindersSent(BaseModel):
    sent: int
    skipped: int  # due, but no number to send to


class WaitingRead(BaseModel):
    """A grade 3 incident waiting for an appointment (new, or its last one missed or cancelled)."""

    id: int
    reference: str | None
    grade: str
    incident_type: str
    restricted: bool
    summary: str | None  # None where the reader may not see a restricted incident's details
    created_at: datetime
