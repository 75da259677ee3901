from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status

from demandhub import classification
from demandhub.auth.deps import require
from demandhub.auth.roles import Actor, Permission
from demandhub.contacts import phone
from demandhub.contacts import service as contacts
from demandhub.errors import Invalid
from demandhub.http import PathId, now, reading, settings, transaction
from demandhub.incidents import history as history_of
from demandhub.incidents import service
from demandhub.incidents.schemas import (
    CallCreate,
    CloseIncident,
    DuplicateRead,
    HistoryRead,
    IncidentOpen,
    IncidentRead,
    IncidentSummary,
    LinkContact,
    LocationIn,
    NoteIn,
    Regrade,
    StatusChange,
    UnlinkContact,
    read_of,
    summary_of,
)

router = APIRouter(prefix="/api", tags=["incidents"])


def numbering(request: Request) -> service.Numbering:
    s = settings(request)
    return service.Numbering(prefix=s.reference_prefix, tz=ZoneInfo(s.timezone))


@router.get("/classification")
def get_classification(actor: Annotated[Actor, Depends(require(Permission.POLICY_READ))]) -> dict:
    """Incident categories and types (after the National Standard for Incident Recording), qualifiers, closing codes."""
    return {
        "categories": [{"code": c.code, "label": c.label} for c in classification.CATEGORIES.values()],
        "incident_types": [{"code": t.code, "label": t.label, "category": t.category, "restricted": t.restricted}
                           for t in classification.INCIDENT_TYPES.values()],
        "qualifiers": [{"code": q.code, "label": q.label} for q in classification.QUALIFIERS.values()],
        "closing_codes": [{"code": c.code, "label": c.label} for c in classification.CLOSING_CODES.values()],
    }


@router.post("/contacts/{contact_id}/incident", status_code=status.HTTP_201_CREATED, response_model=IncidentRead)
def open_incident(contact_id: PathId, body: IncidentOpen, request: Request,
                  actor: Annotated[Actor, Depends(require(Permission.INCIDENT_GRADE))]):
    """Open an incident from an assessed contact: accept the recommended grade or override it with a rationale."""
    with transaction(request) as session:
        opened = service.open_incident(
            session, contact_id=contact_id, assessment_id=body.assessment_id,
            decision=body, policy=request.app.state.policy, actor=actor, now=now(request),
            numbering=numbering(request))
    return read_of(opened)


@router.post("/calls", status_code=status.HTTP_201_CREATED, response_model=IncidentRead)
def take_call(
    body: CallCreate, request: Request, response: Response,
    actor: Annotated[Actor, Depends(require(Permission.INCIDENT_GRADE))],
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
):
    """A whole call in one request: the contact, its THRIVE+ assessment and the decision on the
    grade (or the open incident it is a further report of), recorded together or not at all.
    Send an Idempotency-Key so a retry never makes a second incident."""
    with transaction(request) as session:
        taken = service.take_call(
            session, contact=body.contact, assessment=body.assessment, decision=body.decision,
            policy=request.app.state.policy, actor=actor, now=now(request), numbering=numbering(request),
            region=settings(request).default_region, idempotency_key=idempotency_key,
            fingerprint=contacts.fingerprint_of(body), link_to=body.link_to_incident_id, contact_id=body.contact_id)
    if taken.replayed:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
        return _read(request, taken.incident.id)
    return read_of(taken.detail)  # a new call: everything it recorded is in hand


def _read(request: Request, incident_id: int) -> IncidentRead:
    """The incident as it now stands, read after the change committed (outside its locks)."""
    with reading(request) as session:
        return read_of(service.detail(session, service.get_incident(session, incident_id)))


@router.get("/incidents", response_model=list[IncidentSummary])
def incident_queue(request: Request, actor: Annotated[Actor, Depends(require(Permission.INCIDENT_READ))]):
    """The live queue: active incidents by grade, then age."""
    with reading(request) as session:
        return [summary_of(i) for i in service.queue(session, grade_order=request.app.state.policy.grade_codes)]


@router.get("/incidents/{incident_id}", response_model=IncidentRead)
def get_incident(incident_id: PathId, request: Request,
                 actor: Annotated[Actor, Depends(require(Permission.INCIDENT_READ))]):
    return _within(request, actor, incident_id, None)


def _within(request: Request, actor: Actor, incident_id: int, use_case, **kwargs) -> IncidentRead:
    """Read, or change then read, an incident. Views of restricted incidents are audited,
    and so are refusals: the refusal commits before the 403 goes out."""
    if use_case is None:
        with reading(request) as session:  # most incidents are not restricted: no write needed
            incident = service.get_incident(session, incident_id)
            if not incident.restricted:
                return read_of(service.detail(session, incident))
    with transaction(request) as session:
        incident = service.get_incident(session, incident_id)
        allowed = service.record_view(session, incident=incident, actor=actor, now=now(request))
        if allowed and use_case is not None:
            use_case(session, incident_id=incident_id, actor=actor, now=now(request), **kwargs)
    if not allowed:
        raise service.refused(incident, actor)
    return _read(request, incident_id)


@router.post("/incidents/{incident_id}/contacts", response_model=IncidentRead)
def link_contact(incident_id: PathId, body: LinkContact, request: Request,
                 actor: Annotated[Actor, Depends(require(Permission.INCIDENT_UPDATE))]):
    """Link a further contact about the same event."""
    return _within(request, actor, incident_id, service.link_contact, contact_id=body.contact_id)


@router.post("/incidents/{incident_id}/location", response_model=IncidentRead)
def set_location(incident_id: PathId, body: LocationIn, request: Request,
                 actor: Annotated[Actor, Depends(require(Permission.INCIDENT_UPDATE))]):
    """Place the incident, or move it: where units are sent and whether it counts as urban or rural."""
    return _within(request, actor, incident_id, service.set_location, latitude=body.latitude,
                   longitude=body.longitude, location_text=body.location_text)


@router.post("/incidents/{incident_id}/contacts/{contact_id}/unlink", response_model=IncidentRead)
def unlink_contact(incident_id: PathId, contact_id: PathId, body: UnlinkContact, request: Request,
                   actor: Annotated[Actor, Depends(require(Permission.INCIDENT_UPDATE))]):
    """Undo a link: the contact was about something else. It can then open its own incident."""
    return _within(request, actor, incident_id, service.unlink_contact, contact_id=contact_id, reason=body.reason)


@router.get("/history", response_model=HistoryRead)
def history(request: Request, actor: Annotated[Actor, Depends(require(Permission.CONTACT_READ))],
            number: Annotated[str | None, Query(max_length=40)] = None,
            latitude: Annotated[float | None, Query(ge=-90, le=90)] = None,
            longitude: Annotated[float | None, Query(ge=-180, le=180)] = None):
    """What the force knows already about a caller's number and a place: earlier contacts, their
    grades and vulnerability flags, and the repeat count within the configured window."""
    s = settings(request)
    if (latitude is None) != (longitude is None):
        raise Invalid("give latitude and longitude together", problems=[{"field": "longitude", "message": "missing"}])
    e164 = None
    if number and number.strip():
        try:
            e164 = phone.normalise(number, region=s.default_region)
        except phone.BadNumber as exc:
            raise Invalid(str(exc), problems=[{"field": "number", "message": str(exc)}]) from None
    with reading(request) as session:
        caller = history_of.caller_history(session, number=e164, now=now(request), window_days=s.repeat_window_days) \
            if e164 else None
        place = history_of.place_history(session, latitude=latitude, longitude=longitude, radius_m=s.history_radius_m,
                                         now=now(request), window_days=s.repeat_window_days) \
            if latitude is not None else None
    return HistoryRead(number=e164, caller=caller, place=place, radius_m=s.history_radius_m)


@router.get("/duplicates", response_model=list[DuplicateRead])
def possible_duplicates(request: Request, actor: Annotated[Actor, Depends(require(Permission.CONTACT_READ))],
                        latitude: Annotated[float, Query(ge=-90, le=90)],
                        longitude: Annotated[float, Query(ge=-180, le=180)],
                        incident_type: Annotated[str | None, Query(max_length=80)] = None):
    """Open incidents near this place and time with a similar type, best first, each with why."""
    s = settings(request)
    with reading(request) as session:
        found = history_of.possible_duplicates(session, latitude=latitude, longitude=longitude,
                                               incident_type=incident_type or None, now=now(request),
                                               radius_m=s.duplicate_radius_m, window_min=s.duplicate_window_min)
    return [DuplicateRead(id=d.incident.id, reference=d.incident.reference, grade=d.incident.grade,
                          incident_type=d.incident.incident_type, status=d.incident.status,
                          restricted=d.incident.restricted, summary=d.incident.summary,
                          location_text=d.incident.location_text, created_at=d.incident.created_at,
                          score=d.score, distance_m=d.distance_m, reasons=d.reasons) for d in found]


@router.post("/incidents/{incident_id}/grade", response_model=IncidentRead)
def regrade(incident_id: PathId, body: Regrade, request: Request,
            actor: Annotated[Actor, Depends(require(Permission.INCIDENT_GRADE))]):
    """Regrade from a new assessment of one of the incident's contacts."""
    return _within(request, actor, incident_id, service.regrade, assessment_id=body.assessment_id,
                  decision=body, policy=request.app.state.policy)


@router.post("/incidents/{incident_id}/status", response_model=IncidentRead)
def change_status(incident_id: PathId, body: StatusChange, request: Request,
                  actor: Annotated[Actor, Depends(require(Permission.INCIDENT_UPDATE))]):
    return _within(request, actor, incident_id, service.change_status, status=body.status, note=body.note)


@router.post("/incidents/{incident_id}/close", response_model=IncidentRead)
def close(incident_id: PathId, body: CloseIncident, request: Request,
          actor: Annotated[Actor, Depends(require(Permission.INCIDENT_CLOSE))]):
    return _within(request, actor, incident_id, service.close, closing_code=body.closing_code, note=body.note)


@router.post("/incidents/{incident_id}/notes", response_model=IncidentRead)
def add_note(incident_id: PathId, body: NoteIn, request: Request,
             actor: Annotated[Actor, Depends(require(Permission.INCIDENT_UPDATE))]):
    return _within(request, actor, incident_id, service.add_note, text=body.text)
