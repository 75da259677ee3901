"""Possible duplicates of a new contact, linking it or not, and what is known of a caller."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from demandhub.auth.roles import Role
from demandhub.config import Settings
from demandhub.incidents.duplicates import Nearby, rank
from tests import helpers
from tests.dispatch.network import at

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc)


def nearby(iid: int, kind: str, where, minutes_ago: float, restricted: bool = False) -> Nearby:
    lat, lon = at(*where)
    return Nearby(id=iid, reference=f"INC-{iid}", incident_type=kind, grade="2", status="open", restricted=restricted,
                  summary=None, location_text=None, created_at=NOW - timedelta(minutes=minutes_ago),
                  latitude=lat, longitude=lon)


def test_closer_newer_and_more_alike_rank_first_with_reasons():
    lat, lon = at(0, 0)
    candidates = [
        nearby(1, "transport.rtc_injury", (0, 0.5), 30),  # same type, 250 m, 30 min
        nearby(2, "transport.rtc_damage_only", (0, 0.2), 10),  # same category, 100 m, 10 min
        nearby(3, "crime.theft", (0, 0.1), 5),  # other category: never offered
        nearby(4, "transport.rtc_injury", (0, 2), 5),  # 1000 m: outside the radius
        nearby(5, "transport.rtc_injury", (0, 0.2), 200),  # outside the window
    ]
    found = rank(latitude=lat, longitude=lon, at=NOW, incident_type="transport.rtc_injury", candidates=candidates,
                 radius_m=500, window_min=180)
    # By hand: #1 1.0 x (1 - 250/500) x (1 - 30/180) = 0.4167; #2 0.6 x (1 - 100/500) x (1 - 10/180) = 0.4533
    assert [(s.incident.id, round(s.score, 3)) for s in found] == [(2, 0.453), (1, 0.417)]
    assert found[1].reasons == ["same type (Road traffic collision - injury)", "250 m away", "opened 30 min ago"]
    assert found[0].reasons[0] == "same category (Transport: Road traffic collision - damage only)"


def test_before_the_type_is_chosen_every_nearby_incident_is_offered():
    lat, lon = at(0, 0)
    found = rank(latitude=lat, longitude=lon, at=NOW, incident_type=None,
                 candidates=[nearby(3, "crime.theft", (0, 0.1), 5)], radius_m=500, window_min=180)
    assert [s.reasons[0] for s in found] == ["type not chosen yet"]


def _call(client, headers, where, *, number="07700 900111", kind="transport.rtc_injury", link_to=None, **extra):
    lat, lon = at(*where)
    body = {"contact": helpers.contact("Two cars collided at the junction.", channel="999", caller_number=number,
                                       latitude=lat, longitude=lon),
            "assessment": helpers.assessment(kind, **extra)}
    if link_to:
        body["link_to_incident_id"] = link_to
    else:
        body["decision"] = {"decision": "accept"}
    return client.post("/api/calls", json=body, headers=headers)


def test_a_second_report_is_offered_the_first_as_a_duplicate_joins_it_and_can_be_unlinked(client, handler, clock):
    first = _call(client, handler, (0, 0)).json()
    clock.advance(minutes=5)
    lat, lon = at(0, 0.3)
    offered = client.get(f"/api/duplicates?latitude={lat}&longitude={lon}&incident_type=transport.rtc_injury",
                         headers=handler).json()
    assert [d["reference"] for d in offered] == [first["reference"]]
    assert offered[0]["reasons"][1:] == ["150 m away", "opened 5 min ago"]

    joined = _call(client, handler, (0, 0.3), number="07700 900222", link_to=first["id"])
    assert joined.status_code == 201, joined.text
    assert joined.json()["reference"] == first["reference"] and len(joined.json()["contacts"]) == 2
    second_contact = joined.json()["contacts"][1]["id"]

    r = client.post(f"/api/incidents/{first['id']}/contacts/{second_contact}/unlink", headers=handler,
                    json={"reason": "A different collision, on the other carriageway."})
    assert r.status_code == 200 and len(r.json()["contacts"]) == 1
    assert r.json()["timeline"][-1]["kind"] == "contact_unlinked"
    # It can then have its own incident; and the opening contact cannot be unlinked.
    assert client.post(f"/api/contacts/{second_contact}/incident", json={"decision": "accept"},
                       headers=handler).status_code == 201
    opener = first["contacts"][0]["id"]
    r = client.post(f"/api/incidents/{first['id']}/contacts/{opener}/unlink", headers=handler, json={"reason": "x"})
    assert r.status_code == 409 and "duplicate" in r.json()["detail"]


def test_a_call_gives_a_decision_or_an_incident_to_join_not_both_nor_neither(client, handler):
    first = _call(client, handler, (0, 0)).json()
    lat, lon = at(0, 0)
    body = {"contact": helpers.contact(latitude=lat, longitude=lon), "assessment": helpers.assessment()}
    assert client.post("/api/calls", json=body, headers=handler).status_code == 422
    both = {**body, "decision": {"decision": "accept"}, "link_to_incident_id": first["id"]}
    assert client.post("/api/calls", json=both, headers=handler).status_code == 422
    half = {**body, "contact": helpers.contact(latitude=lat), "decision": {"decision": "accept"}}
    r = client.post("/api/calls", json=half, headers=handler)
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "contact.longitude"


def test_joining_a_restricted_incident_the_handler_may_not_see_is_refused_and_nothing_is_kept(client, auth):
    supervisor, handler = auth[Role.SUPERVISOR], auth[Role.CALL_HANDLER]
    secret = _call(client, supervisor, (0, 0), kind="crime.sexual_offence").json()
    r = _call(client, handler, (0, 0), number="07700 900333", link_to=secret["id"])
    assert r.status_code == 403 and "new incident" in r.json()["detail"]
    history = client.get("/api/history?number=07700900333", headers=handler).json()
    assert history["caller"]["total"] == 0


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path, secret_key="test-secret", outbox_poll_s=0.2, repeat_window_days=14)


def test_the_history_of_a_number_and_a_place_counts_repeat_contacts_in_the_window(client, handler, clock):
    _call(client, handler, (0, 0), kind="public_safety.concern_for_safety", vulnerabilities=["mental_health"])
    clock.advance(days=10)
    _call(client, handler, (4, 4))
    clock.advance(days=10)  # the first call is now 20 days old: outside the 14-day window
    _call(client, handler, (0, 0.1), number="01223 555 999")
    lat, lon = at(0, 0)
    h = client.get(f"/api/history?number=07700%20900111&latitude={lat}&longitude={lon}", headers=handler).json()
    assert h["number"] == "+447700900111"
    assert (h["caller"]["in_window"], h["caller"]["total"], h["caller"]["window_days"]) == (1, 2, 14)
    assert h["caller"]["items"][-1]["vulnerabilities"] == ["mental_health"]
    # The place: within 100 m of (0, 0) are the first call and the third (50 m away).
    assert (h["place"]["in_window"], h["place"]["total"]) == (1, 2)
    assert [round(i["distance_m"]) for i in h["place"]["items"]] == [50, 0]
    bad = client.get("/api/history?number=12", headers=handler)
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "number"


def test_a_further_call_assessed_as_a_sexual_offence_restricts_the_incident_it_joins(client, auth, handler):
    first = _call(client, handler, (0, 0), kind="crime.violence_with_injury").json()
    assert first["restricted"] is False
    joined = _call(client, handler, (0, 0.1), number="07700 900444", kind="crime.sexual_offence", link_to=first["id"])
    assert joined.status_code == 201 and joined.json()["restricted"] is True
    assert any(t["kind"] == "restricted" for t in joined.json()["timeline"])
    assert client.get(f"/api/incidents/{first['id']}", headers=auth[Role.DISPATCHER]).status_code == 403
    # The place's history no longer describes either contact to a handler, nor their flags.
    lat, lon = at(0, 0)
    h = client.get(f"/api/history?latitude={lat}&longitude={lon}", headers=handler).json()
    assert [(i["restricted"], i["description"], i["vulnerabilities"]) for i in h["place"]["items"]] == [
        (True, None, []), (True, None, [])]


def test_a_further_call_that_recommends_a_more_urgent_grade_says_so_on_the_incident(client, handler):
    first = _call(client, handler, (0, 0), kind="crime.theft").json()  # low levels: grade 4
    urgent = {"contact": helpers.contact("He has come back with a knife and is threatening to kill us.",
                                         channel="999", caller_number="07700 900555",
                                         latitude=at(0, 0)[0], longitude=at(0, 0)[1]),
              "assessment": helpers.assessment("crime.violence_with_injury", "high", cue_flags=["weapon"]),
              "link_to_incident_id": first["id"]}
    r = client.post("/api/calls", json=urgent, headers=handler)
    assert r.status_code == 201, r.text
    check = r.json()["timeline"][-1]
    assert check["kind"] == "grade_check" and "recommends grade 1" in check["text"]
    assert r.json()["grade"] == first["grade"]  # the handler decides whether to regrade


def test_a_linked_contact_places_an_incident_that_had_no_position(client, handler):
    unplaced = helpers.take_call(client, handler)
    joined = _call(client, handler, (1, 1), link_to=unplaced["id"]).json()
    assert (joined["latitude"], joined["longitude"]) == at(1, 1)
