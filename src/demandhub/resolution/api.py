"""The resolution desk and appointments over JSON."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request, status

from demandhub.auth.deps import require
from demandhub.auth.roles import Actor, Permission
from demandhub.errors import Invalid
from demandhub.http import PathId, now, reading, settings, transaction
from demandhub.incidents import service as incidents
from demandhub.resolution import appointments as booking
from demandhub.resolution import rules, service
from demandhub.resolution.models import AppointmentSlot
from demandhub.resolution.reminders import LoggingSender, send_reminders
from demandhub.resolution.schemas import (
    AppointmentNote,
    AppointmentRead,
    AttemptIn,
    AttemptRead,
    BookIn,
    DaySlotsIn,
    EscalateIn,
    OutcomeIn,
    QueueItem,
    RemindersSent,
    RescheduleIn,
    ResolutionRead,
    SlotIn,
    SlotRead,
    WaitingRead,
)

router = APIRouter(prefix="/api", tags=["resolution"])


def callback_target(request: Request) -> timedelta:
    return timedelta(hours=settings(request).callback_target_h)


def tz_of(request: Request) -> ZoneInfo:
    return ZoneInfo(settings(request).timezone)


def queue_item(row: service.QueueRow) -> QueueItem:
    i = row.incident
    return QueueItem(id=i.id, reference=i.reference, grade=i.grade, incident_type=i.incident_type, status=i.status,
                     restricted=i.restricted, summary=i.summary if row.may_see else None,
                     location_text=i.location_text if row.may_see else None, created_at=i.created_at,
                     due_at=row.due.due_at, overdue=row.due.overdue, attempts=row.attempts,
                     failed_since_spoken=row.failed_since_spoken, last_attempt_at=row.last_attempt_at)


@router.get("/resolution/queue", response_model=list[QueueItem])
def resolution_queue(request: Request, actor: Annotated[Actor, Depends(require(Permission.RESOLUTION_WORK))]):
    """Grade 4 incidents waiting for the desk, soonest due first (overdue first), with their callback attempts."""
    with reading(request) as session:
        return [queue_item(r) for r in service.queue(session, actor=actor, now=now(request),
                                                     target=callback_target(request))]


def _read(request: Request, incident_id: int) -> ResolutionRead:
    with reading(request) as session:
        incident = incidents.get_incident(session, incident_id)
        attempts = service.attempts_for(session, incident_id)
        due = rules.due_of(service.graded_at(session, incident), now(request), callback_target(request))
    return ResolutionRead(incident_id=incident.id, reference=incident.reference, grade=incident.grade,
                          status=incident.status, closing_code=incident.closing_code, due_at=due.due_at,
                          overdue=due.overdue, attempts=[AttemptRead.model_validate(a) for a in attempts],
                          attempts_exhausted=rules.attempts_exhausted([a.outcome for a in attempts]))


def _work(request: Request, actor: Actor, incident_id: int, use_case=None, **kwargs):
    """Read or work an incident under the restricted-incident rule (every view of a restricted
    one audited; a refusal commits its audit entry before the 403)."""
    with transaction(request) as session:
        incident = incidents.get_incident(session, incident_id)
        allowed = incidents.record_view(session, incident=incident, actor=actor, now=now(request))
        result = use_case(session, incident_id=incident_id, actor=actor, now=now(request), **kwargs) \
            if allowed and use_case else None
    if not allowed:
        raise incidents.refused(incident, actor)
    return result


@router.get("/resolution/{incident_id}", response_model=ResolutionRead)
def resolution_of(incident_id: PathId, request: Request,
                  actor: Annotated[Actor, Depends(require(Permission.RESOLUTION_WORK))]):
    """An incident's callback log and where it stands against its due time."""
    with reading(request) as session:
        restricted = incidents.get_incident(session, incident_id).restricted
    if restricted:
        _work(request, actor, incident_id)
    return _read(request, incident_id)


@router.post("/resolution/{incident_id}/callbacks", status_code=status.HTTP_201_CREATED, response_model=AttemptRead)
def record_attempt(incident_id: PathId, body: AttemptIn, request: Request,
                   actor: Annotated[Actor, Depends(require(Permission.RESOLUTION_WORK))]):
    """Record one callback attempt: no_answer, voicemail, spoke_to_caller or wrong_number, with a note."""
    attempt = _work(request, actor, incident_id, service.record_attempt, outcome=body.outcome, note=body.note)
    return AttemptRead.model_validate(attempt)


@router.post("/resolution/{incident_id}/outcome", response_model=ResolutionRead)
def resolve(incident_id: PathId, body: OutcomeIn, request: Request,
            actor: Annotated[Actor, Depends(require(Permission.RESOLUTION_WORK))]):
    """Close the incident: resolved (advice given, resolved by phone, information recorded), crime recorded, or
    referred to a partner agency."""
    _work(request, actor, incident_id, service.resolve, outcome=body.outcome, closing_code=body.closing_code,
          note=body.note, partner=body.partner, crime_reference=body.crime_reference)
    return _read(request, incident_id)


@router.post("/resolution/{incident_id}/escalate", response_model=ResolutionRead)
def escalate(incident_id: PathId, body: EscalateIn, request: Request,
             actor: Annotated[Actor, Depends(require(Permission.RESOLUTION_WORK))]):
    """The callback needs a deployment: a new contact for the callback, its THRIVE+ assessment, and the regrade to
    a deployable grade, together or not at all."""
    _work(request, actor, incident_id, service.escalate, description=body.description, assessment=body.assessment,
          decision=body.decision, policy=request.app.state.policy, region=settings(request).default_region)
    return _read(request, incident_id)


def slot_read(view: booking.SlotView) -> SlotRead:
    s = view.slot
    return SlotRead(id=s.id, area=s.area, starts_at=s.starts_at, ends_at=s.ends_at, capacity=s.capacity,
                    taken=view.taken, free=view.free)


def day_window(day: date, days: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    return start, datetime.combine(day + timedelta(days=days), time(0), tzinfo=tz).astimezone(UTC)


def check_year(value: date, field: str) -> None:
    # Far-off years overflow once turned into UTC; no appointment is booked centuries ahead.
    if not 2000 <= value.year <= 2200:
        raise Invalid(f"{field} must be between the years 2000 and 2200", problems=[{"field": field,
                                                                                    "message": "out of range"}])


@router.get("/appointment-slots", response_model=list[SlotRead])
def list_slots(request: Request, actor: Annotated[Actor, Depends(require(Permission.APPOINTMENT_BOOK))],
               day: Annotated[date | None, Query(description="First local day; today if omitted.")] = None,
               days: Annotated[int, Query(ge=1, le=31)] = 7,
               area: Annotated[str | None, Query(max_length=80)] = None):
    """Slots from a day on, with how many places are taken and free."""
    tz = tz_of(request)
    day = day or now(request).astimezone(tz).date()
    check_year(day, "day")
    start, end = day_window(day, days, tz)
    with reading(request) as session:
        return [slot_read(v) for v in booking.slots(session, start=start, end=end, area=area or None)]


@router.post("/appointment-slots", status_code=status.HTTP_201_CREATED, response_model=SlotRead)
def add_slot(body: SlotIn, request: Request, actor: Annotated[Actor, Depends(require(Permission.APPOINTMENT_SLOTS))]):
    check_year(body.starts_at, "starts_at")
    check_year(body.ends_at, "ends_at")
    with transaction(request) as session:
        slot = booking.add_slot(session, area=body.area, starts_at=body.starts_at, ends_at=body.ends_at,
                                capacity=body.capacity, actor=actor, now=now(request))
    return slot_read(booking.SlotView(slot, 0))


@router.post("/appointment-slots/day", status_code=status.HTTP_201_CREATED, response_model=list[SlotRead])
def add_day(body: DaySlotsIn, request: Request,
            actor: Annotated[Actor, Depends(require(Permission.APPOINTMENT_SLOTS))]):
    """A day's slots for an area, back to back from `first` until `last_end` (local times). Slots that exist
    already are left as they are; the answer lists the new ones."""
    check_year(body.day, "day")
    try:
        times = rules.day_slots(body.day, first=body.first.replace(tzinfo=None),
                                last_end=body.last_end.replace(tzinfo=None),
                                length=timedelta(minutes=body.length_min), tz=tz_of(request))
    except ValueError as exc:
        raise Invalid(str(exc), problems=[{"field": "last_end", "message": str(exc)}]) from None
    with transaction(request) as session:
        made = booking.add_day(session, area=body.area, times=times, capacity=body.capacity, actor=actor,
                               now=now(request))
    return [slot_read(booking.SlotView(s, 0)) for s in made]


def appointment_read(view: booking.AppointmentView, actor: Actor) -> AppointmentRead:
    """A restricted incident's appointment shows when and where, not its note."""
    a, s = view.appointment, view.slot
    note = a.note if incidents.may_see_details(actor, view.incident) else None
    return AppointmentRead(id=a.id, incident_id=a.incident_id, reference=view.incident.reference, slot_id=s.id,
                           area=s.area, starts_at=s.starts_at, ends_at=s.ends_at, place=a.place, status=a.status,
                           note=note, booked_at=a.booked_at, reminder_sent_at=a.reminder_sent_at,
                           ended_at=a.ended_at)


def _one(session, appointment_id: int) -> booking.AppointmentView:
    a = booking.get_appointment(session, appointment_id)
    return booking.AppointmentView(a, session.get(AppointmentSlot, a.slot_id),
                                   incidents.get_incident(session, a.incident_id))


def _appointment(request: Request, appointment_id: int, actor: Actor) -> AppointmentRead:
    """The appointment as it stands, read after the change committed."""
    with reading(request) as session:
        return appointment_read(_one(session, appointment_id), actor)


@router.get("/appointments", response_model=list[AppointmentRead])
def list_appointments(request: Request, actor: Annotated[Actor, Depends(require(Permission.APPOINTMENT_BOOK))],
                      status_: Annotated[str | None, Query(alias="status", pattern="^(booked|attended|missed|cancelled)$")] = None,
                      incident_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None):
    with reading(request) as session:
        return [appointment_read(v, actor)
                for v in booking.appointments(session, status=status_, incident_id=incident_id)]


@router.get("/appointments/waiting", response_model=list[WaitingRead])
def waiting(request: Request, actor: Annotated[Actor, Depends(require(Permission.APPOINTMENT_BOOK))]):
    """Grade 3 incidents with no appointment booked or attended, oldest first."""
    with reading(request) as session:
        found = booking.awaiting_booking(session)
    return [WaitingRead(id=i.id, reference=i.reference, grade=i.grade, incident_type=i.incident_type,
                        restricted=i.restricted, created_at=i.created_at,
                        summary=i.summary if incidents.may_see_details(actor, i) else None) for i in found]


@router.post("/appointments", status_code=status.HTTP_201_CREATED, response_model=AppointmentRead)
def book(body: BookIn, request: Request, actor: Annotated[Actor, Depends(require(Permission.APPOINTMENT_BOOK))]):
    """Book a grade 3 incident into a slot with a free place: 409 when the slot is full, has begun, or the
    incident already has an appointment."""
    with transaction(request) as session:
        made = booking.book(session, incident_id=body.incident_id, slot_id=body.slot_id, note=body.note, actor=actor,
                            now=now(request), tz=tz_of(request))
    return _appointment(request, made.id, actor)


@router.post("/appointments/reminders", response_model=RemindersSent)
def reminders(request: Request, actor: Annotated[Actor, Depends(require(Permission.APPOINTMENT_SLOTS))]):
    """Send a reminder for every booked appointment starting within 24 hours that has not had one."""
    sender = getattr(request.app.state, "reminder_sender", None) or LoggingSender()
    with transaction(request) as session:
        done = send_reminders(session, now=now(request), sender=sender, actor=actor, tz=tz_of(request))
    return RemindersSent(sent=done.sent, skipped=done.skipped)


@router.post("/appointments/{appointment_id}/reschedule", response_model=AppointmentRead)
def reschedule(appointment_id: PathId, body: RescheduleIn, request: Request,
               actor: Annotated[Actor, Depends(require(Permission.APPOINTMENT_BOOK))]):
    with transaction(request) as session:
        booking.reschedule(session, appointment_id=appointment_id, slot_id=body.slot_id, note=body.note, actor=actor,
                           now=now(request), tz=tz_of(request))
    return _appointment(request, appointment_id, actor)


def _change(request: Request, actor: Actor, appointment_id: int, use_case, note: str | None) -> AppointmentRead:
    with transaction(request) as session:
        use_case(session, appointment_id=appointment_id, note=note, actor=actor, now=now(request), tz=tz_of(request))
    return _appointment(request, appointment_id, actor)


@router.post("/appointments/{appointment_id}/cancel", response_model=AppointmentRead)
def cancel(appointment_id: PathId, body: AppointmentNote, request: Request,
           actor: Annotated[Actor, Depends(require(Permission.APPOINTMENT_BOOK))]):
    """Cancel a booked appointment: its place is free again and the incident waits for a new one."""
    return _change(request, actor, appointment_id, booking.cancel, body.note)


@router.post("/appointments/{appointment_id}/attended", response_model=AppointmentRead)
def attended(appointment_id: PathId, body: AppointmentNote, request: Request,
             actor: Annotated[Actor, Depends(require(Permission.APPOINTMENT_BOOK))]):
    return _change(request, actor, appointment_id, booking.mark_attended, body.note)


@router.post("/appointments/{appointment_id}/missed", response_model=AppointmentRead)
def missed(appointment_id: PathId, body: AppointmentNote, request: Request,
           actor: Annotated[Actor, Depends(require(Permission.APPOINTMENT_BOOK))]):
    """The caller was not there: the incident goes back to the appointments queue to rebook."""
    return _change(request, actor, appointment_id, booking.mark_missed, body.note)
