"""Real records through the API, then load.py's frames and the measures, end to end.

The fake clock starts at Saturday 28 November 2026, 10:00 UTC (GMT: local time is UTC).
The day's story, worked by hand:

  A  999, presented 09:59:52, answered 10:00:00 (8 s), caller 01223 555 010, urban, graded 1,
     mental-health vulnerability, a safeguarding action. W1 assigned 10:01, en route 10:02, at
     scene 10:07: 420 s. Reassessed and regraded 1 -> 2 at 10:20 (still judged as grade 1);
     closed 10:30, reopened 10:35.
  B  999, presented 10:09:45, answered 10:10:00 (15 s), the same caller (a repeat), rural, graded 1.
     W2 assigned 10:11, en route 10:12, stood down 10:13 (cancelled: it never stops the clock);
     W1 assigned 10:15, at scene 10:45: 2100 s against the rural 1200 s target: missed.
  C  101, presented 10:20:00, abandoned 10:20:30 (30 s: over the 5 s threshold).
  D  101, presented 10:50:00, answered 10:51:00 (60 s), graded 4 at 11:00 (the recommendation accepted;
     A and B were overridden to 1); called back 12:00
     (3600 s), resolved by phone 12:05 with no unit: resolution without deployment.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from demandhub import db
from demandhub.auth.roles import Role
from demandhub.measures.compute import measures_pack
from demandhub.measures.definitions import Standards
from demandhub.measures.frames import CHANNELS, CLOSING_CODES
from demandhub.measures.load import load_frames
from tests import helpers
from tests.dispatch.network import at

pytestmark = pytest.mark.usefixtures("roads")

DAY = datetime(2026, 11, 28, tzinfo=UTC)
NEXT_DAY = datetime(2026, 11, 29, tzinfo=UTC)
NUMBER = "01223 555 010"


def _iso(h: int, m: int, s: int = 0) -> str:
    return datetime(2026, 11, 28, h, m, s, tzinfo=UTC).isoformat()


def _call(client, handler, *, channel, where, presented, answered, number, grade, incident_type, vulnerabilities=()):
    """grade None: accept the recommendation; a grade: override to it."""
    lat, lon = at(*where) if where else (None, None)
    body = helpers.contact("Something happening.", channel=channel, caller_number=number, presented_at=presented,
                           answered_at=answered)
    if lat is not None:
        body.update(latitude=lat, longitude=lon)
    return helpers.take_call(client, handler, contact_body=body,
                             assessment_body=helpers.assessment(incident_type, vulnerabilities=list(vulnerabilities)),
                             decision={"decision": "accept"} if grade is None else
                             {"decision": "override", "grade": grade, "rationale": "Test: graded by hand."})


def _unit_status(client, dispatcher, unit, status):
    r = client.post(f"/api/units/{unit['id']}/status", headers=dispatcher, json={"status": status})
    assert r.status_code == 200, r.text


def _assign(client, dispatcher, incident, unit):
    r = client.post(f"/api/incidents/{incident['id']}/assignments", headers=dispatcher, json={"unit_id": unit["id"]})
    assert r.status_code == 200, r.text


@pytest.fixture
def day_of_records(client, auth, handler, clock, make_unit):
    dispatcher, supervisor = auth[Role.DISPATCHER], auth[Role.SUPERVISOR]
    w1, w2 = make_unit("W1", (1, 0)), make_unit("W2", (1, 1))

    a = _call(client, handler, channel="999", where=(4, 1), presented=_iso(9, 59, 52), answered=_iso(10, 0),
              number=NUMBER, grade="1", incident_type="crime.violence_with_injury", vulnerabilities=["mental_health"])
    r = client.post(f"/api/incidents/{a['id']}/safeguarding", headers=handler,
                    json={"kind": "welfare_check", "note": "Neighbour asked to stay with him."})
    assert r.status_code == 201, r.text
    clock.advance(minutes=1)
    _assign(client, dispatcher, a, w1)
    clock.advance(minutes=1)
    _unit_status(client, dispatcher, w1, "en_route")
    clock.advance(minutes=5)
    _unit_status(client, dispatcher, w1, "at_scene")  # 10:07
    clock.advance(minutes=3)
    _unit_status(client, dispatcher, w1, "available")  # 10:10: cleared

    b = _call(client, handler, channel="999", where=(2, 4), presented=_iso(10, 9, 45), answered=_iso(10, 10),
              number=NUMBER, grade="1", incident_type="crime.violence_with_injury")
    clock.advance(minutes=1)
    _assign(client, dispatcher, b, w2)  # 10:11
    clock.advance(minutes=1)
    _unit_status(client, dispatcher, w2, "en_route")
    clock.advance(minutes=1)
    _unit_status(client, dispatcher, w2, "available")  # 10:13: stood down before arriving
    clock.advance(minutes=2)
    _assign(client, dispatcher, b, w1)  # 10:15
    _unit_status(client, dispatcher, w1, "en_route")

    clock.advance(minutes=5)  # 10:20: A reassessed and regraded to 2
    contact_a = a["contacts"][0]["id"]
    r = client.post(f"/api/contacts/{contact_a}/assessments", headers=handler,
                    json=helpers.assessment("crime.violence_with_injury", vulnerabilities=["mental_health"]))
    assert r.status_code == 201, r.text
    r = client.post(f"/api/incidents/{a['id']}/grade", headers=handler, json={
        "assessment_id": r.json()["id"], "decision": "override", "grade": "2", "rationale": "Test: calmer now."})
    assert r.status_code == 200, r.text
    r = client.post("/api/contacts", headers=handler, json=helpers.contact(
        "Silence, then the line dropped.", caller_number="01223 555 999", presented_at=_iso(10, 20),
        ended_at=_iso(10, 20, 30), abandoned=True))
    assert r.status_code == 201, r.text

    clock.advance(minutes=10)  # 10:30
    r = client.post(f"/api/incidents/{a['id']}/close", headers=supervisor,
                    json={"closing_code": "officer_attended_resolved"})
    assert r.status_code == 200, r.text
    clock.advance(minutes=5)  # 10:35
    r = client.post(f"/api/incidents/{a['id']}/status", headers=supervisor, json={"status": "open", "note": "More."})
    assert r.status_code == 200, r.text
    clock.advance(minutes=10)  # 10:45
    _unit_status(client, dispatcher, w1, "at_scene")

    clock.advance(minutes=15)  # 11:00
    d = _call(client, handler, channel="101", where=None, presented=_iso(10, 50), answered=_iso(10, 51),
              number="01223 555 123", grade=None, incident_type="crime.theft")  # recommended: 4
    clock.advance(hours=1)  # 12:00
    resolver = auth[Role.RESOLUTION_OFFICER]
    r = client.post(f"/api/resolution/{d['id']}/callbacks", headers=resolver, json={"outcome": "spoke_to_caller"})
    assert r.status_code == 201, r.text
    clock.advance(minutes=5)
    r = client.post(f"/api/resolution/{d['id']}/outcome", headers=resolver, json={
        "outcome": "resolved", "closing_code": "resolved_by_phone", "note": "Advice given by phone."})
    assert r.status_code == 200, r.text
    return {"a": a, "b": b, "d": d}


def _frames(app, sessions, clock):
    standards = Standards.from_rules(app.state.dispatch_rules, timezone="Europe/London")
    with db.unit_of_work(sessions) as session:
        frames = load_frames(session, start=DAY, end=NEXT_DAY, as_of=clock(), grades=app.state.policy.grade_codes,
                             standards=standards)
    return frames, standards


def test_the_frames_hold_what_happened(app, sessions, clock, day_of_records):
    frames, _ = _frames(app, sessions, clock)
    c, i = frames.contacts, frames.incidents
    assert [CHANNELS[k] for k in c.channel] == ["999", "999", "101", "101"]
    assert (c.answered - c.presented)[[0, 1, 3]].tolist() == [8.0, 15.0, 60.0]
    assert c.abandoned.tolist() == [False, False, True, False] and c.ended[2] - c.presented[2] == 30.0
    assert c.repeat.tolist() == [False, True, False, False]
    assert c.assessed.tolist() == [True, True, False, True]
    assert c.vulnerable.tolist() == [True, False, False, False]
    assert c.safeguarded.tolist() == [True, False, False, False]
    assert c.graded.tolist() == [True, True, False, True]
    assert c.overridden.tolist() == [True, True, False, False]
    recs = day_of_records
    assert c.incident.tolist() == [recs["a"]["id"], recs["b"]["id"], -1, recs["d"]["id"]]

    assert i.id.tolist() == [recs["a"]["id"], recs["b"]["id"], recs["d"]["id"]]
    g = frames.grades
    assert [g[k] for k in i.first_grade] == ["1", "1", "4"] and [g[k] for k in i.final_grade] == ["2", "1", "4"]
    assert i.rural.tolist() == [False, True, False]
    assert (i.first_at_scene - i.created)[:2].tolist() == [420.0, 2100.0]  # W2's cancelled leg never stopped B's
    assert (i.first_assigned - i.created)[:2].tolist() == [60.0, 60.0]
    assert i.reopened.tolist() == [True, False, False]
    assert i.closed[0] != i.closed[0] and i.closing_code[0] == -1  # reopened: not closed now
    assert CLOSING_CODES[i.closing_code[2]] == "resolved_by_phone"
    assert i.first_callback[2] - i.callback_from[2] == 3600.0
    assert i.callback_from[0] != i.callback_from[0]  # A was never on the resolution desk


def test_the_measures_from_the_database(app, sessions, clock, day_of_records):
    frames, standards = _frames(app, sessions, clock)
    pack = measures_pack(frames, standards)
    assert pack.get("answer_999.within_10s_share").numerator == 1  # 8 s of 8 s and 15 s
    assert pack.value("answer_999.median_s") == pytest.approx(11.5)  # 8 + 0.5 * (15 - 8)
    assert pack.value("call_101.mean_wait_s") == 60.0
    assert pack.value("call_101.abandoned_share") == 0.5  # 1 abandoned (30 s) / (1 answered + 1)
    assert pack.value("attendance.median_s", "grade=1/area=urban") == 420.0
    assert pack.value("attendance.within_target_share", "grade=1/area=urban") == 1.0  # A, judged as grade 1
    assert pack.value("attendance.within_target_share", "grade=1/area=rural") == 0.0  # B, 2100 s > 1200 s
    assert pack.value("attendance.median_s", "grade=1") == 1260.0  # (420 + 2100) / 2
    assert pack.value("attendance.reopened", "grade=1") == 1
    assert pack.value("attendance.regraded", "grade=1/direction=down") == 1
    assert pack.value("resolution.rwd_share") == 1.0  # D, the only incident closed now
    assert pack.value("resolution.callback_within_target_share") == 1.0
    assert pack.value("resolution.callback_median_s") == 3600.0
    assert pack.value("contacts.repeat_share") == 0.25  # B of A B C D
    assert pack.value("contacts.risk_assessed_share") == 1.0  # A B D (C was never handled)
    assert pack.get("contacts.grade_override_share").numerator == 2  # A and B overridden, D accepted
    assert pack.get("contacts.grade_override_share").denominator == 3
    assert pack.value("contacts.safeguarding_share") == 1.0  # A, the one vulnerable contact
    assert pack.value("demand.by_hour", "hour=10") == 3  # A's 09:59:52 is hour 09
    assert pack.value("demand.contacts", "channel=999") == 2


def test_an_empty_period_loads_empty_frames(app, sessions, clock):
    frames, standards = _frames(app, sessions, clock)
    assert len(frames.contacts) == len(frames.incidents) == len(frames.appointments) == 0
    assert measures_pack(frames, standards).value("answer_999.within_10s_share") is None
