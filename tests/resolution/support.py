"""Incidents of a chosen grade, made through the API as a handler would."""

from __future__ import annotations

from tests import helpers


def incident(client, headers, grade: str, *, description: str = "My bike was stolen from outside the shop.",
             incident_type: str = "crime.theft", caller_number: str = "01223 555 010") -> dict:
    r = client.post("/api/contacts", json=helpers.contact(description, caller_number=caller_number), headers=headers)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    r = client.post(f"/api/contacts/{cid}/assessments", json=helpers.assessment(incident_type), headers=headers)
    assert r.status_code == 201, r.text
    recommended = r.json()["recommended_grade"]
    decision = {"decision": "accept"} if recommended == grade else \
        {"decision": "override", "grade": grade, "rationale": f"Test: grade {grade}."}
    r = client.post(f"/api/contacts/{cid}/incident", json=decision, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["grade"] == grade
    return r.json()


def timeline(client, headers, incident_id: int) -> list[dict]:
    r = client.get(f"/api/incidents/{incident_id}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["timeline"]
