"""The row checker on single rows: each fault gets its own reason, the value goes in the detail."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from demandhub.imports.mapping import load_mapping
from demandhub.imports.rows import Call, Rejection, RowChecker
from demandhub.imports.writing import _assigned, _closed

US = load_mapping("us-open-data")
HEADER = ["cad_number", "received_datetime", "entry_datetime", "dispatch_datetime", "enroute_datetime",
          "onscene_datetime", "close_datetime", "call_type_final", "call_type_final_desc", "priority_final",
          "disposition", "onview_flag", "intersection_name", "intersection_point", "police_district"]
GOOD = {"cad_number": "1", "received_datetime": "2023-06-01T10:00:00.000", "entry_datetime": "2023-06-01T10:01:00.000",
        "dispatch_datetime": "", "enroute_datetime": "2023-06-01T10:04:00.000",
        "onscene_datetime": "2023-06-01T10:10:00.000", "close_datetime": "", "call_type_final": "911",
        "call_type_final_desc": "", "priority_final": "A", "disposition": "", "onview_flag": "N",
        "intersection_name": "", "intersection_point": "", "police_district": "NORTHERN"}


def check(**changes):
    row = {**GOOD, **changes}
    return RowChecker(US, HEADER).check([row[h] for h in HEADER], 7)


def test_a_good_row_in_summer_time():
    call = check()
    assert isinstance(call, Call)
    assert call.created == datetime(2023, 6, 1, 17, 0, tzinfo=timezone.utc)  # PDT, UTC-7
    # No dispatch time: the unit's assignment starts when it set off.
    assert _assigned(call) == datetime(2023, 6, 1, 17, 4, tzinfo=timezone.utc)
    assert _closed(call) == datetime(2023, 6, 1, 17, 10, tzinfo=timezone.utc)  # no close time: the last time given
    assert call.incident_type == "admin.information_only" and call.defaulted == (
        ("incident type", "911"), ("closing code", ""))
    assert call.location_text is None and call.latitude is None


@pytest.mark.parametrize("changes, reason, detail", [
    ({"close_datetime": "2023-06-01T10:05:00.000"}, "times out of order: closed before on_scene",
     "closed 2023-06-01 17:05:00Z < on_scene 2023-06-01 17:10:00Z"),
    ({"entry_datetime": "2023-06-01T09:59:00.000"}, "times out of order: queued before created",
     "queued 2023-06-01 16:59:00Z < created 2023-06-01 17:00:00Z"),
    ({"intersection_point": "37.7, -122.4"}, "point is not WKT POINT (longitude latitude)", "'37.7, -122.4'"),
    ({"intersection_point": "POINT (-122.4 97.7)"}, "latitude or longitude out of range", "97.7, -122.4"),
    ({"intersection_point": "POINT (x y)"}, "latitude or longitude is not a number", "'y', 'x'"),
    ({"priority_final": ""}, "grade: priority_final is empty and the mapping has no default", ""),
    ({"cad_number": "9" * 40}, "source id longer than 37 characters", repr("9" * 40)),
    ({"received_datetime": "1969-12-31T23:00:00.000"}, "created time (received_datetime) outside 1970-2100",
     "1969-12-31"),
    ({"police_district": "N" * 101}, "area longer than 100 characters", repr("N" * 40 + "…")),
    ({"intersection_name": "A\x00B"}, "a cell holds characters that cannot be stored (NUL or broken UTF-16)", ""),
])
def test_each_fault_has_its_reason(changes, reason, detail):
    outcome = check(**changes)
    assert isinstance(outcome, Rejection)
    assert (outcome.reason, outcome.detail, outcome.line) == (reason, detail, 7)


def test_a_position_and_a_zero_position():
    assert (check(intersection_point="POINT (-122.41 37.77)").latitude, check(
        intersection_point="point(-122.41 37.77)").longitude) == (37.77, -122.41)
    assert check(intersection_point="POINT (0 0)").latitude is None  # "no position" in many exports
