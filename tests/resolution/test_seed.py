"""The demo seed makes slots through the use cases, once."""

from __future__ import annotations

import sqlalchemy as sa

from demandhub import db
from demandhub.assessment.loader import load_default_policy
from demandhub.auth.models import User
from demandhub.demo import ensure_demo_users, numbering_for, seed_incidents
from demandhub.resolution.models import Appointment, AppointmentSlot, CallbackAttempt
from demandhub.resolution.seed import seed_demo

# The demo calls hold two grade 4 incidents and no grade 3: one callback attempt, no appointment.
EXPECTED = (1, 0)


def test_the_demo_seed_is_idempotent(sessions, clock, settings):
    with db.unit_of_work(sessions) as s:
        users = ensure_demo_users(s, now=clock())
        seed_incidents(s, policy=load_default_policy(), now=clock(), numbering=numbering_for(settings))
    with db.unit_of_work(sessions) as s:
        users = {u.username: u for u in s.scalars(sa.select(User))}
        assert seed_demo(s, now=clock(), users=users) == 3 * 2 * 8
    with db.unit_of_work(sessions) as s:
        assert seed_demo(s, now=clock(), users=users) == 0
        assert s.scalar(sa.select(sa.func.count()).select_from(AppointmentSlot)) == 48
        counts = (s.scalar(sa.select(sa.func.count()).select_from(CallbackAttempt)),
                  s.scalar(sa.select(sa.func.count()).select_from(Appointment)))
    assert counts == EXPECTED
