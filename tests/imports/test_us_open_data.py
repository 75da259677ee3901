"""The US open-data layout (DataSF columns) on a small file written by hand: every expected
number below was worked out by hand from the file, not by running the code.

The file (us_open_data_sample.csv): a byte-order mark, CRLF line ends, a quoted field with a
comma (line 4), a blank line (line 5), times in two formats, a lowercase priority (line 6),
and these rows the mapping must reject: priority E (line 9), a time that did not exist
(02:30 on 12 March 2023, line 10), "yesterday" (line 12), on scene before dispatched
(line 13) and the first call again (line 14).

Early March is PST (UTC-8): 10:01:30 local is 18:01:30Z.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from demandhub.dispatch.attendance import Leg, attendance
from demandhub.dispatch.models import Assignment
from demandhub.dispatch.rules import load_rules
from demandhub.dispatch.service import attendance_of
from demandhub.geo.areas import AreaMap
from demandhub.imports.models import ImportedCall
from demandhub.incidents.models import Incident
from demandhub.contacts.models import Contact
from demandhub.resources.models import Unit
from tests.imports.support import NOW, US_SAMPLE, counts, run


def z(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@pytest.fixture
def imported(sessions):
    return run(sessions, US_SAMPLE, "us-open-data")


def test_the_sample_counts(imported):
    assert (imported.rows_read, imported.imported, imported.rejected, imported.attended) == (12, 7, 5, 5)
    assert {r.reason: r.first_lines for r in imported.reasons.values()} == {
        "grade: priority_final value 'E' is not in the mapping": [9],
        "created time (received_datetime) does not exist in America/Los_Angeles (the clocks went forward)": [10],
        "created time (received_datetime) is not in a declared format": [12],
        "times out of order: on_scene before dispatched": [13],
        "source id repeated in this file": [14],
    }
    assert imported.grades == {"1": 1, "2": 3, "3": 3}
    assert imported.priorities == {"A": 1, "B": 2, "b": 1, "C": 3}


# cad_number: (to assigned, to en route, to arrival) in seconds from the entry time, grade, verdict
BY_HAND = {
    "230600001": (90, 110, 480, "1", "met"),  # entry 10:01:30, dispatch 10:03:00, en route 10:03:20, on scene 10:09:30
    "230600002": (1080, 4380, 4380, "2", "missed"),  # entry 11:02, dispatch 11:20, on scene 12:15 (73 min > 60)
    "230600003": (None, None, None, "3", "no target"),  # never dispatched
    "230600004": (240, 300, None, "2", "closed before arrival"),  # stood down at 13:20, due 14:01
    "230600005": (0, 0, 0, "3", "no target"),  # on view: everything at 14:00
    "230600006": (240, 1140, 1140, "2", "met"),  # 09:16 entry, 09:20 dispatch, 09:35 on scene
    "230600009": (None, None, None, "3", "no target"),
}


def test_attendance_from_the_imported_times_is_what_was_worked_out_by_hand(imported, sessions):
    rules, areas = load_rules(), AreaMap([])
    with sessions() as session:
        found = {}
        for source_id, incident in session.execute(sa.select(ImportedCall.source_id, Incident).join(
                Incident, Incident.id == ImportedCall.incident_id)).all():
            clock = attendance_of(session, incident, rules=rules, areas=areas, now=NOW)  # the live system's clock
            found[source_id] = (clock.to_assigned_s, clock.to_en_route_s, clock.to_arrival_s, incident.grade,
                                clock.verdict)
    assert found == BY_HAND


def test_the_times_land_in_utc_where_the_live_system_keeps_them(imported, sessions):
    with sessions() as session:
        rows = {ic.source_id: (c, i) for ic, c, i in session.execute(
            sa.select(ImportedCall, Contact, Incident).join(Contact, Contact.id == ImportedCall.contact_id)
            .join(Incident, Incident.id == ImportedCall.incident_id))}
        contact, incident = rows["230600001"]
        assert contact.presented_at == z("2023-03-01 18:00:00")  # received: the contact was presented
        assert incident.created_at == z("2023-03-01 18:01:30")  # entry: the incident opened
        assert incident.closed_at == z("2023-03-01 18:45:00")
        assert (incident.status, incident.closing_code, incident.incident_type) == \
            ("closed", "crime_recorded", "crime.violence_with_injury")
        assert (contact.latitude, contact.longitude) == (37.78166, -122.40858)
        assert contact.location_text == "MARKET ST \\ 06TH ST, San Francisco, CA"
        assert incident.reference == "US-230600001"
        assert rows["230600003"][0].location_text == "MISSION ST, 24TH ST, San Francisco, CA"
        # 01:30 on 5 November 2023 happened twice in San Francisco: the first, PDT (UTC-7), is taken.
        assert rows["230600009"][0].presented_at == z("2023-11-05 08:30:00")
        assert rows["230600006"][0].presented_at == z("2023-03-02 17:15:00")  # "09:15:00 AM", the download form
        assert rows["230600005"][0].channel == "officer_generated" and rows["230600001"][0].channel == "999"
        assignment = session.scalar(sa.select(Assignment).where(Assignment.incident_id == rows["230600004"][1].id))
        assert (assignment.outcome, assignment.at_scene_at, assignment.ended_at) == \
            ("cancelled", None, z("2023-03-01 21:20:00"))
        units = session.scalars(sa.select(Unit)).all()
        assert [(u.call_sign, u.kind, u.status) for u in units] == [("IMP-US-OPEN-DATA", "imported", "off_duty")]


def test_the_pure_clock_agrees_on_the_first_call():
    created = z("2023-03-01 18:01:30")
    clock = attendance(created_at=created, legs=[Leg(z("2023-03-01 18:03:00"), z("2023-03-01 18:03:20"),
                                                     z("2023-03-01 18:09:30"))],
                       target_s=900, area="urban", now=NOW)
    assert (clock.to_arrival_s, clock.verdict) == (480, "met")


def test_a_second_file_with_the_same_calls_skips_them(imported, sessions, engine, tmp_path):
    copy = tmp_path / "again.csv"
    copy.write_bytes(US_SAMPLE.read_bytes() + b"\r\n")  # another file (another digest), the same calls
    before = counts(engine)
    again = run(sessions, copy, "us-open-data")
    assert (again.imported, again.skipped, again.rejected) == (0, 7, 5)
    after = counts(engine)
    assert after["incidents"] == before["incidents"] and after["units"] == 1
    assert after["import_batches"] == before["import_batches"] + 1


def test_imported_calls_count_as_demand_but_not_as_risk_assessments_or_overrides(imported, sessions):
    """The source graded them, not THRIVE+: their placeholder assessments must not count as 100%
    assessed, 0% vulnerable and 0% overridden."""
    from demandhub.measures.compute import measures_pack
    from demandhub.measures.definitions import Standards
    from demandhub.measures.load import load_frames

    standards = Standards.from_rules(load_rules(None), timezone="America/Los_Angeles")
    with sessions() as session:
        frames = load_frames(session, start=z("2023-03-01T00:00:00"), end=z("2023-04-01T00:00:00"), as_of=NOW,
                             grades=("1", "2", "3", "4"), standards=standards)
    pack = measures_pack(frames, standards)
    assert len(frames.contacts) == 6  # every call imported for March is demand (the seventh is in November)
    for measure in ("contacts.risk_assessed_share", "contacts.vulnerability_identified_share",
                    "contacts.grade_override_share"):
        row = pack.get(measure)
        assert row.denominator == 0 and row.value is None, measure  # "no data", not 100% or 0%


def test_the_area_a_mapping_declares_is_the_one_attendance_is_measured_in(imported, sessions):
    """The US mapping says every call is urban; the force's own polygons (here one far away, so
    every San Francisco position falls outside it) must not make them rural."""
    from demandhub.geo.areas import Area
    from demandhub.measures.definitions import Standards
    from demandhub.measures.load import load_frames

    far_away = AreaMap([Area(kind="urban", name="Elsewhere", geometry={
        "type": "Polygon", "coordinates": [[[0, 52], [0.1, 52], [0.1, 52.1], [0, 52.1], [0, 52]]]})])
    assert far_away.classify(37.77, -122.42) == "rural"
    with sessions() as session:
        assert set(session.scalars(sa.select(ImportedCall.area))) == {"urban"}
        frames = load_frames(session, start=z("2023-03-01T00:00:00"), end=z("2023-04-01T00:00:00"), as_of=NOW,
                             grades=("1", "2", "3", "4"), standards=Standards.from_rules(load_rules(None)),
                             areas=far_away)
    assert len(frames.incidents) == 6 and not frames.incidents.rural.any()
