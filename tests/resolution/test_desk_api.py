"""The resolution desk over the API: its queue, callback attempts, the outcomes and escalation."""

from __future__ import annotations

import sqlalchemy as sa

from demandhub import db
from demandhub.audit.models import AuditEntry
from demandhub.auth.roles import Role
from tests import helpers
from tests.resolution.support import incident, timeline

RO = Role.RESOLUTION_OFFICER


def _queue(client, auth, role=RO) -> list[dict]:
    r = client.get("/api/resolution/queue", headers=auth[role])
    assert r.status_code == 200, r.text
    return r.json()


def test_the_queue_holds_active_grade_4_incidents_soonest_due_first_overdue_marked(client, auth, handler, clock):
    a = incident(client, handler, "4", description="Shed broken into overnight, tools gone.")  # 10:00
    clock.advance(minutes=90)
    b = incident(client, handler, "4", description="Someone keeps ringing my doorbell and running off.")  # 11:30
    clock.advance(minutes=30)
    incident(client, handler, "3")  # 12:00, grade 3: not the desk's
    closed = incident(client, handler, "4", description="Wallet lost in town.")
    r = client.post(f"/api/incidents/{closed['id']}/close", json={"closing_code": "no_crime_advice_given"},
                    headers=handler)
    assert r.status_code == 200, r.text

    rows = _queue(client, auth)
    assert [r["reference"] for r in rows] == [a["reference"], b["reference"]]
    assert [r["due_at"] for r in rows] == ["2026-11-29T10:00:00Z", "2026-11-29T11:30:00Z"]
    assert [r["overdue"] for r in rows] == [False, False]

    clock.advance(hours=22, minutes=30)  # 2026-11-29 10:30: a is 30 min past due, b due in an hour
    rows = _queue(client, auth)
    assert [(r["reference"], r["overdue"]) for r in rows] == [(a["reference"], True), (b["reference"], False)]
    assert rows[0]["summary"] == "Shed broken into overnight, tools gone."


def test_callback_attempts_are_logged_and_three_failures_say_so(client, auth, handler, clock):
    inc = incident(client, handler, "4")
    url = f"/api/resolution/{inc['id']}"
    for n, outcome in enumerate(["no_answer", "voicemail"], start=1):
        clock.advance(minutes=20)
        r = client.post(f"{url}/callbacks", json={"outcome": outcome, "note": f"try {n}"}, headers=auth[RO])
        assert r.status_code == 201, r.text
        assert r.json()["outcome"] == outcome
    state = client.get(url, headers=auth[RO]).json()
    assert [a["outcome"] for a in state["attempts"]] == ["no_answer", "voicemail"]
    assert state["attempts_exhausted"] is False
    r = client.post(f"{url}/callbacks", json={"outcome": "wrong_number"}, headers=auth[RO])
    assert r.status_code == 201
    state = client.get(url, headers=auth[RO]).json()
    assert state["attempts_exhausted"] is True
    assert _queue(client, auth)[0]["failed_since_spoken"] == 3
    entries = [e for e in timeline(client, handler, inc["id"]) if e["kind"] == "callback"]
    assert [e["text"] for e in entries] == [
        "Callback attempt 1: No answer. try 1.", "Callback attempt 2: Voicemail. try 2.",
        "Callback attempt 3: Wrong number. 3 failed attempts since the caller was last spoken to."]
    # Speaking to the caller resets the count.
    client.post(f"{url}/callbacks", json={"outcome": "spoke_to_caller"}, headers=auth[RO])
    assert client.get(url, headers=auth[RO]).json()["attempts_exhausted"] is False

    page = _page(client, "resolution-officer", f"/resolution/{inc['reference']}")
    assert "attempts-notice" not in page
    r = client.post(f"{url}/callbacks", json={"outcome": "parrot"}, headers=auth[RO])
    assert r.status_code == 422


def _page(client, username: str, path: str) -> str:
    import re

    from tests.conftest import PASSWORD

    client.cookies.clear()
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf": csrf})
    r = client.get(path)
    assert r.status_code == 200, r.text
    return r.text


def test_the_work_page_says_when_three_attempts_failed(client, auth, handler):
    inc = incident(client, handler, "4")
    for outcome in ("no_answer", "no_answer", "voicemail"):
        client.post(f"/api/resolution/{inc['id']}/callbacks", json={"outcome": outcome}, headers=auth[RO])
    page = _page(client, "resolution-officer", f"/resolution/{inc['reference']}")
    assert 'id="attempts-notice"' in page and "3 failed attempts since the caller was last spoken to" in page


def _closed_with(client, auth, handler, body: dict) -> tuple[dict, list[dict]]:
    inc = incident(client, handler, "4")
    r = client.post(f"/api/resolution/{inc['id']}/outcome", json=body, headers=auth[RO])
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "closed"
    detail = client.get(f"/api/incidents/{inc['id']}", headers=handler).json()
    return detail, detail["timeline"]


def test_resolved_closes_with_advice_given_by_default_and_leaves_the_queue(client, auth, handler):
    detail, entries = _closed_with(client, auth, handler, {"outcome": "resolved", "note": "Advised on bike locks."})
    assert detail["closing_code"] == "no_crime_advice_given"
    assert entries[-1]["kind"] == "closed"
    assert entries[-1]["text"] == ("Closed: No crime - advice given. Resolved by the resolution desk: "
                                   "Advised on bike locks.")
    assert _queue(client, auth) == []


def test_resolved_by_phone_crime_recorded_and_referred_use_their_closing_codes(client, auth, handler, sessions):
    detail, _ = _closed_with(client, auth, handler, {"outcome": "resolved", "closing_code": "resolved_by_phone",
                                                    "note": "Sorted on the phone."})
    assert detail["closing_code"] == "resolved_by_phone"
    detail, entries = _closed_with(client, auth, handler, {"outcome": "crime_recorded", "crime_reference": "CR/123/26",
                                                          "note": "Theft recorded."})
    assert detail["closing_code"] == "crime_recorded"
    assert "crime reference CR/123/26" in entries[-1]["text"]
    detail, entries = _closed_with(client, auth, handler, {"outcome": "referred", "partner": "Adult social care",
                                                          "note": "Needs support at home."})
    assert detail["closing_code"] == "referred_to_partner"
    assert "Referred by the resolution desk to Adult social care" in entries[-1]["text"]
    with db.unit_of_work(sessions) as s:
        audited = list(s.scalars(sa.select(AuditEntry.details).where(AuditEntry.action == "resolution.outcome")))
    assert [d["closing_code"] for d in audited] == ["resolved_by_phone", "crime_recorded", "referred_to_partner"]


def test_bad_outcomes_are_refused_and_change_nothing(client, auth, handler):
    inc = incident(client, handler, "4")
    url = f"/api/resolution/{inc['id']}/outcome"
    r = client.post(url, json={"outcome": "resolved", "closing_code": "crime_recorded", "note": "x"}, headers=auth[RO])
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "closing_code"
    r = client.post(url, json={"outcome": "referred", "note": "x"}, headers=auth[RO])
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "partner"
    r = client.post(url, json={"outcome": "resolved"}, headers=auth[RO])
    assert r.status_code == 422
    assert client.get(f"/api/incidents/{inc['id']}", headers=handler).json()["status"] == "open"
    assert client.post(url, json={"outcome": "resolved", "note": "done"}, headers=auth[RO]).status_code == 200
    # Closed: nothing more on the desk.
    assert client.post(url, json={"outcome": "resolved", "note": "again"}, headers=auth[RO]).status_code == 409
    r = client.post(f"/api/resolution/{inc['id']}/callbacks", json={"outcome": "no_answer"}, headers=auth[RO])
    assert r.status_code == 409
    grade_3 = incident(client, handler, "3")
    r = client.post(f"/api/resolution/{grade_3['id']}/callbacks", json={"outcome": "no_answer"}, headers=auth[RO])
    assert r.status_code == 409 and "not on the resolution desk" in r.json()["detail"]
    assert client.post("/api/resolution/999999/callbacks", json={"outcome": "no_answer"},
                       headers=auth[RO]).status_code == 404


def _escalation(grade: str = "2", **overrides) -> dict:
    body = {"description": "Called back: the man who took the bike is back and threatening the caller.",
            "assessment": helpers.assessment("crime.theft", level="medium"),
            "decision": {"decision": "override", "grade": grade, "rationale": "Offender back at the scene."}}
    body.update(overrides)
    return body


def test_escalation_records_a_new_contact_and_assessment_and_regrades_to_a_deployable_grade(client, auth, handler):
    inc = incident(client, handler, "4")
    before = client.get(f"/api/incidents/{inc['id']}", headers=handler).json()
    clock_free = _queue(client, auth)
    assert [r["id"] for r in clock_free] == [inc["id"]]
    r = client.post(f"/api/resolution/{inc['id']}/escalate", json=_escalation("2"), headers=auth[RO])
    assert r.status_code == 200, r.text
    assert r.json()["grade"] == "2"
    after = client.get(f"/api/incidents/{inc['id']}", headers=handler).json()
    assert after["grade"] == "2" and after["status"] == "open"
    assert len(after["contacts"]) == len(before["contacts"]) + 1
    callback = after["contacts"][-1]
    assert callback["channel"] == "callback"
    assert callback["caller_number"] == before["contacts"][0]["caller_number"]
    new = [a for a in after["assessments"] if a["contact_id"] == callback["id"]]
    assert len(new) == 1 and new[0]["version"] == 1
    assert len(after["assessments"]) == len(before["assessments"]) + 1
    assert after["decisions"][-1]["assessment_id"] == new[0]["id"] and after["decisions"][-1]["grade"] == "2"
    kinds = [e["kind"] for e in after["timeline"]]
    assert kinds[-3:] == ["contact_linked", "graded", "escalated"]
    assert "grade 4 -> 2" in after["timeline"][-1]["text"]
    assert _queue(client, auth) == []


def test_escalation_to_a_grade_that_sends_no_one_or_with_a_bad_assessment_saves_nothing(client, auth, handler):
    inc = incident(client, handler, "4")
    before = client.get(f"/api/incidents/{inc['id']}", headers=handler).json()
    r = client.post(f"/api/resolution/{inc['id']}/escalate", json=_escalation("RFC"), headers=auth[RO])
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "decision.grade"
    bad = _escalation("2")
    bad["assessment"]["dimensions"].pop("threat")
    r = client.post(f"/api/resolution/{inc['id']}/escalate", json=bad, headers=auth[RO])
    assert r.status_code == 422
    assert r.json()["problems"][0]["field"].startswith("assessment.dimensions.threat")
    after = client.get(f"/api/incidents/{inc['id']}", headers=handler).json()
    assert (after["grade"], len(after["contacts"]), len(after["assessments"]), len(after["timeline"])) == \
        ("4", len(before["contacts"]), len(before["assessments"]), len(before["timeline"]))
    assert [r["id"] for r in _queue(client, auth)] == [inc["id"]]


def test_restricted_incidents_show_no_summary_and_refuse_work_to_those_not_allowed(client, auth, handler, sessions):
    inc = incident(client, handler, "4", description="Historic sexual assault disclosed by the caller.",
                   incident_type="crime.sexual_offence")
    row = _queue(client, auth)[0]
    assert row["restricted"] is True and row["summary"] is None and row["location_text"] is None
    assert _queue(client, auth, Role.SUPERVISOR)[0]["summary"] == "Historic sexual assault disclosed by the caller."
    r = client.post(f"/api/resolution/{inc['id']}/callbacks", json={"outcome": "no_answer"}, headers=auth[RO])
    assert r.status_code == 403
    assert client.get(f"/api/resolution/{inc['id']}", headers=auth[RO]).status_code == 403
    r = client.post(f"/api/resolution/{inc['id']}/callbacks", json={"outcome": "no_answer"},
                    headers=auth[Role.SUPERVISOR])
    assert r.status_code == 201
    with db.unit_of_work(sessions) as s:
        actions = list(s.scalars(sa.select(AuditEntry.action).where(AuditEntry.entity_id == str(inc["id"]),
                                                                    AuditEntry.action.like("incident.view%"))))
    assert actions == ["incident.view_refused", "incident.view_refused", "incident.viewed"]
    page = _page(client, "resolution-officer", "/resolution")
    assert "Historic sexual assault" not in page and "Restricted: open to view" in page


def test_only_the_desk_works_the_queue(client, auth):
    for role in (Role.CALL_HANDLER, Role.DISPATCHER, Role.ANALYST, Role.QUALITY_REVIEWER):
        assert client.get("/api/resolution/queue", headers=auth[role]).status_code == 403
    assert client.get("/api/resolution/queue", headers=auth[Role.SUPERVISOR]).status_code == 200
