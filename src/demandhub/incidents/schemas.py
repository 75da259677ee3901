from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from demandhub.assessment.schemas import (
    AssessmentCreate,
    AssessmentRead,
    Decision,
    DecisionRead,
)
from demandhub.contacts.schemas import ContactCreate, ContactRead
from demandhub.http import MAX_ID
from demandhub.incidents.lifecycle import Status


class IncidentOpen(Decision):
    """Open an incident from an assessed contact, with the handler's decision on the grade."""

    assessment_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="Defaults to the contact's latest assessment.")


class CallCreate(BaseModel):
    """A whole call as the call-taking screen submits it: recorded in one transaction."""

    model_config = ConfigDict(extra="forbid")

    contact: ContactCreate | None = Field(default=None, description="The contact, recorded with the call.")
    contact_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="Or a contact already recorded "
                                   "and not yet part of an incident: an online report, a chat, a message.")
    assessment: AssessmentCreate
    decision: Decision | None = Field(default=None, description="The decision on the grade of a new incident.")
    link_to_incident_id: int | None = Field(
        default=None, ge=1, le=MAX_ID,
        description="The call is a further report of this open incident (a duplicate): the contact and its "
                    "assessment join it instead of opening a new one. Regrade the incident if the call changes it.")

    @model_validator(mode="after")
    def _one_outcome(self) -> "CallCreate":
        if (self.contact is None) == (self.contact_id is None):
            raise ValueError("give the contact, or the contact_id of one already recorded, not both")
        if (self.decision is None) == (self.link_to_incident_id is None):
            raise ValueError("give a decision on the grade for a new incident, or link_to_incident_id, not both")
        return self


class Regrade(Decision):
    assessment_id: int = Field(ge=1, le=MAX_ID)


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status
    note: str | None = Field(default=None, max_length=4000)


class CloseIncident(BaseModel):
    model_config = ConfigDict(extra="forbid")

    closing_code: str = Field(min_length=1, max_length=60)
    note: str | None = Field(default=None, max_length=4000)


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=10_000)


class LinkContact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contact_id: int = Field(ge=1, le=MAX_ID)


class LocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    location_text: str | None = Field(default=None, max_length=2000)


class UnlinkContact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000, description="Why it is not the same event.")


class IncidentSummary(BaseModel):
    """A queue row. Restricted incidents show no summary or location here: only their page, audited."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    reference: str
    category: str
    incident_type: str
    grade: str
    status: Status
    restricted: bool
    summary: str | None
    location_text: str | None
    latitude: float | None
    longitude: float | None
    created_at: datetime
    updated_at: datetime


class TimelineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    actor: str
    kind: str
    text: str
    data: dict


class IncidentRead(IncidentSummary):
    qualifiers: list[str]
    closed_at: datetime | None
    closing_code: str | None
    contacts: list[ContactRead]
    assessments: list[AssessmentRead]
    decisions: list[DecisionRead]
    timeline: list[TimelineRead]


def summary_of(incident) -> IncidentSummary:
    row = IncidentSummary.model_validate(incident)
    if incident.restricted:
        return row.model_copy(update={"summary": None, "location_text": None, "latitude": None, "longitude": None})
    return row


def read_of(detail) -> IncidentRead:
    i = detail.incident
    return IncidentRead(
        **IncidentSummary.model_validate(i).model_dump(), qualifiers=i.qualifiers, closed_at=i.closed_at,
        closing_code=i.closing_code,
        contacts=[ContactRead.model_validate(c) for c in detail.contacts],
        assessments=[AssessmentRead.model_validate(a) for a in detail.assessments],
        decisions=[DecisionRead.model_validate(d) for d in detail.decisions],
        timeline=[TimelineRead.model_validate(t) for t in detail.timeline],
    )


class PastContactRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    contact_id: int
    presented_at: datetime
    channel: str
    restricted: bool
    description: str | None
    location_text: str | None
    incident_reference: str | None
    incident_type: str | None
    grade: str | None
    vulnerabilities: list[str]
    distance_m: float | None


class HistorySection(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    items: list[PastContactRead]
    in_window: int = Field(description="Contacts within the repeat window (the repeat-caller count).")
    window_days: float
    total: int


class HistoryRead(BaseModel):
    number: str | None = Field(description="The number as searched (E.164).")
    caller: HistorySection | None
    place: HistorySection | None
    radius_m: float


class DuplicateRead(BaseModel):
    id: int
    reference: str
    grade: str
    incident_type: str
    status: str
    restricted: bool
    summary: str | None
    location_text: str | None
    created_at: datetime
    score: float
    distance_m: float
    reasons: list[str]
