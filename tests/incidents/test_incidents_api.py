"""The journey from contact to incident, and working the incident through its life."""

from __future__ import annotations

import re

import sqlalchemy as sa

from demandhub.assessment.models import Assessment, GradingDecision
from demandhub.auth.roles import Role
from demandhub.incidents.models import Incident
from tests.helpers import assessment, contact, take_call

EMERGENCY = contact("He has a knife and is threatening to kill me, he is still here", channel="999")


def counts(sessions):
    with sessions() as s:
        return (s.scalar(sa.select(sa.func.count()).select_from(Incident)),
                s.scalar(sa.select(sa.func.count()).select_from(GradingDecision)))


def test_accepting_the_recommendation_opens_an_incident_with_a_reference_and_timeline(client, handler):
    inc = take_call(client, handler, contact_body=EMERGENCY,
                    assessment_body=assessment("crime.violence_with_injury", "high",
                                               cue_flags=["weapon", "threat_to_life"]))
    assert re.fullmatch(r"INC-20261128-0001", inc["reference"])
    assert inc["grade"] == "1" and inc["status"] == "open"
    assert inc["category"] == "crime" and inc["incident_type"] == "crime.violence_with_injury"
    decision = inc["decisions"][0]
    assert decision["overridden"] is False and decision["recommended_grade"] == "1"
    assert decision["policy_name"] == "default" and decision["policy_version"]
    assert [t["kind"] for t in inc["timeline"]] == ["created", "graded"]
    assert "danger-to-life" in inc["timeline"][1]["text"]
    assert inc["assessments"][0]["recommendation"]["fired"]


def test_references_count_up_within_the_day(client, handler):
    refs = [take_call(client, handler)["reference"] for _ in range(3)]
    assert refs == ["INC-20261128-0001", "INC-20261128-0002", "INC-20261128-0003"]


def test_an_override_keeps_both_recommendation_and_decision(client, handler):
    inc = take_call(client, handler, decision={"decision": "override", "grade": "2",
                                               "rationale": "Caller is elderly and alone; attend today."})
    d = inc["decisions"][0]
    assert d["overridden"] is True and d["grade"] == "2" and d["recommended_grade"] != "2"
    assert inc["grade"] == "2"
    assert "Overridden to grade 2" in inc["timeline"][1]["text"]


def test_a_bad_override_is_refused_and_leaves_nothing_half_written(client, handler, sessions):
    cid = client.post("/api/contacts", json=contact(), headers=handler).json()["id"]
    client.post(f"/api/contacts/{cid}/assessments", json=assessment(), headers=handler)
    for body, field in [({"decision": "override", "grade": "2"}, "rationale"),
                        ({"decision": "override", "rationale": "because"}, "grade"),
                        ({"decision": "override", "grade": "9", "rationale": "because"}, "grade"),
                        ({"decision": "maybe"}, "decision")]:
        r = client.post(f"/api/contacts/{cid}/incident", json=body, headers=handler)
        assert r.status_code == 422, r.text
        assert field in r.text
    assert counts(sessions) == (0, 0)


def test_an_unassessed_contact_cannot_be_graded(client, handler, sessions):
    cid = client.post("/api/contacts", json=contact(), headers=handler).json()["id"]
    r = client.post(f"/api/contacts/{cid}/incident", json={"decision": "accept"}, headers=handler)
    assert r.status_code == 422 and "assess" in r.json()["detail"]
    assert counts(sessions) == (0, 0)


def test_a_contact_opens_only_one_incident(client, handler):
    inc = take_call(client, handler)
    cid = inc["contacts"][0]["id"]
    client.post(f"/api/contacts/{cid}/assessments", json=assessment(), headers=handler)
    r = client.post(f"/api/contacts/{cid}/incident", json={"decision": "accept"}, headers=handler)
    assert r.status_code == 409


def test_the_queue_is_ordered_by_grade_then_age(client, handler, clock):
    low = take_call(client, handler)  # grade 4 under the default policy
    clock.advance(minutes=1)
    urgent_old = take_call(client, handler, contact_body=EMERGENCY,
                           assessment_body=assessment("crime.violence_with_injury", "high", cue_flags=["weapon"]))
    clock.advance(minutes=1)
    urgent_new = take_call(client, handler, contact_body=EMERGENCY,
                           assessment_body=assessment("crime.violence_with_injury", "high", cue_flags=["weapon"]))
    rows = client.get("/api/incidents", headers=handler).json()
    assert [r["reference"] for r in rows] == [urgent_old["reference"], urgent_new["reference"], low["reference"]]


def test_further_contacts_link_to_an_incident(client, handler):
    inc = take_call(client, handler)
    other = client.post("/api/contacts", json=contact("Same bike theft, I saw it happen"), headers=handler).json()
    r = client.post(f"/api/incidents/{inc['id']}/contacts", json={"contact_id": other["id"]}, headers=handler)
    assert r.status_code == 200
    assert [c["id"] for c in r.json()["contacts"]] == [inc["contacts"][0]["id"], other["id"]]
    assert r.json()["timeline"][-1]["kind"] == "contact_linked"
    again = client.post(f"/api/incidents/{inc['id']}/contacts", json={"contact_id": other["id"]}, headers=handler)
    assert again.status_code == 409


def test_reassessment_is_a_new_version_and_regrades(client, handler):
    inc = take_call(client, handler)
    cid = inc["contacts"][0]["id"]
    r = client.post(f"/api/contacts/{cid}/assessments",
                    json=assessment("crime.violence_with_injury", "high", cue_flags=["weapon"]), headers=handler)
    second = r.json()
    assert second["version"] == 2
    r = client.post(f"/api/incidents/{inc['id']}/grade", json={"decision": "accept", "assessment_id": second["id"]},
                    headers=handler)
    assert r.status_code == 200 and r.json()["grade"] == "1"
    versions = [a["version"] for a in r.json()["assessments"]]
    assert versions == [1, 2]  # the first is still there, untouched
    assert r.json()["assessments"][0]["recommended_grade"] == inc["grade"]
    assert f"grade {inc['grade']} -> 1" in r.json()["timeline"][-1]["text"]


def test_status_lifecycle_close_and_reopen(client, auth, handler):
    inc = take_call(client, handler)
    iid = inc["id"]
    r = client.post(f"/api/incidents/{iid}/status", json={"status": "in_progress", "note": "Callback booked"},
                    headers=handler)
    assert r.json()["status"] == "in_progress"
    r = client.post(f"/api/incidents/{iid}/status", json={"status": "closed"}, headers=handler)
    assert r.status_code == 422 and "closing code" in r.json()["detail"]
    r = client.post(f"/api/incidents/{iid}/close", json={"closing_code": "made-up"}, headers=handler)
    assert r.status_code == 422 and "closing code" in r.json()["detail"]
    r = client.post(f"/api/incidents/{iid}/close", json={"closing_code": "resolved_by_phone", "note": "Advice given"},
                    headers=handler)
    assert r.json()["status"] == "closed" and r.json()["closing_code"] == "resolved_by_phone"
    assert inc["reference"] not in [x["reference"] for x in client.get("/api/incidents", headers=handler).json()]
    assert client.post(f"/api/incidents/{iid}/notes", json={"text": "late note"}, headers=handler).status_code == 200
    r = client.post(f"/api/incidents/{iid}/status", json={"status": "open"}, headers=handler)
    assert r.status_code == 403
    r = client.post(f"/api/incidents/{iid}/status", json={"status": "open", "note": "Caller rang back"},
                    headers=auth[Role.SUPERVISOR])
    assert r.status_code == 200 and r.json()["status"] == "open" and r.json()["closing_code"] is None
    kinds = [t["kind"] for t in r.json()["timeline"]]
    assert kinds == ["created", "graded", "status", "closed", "note", "status"]


def test_unknown_status_and_unknown_incident(client, handler):
    inc = take_call(client, handler)
    r = client.post(f"/api/incidents/{inc['id']}/status", json={"status": "vanished"}, headers=handler)
    assert r.status_code == 422 and "status" in r.text
    assert client.get("/api/incidents/424242", headers=handler).status_code == 404


def test_restricted_incidents_hide_details_and_audit_every_view(client, auth, handler):
    inc = take_call(client, handler, contact_body=contact("My daughter told me her uncle touched her"),
                    assessment_body=assessment("crime.sexual_offence", "medium"))
    assert inc["restricted"] is True
    row = [r for r in client.get("/api/incidents", headers=auth[Role.DISPATCHER]).json()
           if r["reference"] == inc["reference"]][0]
    assert row["summary"] is None and row["location_text"] is None
    r = client.get(f"/api/incidents/{inc['id']}", headers=auth[Role.DISPATCHER])
    assert r.status_code == 403 and "restricted" in r.json()["detail"]
    assert client.get(f"/api/incidents/{inc['id']}", headers=auth[Role.SUPERVISOR]).status_code == 200
    assert client.get(f"/api/incidents/{inc['id']}", headers=handler).status_code == 200  # who took the call
    trail = client.get("/api/audit/verify", headers=auth[Role.ADMINISTRATOR]).json()
    assert trail["ok"] is True
    from demandhub.audit.models import AuditEntry

    with client.app.state.sessions() as s:
        actions = [(a.actor, a.action) for a in s.scalars(sa.select(AuditEntry).where(
            AuditEntry.entity_type == "incident", AuditEntry.action.like("incident.view%")).order_by(AuditEntry.seq))]
    assert actions == [("dispatcher", "incident.view_refused"), ("supervisor", "incident.viewed"),
                       ("call-handler", "incident.viewed")]


def call(description=EMERGENCY["description"], **assessment_overrides) -> dict:
    body = assessment("crime.violence_with_injury", "high", cue_flags=["weapon"])
    body.update(assessment_overrides)
    return {"contact": contact(description, channel="999"), "assessment": body, "decision": {"decision": "accept"}}


def test_a_whole_call_in_one_request(client, handler):
    r = client.post("/api/calls", json=call(), headers={**handler, "Idempotency-Key": "screen-1"})
    assert r.status_code == 201, r.text
    assert r.json()["grade"] == "1" and len(r.json()["contacts"]) == 1 and len(r.json()["assessments"]) == 1


def test_a_retried_call_returns_the_first_incident(client, handler, sessions):
    headers = {**handler, "Idempotency-Key": "screen-2"}
    first = client.post("/api/calls", json=call(), headers=headers)
    again = client.post("/api/calls", json=call(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["reference"] == first.json()["reference"]
    assert counts(sessions) == (1, 1)
    changed = client.post("/api/calls", json=call("Something else entirely"), headers=headers)
    assert changed.status_code == 409 and counts(sessions) == (1, 1)


def test_a_call_with_an_incomplete_assessment_records_nothing(client, handler, sessions):
    from demandhub.contacts.models import Contact

    body = call()
    del body["assessment"]["ndm"]["options"]
    r = client.post("/api/calls", json=body, headers={**handler, "Idempotency-Key": "screen-3"})
    assert r.status_code == 422
    assert "assessment.ndm.options" in [p["field"] for p in r.json()["problems"]]
    with sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Contact)) == 0
    assert counts(sessions) == (0, 0)
    body["assessment"]["ndm"]["options"] = "Attend now"  # fixed: the same key may now be used
    assert client.post("/api/calls", json=body, headers={**handler, "Idempotency-Key": "screen-3"}).status_code == 201


def test_references_grow_past_four_digits(client, handler, sessions):
    from demandhub.incidents.models import ReferenceCounter

    with sessions.begin() as s:
        s.add(ReferenceCounter(day="20261128", last=9999))
    assert take_call(client, handler)["reference"] == "INC-20261128-10000"


def _restricted_incident(client, handler):
    return take_call(client, handler, contact_body=contact("My daughter told me her uncle touched her"),
                     assessment_body=assessment("crime.sexual_offence", "medium"))


def test_a_restricted_incidents_contacts_are_restricted_too(client, auth, handler, sessions):
    from demandhub.audit.models import AuditEntry

    inc = _restricted_incident(client, handler)
    cid = inc["contacts"][0]["id"]
    other_handler = auth[Role.RESOLUTION_OFFICER]  # may read contacts, but not restricted ones
    for method, path, body in [("GET", f"/api/contacts/{cid}", None), ("GET", f"/api/contacts/{cid}/assessments", None),
                               ("POST", f"/api/contacts/{cid}/assessments", assessment("crime.sexual_offence")),
                               ("POST", f"/api/contacts/{cid}/end", {})]:
        r = client.request(method, path, json=body, headers=other_handler)
        assert r.status_code == 403 and "restricted" in r.json()["detail"], (method, path, r.text)
    assert client.get(f"/api/contacts/{cid}", headers=handler).status_code == 200  # who took it
    assert client.get(f"/api/contacts/{cid}/assessments", headers=auth[Role.SUPERVISOR]).status_code == 200
    with sessions() as s:
        trail = list(s.scalars(sa.select(AuditEntry.action).where(AuditEntry.entity_type == "contact",
                                                                  AuditEntry.action.like("contact.view%"))))
    assert trail.count("contact.view_refused") == 4 and trail.count("contact.viewed") == 2
    with sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Assessment).where(Assessment.contact_id == cid)) == 1


def test_a_reassessment_as_a_sexual_offence_restricts_the_incident(client, auth, handler):
    inc = take_call(client, handler, contact_body=contact("Someone followed my daughter home"),
                    assessment_body=assessment("public_safety.concern_for_safety", "medium"))
    assert inc["restricted"] is False
    cid = inc["contacts"][0]["id"]
    second = client.post(f"/api/contacts/{cid}/assessments", json=assessment("crime.sexual_offence", "high"),
                         headers=handler).json()
    r = client.post(f"/api/incidents/{inc['id']}/grade", json={"decision": "accept", "assessment_id": second["id"]},
                    headers=handler)
    assert r.json()["restricted"] is True and r.json()["timeline"][-2]["kind"] == "restricted"
    assert client.get(f"/api/incidents/{inc['id']}", headers=auth[Role.DISPATCHER]).status_code == 403
    assert client.get(f"/api/contacts/{cid}", headers=auth[Role.DISPATCHER]).status_code == 403


def test_a_contact_linked_to_a_restricted_incident_is_restricted(client, auth, handler):
    inc = _restricted_incident(client, handler)
    other = client.post("/api/contacts", json=contact("Neighbour calling about the same child"), headers=handler).json()
    client.post(f"/api/incidents/{inc['id']}/contacts", json={"contact_id": other["id"]}, headers=handler)
    assert client.get(f"/api/contacts/{other['id']}", headers=auth[Role.DISPATCHER]).status_code == 403


def test_racing_handlers_cannot_open_two_incidents_from_one_contact(client, handler, sessions):
    from concurrent.futures import ThreadPoolExecutor

    cid = client.post("/api/contacts", json=contact(), headers=handler).json()["id"]
    client.post(f"/api/contacts/{cid}/assessments", json=assessment(), headers=handler)
    with ThreadPoolExecutor(4) as pool:
        codes = sorted(pool.map(lambda _: client.post(f"/api/contacts/{cid}/incident", json={"decision": "accept"},
                                                      headers=handler).status_code, range(4)))
    assert codes == [201, 409, 409, 409]
    assert counts(sessions) == (1, 1)
