"""Appointment reminders: which are due, and sending them once each.

The sender is anything with `send(number=, message=)`. Until the SMS gateway arrives (issue 5)
the application uses LoggingSender; it is read from `app.state.reminder_sender` when set.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.auth.roles import Actor
from demandhub.contacts.models import Contact
from demandhub.incidents import service as incidents
from demandhub.incidents.lifecycle import Status
from demandhub.incidents.models import Incident, IncidentContact
from demandhub.resolution.appointments import when
from demandhub.resolution.models import Appointment, AppointmentSlot
from demandhub.resolution.rules import APPOINTMENT_GRADE, REMINDER_WINDOW

log = logging.getLogger("demandhub.reminders")


class ReminderSender(Protocol):
    def send(self, *, number: str, message: str) -> None: ...


class LoggingSender:
    """Writes each reminder to the log instead of sending it."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, *, number: str, message: str) -> None:
        self.sent.append((number, message))
        log.info("reminder to %s: %s", number, message)


def due_reminders(session: Session, now: datetime, *, window: timedelta = REMINDER_WINDOW,
                  lock: bool = False) -> list[Appointment]:
    """Booked appointments starting within `window` from now that have had no reminder yet,
    for incidents still waiting on them (closed, or regraded off the appointment grade: the
    caller is not told to expect a visit that will not come)."""
    stmt = (sa.select(Appointment).join(AppointmentSlot, AppointmentSlot.id == Appointment.slot_id)
            .join(Incident, Incident.id == Appointment.incident_id)
            .where(Appointment.status == "booked", Appointment.reminder_sent_at.is_(None),
                   AppointmentSlot.starts_at > now, AppointmentSlot.starts_at <= now + window,
                   Incident.status != Status.CLOSED.value, Incident.grade == APPOINTMENT_GRADE)
            .order_by(AppointmentSlot.starts_at, Appointment.id))
    if lock:
        # Two runs at once each take the rows the other has not: no reminder goes twice.
        stmt = stmt.with_for_update(of=Appointment, skip_locked=True)
    return list(session.scalars(stmt))


def _number_for(session: Session, incident_id: int) -> str | None:
    """The caller's number from the incident's earliest contact that has one."""
    return session.scalar(sa.select(Contact.caller_number).join(IncidentContact, IncidentContact.contact_id == Contact.id)
                          .where(IncidentContact.incident_id == incident_id, Contact.caller_number.is_not(None))
                          .order_by(IncidentContact.linked_at, Contact.id).limit(1))


@dataclass(frozen=True)
class Sent:
    sent: int
    skipped: int  # due, but no number to send to: left due, for a person to ring


def send_reminders(session: Session, *, now: datetime, sender: ReminderSender, actor: Actor, tz: ZoneInfo,
                   window: timedelta = REMINDER_WINDOW) -> Sent:
    sent = skipped = 0
    for appointment in due_reminders(session, now, window=window, lock=True):
        number = _number_for(session, appointment.incident_id)
        if number is None:
            skipped += 1
            continue
        slot = session.get(AppointmentSlot, appointment.slot_id)
        incident = session.get(Incident, appointment.incident_id)
        sender.send(number=number, message=(
            f"Police appointment reminder ({incident.reference}): {when(slot, tz)}. "
            "To rearrange, call 101 and give the reference."))
        appointment.reminder_sent_at = now
        incidents.trace(session, incident, actor=actor, now=now, action="appointment.reminded", kind="appointment",
                        text=f"Reminder sent for the appointment {when(slot, tz)}.",
                        data={"appointment_id": appointment.id})
        sent += 1
    return Sent(sent, skipped)
