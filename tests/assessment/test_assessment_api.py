"""THRIVE+ through the API: completeness is enforced by name, reassessment never overwrites,
and the live preview explains itself."""

from __future__ import annotations

import sqlalchemy as sa

from demandhub.assessment.models import Assessment
from tests.helpers import NDM, assessment, contact, dimensions


def new_contact(client, handler, text="Someone is in my garden with a knife, my kids are inside") -> int:
    return client.post("/api/contacts", json=contact(text, channel="999"), headers=handler).json()["id"]


def test_an_incomplete_assessment_is_refused_naming_what_is_missing(client, handler, sessions):
    cid = new_contact(client, handler)
    dims = dimensions("high")
    dims["threat"]["rationale"] = "   "
    del dims["harm"]
    ndm = dict(NDM)
    del ndm["options"]
    r = client.post(f"/api/contacts/{cid}/assessments",
                    json=assessment("crime.violence_with_injury", dimensions=dims, ndm=ndm), headers=handler)
    assert r.status_code == 422
    fields = {p["field"] for p in r.json()["problems"]}
    assert {"dimensions.threat.rationale", "dimensions.harm.level", "ndm.options"} <= fields
    assert "Threat" in r.json()["detail"] and "Harm" in r.json()["detail"]
    with sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Assessment)) == 0


def test_unknown_codes_are_refused_by_name(client, handler):
    cid = new_contact(client, handler)
    body = assessment("crime.piracy", vulnerabilities=["lonely"], cue_flags=["dragons"], qualifiers=["maybe"])
    body["dimensions"]["threat"]["level"] = "extreme"
    r = client.post(f"/api/contacts/{cid}/assessments", json=body, headers=handler)
    assert r.status_code == 422
    text = r.json()["detail"]
    for word in ("crime.piracy", "lonely", "dragons", "maybe", "extreme"):
        assert word in text


def test_wrong_shapes_are_refused(client, handler):
    cid = new_contact(client, handler)
    for body in ({"incident_type": 7}, {**assessment(), "dimensions": "high"}, {**assessment(), "extra": 1},
                 {**assessment(), "ndm": {"options": "x" * 4001}}):
        r = client.post(f"/api/contacts/{cid}/assessments", json=body, headers=handler)
        assert r.status_code == 422, body
    assert client.post("/api/contacts/424242/assessments", json=assessment(), headers=handler).status_code == 404


def test_a_reassessment_is_a_new_version_and_the_first_is_kept(client, handler):
    cid = new_contact(client, handler)
    first = client.post(f"/api/contacts/{cid}/assessments", json=assessment("crime.theft", "low"), headers=handler)
    second = client.post(f"/api/contacts/{cid}/assessments",
                         json=assessment("crime.violence_with_injury", "high", cue_flags=["weapon"]), headers=handler)
    assert (first.json()["version"], second.json()["version"]) == (1, 2)
    listed = client.get(f"/api/contacts/{cid}/assessments", headers=handler).json()
    assert [(a["version"], a["incident_type"]) for a in listed] == [(1, "crime.theft"), (2, "crime.violence_with_injury")]
    assert listed[0]["recommended_grade"] == first.json()["recommended_grade"]


def test_cues_the_handler_removed_are_kept_for_review(client, handler):
    cid = new_contact(client, handler)
    r = client.post(f"/api/contacts/{cid}/assessments",
                    json=assessment("crime.violence_with_injury", "high", cue_flags=["weapon"]), headers=handler)
    assert r.json()["cue_flags"] == ["weapon"]
    assert "child_present" in r.json()["cue_flags_removed"]


def test_the_recommendation_is_stored_with_the_rules_and_policy_version(client, handler):
    cid = new_contact(client, handler)
    r = client.post(f"/api/contacts/{cid}/assessments",
                    json=assessment("crime.violence_with_injury", "high", cue_flags=["weapon", "threat_to_life"]),
                    headers=handler).json()
    assert r["recommended_grade"] == "1"
    assert r["policy_name"] == "default" and r["policy_version"] == r["recommendation"]["policy_version"]
    assert "danger-to-life" in [f["id"] for f in r["recommendation"]["fired"]]


def test_cue_finder_endpoint_shows_the_words_that_matched(client, handler):
    r = client.post("/api/cues", json={"text": "He said he would KILL me and he has a Knife"}, headers=handler)
    found = {c["flag"]: c["matches"] for c in r.json()}
    assert found["weapon"] == ["Knife"]
    assert "threat_to_life" in found


def test_preview_answers_a_half_filled_form_and_lists_problems(client, handler):
    r = client.post("/api/grading/preview", json={"dimensions": {"threat": {"level": "high"}}}, headers=handler)
    assert r.status_code == 200
    body = r.json()
    assert body["recommendation"]["grade"] == "1"
    assert any(p["field"] == "incident_type" for p in body["problems"])
    assert not any(p["field"].startswith("ndm.") for p in body["problems"])
    r = client.post("/api/grading/preview", json={"incident_type": "nonsense", "cue_flags": ["weapon"]},
                    headers=handler)
    assert r.status_code == 200 and any("nonsense" in p["message"] for p in r.json()["problems"])


def test_the_policy_in_force_is_published(client, handler):
    policy = client.get("/api/policy", headers=handler).json()
    assert policy["name"] == "default" and [g["code"] for g in policy["grades"]][:4] == ["1", "2", "3", "4"]
    assert {d["name"] for d in policy["dimensions"]} >= {"threat", "harm", "risk", "investigation",
                                                         "vulnerability", "engagement"}
    assert len(policy["rules"]) > 20
