"""Staff records through the API: access rules, due dates, exposures and debrief prompts, bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from demandhub.audit.models import AuditEntry
from demandhub.auth.roles import GRANTS, Permission, Role
from tests import helpers

SUP, CH, DISP = Role.SUPERVISOR, Role.CALL_HANDLER, Role.DISPATCHER


def audit(sessions, action: str) -> list[AuditEntry]:
    with sessions() as s:
        return list(s.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)))


def sudden_death(client, headers, clock, *, days_ago: float = 0, child: bool = False) -> dict:
    body = helpers.contact("Found my neighbour not breathing, cold to touch.", channel="999",
                           presented_at=(clock() - timedelta(days=days_ago)).isoformat())
    return helpers.take_call(client, headers, contact_body=body, assessment_body=helpers.assessment(
        "public_safety.sudden_death", qualifiers=["child_involved"] if child else []))


def prompts(client, auth) -> dict[str, dict]:
    r = client.get("/api/staff/prompts", headers=auth[SUP])
    assert r.status_code == 200, r.text
    return {p["person"]["username"]: p["prompt"] for p in r.json()}


# --- access ------------------------------------------------------------------------------------

def test_a_person_sees_their_own_record_and_nobody_elses(client, auth, sessions):
    r = client.get("/api/staff/me", headers=auth[CH])
    assert r.status_code == 200 and r.json()["person"]["username"] == "call-handler"
    assert client.get("/api/staff/call-handler", headers=auth[CH]).status_code == 200
    for other in ("dispatcher", "supervisor", "no-such-person"):  # existence is not revealed
        r = client.get(f"/api/staff/{other}", headers=auth[CH])
        assert r.status_code == 403, r.text
        assert "staff.records" in r.json()["detail"] and "only its own" in r.json()["detail"]
    refused = audit(sessions, "staff.record_view_refused")
    assert [(a.actor, a.details["person"]) for a in refused] == [
        ("call-handler", "dispatcher"), ("call-handler", "supervisor"), ("call-handler", "no-such-person")]
    assert audit(sessions, "staff.record_viewed") == []  # reading one's own is not audited


def test_a_supervisor_sees_everyone_and_every_read_is_audited(client, auth, sessions):
    for who in ("call-handler", "analyst", "mental-health-practitioner"):
        assert client.get(f"/api/staff/{who}", headers=auth[SUP]).status_code == 200
    assert client.get("/api/staff/supervisor", headers=auth[SUP]).status_code == 200  # own: not audited
    viewed = audit(sessions, "staff.record_viewed")
    assert [(a.actor, a.details["person"]) for a in viewed] == [
        ("supervisor", "call-handler"), ("supervisor", "analyst"), ("supervisor", "mental-health-practitioner")]
    assert client.get("/api/staff/no-such-person", headers=auth[SUP]).status_code == 404
    assert client.get("/api/staff/field-unit", headers=auth[SUP]).status_code == 404  # a machine, not staff
    assert client.get("/api/staff", headers=auth[SUP]).status_code == 200
    assert len(audit(sessions, "staff.overview_viewed")) == 1


@pytest.mark.parametrize("role", [r for r in Role if r != Role.SUPERVISOR])
def test_every_other_role_is_held_to_its_own(client, auth, role):
    own = role.value.replace("_", "-")
    has_own = Permission.STAFF_OWN in GRANTS[role]
    assert (client.get("/api/staff/me", headers=auth[role]).status_code == 200) == has_own
    assert client.get(f"/api/staff/{own}", headers=auth[role]).status_code == (200 if has_own else 403)
    assert client.get("/api/staff/supervisor", headers=auth[role]).status_code == 403
    assert client.get("/api/staff", headers=auth[role]).status_code == 403
    assert client.get("/api/staff/prompts", headers=auth[role]).status_code == 403
    r = client.post(f"/api/staff/{own}/training", json={"course": "x", "completed_on": "2026-01-01"},
                    headers=auth[role])
    assert r.status_code == 403  # nobody writes their own training record


def test_supervision_notes_are_for_the_person_and_supervisors_only(client, auth):
    r = client.post("/api/staff/call-handler/supervision", headers=auth[SUP], json={
        "held_on": "2026-11-27", "text": "Talked through the Friday night sudden death.", "actions": "Take Monday off."})
    assert r.status_code == 201, r.text
    mine = client.get("/api/staff/me", headers=auth[CH]).json()["supervision"]
    assert [(n["text"], n["actions"], n["recorded_by"]) for n in mine] == [
        ("Talked through the Friday night sudden death.", "Take Monday off.", "Supervisor")]
    assert client.get("/api/staff/call-handler", headers=auth[DISP]).status_code == 403
    assert client.get("/api/staff/call-handler", headers=auth[Role.QUALITY_REVIEWER]).status_code == 403
    assert client.post("/api/staff/dispatcher/supervision", headers=auth[CH],
                       json={"held_on": "2026-11-27", "text": "x"}).status_code == 403


def test_a_supervisor_cannot_supervise_or_debrief_themselves(client, auth):
    r = client.post("/api/staff/supervisor/supervision", headers=auth[SUP],
                    json={"held_on": "2026-11-27", "text": "I think I am doing fine."})
    assert r.status_code == 403 and "your own supervisor" in r.json()["detail"]
    r = client.post("/api/staff/supervisor/debriefs", headers=auth[SUP],
                    json={"offered_on": "2026-11-28", "response": "declined"})
    assert r.status_code == 403


def test_check_ins_by_the_person_or_a_supervisor(client, auth, sessions):
    r = client.post("/api/staff/me/checkins", headers=auth[CH], json={"score": 2, "words": "Rough week",
                                                                      "follow_up": True})
    assert r.status_code == 201 and r.json()["checked_on"] == "2026-11-28" and r.json()["recorded_by"] == "Call handler"
    r = client.post("/api/staff/call-handler/checkins", headers=auth[SUP], json={"words": "Better", "checked_on": "2026-11-28"})
    assert r.status_code == 201
    assert client.post("/api/staff/dispatcher/checkins", headers=auth[CH], json={"score": 3}).status_code == 403
    seen = client.get("/api/staff/call-handler", headers=auth[SUP]).json()["checkins"]
    assert [(c["score"], c["words"], c["follow_up"]) for c in seen] == [(None, "Better", False), (2, "Rough week", True)]
    over = {p["person"]["username"]: p for p in client.get("/api/staff", headers=auth[SUP]).json()}
    assert over["call-handler"]["last_checkin"] == "2026-11-28" and over["call-handler"]["follow_up"] is False
    # the trail names the change and the person, never what they said
    entries = audit(sessions, "staff.checkin_recorded")
    assert len(entries) == 2 and all("Rough" not in str(a.details) for a in entries)


# --- training and CPD --------------------------------------------------------------------------

def test_overdue_and_due_soon_training_and_cpd(client, auth):
    add = lambda kind, body: client.post(f"/api/staff/call-handler/{kind}", json=body, headers=auth[SUP])
    assert add("training", {"course": "First aid", "completed_on": "2023-11-01", "expires_on": "2026-11-01"}).json()[
        "state"] == "overdue"
    assert add("training", {"course": "Safeguarding", "completed_on": "2024-01-01", "expires_on": "2026-12-28"}).json()[
        "state"] == "due_soon"  # today + 30
    assert add("training", {"course": "Radio", "completed_on": "2024-01-01", "expires_on": "2026-12-29"}).json()[
        "state"] == "ok"
    assert add("training", {"course": "Induction", "completed_on": "2020-01-01"}).json()["state"] == "no_expiry"
    assert add("cpd", {"title": "Read guidance", "due_on": "2026-11-27"}).json()["state"] == "overdue"
    due_today = add("cpd", {"title": "Shadow a dispatcher", "due_on": "2026-11-28"}).json()
    assert due_today["state"] == "due_soon"
    assert add("cpd", {"title": "E-learning", "due_on": "2026-10-01", "done_on": "2026-09-30"}).json()["state"] == "done"

    def overview():
        return {p["person"]["username"]: p for p in client.get("/api/staff", headers=auth[SUP]).json()}

    me = overview()["call-handler"]
    assert (me["overdue"], me["due_soon"]) == (2, 2)

    # renewing first aid (a new record of the same course) clears the overdue one
    assert add("training", {"course": "first aid", "completed_on": "2026-11-20", "expires_on": "2029-11-20"}).status_code == 201
    record = client.get("/api/staff/me", headers=auth[CH]).json()
    assert sorted(t["state"] for t in record["training"] if t["course"].lower() == "first aid") == ["ok", "renewed"]
    # the person marks their own CPD item done
    r = client.post(f"/api/staff/me/cpd/{due_today['id']}/done", json={}, headers=auth[CH])
    assert r.status_code == 200 and r.json()["done_on"] == "2026-11-28" and r.json()["state"] == "done"
    me = overview()["call-handler"]
    assert (me["overdue"], me["due_soon"]) == (1, 1)


def test_only_ones_own_cpd_can_be_marked_done(client, auth):
    item = client.post("/api/staff/dispatcher/cpd", json={"title": "Firearms awareness", "due_on": "2026-12-10"},
                       headers=auth[SUP]).json()
    assert client.post(f"/api/staff/me/cpd/{item['id']}/done", json={}, headers=auth[CH]).status_code == 403
    assert client.post("/api/staff/me/cpd/999999/done", json={}, headers=auth[CH]).status_code == 404
    r = client.post(f"/api/staff/me/cpd/{item['id']}/done", json={"done_on": "2026-11-29"}, headers=auth[DISP])
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "done_on"
    assert client.post(f"/api/staff/me/cpd/{item['id']}/done", json={}, headers=auth[DISP]).status_code == 200


def test_supervisors_update_records(client, auth):
    t = client.post("/api/staff/call-handler/training", json={"course": "First aid", "completed_on": "2026-01-01",
                                                             "expires_on": "2026-12-01"}, headers=auth[SUP]).json()
    r = client.patch(f"/api/staff/call-handler/training/{t['id']}", json={"expires_on": None, "evidence": "Cert 12"},
                     headers=auth[SUP])
    assert r.status_code == 200 and r.json()["state"] == "no_expiry" and r.json()["evidence"] == "Cert 12"
    assert client.patch(f"/api/staff/dispatcher/training/{t['id']}", json={"evidence": "x"},
                        headers=auth[SUP]).status_code == 404  # not the dispatcher's
    c = client.post("/api/staff/call-handler/cpd", json={"title": "Read", "due_on": "2026-11-01"}, headers=auth[SUP]).json()
    r = client.patch(f"/api/staff/call-handler/cpd/{c['id']}", json={"due_on": "2027-01-31"}, headers=auth[SUP])
    assert r.status_code == 200 and r.json()["state"] == "ok"
    r = client.patch(f"/api/staff/call-handler/cpd/{c['id']}", json={"done_on": "2026-11-28"}, headers=auth[SUP])
    assert r.json()["state"] == "done"


@pytest.mark.parametrize(("path", "body", "field"), [
    ("training", {"course": "First aid", "completed_on": "2026-11-29"}, "completed_on"),  # tomorrow
    ("training", {"course": "First aid", "completed_on": "2026-11-01", "expires_on": "2026-10-01"}, "expires_on"),
    ("training", {"course": "", "completed_on": "2026-11-01"}, "course"),
    ("training", {"course": "x", "completed_on": "2026-11-01", "colour": "red"}, "colour"),
    ("cpd", {"title": "x", "due_on": "2026-12-01", "done_on": "2026-12-01"}, "done_on"),
    ("cpd", {"title": "x", "due_on": "not a date"}, "due_on"),
    ("supervision", {"held_on": "2027-01-01", "text": "x"}, "held_on"),
    ("supervision", {"held_on": "2026-11-01", "text": "   "}, "text"),
    ("checkins", {"score": 6}, "score"),
    ("checkins", {"note": "no score and no words"}, ""),
    ("checkins", {"score": 3, "checked_on": "2026-12-01"}, "checked_on"),
    ("debriefs", {"offered_on": "2026-12-01", "response": "accepted"}, "offered_on"),
    ("debriefs", {"offered_on": "2026-11-28", "response": "maybe"}, "response"),
])
def test_bad_input_is_a_4xx_naming_the_field(client, auth, path, body, field):
    r = client.post(f"/api/staff/call-handler/{path}", json=body, headers=auth[SUP])
    assert r.status_code == 422, r.text
    assert any(p["field"].endswith(field) for p in r.json()["problems"]), r.json()


def test_unknown_people_and_bad_usernames(client, auth):
    assert client.post("/api/staff/nobody/training", json={"course": "x", "completed_on": "2026-01-01"},
                       headers=auth[SUP]).status_code == 404
    assert client.get("/api/staff/{username}", headers=auth[SUP]).status_code == 422
    assert client.get("/api/staff/UPPER CASE", headers=auth[CH]).status_code == 422
    r = client.patch("/api/staff/call-handler/training/1", json={"course": None}, headers=auth[SUP])
    assert r.status_code == 404  # no such record yet


# --- exposures and debrief prompts ------------------------------------------------------------

def test_three_sudden_deaths_within_thirty_days_prompt_a_debrief_until_one_is_offered(client, auth, clock, sessions):
    ch = auth[CH]
    helpers.take_call(client, ch)  # a theft: not counted
    sudden_death(client, ch, clock, days_ago=20)
    sudden_death(client, ch, clock, days_ago=10)
    assert prompts(client, auth) == {}
    third = sudden_death(client, ch, clock)
    open_ = prompts(client, auth)
    assert list(open_) == ["call-handler"]
    assert open_["call-handler"]["reason"] == "3 exposures within 30 days"
    assert third["reference"] in open_["call-handler"]["references"]
    exp = client.get("/api/staff/me", headers=ch).json()["exposures"]
    assert (exp["last_30_days"], len(exp["items"]), exp["prompt"]["reason"]) == (3, 3, "3 exposures within 30 days")
    assert {i["type_label"] for i in exp["items"]} == {"Sudden death"}

    r = client.post("/api/staff/call-handler/debriefs", json={"offered_on": "2026-11-28", "response": "declined",
                                                             "note": "Will talk to occupational health instead."},
                    headers=auth[SUP])
    assert r.status_code == 201, r.text
    assert prompts(client, auth) == {}
    assert [a.details for a in audit(sessions, "staff.debrief_recorded")] == [
        {"person": "call-handler", "response": "declined"}]

    # new exposures count afresh: two are not enough, even within 30 days of the old three
    clock.advance(hours=1)
    sudden_death(client, ch, clock)
    clock.advance(hours=1)
    sudden_death(client, ch, clock)
    assert prompts(client, auth) == {}
    clock.advance(hours=1)
    sudden_death(client, ch, clock)
    assert prompts(client, auth)["call-handler"]["reason"] == "3 exposures within 30 days"
    record = client.get("/api/staff/call-handler", headers=auth[SUP]).json()["exposures"]
    assert [i["since_last_debrief"] for i in record["items"]] == [True, True, True, False, False, False]


def test_exposures_spread_wider_than_the_window_do_not_prompt(client, auth, clock):
    for days in (29, 15, 0):  # 29 days first to last: within
        sudden_death(client, auth[Role.RESOLUTION_OFFICER], clock, days_ago=days)
    for days in (31, 15, 0):  # 31 days: not
        sudden_death(client, auth[CH], clock, days_ago=days)
    assert list(prompts(client, auth)) == ["resolution-officer"]


def test_a_single_child_death_prompts_at_once(client, auth, clock):
    sudden_death(client, auth[CH], clock, child=True)
    p = prompts(client, auth)["call-handler"]
    assert "Death of a child" in p["reason"] and len(p["references"]) == 1


def test_each_person_counts_only_the_contacts_they_took(client, auth, clock):
    first = sudden_death(client, auth[CH], clock)
    taken_at = clock()
    clock.advance(minutes=20)
    # a further call about the same incident, taken by someone else, exposes them too; the first
    # handler's count does not double for a second contact on one incident
    for headers in (auth[Role.RESOLUTION_OFFICER], auth[CH]):
        c = client.post("/api/contacts", json=helpers.contact("Calling about the death on Mill Lane."),
                        headers=headers).json()
        assert client.post(f"/api/incidents/{first['id']}/contacts", json={"contact_id": c["id"]},
                           headers=headers).status_code in (200, 201)
    mine = client.get("/api/staff/me", headers=auth[CH]).json()["exposures"]
    assert mine["last_30_days"] == 1 and len(mine["items"]) == 1
    assert mine["items"][0]["at"].startswith(taken_at.isoformat()[:19])  # counted from their first contact
    assert client.get("/api/staff/me", headers=auth[Role.RESOLUTION_OFFICER]).json()["exposures"]["last_30_days"] == 1
    assert client.get("/api/staff/me", headers=auth[DISP]).json()["exposures"]["last_30_days"] == 0
