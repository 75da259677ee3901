"""Staff work an online report: read it in full, take it (the digital response clock), grade it
or close it without an incident; the restricted-record rule and role permissions apply."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from demandhub import db
from demandhub.audit.models import AuditEntry
from demandhub.auth.roles import Role
from demandhub.config import Settings
from demandhub.contacts.models import Contact
from demandhub.events.models import OutboxEvent
from demandhub.evidence.models import EvidenceItem
from tests.conftest import PASSWORD
from tests.helpers import assessment
from tests.online.reports import answers, latest, png, send


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path, secret_key="test-secret", outbox_poll_s=0.2, rate_limits={"report": 1000})


@pytest.fixture
def report(client, sessions, users):
    """A report with a photo, a map pin and a postcode, as the public send it (then the client is logged out)."""
    r = send(client, answers(what_happened="Two men took my bike; one had a knife.", latitude="52.27",
                             longitude="-0.92", pin_source="map", pin_accuracy="35", postcode="NN99 1AB"),
             [("bike.png", png(), "image/png")])
    assert r.status_code == 303
    client.cookies.clear()
    return latest(sessions)[0]


def page_login(client, username: str) -> str:
    """Log in with the page form; the session's CSRF token for the page forms."""
    client.cookies.clear()
    r = client.post("/login", data={"username": username, "password": PASSWORD, "csrf": _csrf(client)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return _csrf(client)  # a login starts a new session, with its own token


def _csrf(client) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text).group(1)


def test_the_handler_sees_the_report_in_full(client, report, sessions):
    page_login(client, "call-handler")
    r = client.get(f"/digital/reports/{report.id}")
    assert r.status_code == 200
    html = r.text
    with db.unit_of_work(sessions) as s:
        photo = s.scalar(sa.select(EvidenceItem).where(EvidenceItem.contact_id == report.id))
    assert f'<img src="/api/evidence/{photo.id}"' in html
    assert report.reference in html and "Urgent" in html and "Weapon mentioned: knife" in html
    assert "Something was stolen" in html and "Theft" in html and "Sat 28 Nov" not in html  # the date they gave
    assert "They wrote: “Outside the library, High Street”" in html
    assert re.search(r"Map pin,\s+35 m", html) and re.search(r"Postcode NN99 1AB,\s+100 m", html)
    assert "used for the map" in html and 'id="report-map"' in html
    assert "Sam Sender" in html and "+447700900982" in html and "sam@example.com" in html
    assert f'href="/calls/new?contact={report.id}"' in html and "Take this report" in html
    assert client.get(f"/api/evidence/{photo.id}").content == png()


def test_taking_the_report_stops_the_response_clock_once(client, report, sessions, clock, users):
    csrf = page_login(client, "call-handler")
    clock.advance(minutes=7)
    r = client.post(f"/digital/reports/{report.id}/take", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/digital/reports/{report.id}"
    clock.advance(minutes=3)
    assert client.post(f"/digital/reports/{report.id}/take", data={"csrf": csrf},
                       follow_redirects=False).status_code == 303
    with db.unit_of_work(sessions) as s:
        contact = s.get(Contact, report.id)
        assert contact.answered_at - contact.presented_at == timedelta(minutes=7)
        assert contact.answered_by == users[Role.CALL_HANDLER].id
        assert s.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                        .where(AuditEntry.action == "contact.first_response")) == 1
    html = client.get(f"/digital/reports/{report.id}").text
    assert "Taken by" in html and "7.0 min after it arrived" in html and 'id="take"' not in html


def test_the_take_form_needs_its_csrf_token(client, report, sessions):
    page_login(client, "call-handler")
    assert client.post(f"/digital/reports/{report.id}/take", data={}).status_code == 403
    with db.unit_of_work(sessions) as s:
        assert s.get(Contact, report.id).answered_at is None


def test_closing_needs_a_reason_and_some_reasons_a_note(client, report, sessions, clock):
    csrf = page_login(client, "call-handler")
    r = client.post(f"/digital/reports/{report.id}/close", data={"csrf": csrf, "reason": "", "note": "x"})
    assert r.status_code == 422 and "choose why the report is closed" in r.text
    r = client.post(f"/digital/reports/{report.id}/close", data={"csrf": csrf, "reason": "duplicate", "note": ""})
    assert r.status_code == 422 and "Give the reference of the report it duplicates" in r.text
    assert '<option value="duplicate" selected>' in r.text  # the choice made is kept
    with db.unit_of_work(sessions) as s:
        assert s.get(Contact, report.id).ended_at is None

    clock.advance(minutes=4)
    r = client.post(f"/digital/reports/{report.id}/close",
                    data={"csrf": csrf, "reason": "duplicate", "note": "Same as WEB-20261128-ABCDEF"},
                    follow_redirects=False)
    assert r.status_code == 303
    contact, row = latest(sessions)
    assert contact.ended_at == clock() and contact.answered_at == clock()  # closing is a response too
    assert (row.closed_reason, row.closed_note) == ("duplicate", "Same as WEB-20261128-ABCDEF")
    with db.unit_of_work(sessions) as s:
        closed = s.scalar(sa.select(AuditEntry).where(AuditEntry.action == "online_report.closed"))
        assert closed.details == {"reason": "duplicate", "note": "Same as WEB-20261128-ABCDEF"}
        assert s.scalar(sa.select(OutboxEvent).where(OutboxEvent.kind == "online.report_closed")) is not None
    html = client.get(f"/digital/reports/{report.id}").text
    assert "Duplicate of another report" in html and 'id="close"' not in html
    r = client.post(f"/digital/reports/{report.id}/close", data={"csrf": csrf, "reason": "other", "note": "again"})
    assert r.status_code == 409


def test_a_dispatcher_may_read_but_not_take_or_close(client, report, auth, sessions):
    csrf = page_login(client, "dispatcher")
    assert client.get(f"/digital/reports/{report.id}").status_code == 403
    assert client.post(f"/digital/reports/{report.id}/take", data={"csrf": csrf}).status_code == 403
    client.cookies.clear()
    dispatcher = auth[Role.DISPATCHER]
    assert client.get(f"/api/online-reports/{report.id}", headers=dispatcher).status_code == 200
    assert client.post(f"/api/online-reports/{report.id}/take", headers=dispatcher).status_code == 403
    assert client.post(f"/api/online-reports/{report.id}/close", headers=dispatcher,
                       json={"reason": "information_recorded"}).status_code == 403
    with db.unit_of_work(sessions) as s:
        assert s.get(Contact, report.id).answered_at is None


def test_the_api_gives_the_report_in_full_and_works_it(client, report, handler, clock):
    r = client.get(f"/api/online-reports/{report.id}", headers=handler)
    assert r.status_code == 200
    body = r.json()
    assert body["reference"] == report.reference and body["urgent"] is True
    assert (body["kind"], body["subject"], body["incident_type"]) == ("crime", "theft", "crime.theft")
    assert body["occurred_at"] == "2026-11-27T21:30:00Z"
    assert (body["location_source"], body["location_uncertainty_m"]) == ("map", 35.0)
    assert [p["source"] for p in body["positions"]] == ["map", "postcode"]
    assert body["cues"][0]["flag"] == "weapon"
    assert body["photos"][0]["url"] == f"/api/evidence/{body['photos'][0]['id']}"
    assert (body["phone"], body["email"], body["contact_by"]) == ("+447700900982", "sam@example.com", "phone")

    clock.advance(minutes=2)
    taken = client.post(f"/api/online-reports/{report.id}/take", headers=handler).json()
    assert taken["answered_at"] == "2026-11-28T10:02:00Z" and taken["answered_by"] == "Call handler"
    r = client.post(f"/api/online-reports/{report.id}/close", headers=handler, json={"reason": "nonsense"})
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "reason"
    r = client.post(f"/api/online-reports/{report.id}/close", headers=handler,
                    json={"reason": "information_recorded", "note": ""})
    assert r.status_code == 200 and r.json()["closed_reason"] == "information_recorded"
    assert r.json()["answered_at"] == "2026-11-28T10:02:00Z"  # taking first kept its time


def test_a_contact_that_is_not_an_online_report_is_not_found(client, handler):
    r = client.post("/api/contacts", headers=handler, json={"channel": "101", "description": "A call."})
    cid = r.json()["id"]
    assert client.get(f"/api/online-reports/{cid}", headers=handler).status_code == 404
    assert client.post(f"/api/online-reports/{cid}/take", headers=handler).status_code == 404
    assert client.get("/api/online-reports/999999", headers=handler).status_code == 404


def test_a_graded_report_is_closed_with_its_incident_not_here(client, report, handler):
    assert client.post(f"/api/contacts/{report.id}/assessments", json=assessment(), headers=handler).status_code == 201
    r = client.post(f"/api/contacts/{report.id}/incident", json={"decision": "accept"}, headers=handler)
    assert r.status_code == 201, r.text
    incident = r.json()["reference"]
    body = client.get(f"/api/online-reports/{report.id}", headers=handler).json()
    assert body["incident_reference"] == incident
    r = client.post(f"/api/online-reports/{report.id}/close", headers=handler, json={"reason": "other", "note": "x"})
    assert r.status_code == 409 and incident in r.json()["detail"]


def test_a_restricted_report_is_for_the_roles_allowed_and_every_view_is_audited(client, report, auth, sessions):
    with db.unit_of_work(sessions) as s:
        s.get(Contact, report.id).restricted = True
    assert client.get(f"/api/online-reports/{report.id}", headers=auth[Role.DISPATCHER]).status_code == 403
    assert client.get(f"/api/online-reports/{report.id}", headers=auth[Role.SUPERVISOR]).status_code == 200
    page_login(client, "call-handler")
    assert client.get(f"/digital/reports/{report.id}").status_code == 403
    with db.unit_of_work(sessions) as s:
        actions = [a for a in s.scalars(sa.select(AuditEntry.action).where(
            AuditEntry.entity_type == "contact", AuditEntry.entity_id == str(report.id)))]
        assert actions.count("contact.view_refused") == 2 and actions.count("contact.viewed") == 1
