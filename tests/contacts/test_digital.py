"""Digital contacts: references, the first human response (the measure), assessing one like a call."""

from __future__ import annotations

import re

import pytest

from demandhub import db
from demandhub.auth import service as accounts
from demandhub.auth.roles import Role
from demandhub.contacts import digital
from demandhub.contacts import service as contacts
from demandhub.contacts.channels import Channel
from demandhub.contacts.models import Contact
from demandhub.contacts.schemas import ContactCreate
from tests.helpers import assessment


def online_contact(sessions, clock, text="Someone keeps kicking my fence at night.", **extra) -> int:
    with db.unit_of_work(sessions) as session:
        public = accounts.channel_account(session, channel="online", now=clock())
        created = contacts.create_contact(session, data=ContactCreate(channel=Channel.ONLINE, description=text, **extra),
                                          actor=public, now=clock(), region="GB")
        created.contact.reference = digital.new_reference(Channel.ONLINE, clock())
        return created.contact.id


def test_a_reference_names_the_channel_and_day_and_cannot_be_guessed(clock):
    refs = {digital.new_reference(Channel.WEBCHAT, clock()) for _ in range(200)}
    assert len(refs) == 200
    assert all(re.fullmatch(r"CHT-20261128-[A-HJ-NP-Z2-9]{6}", r) for r in refs)
    with pytest.raises(ValueError):
        digital.new_reference(Channel.EMERGENCY_999, clock())


def test_channel_accounts_are_made_once_and_cannot_log_in(sessions, clock):
    with db.unit_of_work(sessions) as session:
        first = accounts.channel_account(session, channel="social_media", now=clock())
        again = accounts.channel_account(session, channel="social_media", now=clock())
        assert first == again and first.role is Role.PUBLIC and first.username == "channel-social-media"
        assert not accounts.get_user(session, first.id).active
        assert accounts.authenticate(session, username="channel-social-media", password="anything") is None


def test_the_first_response_stops_the_clock_once(sessions, clock, users):
    cid = online_contact(sessions, clock)
    handler, other = users[Role.CALL_HANDLER], users[Role.SUPERVISOR]
    clock.advance(minutes=7)
    with db.unit_of_work(sessions) as session:
        digital.first_response(session, contact_id=cid, actor=handler, now=clock())
    clock.advance(minutes=3)
    with db.unit_of_work(sessions) as session:
        digital.first_response(session, contact_id=cid, actor=other, now=clock())
        contact = session.get(Contact, cid)
        assert (contact.answered_at - contact.presented_at).total_seconds() == 420
        assert contact.answered_by == handler.id


def test_a_voice_call_has_no_digital_first_response(sessions, clock, users):
    with db.unit_of_work(sessions) as session:
        cid = contacts.create_contact(session, data=ContactCreate(channel=Channel.EMERGENCY_999, description="x"),
                                      actor=users[Role.CALL_HANDLER], now=clock(), region="GB").contact.id
    from demandhub.errors import Invalid
    with pytest.raises(Invalid), db.unit_of_work(sessions) as session:
        digital.first_response(session, contact_id=cid, actor=users[Role.CALL_HANDLER], now=clock())


def test_waiting_lists_open_digital_contacts_oldest_first(sessions, clock, users):
    first = online_contact(sessions, clock)
    clock.advance(minutes=1)
    second = online_contact(sessions, clock, text="Graffiti on the bus shelter.")
    with db.unit_of_work(sessions) as session:
        contacts.end_contact(session, contact_id=first, ended_at=None, actor=users[Role.CALL_HANDLER], now=clock())
    with db.unit_of_work(sessions) as session:
        assert [c.id for c in digital.waiting(session)] == [second]


def test_a_digital_contact_is_assessed_and_graded_like_a_call(client, handler, sessions, clock):
    cid = online_contact(sessions, clock, location_text="Mill Lane", latitude=52.2, longitude=0.12)
    clock.advance(minutes=12)
    body = {"contact_id": cid, "assessment": assessment("crime.criminal_damage"), "decision": {"decision": "accept"}}
    r = client.post("/api/calls", json=body, headers=handler)
    assert r.status_code == 201, r.text
    incident = r.json()
    assert [c["id"] for c in incident["contacts"]] == [cid]
    with db.unit_of_work(sessions) as session:
        contact = session.get(Contact, cid)
        assert (contact.answered_at - contact.presented_at).total_seconds() == 720  # assessing it is responding
    again = client.post("/api/calls", json=body, headers=handler)
    assert again.status_code == 409 and incident["reference"] in again.json()["detail"]


def test_a_call_names_its_contact_once(client, handler, sessions, clock):
    cid = online_contact(sessions, clock)
    body = {"contact_id": cid, "contact": {"channel": "101", "description": "x"}, "assessment": assessment(),
            "decision": {"decision": "accept"}}
    r = client.post("/api/calls", json=body, headers=handler)
    assert r.status_code == 422 and "not both" in r.text
    body.pop("contact")
    body["contact_id"] = 987654
    assert client.post("/api/calls", json=body, headers=handler).status_code == 404


def test_the_call_screen_opens_a_recorded_contact_to_assess(client, users, sessions, clock):
    cid = online_contact(sessions, clock, caller_name="Sam Sender")
    client.post("/login", data={"username": "call-handler", "password": "correct horse battery",
                                "csrf": _csrf(client)})
    page = client.get(f"/calls/new?contact={cid}")
    assert page.status_code == 200
    assert f'data-contact-id="{cid}"' in page.text and "Online report received" in page.text
    assert "Someone keeps kicking my fence at night." in page.text and 'value="Sam Sender"' in page.text
    assert client.get("/calls/new?contact=0").status_code == 422


def _csrf(client) -> str:
    page = client.get("/login")
    return re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
