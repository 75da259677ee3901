"""Appointments for grade 3 incidents: slots per day per area, booking without ever
double-booking a place, rescheduling, cancelling, attended and missed.

No double booking, twice over: booking locks the slot's row (SELECT ... FOR UPDATE; on SQLite
every write transaction already holds the database lock) and counts its places, and the
database refuses a second live appointment in one (slot, place) with a unique index, so a
booking racing past the count still ends in a 409, never a second booking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.audit import service as audit
from demandhub.auth.roles import Actor
from demandhub.errors import Conflict, Invalid, NotFound
from demandhub.events import service as events
from demandhub.incidents import service as incidents
from demandhub.incidents.lifecycle import ACTIVE, Status
from demandhub.incidents.models import Incident
from demandhub.resolution import rules
from demandhub.resolution.models import HOLDING, Appointment, AppointmentSlot

# How far ahead slots may be set up: a year and a little.
SLOTS_AHEAD = timedelta(days=400)


def _publish(session: Session, *, kind: str, payload: dict, now: datetime) -> None:
    events.publish(session, topic="appointments", kind=kind, at=now, payload=payload)


def when(slot: AppointmentSlot, tz: ZoneInfo) -> str:
    start = slot.starts_at.astimezone(tz)
    return f"{start:%a %d %b %H:%M}-{slot.ends_at.astimezone(tz):%H:%M} ({slot.area})"


def _noted(text: str, note: str | None, *, sep: str = ". ") -> str:
    """One sentence for the timeline, with the officer's note if any."""
    note = (note or "").strip().rstrip(".")
    return text + (f"{sep}{note}" if note else "") + "."


def _check_slot_times(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if ends_at <= starts_at:
        raise Invalid("a slot must end after it starts", problems=[{"field": "ends_at", "message": "before starts_at"}])
    if starts_at <= now:
        raise Invalid("a slot must start in the future", problems=[{"field": "starts_at", "message": "in the past"}])
    if starts_at > now + SLOTS_AHEAD:
        raise Invalid("slots are set up at most 400 days ahead",
                      problems=[{"field": "starts_at", "message": "too far ahead"}])
    if ends_at - starts_at > timedelta(hours=12):
        raise Invalid("a slot lasts at most 12 hours", problems=[{"field": "ends_at", "message": "too long"}])


def add_slot(session: Session, *, area: str, starts_at: datetime, ends_at: datetime, capacity: int, actor: Actor,
             now: datetime) -> AppointmentSlot:
    area = area.strip()
    if not area:
        raise Invalid("name the area", problems=[{"field": "area", "message": "required"}])
    _check_slot_times(starts_at, ends_at, now)
    if session.scalar(sa.select(AppointmentSlot.id).where(AppointmentSlot.area == area,
                                                          AppointmentSlot.starts_at == starts_at)):
        raise Conflict(f"{area} already has a slot at {starts_at.isoformat()}",
                       problems=[{"field": "starts_at", "message": "slot exists"}])
    slot = AppointmentSlot(area=area, starts_at=starts_at, ends_at=ends_at, capacity=capacity, created_at=now,
                           created_by=actor.id)
    session.add(slot)
    session.flush()
    audit.append(session, actor=actor.username, action="appointment_slot.added", entity_type="appointment_slot",
                 entity_id=slot.id, at=now, details={"area": area, "starts_at": starts_at.isoformat(),
                                                     "ends_at": ends_at.isoformat(), "capacity": capacity})
    _publish(session, kind="appointment_slot.added", payload={"slot_id": slot.id}, now=now)
    return slot


def add_day(session: Session, *, area: str, times: list[tuple[datetime, datetime]], capacity: int, actor: Actor,
            now: datetime) -> list[AppointmentSlot]:
    """A day's slots (from rules.day_slots). Slots the area already has at those times are kept
    as they are, so sending the same day twice adds nothing."""
    if not times:
        raise Invalid("no slot fits between those times", problems=[{"field": "last_end", "message": "too early"}])
    existing = set(session.scalars(sa.select(AppointmentSlot.starts_at).where(
        AppointmentSlot.area == area.strip(), AppointmentSlot.starts_at.in_([s for s, _ in times]))))
    return [add_slot(session, area=area, starts_at=s, ends_at=e, capacity=capacity, actor=actor, now=now)
            for s, e in times if s not in existing]


@dataclass(frozen=True)
class SlotView:
    slot: AppointmentSlot
    taken: int

    @property
    def free(self) -> int:
        return max(self.slot.capacity - self.taken, 0)


def _taken_counts(session: Session, slot_ids: list[int]) -> dict[int, int]:
    if not slot_ids:
        return {}
    rows = session.execute(sa.select(Appointment.slot_id, sa.func.count()).where(
        Appointment.slot_id.in_(slot_ids), Appointment.status.in_(HOLDING)).group_by(Appointment.slot_id))
    return dict(rows.all())


def slots(session: Session, *, start: datetime, end: datetime, area: str | None = None) -> list[SlotView]:
    stmt = sa.select(AppointmentSlot).where(AppointmentSlot.starts_at >= start, AppointmentSlot.starts_at < end)
    if area:
        stmt = stmt.where(AppointmentSlot.area == area)
    found = list(session.scalars(stmt.order_by(AppointmentSlot.starts_at, AppointmentSlot.area, AppointmentSlot.id)))
    taken = _taken_counts(session, [s.id for s in found])
    return [SlotView(s, taken.get(s.id, 0)) for s in found]


def _locked_slot(session: Session, slot_id: int) -> AppointmentSlot:
    slot = session.scalar(sa.select(AppointmentSlot).where(AppointmentSlot.id == slot_id).with_for_update())
    if slot is None:
        raise NotFound(f"appointment slot {slot_id} not found", problems=[{"field": "slot_id", "message": "not found"}])
    return slot


def _free_place(session: Session, slot: AppointmentSlot, now: datetime) -> int:
    """The lowest free place of a slot the caller has locked; Conflict when it is full."""
    if slot.starts_at <= now:
        raise Conflict(f"the slot at {slot.starts_at.isoformat()} has already begun",
                       problems=[{"field": "slot_id", "message": "already begun"}])
    used = set(session.scalars(sa.select(Appointment.place).where(Appointment.slot_id == slot.id,
                                                                  Appointment.status.in_(HOLDING))))
    for place in range(1, slot.capacity + 1):
        if place not in used:
            return place
    raise Conflict(f"the slot at {slot.starts_at.isoformat()} in {slot.area} is full ({slot.capacity} places)",
                   problems=[{"field": "slot_id", "message": "full"}])


def get_appointment(session: Session, appointment_id: int) -> Appointment:
    found = session.get(Appointment, appointment_id)
    if found is None:
        raise NotFound(f"appointment {appointment_id} not found")
    return found


def booked_for(session: Session, incident_id: int) -> Appointment | None:
    return session.scalar(sa.select(Appointment).where(Appointment.incident_id == incident_id,
                                                       Appointment.status == "booked"))


def _hold(session: Session, incident: Incident, *, actor: Actor, now: datetime) -> None:
    if incident.status in (Status.OPEN, Status.IN_PROGRESS):
        incidents.change_status(session, incident_id=incident.id, status=Status.ON_HOLD,
                                note="waiting for the appointment", actor=actor, now=now)


def _release(session: Session, incident: Incident, *, actor: Actor, now: datetime, why: str) -> None:
    if incident.status == Status.ON_HOLD:
        incidents.change_status(session, incident_id=incident.id, status=Status.OPEN, note=why, actor=actor, now=now)


def book(session: Session, *, incident_id: int, slot_id: int, note: str | None, actor: Actor, now: datetime,
         tz: ZoneInfo) -> Appointment:
    # Always the incident first, then the slot: every use case here locks in that order.
    incident = incidents.get_incident(session, incident_id, for_update=True)
    if incident.status == Status.CLOSED:
        raise Conflict(f"incident {incident.reference} is closed", problems=[{"field": "incident_id",
                                                                             "message": "closed"}])
    if incident.grade != rules.APPOINTMENT_GRADE:
        raise Conflict(f"incident {incident.reference} is grade {incident.grade}; appointments are for grade "
                       f"{rules.APPOINTMENT_GRADE}", problems=[{"field": "incident_id", "message": "not grade 3"}])
    if (existing := booked_for(session, incident.id)) is not None:
        raise Conflict(f"incident {incident.reference} already has appointment {existing.id}; reschedule it instead",
                       problems=[{"field": "incident_id", "message": "already booked"}])
    slot = _locked_slot(session, slot_id)
    place = _free_place(session, slot, now)
    note = (note or "").strip() or None
    appointment = Appointment(incident_id=incident.id, slot_id=slot.id, place=place, status="booked", note=note,
                              booked_at=now, booked_by=actor.id)
    session.add(appointment)
    session.flush()  # the unique index speaks now, inside the use case, if anything raced past the count
    incidents.trace(session, incident, actor=actor, now=now, action="appointment.booked", kind="appointment",
                    text=_noted(f"Appointment booked: {when(slot, tz)}", note),
                    data={"appointment_id": appointment.id, "slot_id": slot.id, "place": place})
    _hold(session, incident, actor=actor, now=now)
    _publish(session, kind="appointment.booked", payload={"appointment_id": appointment.id, "slot_id": slot.id},
             now=now)
    return appointment


def _booked(session: Session, appointment_id: int, *, doing: str) -> tuple[Appointment, Incident]:
    """The appointment and its incident, both locked (incident first), if it is still booked."""
    found = get_appointment(session, appointment_id)
    incident = incidents.get_incident(session, found.incident_id, for_update=True)
    appointment = session.scalar(sa.select(Appointment).where(Appointment.id == appointment_id).with_for_update()
                                 .execution_options(populate_existing=True))
    if appointment.status != "booked":
        raise Conflict(f"appointment {appointment_id} is {appointment.status}; only a booked one can be {doing}",
                       problems=[{"field": "status", "message": appointment.status}])
    return appointment, incident


def reschedule(session: Session, *, appointment_id: int, slot_id: int, note: str | None, actor: Actor,
               now: datetime, tz: ZoneInfo) -> Appointment:
    """Move a booked appointment to another slot: its place there is taken and the old one
    given back in one step, so it is never in both or in neither."""
    appointment, incident = _booked(session, appointment_id, doing="rescheduled")
    if appointment.slot_id == slot_id:
        raise Conflict("the appointment is already in that slot", problems=[{"field": "slot_id", "message": "same"}])
    old = session.get(AppointmentSlot, appointment.slot_id)
    slot = _locked_slot(session, slot_id)
    place = _free_place(session, slot, now)
    appointment.slot_id, appointment.place = slot.id, place
    appointment.reminder_sent_at = None  # a new time needs its own reminder
    session.flush()
    note = (note or "").strip() or None
    incidents.trace(session, incident, actor=actor, now=now, action="appointment.rescheduled", kind="appointment",
                    text=_noted(f"Appointment moved from {when(old, tz)} to {when(slot, tz)}", note),
                    data={"appointment_id": appointment.id, "from_slot_id": old.id, "slot_id": slot.id})
    _publish(session, kind="appointment.rescheduled", payload={"appointment_id": appointment.id}, now=now)
    return appointment


def cancel(session: Session, *, appointment_id: int, note: str | None, actor: Actor, now: datetime,
           tz: ZoneInfo) -> Appointment:
    appointment, incident = _booked(session, appointment_id, doing="cancelled")
    appointment.status, appointment.ended_at = "cancelled", now
    slot = session.get(AppointmentSlot, appointment.slot_id)
    note = (note or "").strip() or None
    incidents.trace(session, incident, actor=actor, now=now, action="appointment.cancelled", kind="appointment",
                    text=_noted(f"Appointment {when(slot, tz)} cancelled", note, sep=": ")
                         + " The incident is waiting for a new appointment.",
                    data={"appointment_id": appointment.id})
    _release(session, incident, actor=actor, now=now, why="appointment cancelled")
    _publish(session, kind="appointment.cancelled", payload={"appointment_id": appointment.id}, now=now)
    return appointment


def _happened(session: Session, appointment_id: int, *, status: str, note: str | None, actor: Actor, now: datetime,
              tz: ZoneInfo) -> tuple[Appointment, Incident, AppointmentSlot]:
    appointment, incident = _booked(session, appointment_id, doing=f"marked {status}")
    slot = session.get(AppointmentSlot, appointment.slot_id)
    if slot.starts_at > now:
        raise Conflict(f"the appointment starts at {slot.starts_at.isoformat()}: it cannot be {status} yet",
                       problems=[{"field": "status", "message": "not started yet"}])
    appointment.status, appointment.ended_at = status, now
    if note and note.strip():
        appointment.note = note.strip()
    return appointment, incident, slot


def mark_attended(session: Session, *, appointment_id: int, note: str | None, actor: Actor, now: datetime,
                  tz: ZoneInfo) -> Appointment:
    appointment, incident, slot = _happened(session, appointment_id, status="attended", note=note, actor=actor,
                                            now=now, tz=tz)
    incidents.trace(session, incident, actor=actor, now=now, action="appointment.attended", kind="appointment",
                    text=_noted(f"Appointment {when(slot, tz)} attended", note, sep=": "),
                    data={"appointment_id": appointment.id})
    _publish(session, kind="appointment.attended", payload={"appointment_id": appointment.id}, now=now)
    return appointment


def mark_missed(session: Session, *, appointment_id: int, note: str | None, actor: Actor, now: datetime,
                tz: ZoneInfo) -> Appointment:
    appointment, incident, slot = _happened(session, appointment_id, status="missed", note=note, actor=actor,
                                            now=now, tz=tz)
    incidents.trace(session, incident, actor=actor, now=now, action="appointment.missed", kind="appointment",
                    text=_noted(f"Appointment {when(slot, tz)} missed", note, sep=": ")
                         + " The incident is back in the appointments queue to rebook.",
                    data={"appointment_id": appointment.id})
    _release(session, incident, actor=actor, now=now, why="appointment missed: to rebook")
    _publish(session, kind="appointment.missed", payload={"appointment_id": appointment.id}, now=now)
    return appointment


def awaiting_booking(session: Session, *, limit: int = 500) -> list[Incident]:
    """Active grade 3 incidents with no appointment booked or attended: new ones, and those
    whose appointment was missed or cancelled, oldest first."""
    has = sa.select(Appointment.id).where(Appointment.incident_id == Incident.id,
                                          Appointment.status.in_(("booked", "attended"))).exists()
    stmt = (sa.select(Incident).where(Incident.status.in_([s.value for s in ACTIVE]),
                                      Incident.grade == rules.APPOINTMENT_GRADE, ~has)
            .order_by(Incident.created_at, Incident.id).limit(limit))
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class AppointmentView:
    appointment: Appointment
    slot: AppointmentSlot
    incident: Incident


def appointments(session: Session, *, status: str | None = None, start: datetime | None = None,
                 end: datetime | None = None, incident_id: int | None = None, limit: int = 500
                 ) -> list[AppointmentView]:
    stmt = (sa.select(Appointment, AppointmentSlot, Incident)
            .join(AppointmentSlot, AppointmentSlot.id == Appointment.slot_id)
            .join(Incident, Incident.id == Appointment.incident_id))
    if status:
        stmt = stmt.where(Appointment.status == status)
    if start:
        stmt = stmt.where(AppointmentSlot.starts_at >= start)
    if end:
        stmt = stmt.where(AppointmentSlot.starts_at < end)
    if incident_id:
        stmt = stmt.where(Appointment.incident_id == incident_id)
    stmt = stmt.order_by(AppointmentSlot.starts_at, Appointment.id).limit(limit)
    return [AppointmentView(a, s, i) for a, s, i in session.execute(stmt).all()]
