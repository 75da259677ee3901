"""The online reports API for staff systems: read one report in full, take it, close it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from demandhub.auth.deps import require
from demandhub.auth.roles import Actor, Permission
from demandhub.contacts import service as contacts
from demandhub.contacts.models import Contact
from demandhub.http import PathId, now, reading, transaction
from demandhub.online import service
from demandhub.online.form import CONTACT_BY
from demandhub.online.report_types import KIND_BY_CODE, SUBJECT_BY_CODE, type_label

router = APIRouter(prefix="/api", tags=["online reports"])


def seen(request: Request, actor: Actor, contact_id: int) -> Contact:
    """The contact under the restricted-record rule (views of restricted ones audited, refusals too)."""
    with reading(request) as session:
        contact = contacts.get_contact(session, contact_id)
    if contact.restricted:
        with transaction(request) as session:
            contact = contacts.get_contact(session, contact_id)
            allowed = contacts.record_view(session, contact=contact, actor=actor, now=now(request))
        if not allowed:
            raise contacts.refused(contact, actor)
    return contact


class PositionRead(BaseModel):
    source: str = Field(description="map (a pin on the map), device (the phone's location), typed, w3w or postcode")
    latitude: float | None = None
    longitude: float | None = None
    uncertainty_m: float | None = None
    label: str | None = None
    checked: bool = Field(default=True, description="False: 3 words passed on without being converted")


class PhotoRead(BaseModel):
    id: int
    media_type: str
    size_bytes: int
    sha256: str
    url: str


class CueRead(BaseModel):
    flag: str
    label: str
    matches: list[str]


class OnlineReportRead(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contact_id: int
    reference: str | None
    kind: str
    kind_label: str
    subject: str
    subject_label: str
    incident_type: str | None = Field(description="The classification code the public's choice maps to.")
    incident_type_label: str
    what_happened: str
    happening_now: bool
    occurred_on: date | None
    occurred_at: datetime | None
    occurred_text: str | None
    presented_at: datetime
    answered_at: datetime | None = Field(description="First human response: the digital response clock stops.")
    answered_by: str | None
    ended_at: datetime | None
    urgent: bool
    cues: list[CueRead]
    location_text: str | None
    latitude: float | None
    longitude: float | None
    location_source: str | None
    location_uncertainty_m: float | None
    what3words: str | None
    postcode: str | None
    positions: list[PositionRead]
    name: str | None
    phone: str | None
    phone_as_given: str | None
    email: str | None
    contact_by: str
    contact_by_label: str
    photos: list[PhotoRead]
    incident_reference: str | None
    closed_reason: str | None
    closed_note: str | None


def read_model(v: service.ReportView) -> OnlineReportRead:
    c, r = v.contact, v.report
    return OnlineReportRead(
        contact_id=c.id, reference=c.reference, kind=r.kind, kind_label=KIND_BY_CODE[r.kind].label,
        subject=r.subject, subject_label=SUBJECT_BY_CODE[r.subject].label, incident_type=r.incident_type,
        incident_type_label=type_label(r.incident_type), what_happened=c.description,
        happening_now=r.happening_now, occurred_on=r.occurred_on, occurred_at=r.occurred_at,
        occurred_text=r.occurred_text, presented_at=c.presented_at, answered_at=c.answered_at,
        answered_by=v.answered_by, ended_at=c.ended_at, urgent=c.urgent, cues=[CueRead(**x) for x in r.cues],
        location_text=c.location_text, latitude=c.latitude, longitude=c.longitude,
        location_source=r.location_source, location_uncertainty_m=r.location_uncertainty_m,
        what3words=r.what3words, postcode=r.postcode, positions=[PositionRead(**p) for p in r.positions],
        name=c.caller_name, phone=c.caller_number, phone_as_given=c.caller_number_raw, email=r.email,
        contact_by=r.contact_by, contact_by_label=CONTACT_BY[r.contact_by],
        photos=[PhotoRead(id=p.id, media_type=p.media_type, size_bytes=p.size_bytes, sha256=p.sha256,
                          url=f"/api/evidence/{p.id}") for p in v.photos],
        incident_reference=v.incident_reference, closed_reason=r.closed_reason, closed_note=r.closed_note)


@router.get("/online-reports/{contact_id}", response_model=OnlineReportRead)
def get_report(contact_id: PathId, request: Request,
               actor: Annotated[Actor, Depends(require(Permission.CONTACT_READ))]):
    """An online report in full: what, when, where (each position with its source and
    uncertainty), the sender, the photos, the risk cues, and who took it when."""
    seen(request, actor, contact_id)
    with reading(request) as session:
        return read_model(service.view(session, contact_id))


@router.post("/online-reports/{contact_id}/take", response_model=OnlineReportRead)
def take_report(contact_id: PathId, request: Request,
                actor: Annotated[Actor, Depends(require(Permission.CONTACT_CREATE))]):
    """Take the report: the first time records the time to first human response."""
    seen(request, actor, contact_id)
    with transaction(request) as session:
        service.take(session, contact_id=contact_id, actor=actor, now=now(request))
    with reading(request) as session:
        return read_model(service.view(session, contact_id))


class CloseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(description=f"One of {', '.join(service.CLOSE_REASONS)}.", max_length=40)
    note: str = Field(default="", max_length=service.MAX_NOTE)


@router.post("/online-reports/{contact_id}/close", response_model=OnlineReportRead)
def close_report(contact_id: PathId, body: CloseBody, request: Request,
                 actor: Annotated[Actor, Depends(require(Permission.CONTACT_CREATE))]):
    """Close the report without an incident, for a reason (some reasons need a note)."""
    seen(request, actor, contact_id)
    with transaction(request) as session:
        service.close(session, contact_id=contact_id, reason=body.reason, note=body.note, actor=actor,
                      now=now(request))
    with reading(request) as session:
        return read_model(service.view(session, contact_id))
