"""Demo data for the resolution desk: a few days of appointment slots in two areas, a callback
attempt on the oldest grade 4 incident and an appointment for the oldest grade 3 one, all made
through the use cases. Does nothing once slots exist."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.auth import service as accounts
from demandhub.auth.models import User
from demandhub.resolution import appointments as booking
from demandhub.resolution import rules, service
from demandhub.resolution.models import AppointmentSlot

DEMO_TZ = ZoneInfo("Europe/London")  # the demo force's local time
DEMO_AREAS = ("Westbank", "Eastfield")


def seed_demo(session: Session, *, now: datetime, users: dict[str, User]) -> int:
    """Returns how many slots it made (0: already seeded)."""
    if session.scalar(sa.select(sa.func.count()).select_from(AppointmentSlot)):
        return 0
    supervisor = accounts.actor_of(users["supervisor"])
    made = []
    today = now.astimezone(DEMO_TZ).date()
    for offset in (1, 2, 3):
        for area in DEMO_AREAS:
            times = rules.day_slots(today + timedelta(days=offset), first=time(9), last_end=time(17),
                                    length=timedelta(hours=1), tz=DEMO_TZ)
            made += booking.add_day(session, area=area, times=times, capacity=2, actor=supervisor, now=now)
    rows = service.queue(session, actor=supervisor, now=now)
    if rows and not rows[0].attempts:
        service.record_attempt(session, incident_id=rows[0].incident.id, outcome=rules.AttemptOutcome.NO_ANSWER,
                               note="Rang at 09:10, no answer; will try again after lunch.",
                               actor=accounts.actor_of(users["resolver"]), now=now)
    waiting = booking.awaiting_booking(session)
    if waiting and made:
        booking.book(session, incident_id=waiting[0].id, slot_id=made[0].id, note="Caller works afternoons.",
                     actor=accounts.actor_of(users["handler"]), now=now, tz=DEMO_TZ)
    return len(made)
