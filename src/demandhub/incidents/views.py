"""The control-room screens: taking a contact, the live queue, the incident page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse

from demandhub import classification
from demandhub.auth.deps import check_csrf, require_page
from demandhub.auth.roles import Actor, Permission
from demandhub.contacts import locations as caller_locations
from demandhub.contacts import service as contacts
from demandhub.contacts.channels import Channel
from demandhub.http import MAX_ID, PathId, now, reading, transaction
from demandhub.incidents import service
from demandhub.incidents.lifecycle import TRANSITIONS, Status
from demandhub.web.templating import render

router = APIRouter(include_in_schema=False)


def _types_by_category() -> list[tuple]:
    return [(cat, [t for t in classification.INCIDENT_TYPES.values() if t.category == cat.code])
            for cat in classification.CATEGORIES.values()]


def _contact_to_assess(request: Request, actor: Actor, contact_id: int):
    """A contact recorded earlier (an online report, a chat), to assess and grade on this screen."""
    with transaction(request) as session:  # a view of a restricted contact is audited
        contact = contacts.get_contact(session, contact_id)
        allowed = contacts.record_view(session, contact=contact, actor=actor, now=now(request))
        incident = service.incident_for_contact(session, contact_id)
        session.expunge(contact)
    if not allowed:
        raise contacts.refused(contact, actor)
    if incident is not None:
        return None, RedirectResponse(f"/incidents/{incident.reference}", status_code=303)
    return contact, None


@router.get("/calls/new")
def call_taking(request: Request, actor: Annotated[Actor, Depends(require_page(Permission.CONTACT_CREATE))],
                contact: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None):
    """The call-taking screen; with ?contact=ID it assesses and grades a contact already recorded."""
    settings = request.app.state.settings
    existing = None
    if contact is not None:
        existing, graded = _contact_to_assess(request, actor, contact)
        if graded is not None:
            return graded  # already graded: its incident is the place to go
    return render(request, "call_new.html", {
        "active": "call", "policy": request.app.state.policy, "existing": existing,
        "existing_channel": Channel(existing.channel).label if existing else None,
        "channels": [c for c in Channel if c is not Channel.CALLBACK],  # the force ringing back is not a new call
        "tiles": settings.map_tiles_url or "", "attribution": settings.map_tiles_attribution,
        "types_by_category": _types_by_category(), "qualifiers": classification.QUALIFIERS.values(),
    }, actor=actor)


def _queue_context(request: Request) -> dict:
    policy = request.app.state.policy
    with reading(request) as session:
        rows = service.queue(session, grade_order=policy.grade_codes)
    return {"rows": rows, "policy": policy, "types": classification.INCIDENT_TYPES, "now": now(request)}


@router.get("/queue")
def queue_page(request: Request, actor: Annotated[Actor, Depends(require_page(Permission.INCIDENT_READ))]):
    return render(request, "queue.html", {"active": "queue", **_queue_context(request)}, actor=actor)


@router.get("/queue/rows")
def queue_rows(request: Request, actor: Annotated[Actor, Depends(require_page(Permission.INCIDENT_READ))]):
    """The queue's rows alone, fetched by the page whenever the live stream says something changed."""
    return render(request, "queue_rows.html", _queue_context(request), actor=actor)


@router.get("/incidents/{reference}")
def incident_page(reference: str, request: Request,
                  actor: Annotated[Actor, Depends(require_page(Permission.INCIDENT_READ))]):
    with reading(request) as session:
        incident = service.find_by_reference(session, reference)
        detail = None if incident.restricted else service.detail(session, incident)
        if detail is not None:
            located = _network_locations(session, detail)
    if detail is None:  # restricted: the view is audited, and so is a refusal
        with transaction(request) as session:
            incident = service.find_by_reference(session, reference)
            allowed = service.record_view(session, incident=incident, actor=actor, now=now(request))
            detail = service.detail(session, incident) if allowed else None
            located = _network_locations(session, detail) if detail is not None else {}
        if detail is None:
            if actor.can(Permission.UNIT_READ):
                # Units must still be sent: the dispatch view shows where and how urgent, not what.
                return RedirectResponse(f"/incidents/{reference}/dispatch", status_code=303)
            raise service.refused(incident, actor)
    current = Status(incident.status)
    moves = [s for s in Status if s in TRANSITIONS[current] and s != Status.CLOSED
             and (current != Status.CLOSED or actor.can(Permission.INCIDENT_REOPEN))]
    return render(request, "incident.html", {
        "active": "queue", "d": detail, "i": incident, "policy": request.app.state.policy,
        "type": classification.incident_type(incident.incident_type),
        "qualifier_labels": {q.code: q.label for q in classification.QUALIFIERS.values()},
        "closing_codes": classification.CLOSING_CODES, "moves": moves, "status": current, "located": located,
    }, actor=actor)


def _network_locations(session, detail) -> dict[int, list]:
    """Where the network said each contact's phone was (AML), by contact id."""
    found: dict[int, list] = {}
    for row in caller_locations.for_contacts(session, [c.id for c in detail.contacts]):
        found.setdefault(row.contact_id, []).append(row)
    return found


def _act(request: Request, actor: Actor, reference: str, use_case, **kwargs) -> RedirectResponse:
    """A form on the incident page: do it, then show the page again (post-redirect-get)."""
    with transaction(request) as session:
        incident = service.find_by_reference(session, reference)
        if service.record_view(session, incident=incident, actor=actor, now=now(request)):
            use_case(session, incident_id=incident.id, actor=actor, now=now(request), **kwargs)
            return RedirectResponse(f"/incidents/{reference}", status_code=303)
    raise service.refused(incident, actor)


@router.post("/incidents/{reference}/status")
def status_form(reference: str, request: Request, status: Annotated[Status, Form()],
                actor: Annotated[Actor, Depends(require_page(Permission.INCIDENT_UPDATE))],
                note: Annotated[str, Form(max_length=4000)] = "", csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    return _act(request, actor, reference, service.change_status, status=status, note=note.strip() or None)


@router.post("/incidents/{reference}/close")
def close_form(reference: str, request: Request, closing_code: Annotated[str, Form(max_length=60)],
               actor: Annotated[Actor, Depends(require_page(Permission.INCIDENT_CLOSE))],
               note: Annotated[str, Form(max_length=4000)] = "", csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    return _act(request, actor, reference, service.close, closing_code=closing_code, note=note.strip() or None)


@router.post("/incidents/{reference}/location")
def location_form(reference: str, request: Request, latitude: Annotated[float, Form(ge=-90, le=90)],
                  longitude: Annotated[float, Form(ge=-180, le=180)],
                  actor: Annotated[Actor, Depends(require_page(Permission.INCIDENT_UPDATE))],
                  location_text: Annotated[str, Form(max_length=2000)] = "", csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    return _act(request, actor, reference, service.set_location, latitude=latitude, longitude=longitude,
                location_text=location_text.strip() or None)


@router.post("/incidents/{reference}/contacts/{contact_id}/unlink")
def unlink_form(reference: str, contact_id: PathId, request: Request,
                reason: Annotated[str, Form(min_length=1, max_length=1000)],
                actor: Annotated[Actor, Depends(require_page(Permission.INCIDENT_UPDATE))],
                csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    return _act(request, actor, reference, service.unlink_contact, contact_id=contact_id, reason=reason.strip())


@router.post("/incidents/{reference}/notes")
def note_form(reference: str, request: Request, text: Annotated[str, Form(min_length=1, max_length=10_000)],
              actor: Annotated[Actor, Depends(require_page(Permission.INCIDENT_UPDATE))],
              csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    return _act(request, actor, reference, service.add_note, text=text)
