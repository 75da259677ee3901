"""The resolution desk's pages: its queue (live), working one incident (callbacks, outcomes,
escalation with a fresh THRIVE+ assessment), and the appointments board."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from demandhub import classification
from demandhub.assessment.schemas import AssessmentCreate, Decision
from demandhub.auth.deps import check_csrf, require_page
from demandhub.auth.roles import Actor, Permission
from demandhub.errors import Invalid
from demandhub.http import MAX_ID, PathId, now, reading, settings, transaction
from demandhub.incidents import service as incidents
from demandhub.incidents.lifecycle import Status
from demandhub.resolution import appointments as booking
from demandhub.resolution import rules, service
from demandhub.resolution.api import callback_target, check_year, day_window, tz_of
from demandhub.resolution.reminders import LoggingSender, send_reminders
from demandhub.resolution.rules import AttemptOutcome, Outcome
from demandhub.web.templating import render

router = APIRouter(include_in_schema=False)


def _queue_context(request: Request, actor: Actor) -> dict:
    with reading(request) as session:
        rows = service.queue(session, actor=actor, now=now(request), target=callback_target(request))
    return {"rows": rows, "types": classification.INCIDENT_TYPES, "remaining": rules.format_remaining,
            "limit": rules.MAX_FAILED_ATTEMPTS}


@router.get("/resolution")
def queue_page(request: Request, actor: Annotated[Actor, Depends(require_page(Permission.RESOLUTION_WORK))]):
    return render(request, "resolution_queue.html", {"active": "resolution", **_queue_context(request, actor)},
                  actor=actor)


@router.get("/resolution/rows")
def queue_rows(request: Request, actor: Annotated[Actor, Depends(require_page(Permission.RESOLUTION_WORK))]):
    """The queue's rows alone, re-read by the page whenever the live stream reports a change."""
    return render(request, "resolution_rows.html", _queue_context(request, actor), actor=actor)


def _seen(request: Request, actor: Actor, reference: str):
    """The incident by reference under the restricted-incident rule (views audited, refusals too)."""
    with reading(request) as session:
        incident = incidents.find_by_reference(session, reference)
    if incident.restricted:
        with transaction(request) as session:
            incident = incidents.find_by_reference(session, reference)
            allowed = incidents.record_view(session, incident=incident, actor=actor, now=now(request))
        if not allowed:
            raise incidents.refused(incident, actor)
    return incident


@router.get("/resolution/{reference}")
def work_page(reference: str, request: Request,
              actor: Annotated[Actor, Depends(require_page(Permission.RESOLUTION_WORK))]):
    incident = _seen(request, actor, reference)
    policy = request.app.state.policy
    with reading(request) as session:
        incident = incidents.find_by_reference(session, reference)
        detail = incidents.detail(session, incident)
        attempts = service.attempts_for(session, incident.id)
        due = rules.due_of(service.graded_at(session, incident), now(request), callback_target(request))
    outcomes = [a.outcome for a in attempts]
    return render(request, "resolution_work.html", {
        "active": "resolution", "i": incident, "d": detail, "policy": policy, "attempts": attempts,
        "due": due, "remaining": rules.format_remaining,
        "failed": rules.failed_since_spoken(outcomes), "exhausted": rules.attempts_exhausted(outcomes),
        "limit": rules.MAX_FAILED_ATTEMPTS, "attempt_outcomes": list(AttemptOutcome),
        "on_desk": incident.status != Status.CLOSED and incident.grade == rules.RESOLUTION_GRADE,
        "closing": {o: service.closing_labels(o) for o in Outcome}, "Outcome": Outcome,
        "closing_codes": classification.CLOSING_CODES, "types": classification.INCIDENT_TYPES,
        "deployable": [g for g in policy.grades.values() if rules.deployable(g.code, policy.grade_codes)],
        "types_by_category": [(c, [t for t in classification.INCIDENT_TYPES.values() if t.category == c.code])
                              for c in classification.CATEGORIES.values()],
        "qualifiers": classification.QUALIFIERS.values(),
    }, actor=actor)


def _act(request: Request, actor: Actor, reference: str, use_case, **kwargs) -> int:
    incident = _seen(request, actor, reference)
    with transaction(request) as session:
        use_case(session, incident_id=incident.id, actor=actor, now=now(request), **kwargs)
    return incident.id


@router.post("/resolution/{reference}/callbacks")
def callback_form(reference: str, request: Request, outcome: Annotated[AttemptOutcome, Form()],
                  actor: Annotated[Actor, Depends(require_page(Permission.RESOLUTION_WORK))],
                  note: Annotated[str, Form(max_length=4000)] = "", csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    _act(request, actor, reference, service.record_attempt, outcome=outcome, note=note)
    return RedirectResponse(f"/resolution/{reference}", status_code=303)


@router.post("/resolution/{reference}/outcome")
def outcome_form(reference: str, request: Request, outcome: Annotated[Outcome, Form()],
                 note: Annotated[str, Form(min_length=1, max_length=4000)],
                 actor: Annotated[Actor, Depends(require_page(Permission.RESOLUTION_WORK))],
                 closing_code: Annotated[str, Form(max_length=60)] = "",
                 partner: Annotated[str, Form(max_length=200)] = "",
                 crime_reference: Annotated[str, Form(max_length=60)] = "", csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    _act(request, actor, reference, service.resolve, outcome=outcome, closing_code=closing_code or None, note=note,
         partner=partner, crime_reference=crime_reference)
    return RedirectResponse(f"/incidents/{reference}", status_code=303)


async def form_fields(request: Request) -> dict[str, list[str]]:
    """Every text field of a posted form, repeated names kept (checkboxes)."""
    fields: dict[str, list[str]] = {}
    for key, value in (await request.form()).multi_items():
        if isinstance(value, str):
            fields.setdefault(key, []).append(value)
    return fields


def escalation_from(fields: dict[str, list[str]], policy) -> tuple[str, AssessmentCreate, Decision]:
    """The escalate form's fields as the API's shapes (the same rules apply to both)."""
    one = lambda name: (fields.get(name) or [""])[0].strip()
    try:
        assessment = AssessmentCreate(
            incident_type=one("incident_type"), qualifiers=fields.get("qualifiers", []),
            vulnerabilities=fields.get("vulnerabilities", []),
            dimensions={n: {"level": one(f"dim-{n}-level") or None, "rationale": one(f"dim-{n}-rationale") or None}
                        for n in policy.dimensions},
            ndm={n: one(f"ndm-{n}") for n in policy.ndm_fields if one(f"ndm-{n}")})
        decision = Decision(decision=one("decision") or "override", grade=one("grade") or None,
                            rationale=one("rationale") or None)
    except ValidationError as exc:
        raise Invalid("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from None
    description = one("description")
    if not description:
        raise Invalid("say what the caller told you on the callback",
                      problems=[{"field": "description", "message": "required"}])
    if len(description) > 10_000:
        raise Invalid("the callback note is too long", problems=[{"field": "description", "message": "too long"}])
    return description, assessment, decision


@router.post("/resolution/{reference}/escalate")
def escalate_form(reference: str, request: Request,
                  actor: Annotated[Actor, Depends(require_page(Permission.RESOLUTION_WORK))],
                  fields: Annotated[dict, Depends(form_fields)]):
    check_csrf(request, (fields.get("csrf") or [""])[0])
    description, assessment, decision = escalation_from(fields, request.app.state.policy)
    _act(request, actor, reference, service.escalate, description=description, assessment=assessment,
         decision=decision, policy=request.app.state.policy, region=settings(request).default_region)
    return RedirectResponse(f"/incidents/{reference}", status_code=303)


@router.get("/appointments")
def appointments_page(request: Request, actor: Annotated[Actor, Depends(require_page(Permission.APPOINTMENT_BOOK))],
                      day: Annotated[date | None, Query()] = None,
                      area: Annotated[str | None, Query(max_length=80)] = None):
    tz = tz_of(request)
    today = now(request).astimezone(tz).date()
    day = day or today
    check_year(day, "day")
    start, end = day_window(day, 7, tz)
    with reading(request) as session:
        views = booking.slots(session, start=start, end=end, area=area or None)
        waiting = booking.awaiting_booking(session)
        booked = booking.appointments(session, status="booked")
        recent = [v for v in booking.appointments(session, start=now(request) - timedelta(days=7))
                  if v.appointment.status != "booked"]
    bookable = [v for v in views if v.free and v.slot.starts_at > now(request)]
    days: dict[date, list] = {}
    for v in views:
        days.setdefault(v.slot.starts_at.astimezone(tz).date(), []).append(v)
    return render(request, "appointments.html", {
        "active": "appointments", "days": days, "bookable": bookable, "waiting": waiting, "booked": booked,
        "recent": recent, "day": day, "area": area or "", "today": today, "now": now(request),
        "prev_day": day - timedelta(days=7), "next_day": day + timedelta(days=7),
        "types": classification.INCIDENT_TYPES, "may_see": lambda i: incidents.may_see_details(actor, i),
    }, actor=actor)


def _back() -> RedirectResponse:
    return RedirectResponse("/appointments", status_code=303)


@router.post("/appointments/slots")
def slots_form(request: Request, area: Annotated[str, Form(min_length=1, max_length=80)], day: Annotated[date, Form()],
               first: Annotated[time, Form()], last_end: Annotated[time, Form()],
               actor: Annotated[Actor, Depends(require_page(Permission.APPOINTMENT_SLOTS))],
               length_min: Annotated[int, Form(ge=10, le=480)] = 60, capacity: Annotated[int, Form(ge=1, le=100)] = 1,
               csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    check_year(day, "day")
    try:
        times = rules.day_slots(day, first=first.replace(tzinfo=None), last_end=last_end.replace(tzinfo=None),
                                length=timedelta(minutes=length_min), tz=tz_of(request))
    except ValueError as exc:
        raise Invalid(str(exc), problems=[{"field": "last_end", "message": str(exc)}]) from None
    with transaction(request) as session:
        booking.add_day(session, area=area, times=times, capacity=capacity, actor=actor, now=now(request))
    return RedirectResponse(f"/appointments?day={day.isoformat()}", status_code=303)


@router.post("/appointments/book")
def book_form(request: Request, reference: Annotated[str, Form(min_length=1, max_length=40)],
              slot_id: Annotated[int, Form(ge=1, le=MAX_ID)],
              actor: Annotated[Actor, Depends(require_page(Permission.APPOINTMENT_BOOK))],
              note: Annotated[str, Form(max_length=4000)] = "", csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    with transaction(request) as session:
        incident = incidents.find_by_reference(session, reference.strip())
        booking.book(session, incident_id=incident.id, slot_id=slot_id, note=note, actor=actor, now=now(request),
                     tz=tz_of(request))
    return _back()


@router.post("/appointments/reminders")
def reminders_form(request: Request, actor: Annotated[Actor, Depends(require_page(Permission.APPOINTMENT_SLOTS))],
                   csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    sender = getattr(request.app.state, "reminder_sender", None) or LoggingSender()
    with transaction(request) as session:
        send_reminders(session, now=now(request), sender=sender, actor=actor, tz=tz_of(request))
    return _back()


@router.post("/appointments/{appointment_id}/reschedule")
def reschedule_form(appointment_id: PathId, request: Request, slot_id: Annotated[int, Form(ge=1, le=MAX_ID)],
                    actor: Annotated[Actor, Depends(require_page(Permission.APPOINTMENT_BOOK))],
                    csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    with transaction(request) as session:
        booking.reschedule(session, appointment_id=appointment_id, slot_id=slot_id, note=None, actor=actor,
                           now=now(request), tz=tz_of(request))
    return _back()


def _change(request: Request, actor: Actor, appointment_id: int, csrf: str, use_case, note: str) -> RedirectResponse:
    check_csrf(request, csrf)
    with transaction(request) as session:
        use_case(session, appointment_id=appointment_id, note=note, actor=actor, now=now(request), tz=tz_of(request))
    return _back()


@router.post("/appointments/{appointment_id}/cancel")
def cancel_form(appointment_id: PathId, request: Request,
                actor: Annotated[Actor, Depends(require_page(Permission.APPOINTMENT_BOOK))],
                note: Annotated[str, Form(max_length=4000)] = "", csrf: Annotated[str, Form()] = ""):
    return _change(request, actor, appointment_id, csrf, booking.cancel, note)


@router.post("/appointments/{appointment_id}/attended")
def attended_form(appointment_id: PathId, request: Request,
                  actor: Annotated[Actor, Depends(require_page(Permission.APPOINTMENT_BOOK))],
                  note: Annotated[str, Form(max_length=4000)] = "", csrf: Annotated[str, Form()] = ""):
    return _change(request, actor, appointment_id, csrf, booking.mark_attended, note)


@router.post("/appointments/{appointment_id}/missed")
def missed_form(appointment_id: PathId, request: Request,
                actor: Annotated[Actor, Depends(require_page(Permission.APPOINTMENT_BOOK))],
                note: Annotated[str, Form(max_length=4000)] = "", csrf: Annotated[str, Form()] = ""):
    return _change(request, actor, appointment_id, csrf, booking.mark_missed, note)
