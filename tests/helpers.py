"""Builders for the common journey: a contact, its THRIVE+ assessment, an incident."""

from __future__ import annotations

from demandhub.assessment.loader import load_default_policy

NDM = {
    "information": "Caller reports it as happening now.",
    "threat_and_risk": "Threat to the caller from a named person.",
    "powers_and_policy": "Breach of the peace; domestic abuse policy.",
    "options": "Immediate attendance; advice only.",
    "decision": "Attend now.",
    "rationale": "Risk to life cannot be ruled out.",
}


def dimensions(level: str = "low", **overrides: str) -> dict:
    policy = load_default_policy()
    dims = {d.name: {"level": level, "rationale": f"{d.label}: as the caller described."} for d in policy.dimensions.values()
            if d.required}
    for name, lvl in overrides.items():
        dims[name] = {"level": lvl, "rationale": f"{name} is {lvl}."}
    return dims


def assessment(incident_type: str = "crime.theft", level: str = "low", **extra) -> dict:
    body = {"incident_type": incident_type, "dimensions": dimensions(level), "ndm": dict(NDM),
            "qualifiers": [], "vulnerabilities": [], "cue_flags": []}
    body.update(extra)
    return body


def contact(description: str = "My bike was stolen from outside the shop.", channel: str = "101", **extra) -> dict:
    body = {"channel": channel, "caller_name": "Alex Caller", "caller_number": "01223 555 010",
            "location_text": "High Street", "description": description}
    body.update(extra)
    return body


def take_call(client, headers, *, contact_body: dict | None = None, assessment_body: dict | None = None,
              decision: dict | None = None) -> dict:
    r = client.post("/api/contacts", json=contact_body or contact(), headers=headers)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    r = client.post(f"/api/contacts/{cid}/assessments", json=assessment_body or assessment(), headers=headers)
    assert r.status_code == 201, r.text
    r = client.post(f"/api/contacts/{cid}/incident", json=decision or {"decision": "accept"}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()
