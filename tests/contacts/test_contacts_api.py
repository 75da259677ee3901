"""A call handler records contacts on every channel; bad input is refused by name and leaves nothing behind."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from demandhub.contacts.channels import Channel
from demandhub.contacts.models import Contact
from tests.helpers import contact


def count_contacts(sessions) -> int:
    with sessions() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(Contact))


@pytest.mark.parametrize("channel", [c.value for c in Channel])
def test_a_handler_records_a_contact_on_every_channel(client, handler, channel):
    r = client.post("/api/contacts", json=contact(channel=channel), headers=handler)
    assert r.status_code == 201, r.text
    assert r.json()["channel"] == channel


def test_numbers_are_normalised_to_e164(client, handler):
    r = client.post("/api/contacts", json=contact(caller_number="07700 900123"), headers=handler)
    assert r.json()["caller_number"] == "+447700900123"
    assert r.json()["caller_number_raw"] == "07700 900123"
    r = client.post("/api/contacts", json=contact(caller_number="+1 (415) 555-2671"), headers=handler)
    assert r.json()["caller_number"] == "+14155552671"


def test_timestamps_and_abandoned_contacts(client, handler):
    body = contact(channel="999", presented_at="2026-11-28T09:59:50Z", answered_at="2026-11-28T09:59:58Z",
                   ended_at="2026-11-28T10:01:00+00:00")
    r = client.post("/api/contacts", json=body, headers=handler)
    got = r.json()
    assert got["presented_at"].startswith("2026-11-28T09:59:50") and got["answered_at"].startswith("2026-11-28T09:59:58")
    r = client.post("/api/contacts", json=contact(channel="101", abandoned=True, presented_at="2026-11-28T09:00:00Z",
                                                  ended_at="2026-11-28T09:04:00Z"), headers=handler)
    assert r.status_code == 201 and r.json()["abandoned"] is True and r.json()["answered_at"] is None


def test_presented_defaults_to_now_and_the_contact_can_be_ended(client, handler, clock):
    r = client.post("/api/contacts", json=contact(), headers=handler)
    cid = r.json()["id"]
    assert r.json()["presented_at"].startswith(clock().isoformat()[:19])
    clock.advance(minutes=4)
    r = client.post(f"/api/contacts/{cid}/end", json={}, headers=handler)
    assert r.status_code == 200 and r.json()["ended_at"].startswith(clock().isoformat()[:19])
    assert client.post(f"/api/contacts/{cid}/end", json={}, headers=handler).status_code == 409


def test_an_idempotent_retry_never_makes_a_second_contact(client, handler, sessions):
    headers = {**handler, "Idempotency-Key": "call-7f3a"}
    first = client.post("/api/contacts", json=contact(), headers=headers)
    again = client.post("/api/contacts", json=contact(), headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert count_contacts(sessions) == 1


def test_a_reused_idempotency_key_with_a_different_body_is_refused(client, handler, sessions):
    headers = {**handler, "Idempotency-Key": "call-7f3a"}
    client.post("/api/contacts", json=contact(), headers=headers)
    r = client.post("/api/contacts", json=contact(description="Something else"), headers=headers)
    assert r.status_code == 409
    assert "Idempotency-Key" in r.json()["detail"]
    assert count_contacts(sessions) == 1


BAD = [
    ({"channel": "carrier-pigeon"}, "channel"),
    ({"description": ""}, "description"),
    ({"description": "x" * 10_001}, "description"),
    ({"description": 42}, "description"),
    ({"caller_number": "not a number"}, "caller_number"),
    ({"caller_number": "12"}, "caller_number"),
    ({"presented_at": "2026-11-28T10:00:00"}, "presented_at"),  # naive: times must carry their zone
    ({"presented_at": "yesterday"}, "presented_at"),
    ({"abandoned": True, "answered_at": "2026-11-28T10:00:00Z"}, "answered_at"),
    ({"presented_at": "2026-11-28T10:00:00Z", "answered_at": "2026-11-28T09:00:00Z"}, "answered_at"),
    ({"surprise": "field"}, "surprise"),
]


@pytest.mark.parametrize("change,field", BAD)
def test_bad_contacts_are_refused_naming_the_field(client, handler, sessions, change, field):
    r = client.post("/api/contacts", json=contact(**change), headers=handler)
    assert r.status_code == 422, r.text
    assert field in r.text
    assert count_contacts(sessions) == 0


def test_missing_fields_and_non_json_bodies(client, handler, sessions):
    r = client.post("/api/contacts", json={"channel": "999"}, headers=handler)
    assert r.status_code == 422 and "description" in r.text
    r = client.post("/api/contacts", content=b"{not json", headers={**handler, "Content-Type": "application/json"})
    assert r.status_code == 422
    assert count_contacts(sessions) == 0


def test_an_oversized_request_body_is_refused_before_parsing(client, handler):
    r = client.post("/api/contacts", content=b"x" * 300_000, headers={**handler, "Content-Type": "application/json"})
    assert r.status_code == 413 and "larger than" in r.json()["detail"]


def test_unknown_contact_is_404(client, handler):
    assert client.get("/api/contacts/999999", headers=handler).status_code == 404


def test_concurrent_retries_with_one_key_make_one_contact(client, handler, sessions):
    from concurrent.futures import ThreadPoolExecutor

    headers = {**handler, "Idempotency-Key": "flaky-network-retry"}
    with ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(lambda _: client.post("/api/contacts", json=contact(), headers=headers), range(6)))
    assert sorted(r.status_code for r in responses) == [200] * 5 + [201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert count_contacts(sessions) == 1


@pytest.mark.parametrize("body", [b'{"channel": "999", "description": "a\\u0000b"}', b'{"channel": "999", "description": "a\x00b"}'])
def test_nul_characters_are_refused_before_reaching_the_database(client, handler, sessions, body):
    r = client.post("/api/contacts", content=body, headers={**handler, "Content-Type": "application/json"})
    assert r.status_code == 422 and "NUL" in r.json()["detail"]
    assert count_contacts(sessions) == 0


def test_nul_in_a_login_form_or_query_is_refused(client):
    assert client.post("/login", data={"username": "a\x00", "password": "x"}).status_code == 422
    assert client.get("/login?next=%00").status_code == 422


def test_times_in_the_future_are_refused(client, handler, clock, sessions):
    later = (clock() + __import__("datetime").timedelta(minutes=10)).isoformat()
    r = client.post("/api/contacts", json=contact(presented_at=later), headers=handler)
    assert r.status_code == 422 and "presented_at is in the future" in r.json()["detail"]
    assert count_contacts(sessions) == 0
