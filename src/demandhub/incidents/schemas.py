from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

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

    contact: ContactCreate
    assessment: AssessmentCreate
    decision: Decision


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
        return row.model_copy(update={"summary": None, "location_text": None})
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
