"""A dispatcher's work through the API: units, positions, recommendation, assignment, the
attendance clock, diversion; and the unit's own terminal."""

from __future__ import annotations

import pytest

from demandhub.auth.roles import Role
from tests.dispatch.network import at

pytestmark = pytest.mark.usefixtures("roads")


def test_a_grade_1_gets_the_fastest_unit_by_road_and_the_clock_runs_to_arrival(client, auth, clock, make_unit,
                                                                               incident_at):
    dispatcher = auth[Role.DISPATCHER]
    west, east = make_unit("W1", (1, 0)), make_unit("E1", (4, 3))
    inc = incident_at((4, 1), grade="1")
    rec = client.get(f"/api/incidents/{inc['id']}/recommendation", headers=dispatcher).json()
    assert rec["method"] == "road"
    assert [(c["unit"]["call_sign"], round(c["eta_s"]), round(c["distance_m"])) for c in rec["candidates"]] == [
        ("W1", 240, 2000), ("E1", 531, 5000)]

    clock.advance(minutes=1)
    r = client.post(f"/api/incidents/{inc['id']}/assignments", headers=dispatcher, json={"unit_id": west["id"]})
    assert r.status_code == 200, r.text
    job = r.json()["assignments"][0]
    assert (job["call_sign"], round(job["eta_s"]), job["unit_status"]) == ("W1", 240, "assigned")
    incident = client.get(f"/api/incidents/{inc['id']}", headers=dispatcher).json()
    assert incident["status"] == "in_progress"
    assert any(t["kind"] == "dispatch" and "W1 assigned" in t["text"] for t in incident["timeline"])

    clock.advance(minutes=1)
    assert client.post(f"/api/units/{west['id']}/status", headers=dispatcher,
                       json={"status": "en_route"}).status_code == 200
    clock.advance(minutes=5)
    assert client.post(f"/api/units/{west['id']}/status", headers=dispatcher,
                       json={"status": "at_scene"}).status_code == 200
    seen = client.get(f"/api/incidents/{inc['id']}/dispatch", headers=dispatcher).json()
    # Opened at 10:00 (the fake clock), assigned 10:01, en route 10:02, at scene 10:07.
    assert seen["attendance"] == {**seen["attendance"], "area": "urban", "target_s": 900.0, "to_assigned_s": 60.0,
                                  "to_en_route_s": 120.0, "to_arrival_s": 420.0, "verdict": "met"}
    assert east["status"] == "available"

    clock.advance(minutes=30)
    r = client.post(f"/api/units/{west['id']}/status", headers=dispatcher, json={"status": "available",
                                                                                 "note": "words of advice"})
    assert r.json()["status"] == "available" and r.json()["incident_id"] is None
    job = client.get(f"/api/incidents/{inc['id']}/dispatch", headers=dispatcher).json()["assignments"][0]
    assert job["outcome"] == "cleared" and job["ended_at"] is not None


def test_rural_incidents_have_the_rural_target(client, auth, make_unit, incident_at):
    inc = incident_at((2, 4), grade="1")  # east of the river: outside the urban area
    seen = client.get(f"/api/incidents/{inc['id']}/dispatch", headers=auth[Role.DISPATCHER]).json()
    assert (seen["attendance"]["area"], seen["attendance"]["target_s"]) == ("rural", 1200.0)
    scheduled = incident_at((2, 4), grade="3")
    seen = client.get(f"/api/incidents/{scheduled['id']}/dispatch", headers=auth[Role.DISPATCHER]).json()
    assert seen["attendance"]["verdict"] == "no target"


def test_a_unit_stood_down_before_arriving_is_cancelled_and_does_not_stop_the_clock(client, auth, clock,
                                                                                   make_unit, incident_at):
    dispatcher = auth[Role.DISPATCHER]
    unit = make_unit("W1", (1, 0))
    inc = incident_at((4, 1), grade="2")
    client.post(f"/api/incidents/{inc['id']}/assignments", headers=dispatcher, json={"unit_id": unit["id"]})
    client.post(f"/api/units/{unit['id']}/status", headers=dispatcher, json={"status": "en_route"})
    client.post(f"/api/units/{unit['id']}/status", headers=dispatcher, json={"status": "available"})
    seen = client.get(f"/api/incidents/{inc['id']}/dispatch", headers=dispatcher).json()
    assert seen["assignments"][0]["outcome"] == "cancelled"
    assert seen["attendance"]["to_arrival_s"] is None and seen["attendance"]["verdict"] == "pending"


def test_an_emergency_diverts_a_unit_from_a_lower_grade_job_only_when_the_dispatcher_says_so(
        client, auth, make_unit, incident_at):
    dispatcher = auth[Role.DISPATCHER]
    unit = make_unit("J1", (3, 1))
    routine = incident_at((2, 0), grade="3", incident_type="crime.theft")
    client.post(f"/api/incidents/{routine['id']}/assignments", headers=dispatcher, json={"unit_id": unit["id"]})
    urgent = incident_at((4, 1), grade="1")
    rec = client.get(f"/api/incidents/{urgent['id']}/recommendation", headers=dispatcher).json()
    assert rec["candidates"][0]["unit"]["call_sign"] == "J1"
    assert rec["candidates"][0]["diverts_from"] == routine["reference"]

    r = client.post(f"/api/incidents/{urgent['id']}/assignments", headers=dispatcher, json={"unit_id": unit["id"]})
    assert r.status_code == 409 and "divert" in r.json()["detail"]
    r = client.post(f"/api/incidents/{urgent['id']}/assignments", headers=dispatcher,
                    json={"unit_id": unit["id"], "divert": True})
    assert r.status_code == 200, r.text
    before = client.get(f"/api/incidents/{routine['id']}/dispatch", headers=dispatcher).json()
    assert before["assignments"][0]["outcome"] == "diverted"
    routine_now = client.get(f"/api/incidents/{routine['id']}", headers=dispatcher).json()
    assert any(f"diverted to {urgent['reference']}" in t["text"] for t in routine_now["timeline"])


def test_skills_the_incident_needs_filter_the_units(client, auth, make_unit, incident_at):
    make_unit("W1", (1, 0))
    make_unit("ARV1", (0, 4), skills=("firearms", "first_aid", "warranted"), kind="firearms")
    inc = incident_at((4, 1), grade="1", qualifiers=["firearms"])
    rec = client.get(f"/api/incidents/{inc['id']}/recommendation", headers=auth[Role.DISPATCHER]).json()
    assert [c["unit"]["call_sign"] for c in rec["candidates"]] == ["ARV1"]
    assert {"skill": "firearms", "why": "Firearms involved: an armed response"} in rec["needs"]
    assert {(x["unit"]["call_sign"], x["reason"]) for x in rec["left_out"]} == {("W1", "no firearms skill")}


def test_an_incident_without_a_position_cannot_be_ranked_and_says_why(client, auth, handler):
    from tests import helpers

    inc = helpers.take_call(client, handler)
    r = client.get(f"/api/incidents/{inc['id']}/recommendation", headers=auth[Role.DISPATCHER])
    assert r.status_code == 422 and "no position" in r.json()["detail"]


def test_unit_status_rules(client, auth, make_unit, incident_at):
    dispatcher = auth[Role.DISPATCHER]
    unit = make_unit("W1", (1, 0))
    r = client.post(f"/api/units/{unit['id']}/status", headers=dispatcher, json={"status": "en_route"})
    assert r.status_code == 422 and "dispatch" in r.json()["detail"]
    off = make_unit("OFF1", (1, 1), status="off_duty")
    inc = incident_at((4, 1))
    r = client.post(f"/api/incidents/{inc['id']}/assignments", headers=dispatcher, json={"unit_id": off["id"]})
    assert r.status_code == 409 and "off duty" in r.json()["detail"]
    r = client.post(f"/api/units/{unit['id']}/status", headers=dispatcher, json={"status": "available"})
    assert r.status_code == 409  # already available
    r = client.post(f"/api/units/{unit['id']}/status", headers=dispatcher, json={"status": "committed",
                                                                               "note": "refreshment"})
    assert r.json()["status"] == "committed" and r.json()["status_note"] == "refreshment"


def test_units_are_registered_with_checked_details(client, auth, make_unit):
    supervisor = auth[Role.SUPERVISOR]
    make_unit("W1", None)
    base = {"kind": "car", "station": "Westbank"}
    assert client.post("/api/units", headers=supervisor, json={**base, "call_sign": "w1"}).status_code == 409
    r = client.post("/api/units", headers=supervisor, json={**base, "call_sign": "X1", "skills": ["Fire Arms"]})
    assert r.status_code == 422 and "skills" in r.text
    r = client.post("/api/units", headers=supervisor, json={**base, "call_sign": "X1", "terminal_username": "analyst"})
    assert r.status_code == 422 and "field_unit" in r.json()["detail"]
    r = client.post("/api/units", headers=supervisor, json={**base, "call_sign": "X1", "status": "at_scene"})
    assert r.status_code == 422


def test_a_position_batch_is_all_or_nothing_and_late_fixes_do_not_move_a_unit(client, auth, make_unit):
    feed = auth[Role.LOCATION_FEED]
    unit = make_unit("W1", (1, 0))
    lat, lon = at(2, 2)
    r = client.post("/api/units/positions", headers=feed, json={"positions": [
        {"call_sign": "W1", "latitude": lat, "longitude": lon, "at": "2026-11-28T09:59:30Z"},
        {"call_sign": "NOPE", "latitude": lat, "longitude": lon, "at": "2026-11-28T09:59:30Z"}]})
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "positions.1.call_sign"
    assert client.get(f"/api/units/{unit['id']}", headers=auth[Role.DISPATCHER]).json()["latitude"] == at(1, 0)[0]
    r = client.post("/api/units/positions", headers=feed, json={"positions": [
        {"call_sign": "W1", "latitude": lat, "longitude": lon, "at": "2026-11-28T09:58:00Z"}]})  # older than 09:59
    assert r.json() == {"accepted": 1, "moved": 0}
    r = client.post("/api/units/positions", headers=feed, json={"positions": [
        {"call_sign": "w1", "latitude": lat, "longitude": lon, "at": "2026-11-28T10:00:30Z"}]})
    assert r.json() == {"accepted": 1, "moved": 1}
    moved = client.get(f"/api/units/{unit['id']}", headers=auth[Role.DISPATCHER]).json()
    assert (moved["latitude"], moved["longitude"]) == (lat, lon)
    future = client.post("/api/units/positions", headers=feed, json={"positions": [
        {"call_sign": "W1", "latitude": lat, "longitude": lon, "at": "2026-11-28T11:00:00Z"}]})
    assert future.status_code == 422 and "future" in future.text


def test_a_units_own_terminal_reports_its_status_and_position_and_nothing_else(client, auth, make_unit, incident_at):
    terminal = auth[Role.FIELD_UNIT]
    assert client.post("/api/terminal/status", headers=terminal, json={"status": "available"}).status_code == 404
    unit = make_unit("W1", (1, 0), terminal_username="field-unit", status="off_duty")
    r = client.post("/api/terminal/status", headers=terminal, json={"status": "available"})
    assert r.status_code == 200 and r.json()["status"] == "available"
    inc = incident_at((4, 1))
    client.post(f"/api/incidents/{inc['id']}/assignments", headers=auth[Role.DISPATCHER], json={"unit_id": unit["id"]})
    assert client.post("/api/terminal/status", headers=terminal, json={"status": "at_scene"}).json()["status"] == \
        "at_scene"
    lat, lon = at(4, 1)
    r = client.post("/api/terminal/position", headers=terminal, json={"latitude": lat, "longitude": lon})
    assert r.json() == {"accepted": 1, "moved": 1}
    seen = client.get(f"/api/incidents/{inc['id']}/dispatch", headers=auth[Role.DISPATCHER]).json()
    assert seen["assignments"][0]["at_scene_at"] is not None
    # A terminal may not move other units, nor dispatch.
    assert client.post(f"/api/units/{unit['id']}/status", headers=terminal,
                       json={"status": "available"}).status_code == 403


def test_the_map_shows_active_incidents_with_their_units_and_restricted_ones_without_details(
        client, auth, make_unit, incident_at):
    dispatcher = auth[Role.DISPATCHER]
    unit = make_unit("W1", (1, 0))
    inc = incident_at((4, 1))
    secret = incident_at((3, 3), incident_type="crime.sexual_offence")
    client.post(f"/api/incidents/{inc['id']}/assignments", headers=dispatcher, json={"unit_id": unit["id"]})
    state = client.get("/api/map", headers=dispatcher).json()
    shown = {i["reference"]: i for i in state["incidents"]}
    assert shown[inc["reference"]]["units"] == ["W1"]
    assert shown[secret["reference"]]["label"] == "Sexual offence (restricted)"
    assert [u["status"] for u in state["units"]] == ["assigned"]
    layers = client.get("/api/map/layers", headers=dispatcher).json()
    assert {f["properties"]["kind"] for f in layers["areas"]["features"]} == {"boundary", "urban"}
    assert [r["name"] for r in layers["roads"]] == ["Bridge Road"]  # the only major road


def test_a_pcso_is_not_suggested_where_powers_of_arrest_may_be_needed(client, auth, make_unit, incident_at):
    make_unit("P1", (4, 0), skills=("first_aid",), kind="pcso")
    make_unit("W1", (1, 0))
    fight = incident_at((4, 1))
    rec = client.get(f"/api/incidents/{fight['id']}/recommendation", headers=auth[Role.DISPATCHER]).json()
    assert [c["unit"]["call_sign"] for c in rec["candidates"]] == ["W1"]
    assert {(x["unit"]["call_sign"], x["reason"]) for x in rec["left_out"]} == {("P1", "no warranted skill")}
    lost_dog = incident_at((4, 1), grade="2", incident_type="public_safety.animals")
    rec = client.get(f"/api/incidents/{lost_dog['id']}/recommendation", headers=auth[Role.DISPATCHER]).json()
    assert [c["unit"]["call_sign"] for c in rec["candidates"]] == ["P1", "W1"]


def test_racing_dispatchers_cannot_send_one_unit_to_two_incidents(client, auth, make_unit, incident_at):
    from concurrent.futures import ThreadPoolExecutor

    dispatcher = auth[Role.DISPATCHER]
    unit = make_unit("W1", (1, 0))
    targets = [incident_at((4, 1))["id"] for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        codes = sorted(pool.map(lambda iid: client.post(f"/api/incidents/{iid}/assignments", headers=dispatcher,
                                                        json={"unit_id": unit["id"]}).status_code, targets))
    assert codes == [200, 409, 409, 409]
    sent = [client.get(f"/api/incidents/{iid}/dispatch", headers=dispatcher).json()["assignments"] for iid in targets]
    assert sum(len(a) for a in sent) == 1


def test_a_closed_incidents_units_can_only_be_cleared_and_its_clock_stops(client, auth, clock, make_unit,
                                                                          incident_at):
    dispatcher = auth[Role.DISPATCHER]
    unit = make_unit("W1", (1, 0))
    inc = incident_at((4, 1))
    client.post(f"/api/incidents/{inc['id']}/assignments", headers=dispatcher, json={"unit_id": unit["id"]})
    clock.advance(minutes=3)
    r = client.post(f"/api/incidents/{inc['id']}/close", headers=dispatcher, json={"closing_code": "duplicate"})
    assert r.status_code == 200, r.text
    r = client.post(f"/api/units/{unit['id']}/status", headers=dispatcher, json={"status": "at_scene"})
    assert r.status_code == 409 and "clear W1" in r.json()["detail"]
    clock.advance(hours=2)
    seen = client.get(f"/api/incidents/{inc['id']}/dispatch", headers=dispatcher).json()
    assert seen["attendance"]["verdict"] == "closed before arrival"
    assert client.post(f"/api/units/{unit['id']}/status", headers=dispatcher,
                       json={"status": "available"}).json()["status"] == "available"
    r = client.post(f"/api/incidents/{inc['id']}/assignments", headers=dispatcher, json={"unit_id": unit["id"]})
    assert r.status_code == 409 and "closed" in r.json()["detail"]


def test_an_incident_taken_without_a_position_can_be_placed_and_then_dispatched(client, auth, handler, make_unit):
    from tests import helpers

    make_unit("W1", (1, 0))
    inc = helpers.take_call(client, handler)
    lat, lon = at(4, 1)
    r = client.post(f"/api/incidents/{inc['id']}/location", headers=auth[Role.DISPATCHER],
                    json={"latitude": lat, "longitude": lon, "location_text": "Outside the Red Lion"})
    assert r.status_code == 200 and (r.json()["latitude"], r.json()["location_text"]) == (lat, "Outside the Red Lion")
    assert r.json()["timeline"][-1]["kind"] == "located"
    rec = client.get(f"/api/incidents/{inc['id']}/recommendation", headers=auth[Role.DISPATCHER]).json()
    assert rec["candidates"][0]["unit"]["call_sign"] == "W1"
    bad = client.post(f"/api/incidents/{inc['id']}/location", headers=auth[Role.DISPATCHER],
                      json={"latitude": 91, "longitude": 0})
    assert bad.status_code == 422


def test_a_dispatcher_is_sent_to_the_dispatch_view_of_a_restricted_incident(client, auth, incident_at, make_unit,
                                                                            sessions):
    import sqlalchemy as sa

    from demandhub.audit.models import AuditEntry
    from tests.auth.test_roles import PASSWORD, _csrf

    make_unit("W1", (1, 0))
    secret = incident_at((4, 1), incident_type="crime.sexual_offence")
    client.post("/login", data={"username": "dispatcher", "password": PASSWORD, "csrf": _csrf(client)})
    page = client.get(f"/incidents/{secret['reference']}")
    assert page.url.path == f"/incidents/{secret['reference']}/dispatch"
    assert "Fight in the street" not in page.text and "Restricted" in page.text
    panel = client.get(f"/incidents/{secret['reference']}/dispatch-panel")
    assert 'data-call-sign="W1"' in panel.text and "Fight in the street" not in panel.text
    with sessions() as session:  # the refused view of the details is on the record
        refused = session.scalars(sa.select(AuditEntry.actor).where(AuditEntry.action == "incident.view_refused"))
        assert list(refused) == ["dispatcher"]
