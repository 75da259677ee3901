"""A little realistic demo data for the staff pages, made through the use cases."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.auth import service as accounts
from demandhub.auth.models import User
from demandhub.staff import service
from demandhub.staff.models import TrainingRecord
from demandhub.staff.schemas import (
    CheckinCreate,
    CpdCreate,
    SupervisionCreate,
    TrainingCreate,
)


def seed_demo(session: Session, *, now: datetime, users: dict[str, User], tz: str = "Europe/London") -> None:
    """Training, CPD, a supervision note and check-ins for the demo accounts. Does nothing if already seeded."""
    if session.scalar(sa.select(TrainingRecord.id).limit(1)) is not None:
        return
    sup = users.get("supervisor")
    if sup is None:
        return
    boss = accounts.actor_of(sup)
    today = service.local_today(now, tz)
    d = lambda days: today + timedelta(days=days)  # days from today, for readability below
    kw = {"actor": boss, "now": now, "today": today}

    for name in ("handler", "dispatcher", "resolver", "supervisor"):
        if (user := users.get(name)) is None:
            continue
        service.add_training(session, person=user, **kw, data=TrainingCreate(
            course="Call handling foundation", completed_on=d(-400), evidence="Learning record CH-F"))
        service.add_training(session, person=user, **kw, data=TrainingCreate(
            course="Safeguarding level 2", completed_on=d(-700), expires_on=d(30 if name == "handler" else 330)))
    if (handler := users.get("handler")) is not None:
        service.add_training(session, person=handler, **kw, data=TrainingCreate(
            course="THRIVE+ refresher", completed_on=d(-380), expires_on=d(-15), evidence="Certificate 2025-114"))
        service.add_training(session, person=handler, **kw, data=TrainingCreate(
            course="Mental health first aid", completed_on=d(-90), expires_on=d(640)))
        service.add_cpd(session, person=handler, **kw, data=CpdCreate(title="Shadow a dispatcher for one shift",
                                                                       due_on=d(12)))
        service.add_cpd(session, person=handler, **kw, data=CpdCreate(title="Read the revised vulnerability guidance",
                                                                       due_on=d(-3)))
        service.add_cpd(session, person=handler, **kw, data=CpdCreate(title="Complete the NDM e-learning",
                                                                       due_on=d(-40), done_on=d(-42)))
        service.add_supervision_note(session, person=handler, **kw, data=SupervisionCreate(
            held_on=d(-6), text="Monthly supervision. Call quality good; busy run of night shifts.",
            actions="Book the THRIVE+ refresher; swap one night shift next rota."))
        service.add_checkin(session, person=handler, **kw, data=CheckinCreate(
            checked_on=d(-6), score=3, words="Tired but fine", follow_up=True,
            note="Check again after the night shifts."))
    if (dispatcher := users.get("dispatcher")) is not None:
        service.add_cpd(session, person=dispatcher, **kw, data=CpdCreate(title="Firearms incident command awareness",
                                                                          due_on=d(25)))
        service.add_checkin(session, person=dispatcher, **kw, data=CheckinCreate(checked_on=d(-2), score=4,
                                                                                 words="Good"))
