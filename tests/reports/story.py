"""A fortnight of real records through the API, for the board report's tests (not a test module).

The fake clock starts on Saturday 28 November 2026, 10:00 UTC (GMT: local time is UTC).
The report covers the local days 28 November to 11 December (`--from 2026-11-28 --to
2026-12-12`: two weeks, so trends are by week); the previous period is the fortnight before,
14 to 27 November. Worked by hand:

  P  999, presented Fri 20 Nov 12:00:00, answered 12:00:20 (20 s), caller NUMBER. Previous period.
  Week 1 (Sat 28 Nov):
  A  999, presented 09:59:52, answered 10:00:00 (8 s), NUMBER (a repeat of P), urban, graded 1 by
     override, mental-health vulnerability, a welfare check. W1 at scene 10:07: 420 s of 900 s.
  B  101, presented 10:20:00, abandoned 10:20:30 (30 s: counted).
  C  101, presented 10:50:00, answered 10:51:00 (60 s), grade 4 accepted (incident at 11:00);
     called back 12:00 (1 h), resolved by phone 12:05 with no unit: resolution without deployment.
  Week 2 (Sat 5 Dec):
  D  999, presented 09:59:45, answered 10:00:00 (15 s), NUMBER (a repeat), rural, graded 1 by
     override; W1 at scene 10:25: 1500 s against the rural 1200 s: missed.
  E  webchat, presented 10:30:00, first response 10:32:00 (120 s), no number.

So for the period: 999 within 10 s 1 of 2 (50.0%, not met); median 11.5 s; 101 mean wait
60 s and abandonment 1 of 2 (50.0%); digital median 2 min; grade 1 within target 1 of 2
(50.0%, not met), urban 100.0% (met), rural 0.0% (not met); RWD 1 of 1; callbacks 1 of 1
within 24 h, median 1 h; risk assessed 3 of 4 handled (75.0%: E answered, not assessed);
vulnerability 1 of 3 (33.3%); safeguarding 1 of 1; overrides 2 of 3 (66.7%); repeat 2 of 4
with a number (50.0%); contacts 5 (999: 2, 101: 2, webchat: 1), previous period 1.
By week: 999 within 10 s 100.0% then 0.0%; previous weeks 0.0% (P) then no data.

Quality: every one of A, C and D double-marked by two reviewers. By contact (in id order),
marker 1 and marker 2 answer:
  thrive_applied  (yes, yes) (no, no) (yes, yes)  -> p_o 1, p_e 5/9: kappa 1.00, almost perfect
  grade_right     (yes, yes) (yes, no) (no, no)   -> p_o 2/3, p_e 4/9: kappa 0.40, fair
  the other three items yes throughout            -> kappa undefined
Share "yes": thrive_applied 4 of 6 (66.7%), grade_right 3 of 6 (50.0%). Pooled over all 15
pairs: 14 agree, p_o 14/15; marker 1 yes 13, no 2; marker 2 yes 12, no 3; p_e 162/225 = 0.72:
kappa (0.9333 - 0.72) / 0.28 = 0.76, substantial.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from demandhub import db
from demandhub.auth import service as accounts
from demandhub.auth.roles import SYSTEM, Role
from tests import helpers
from tests.conftest import PASSWORD
from tests.dispatch.network import at

FROM, TO = date(2026, 11, 28), date(2026, 12, 12)
NUMBER = "01223 555 010"
ITEMS = ["thrive_applied", "grade_right", "vulnerability_identified", "safeguarding_done", "caller_treated_well"]


def _iso(day: int, h: int, m: int, s: int = 0, month: int = 11) -> str:
    return datetime(2026, month, day, h, m, s, tzinfo=UTC).isoformat()


def _ok(r, code=200):
    assert r.status_code == code, r.text
    return r.json()


def _call(client, handler, *, channel, where, presented, answered, number, override, vulnerabilities=()):
    body = helpers.contact("Something happening.", channel=channel, caller_number=number, presented_at=presented,
                           answered_at=answered)
    if where:
        lat, lon = at(*where)
        body.update(latitude=lat, longitude=lon)
    incident_type = "crime.violence_with_injury" if override else "crime.theft"
    return helpers.take_call(client, handler, contact_body=body,
                             assessment_body=helpers.assessment(incident_type, vulnerabilities=list(vulnerabilities)),
                             decision={"decision": "override", "grade": override, "rationale": "Test: graded by hand."}
                             if override else {"decision": "accept"})


def _attend(client, dispatcher, clock, incident, unit, minutes_to_scene):
    """Assigned a minute after creation, en route at once, at scene `minutes_to_scene` after creation."""
    clock.advance(minutes=1)
    _ok(client.post(f"/api/incidents/{incident['id']}/assignments", headers=dispatcher, json={"unit_id": unit["id"]}))
    _ok(client.post(f"/api/units/{unit['id']}/status", headers=dispatcher, json={"status": "en_route"}))
    clock.advance(minutes=minutes_to_scene - 1)
    _ok(client.post(f"/api/units/{unit['id']}/status", headers=dispatcher, json={"status": "at_scene"}))
    clock.advance(minutes=2)
    _ok(client.post(f"/api/units/{unit['id']}/status", headers=dispatcher, json={"status": "available"}))


def build(client, auth, handler, clock, make_unit, sessions) -> dict:
    dispatcher, supervisor, resolver = auth[Role.DISPATCHER], auth[Role.SUPERVISOR], auth[Role.RESOLUTION_OFFICER]
    w1 = make_unit("W1", (1, 0))

    _ok(client.post("/api/contacts", headers=handler, json=helpers.contact(
        "Earlier call.", channel="999", caller_number=NUMBER, presented_at=_iso(20, 12, 0),
        answered_at=_iso(20, 12, 0, 20))), 201)  # P
    a = _call(client, handler, channel="999", where=(4, 1), presented=_iso(28, 9, 59, 52), answered=_iso(28, 10, 0),
              number=NUMBER, override="1", vulnerabilities=["mental_health"])
    _ok(client.post(f"/api/incidents/{a['id']}/safeguarding", headers=handler,
                    json={"kind": "welfare_check", "note": "Neighbour asked to stay with him."}), 201)
    _attend(client, dispatcher, clock, a, w1, 7)  # 10:07 at scene
    clock.now = datetime(2026, 11, 28, 10, 21, tzinfo=UTC)
    _ok(client.post("/api/contacts", headers=handler, json=helpers.contact(
        "Silence, then the line dropped.", caller_number="01223 555 999", presented_at=_iso(28, 10, 20),
        ended_at=_iso(28, 10, 20, 30), abandoned=True)), 201)  # B
    clock.now = datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
    c = _call(client, handler, channel="101", where=None, presented=_iso(28, 10, 50), answered=_iso(28, 10, 51),
              number="01223 555 123", override=None)
    assert c["grade"] == "4"
    clock.advance(hours=1)
    _ok(client.post(f"/api/resolution/{c['id']}/callbacks", headers=resolver, json={"outcome": "spoke_to_caller"}),
        201)
    clock.advance(minutes=5)
    _ok(client.post(f"/api/resolution/{c['id']}/outcome", headers=resolver, json={
        "outcome": "resolved", "closing_code": "resolved_by_phone", "note": "Advice given by phone."}))

    clock.now = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    d = _call(client, handler, channel="999", where=(2, 4), presented=_iso(5, 9, 59, 45, month=12),
              answered=_iso(5, 10, 0, month=12), number=NUMBER, override="1")
    _attend(client, dispatcher, clock, d, w1, 25)  # 10:25 at scene
    clock.now = datetime(2026, 12, 5, 10, 33, tzinfo=UTC)
    body = helpers.contact("Someone keeps following me home.", channel="webchat",
                           presented_at=_iso(5, 10, 30, month=12), answered_at=_iso(5, 10, 32, month=12))
    del body["caller_number"]
    _ok(client.post("/api/contacts", headers=handler, json=body), 201)  # E
    clock.now = datetime(2026, 12, 5, 11, 0, tzinfo=UTC)
    _quality_reviews(client, auth, supervisor, sessions, clock)
    return {"a": a, "c": c, "d": d}


def _quality_reviews(client, auth, supervisor, sessions, clock) -> None:
    headers = {}
    with db.unit_of_work(sessions) as session:
        user = accounts.add_user(session, username="reviewer2", password=PASSWORD, role=Role.QUALITY_REVIEWER,
                                 display_name="Reviewer Two", actor=SYSTEM, now=clock())
        token = accounts.issue_token(session, user=user, now=clock(), lifetime=timedelta(days=30))
        headers[user.id] = {"Authorization": f"Bearer {token}"}
    sample = _ok(client.post("/api/quality/samples", headers=supervisor, json={
        "period_start": FROM.isoformat(), "period_end": (TO - timedelta(days=1)).isoformat(), "per_handler": 3,
        "double_share": 1.0, "seed": 1}), 201)
    by_contact: dict[int, list[dict]] = {}
    for review in sample["reviews"]:
        by_contact.setdefault(review["contact_id"], []).append(review)
    assert len(by_contact) == 3 and all(len(rs) == 2 for rs in by_contact.values()), sample
    thrive = [("yes", "yes"), ("no", "no"), ("yes", "yes")]
    grade = [("yes", "yes"), ("yes", "no"), ("no", "no")]
    for k, contact_id in enumerate(sorted(by_contact)):
        for review in by_contact[contact_id]:
            m = review["marker"] - 1
            answers = {code: "yes" for code in ITEMS} | {"thrive_applied": thrive[k][m], "grade_right": grade[k][m]}
            who = headers.get(review["reviewer_id"], auth[Role.QUALITY_REVIEWER])
            _ok(client.post(f"/api/quality/reviews/{review['id']}", headers=who,
                            json={"answers": answers, "comment": "Reviewed."}))
