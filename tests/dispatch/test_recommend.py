"""Ranking units for an incident, on the river grid of tests/dispatch/network.py.

Worked by hand (residential 30 km/h: 60 s a block; the primary bridge road 70 km/h: 25.714 s
a block). The incident is at row 4, column 1, west of the river:
  W  at (1, 0): up Avenue 0 three blocks, one block east: 240 s, 2 km.
  F  at (0, 0): one block of Bridge Road, four up Avenue 1: 25.714 + 240 = 265.714 s, 2.5 km.
  E  at (4, 3): two blocks away as the crow flies, but down to the bridge and back up:
     240 + 51.429 + 240 = 531.429 s, 5 km.
  J  at (3, 1): one block: 60 s, 0.5 km (but it is on a grade 3 job).
"""

from __future__ import annotations

import math

import pytest

from demandhub.dispatch.recommend import IncidentView, UnitView, recommend
from demandhub.geo.roadgraph import RoadGraph
from tests.dispatch.network import at, grid

GRADES = ["1", "2", "3", "4", "RFC", "REF"]


@pytest.fixture(scope="module")
def graph() -> RoadGraph:
    return RoadGraph.build(grid())


def unit(uid: int, sign: str, where, *, status="available", skills=("first_aid",), job=None) -> UnitView:
    lat, lon = at(*where) if where else (None, None)
    ref, grade = job if job else (None, None)
    return UnitView(id=uid, call_sign=sign, kind="car", skills=tuple(skills), status=status, status_note=None,
                    latitude=lat, longitude=lon, incident_id=100 + uid if job else None,
                    incident_reference=ref, incident_grade=grade)


UNITS = [
    unit(1, "W", (1, 0)),
    unit(2, "E", (4, 3)),
    unit(3, "F", (0, 0), skills=("first_aid", "firearms")),
    unit(4, "OFF", (4, 1), status="off_duty"),
    unit(5, "C", (4, 1), status="committed"),
    unit(6, "J", (3, 1), status="en_route", job=("INC-J", "3")),
    unit(7, "K", (4, 2), status="at_scene", job=("INC-K", "1")),
    unit(8, "LOST", None),
]


def incident(grade: str = "1", needs=()) -> IncidentView:
    lat, lon = at(4, 1)
    return IncidentView(id=1, grade=grade, latitude=lat, longitude=lon, needs=tuple(needs))


def ranked(rec):
    return [(c.unit.call_sign, round(c.eta_s, 1), round(c.distance_m)) for c in rec.candidates]


def reasons(rec):
    return {x.unit.call_sign: x.reason for x in rec.left_out}


def test_units_are_ranked_by_road_time_not_straight_line(graph):
    rec = recommend(incident=incident("2"), units=UNITS, graph=graph, grade_order=GRADES, divert_for=["1"], want=10)
    assert rec.method == "road"
    # E is the closest as the crow flies after J, but the river puts it last.
    assert ranked(rec) == [("W", 240.0, 2000), ("F", 265.7, 2500), ("E", 531.4, 5000)]


def test_an_emergency_may_take_a_unit_from_a_less_urgent_job_but_not_from_another_emergency(graph):
    rec = recommend(incident=incident("1"), units=UNITS, graph=graph, grade_order=GRADES, divert_for=["1"], want=10)
    first = rec.candidates[0]
    assert (first.unit.call_sign, round(first.eta_s), first.diverts_from) == ("J", 60, "INC-J")
    assert reasons(rec)["K"] == "committed to a grade 1 (INC-K)"
    not_urgent = recommend(incident=incident("2"), units=UNITS, graph=graph, grade_order=GRADES,
                           divert_for=["1"], want=10)
    assert reasons(not_urgent)["J"] == "committed to a grade 3 (INC-J)"


def test_each_unit_left_out_says_why(graph):
    rec = recommend(incident=incident("2"), units=UNITS, graph=graph, grade_order=GRADES, divert_for=["1"], want=10)
    assert reasons(rec) == {"OFF": "off duty", "C": "committed", "J": "committed to a grade 3 (INC-J)",
                            "K": "committed to a grade 1 (INC-K)", "LOST": "position unknown"}


def test_only_units_with_every_needed_skill_are_suggested(graph):
    needs = [("firearms", "Firearms involved: an armed response")]
    rec = recommend(incident=incident("1", needs), units=UNITS, graph=graph, grade_order=GRADES,
                    divert_for=["1"], want=10)
    assert ranked(rec) == [("F", 265.7, 2500)]
    assert reasons(rec)["W"] == "no firearms skill" and reasons(rec)["J"] == "no firearms skill"


def test_only_the_wanted_number_are_ranked_the_rest_are_listed_as_further(graph):
    rec = recommend(incident=incident("2"), units=UNITS, graph=graph, grade_order=GRADES, divert_for=["1"], want=1)
    assert [c.unit.call_sign for c in rec.candidates] == ["W"]
    assert {x.unit.call_sign for x in rec.further} == {"F", "E"}


def test_a_unit_already_on_this_incident_is_not_suggested_again(graph):
    here = UnitView(id=9, call_sign="H", kind="car", skills=(), status="assigned", status_note=None,
                    latitude=at(4, 1)[0], longitude=at(4, 1)[1], incident_id=1, incident_reference="INC-1",
                    incident_grade="1")
    rec = recommend(incident=incident("1"), units=[here], graph=graph, grade_order=GRADES, divert_for=["1"], want=5)
    assert reasons(rec) == {"H": "already assigned to this incident"}


def test_without_a_road_network_the_estimate_is_straight_line_and_says_so():
    rec = recommend(incident=incident("2"), units=UNITS[:2], graph=None, grade_order=GRADES, divert_for=["1"],
                    want=10)
    assert rec.method == "straight_line"
    # E is 1000 m away in a straight line: x1.3 for the roads, at 50 km/h.
    east = next(c for c in rec.candidates if c.unit.call_sign == "E")
    assert math.isclose(east.distance_m, 1300, rel_tol=1e-3) and math.isclose(east.eta_s, 1300 / (50 / 3.6), rel_tol=1e-3)
