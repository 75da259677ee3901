"""The demo's digital queue: one contact on each digital channel, made by each channel's use cases."""

from __future__ import annotations

from demandhub import db, demo
from demandhub.contacts import digital


def test_the_demo_puts_one_contact_on_each_digital_channel(app, sessions, clock):
    def seed():
        with db.unit_of_work(sessions) as session:
            return demo.seed_digital(session, policy=app.state.policy, now=clock(), evidence=app.state.evidence,
                                     upload_limits=app.state.upload_limits)

    assert seed() == 4
    with db.unit_of_work(sessions) as session:
        waiting = digital.waiting(session)
        assert {c.channel for c in waiting} == {c.value for c in digital.DIGITAL_CHANNELS}
        assert all(c.reference and c.answered_at is None for c in waiting)
        sms = next(c for c in waiting if c.channel == "emergency_sms")
        assert sms.urgent and sms.caller_number == "+447700900456"  # "knife": a risk cue
    assert seed() == 0  # a second start adds nothing
