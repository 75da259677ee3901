"""Fixtures for anything that dispatches: a force with the river grid's roads (tests/dispatch/network.py),
its west bank urban; units placed on it; incidents placed on it. Loaded by tests/conftest.py."""

from __future__ import annotations

import pytest

from demandhub import db
from demandhub.auth.roles import Role
from demandhub.geo import store
from demandhub.geo.areas import parse_areas
from demandhub.geo.roadgraph import RoadGraph
from tests import helpers
from tests.dispatch.network import at, grid, west_bank_urban


@pytest.fixture
def roads(sessions, clock):
    with db.unit_of_work(sessions) as session:
        store.save_network(session, graph=RoadGraph.build(grid()), name="river-grid", actor="test", now=clock())
        store.replace_areas(session, areas=parse_areas(west_bank_urban()), actor="test", now=clock())


@pytest.fixture
def make_unit(client, auth):
    def make(call_sign: str, where, *, skills=("first_aid", "warranted"), status="available", kind="car", **extra) -> dict:
        r = client.post("/api/units", headers=auth[Role.SUPERVISOR], json={
            "call_sign": call_sign, "kind": kind, "skills": list(skills), "station": "Westbank", "status": status,
            **extra})
        assert r.status_code == 201, r.text
        if where is not None:
            lat, lon = at(*where)
            r = client.post("/api/units/positions", headers=auth[Role.LOCATION_FEED], json={"positions": [
                {"call_sign": call_sign, "latitude": lat, "longitude": lon, "at": "2026-11-28T09:59:00Z"}]})
            assert r.status_code == 200, r.text
        return _by_sign(client, auth, call_sign)
    return make


def _by_sign(client, auth, call_sign: str) -> dict:
    units = client.get("/api/units", headers=auth[Role.DISPATCHER]).json()
    return next(u for u in units if u["call_sign"] == call_sign)


@pytest.fixture
def incident_at(client, handler):
    def make(where, *, grade: str = "1", incident_type: str = "crime.violence_with_injury", **assessment_extra) -> dict:
        lat, lon = at(*where)
        return helpers.take_call(
            client, handler, contact_body=helpers.contact("Fight in the street, one man down.", channel="999",
                                                          latitude=lat, longitude=lon),
            assessment_body=helpers.assessment(incident_type, **assessment_extra),
            decision={"decision": "override", "grade": grade, "rationale": "Test: graded by hand."})
    return make
