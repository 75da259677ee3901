"""Appointments for grade 3 incidents: slots, booking without double-booking (also raced),
rescheduling, cancelling, attended and missed, and reminders sent once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from demandhub.auth.roles import Role
from tests.resolution.support import incident, timeline

SLOTS = Role.SUPERVISOR  # sets up slots
BOOK = Role.CALL_HANDLER  # books



def _slot(client, auth, *, hours_ahead: float, capacity: int = 1, area: str = "Westbank") -> dict:
    start = datetime(2026, 11, 28, 10, 0, tzinfo=UTC) + timedelta(hours=hours_ahead)
    r = client.post("/api/appointment-slots", json={"area": area, "starts_at": start.isoformat(),
                                                   "ends_at": (start + timedelta(hours=1)).isoformat(),
                                                   "capacity": capacity}, headers=auth[SLOTS])
    assert r.status_code == 201, r.text
    return r.json()


def _book(client, auth, incident_id: int, slot_id: int):
    return client.post("/api/appointments", json={"incident_id": incident_id, "slot_id": slot_id},
                       headers=auth[BOOK])


def _free(client, auth, slot_id: int) -> int:
    slots = client.get("/api/appointment-slots", params={"day": "2026-11-28", "days": 7}, headers=auth[BOOK]).json()
    return next(s["free"] for s in slots if s["id"] == slot_id)


def _waiting(client, auth) -> list[int]:
    r = client.get("/api/appointments/waiting", headers=auth[BOOK])
    assert r.status_code == 200, r.text
    return [i["id"] for i in r.json()]


def test_a_days_slots_in_local_time_once_each(client, auth):
    body = {"area": "Westbank", "day": "2026-11-30", "first": "09:00", "last_end": "11:30", "length_min": 60,
            "capacity": 2}
    r = client.post("/api/appointment-slots/day", json=body, headers=auth[SLOTS])
    assert r.status_code == 201, r.text
    assert [(s["starts_at"], s["ends_at"], s["free"]) for s in r.json()] == [
        ("2026-11-30T09:00:00Z", "2026-11-30T10:00:00Z", 2), ("2026-11-30T10:00:00Z", "2026-11-30T11:00:00Z", 2)]
    again = client.post("/api/appointment-slots/day", json=body, headers=auth[SLOTS])
    assert again.status_code == 201 and again.json() == []
    listed = client.get("/api/appointment-slots", params={"day": "2026-11-30", "days": 1, "area": "Westbank"},
                        headers=auth[BOOK]).json()
    assert len(listed) == 2
    assert client.get("/api/appointment-slots", params={"day": "2026-12-01"}, headers=auth[BOOK]).json() == []


@pytest.mark.parametrize("change, field", [
    ({"ends_at": "2026-11-29T08:00:00+00:00"}, "ends_at"),
    ({"starts_at": "2026-11-27T09:00:00+00:00", "ends_at": "2026-11-27T10:00:00+00:00"}, "starts_at"),
    ({"starts_at": "0001-01-01T00:00:00+14:00"}, "starts_at"),
])
def test_bad_slots_are_refused(client, auth, change, field):
    body = {"area": "Westbank", "starts_at": "2026-11-29T09:00:00+00:00", "ends_at": "2026-11-29T10:00:00+00:00",
            "capacity": 1, **change}
    r = client.post("/api/appointment-slots", json=body, headers=auth[SLOTS])
    assert r.status_code == 422, r.text
    assert r.json()["problems"][0]["field"] == field


def test_a_slot_twice_is_a_conflict_and_only_slot_managers_add_slots(client, auth):
    _slot(client, auth, hours_ahead=24)
    body = {"area": "Westbank", "starts_at": "2026-11-29T10:00:00Z", "ends_at": "2026-11-29T11:00:00Z", "capacity": 3}
    assert client.post("/api/appointment-slots", json=body, headers=auth[SLOTS]).status_code == 409
    assert client.post("/api/appointment-slots", json=body, headers=auth[BOOK]).status_code == 403
    assert client.post("/api/appointments/reminders", headers=auth[BOOK]).status_code == 403
    assert client.get("/api/appointments", headers=auth[Role.DISPATCHER]).status_code == 403


def test_booking_takes_a_place_holds_the_incident_and_is_on_its_timeline(client, auth, handler):
    inc = incident(client, handler, "3")
    slot = _slot(client, auth, hours_ahead=26, capacity=2)  # Sun 29 Nov 12:00 UTC = 12:00 in London
    assert _waiting(client, auth) == [inc["id"]]
    r = _book(client, auth, inc["id"], slot["id"])
    assert r.status_code == 201, r.text
    assert (r.json()["status"], r.json()["place"], r.json()["reference"]) == ("booked", 1, inc["reference"])
    assert _free(client, auth, slot["id"]) == 1
    assert _waiting(client, auth) == []
    detail = client.get(f"/api/incidents/{inc['id']}", headers=handler).json()
    assert detail["status"] == "on_hold"
    texts = [e["text"] for e in detail["timeline"] if e["kind"] == "appointment"]
    assert texts == ["Appointment booked: Sun 29 Nov 12:00-13:00 (Westbank)."]


def test_capacity_is_never_exceeded_and_an_incident_has_one_booked_appointment(client, auth, handler):
    a, b = incident(client, handler, "3"), incident(client, handler, "3")
    one = _slot(client, auth, hours_ahead=5)
    other = _slot(client, auth, hours_ahead=6)
    assert _book(client, auth, a["id"], one["id"]).status_code == 201
    full = _book(client, auth, b["id"], one["id"])
    assert full.status_code == 409 and "full" in full.json()["detail"]
    twice = _book(client, auth, a["id"], other["id"])
    assert twice.status_code == 409 and "already has appointment" in twice.json()["detail"]
    assert _free(client, auth, one["id"]) == 0 and _free(client, auth, other["id"]) == 1


def test_only_open_grade_3_incidents_in_future_slots_are_booked(client, auth, handler, clock):
    slot = _slot(client, auth, hours_ahead=2)
    grade_4 = incident(client, handler, "4")
    r = _book(client, auth, grade_4["id"], slot["id"])
    assert r.status_code == 409 and "grade 4" in r.json()["detail"]
    closed = incident(client, handler, "3")
    client.post(f"/api/incidents/{closed['id']}/close", json={"closing_code": "cancelled_by_caller"}, headers=handler)
    assert _book(client, auth, closed["id"], slot["id"]).status_code == 409
    fine = incident(client, handler, "3")
    assert _book(client, auth, fine["id"], 999999).status_code == 404
    assert _book(client, auth, 999999, slot["id"]).status_code == 404
    clock.advance(hours=2)  # the slot has begun
    assert _book(client, auth, fine["id"], slot["id"]).status_code == 409


def test_reschedule_moves_the_place_atomically_and_needs_a_free_slot(client, auth, handler):
    a, b = incident(client, handler, "3"), incident(client, handler, "3")
    first, second, full = (_slot(client, auth, hours_ahead=h) for h in (3, 4, 5))
    booked = _book(client, auth, a["id"], first["id"]).json()
    assert _book(client, auth, b["id"], full["id"]).status_code == 201
    url = f"/api/appointments/{booked['id']}/reschedule"
    assert client.post(url, json={"slot_id": full["id"]}, headers=auth[BOOK]).status_code == 409
    assert client.post(url, json={"slot_id": first["id"]}, headers=auth[BOOK]).status_code == 409
    assert _free(client, auth, first["id"]) == 0  # the refused moves changed nothing
    r = client.post(url, json={"slot_id": second["id"], "note": "Caller at work then."}, headers=auth[BOOK])
    assert r.status_code == 200, r.text
    assert r.json()["slot_id"] == second["id"]
    assert (_free(client, auth, first["id"]), _free(client, auth, second["id"])) == (1, 0)
    moved = [e["text"] for e in timeline(client, handler, a["id"]) if e["kind"] == "appointment"][-1]
    assert moved == ("Appointment moved from Sat 28 Nov 13:00-14:00 (Westbank) to Sat 28 Nov 14:00-15:00 "
                     "(Westbank). Caller at work then.")


def test_cancel_frees_the_place_and_the_incident_waits_again(client, auth, handler):
    a, b = incident(client, handler, "3"), incident(client, handler, "3")
    slot = _slot(client, auth, hours_ahead=3)
    booked = _book(client, auth, a["id"], slot["id"]).json()
    r = client.post(f"/api/appointments/{booked['id']}/cancel", json={"note": "Caller sorted it."},
                    headers=auth[BOOK])
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert client.get(f"/api/incidents/{a['id']}", headers=handler).json()["status"] == "open"
    assert _waiting(client, auth) == [a["id"], b["id"]]
    assert _book(client, auth, b["id"], slot["id"]).status_code == 201
    again = client.post(f"/api/appointments/{booked['id']}/cancel", json={}, headers=auth[BOOK])
    assert again.status_code == 409
    assert client.post(f"/api/appointments/{booked['id']}/reschedule", json={"slot_id": slot["id"]},
                       headers=auth[BOOK]).status_code == 409


def test_missed_returns_the_incident_to_the_queue_to_rebook_and_attended_keeps_it_out(client, auth, handler, clock):
    a, b = incident(client, handler, "3"), incident(client, handler, "3")
    slot = _slot(client, auth, hours_ahead=1, capacity=2)
    ma = _book(client, auth, a["id"], slot["id"]).json()
    mb = _book(client, auth, b["id"], slot["id"]).json()
    early = client.post(f"/api/appointments/{ma['id']}/missed", json={}, headers=auth[BOOK])
    assert early.status_code == 409 and "cannot be missed yet" in early.json()["detail"]
    assert client.post(f"/api/appointments/{mb['id']}/attended", json={}, headers=auth[BOOK]).status_code == 409
    clock.advance(hours=1, minutes=20)
    r = client.post(f"/api/appointments/{ma['id']}/missed", json={"note": "Nobody in."}, headers=auth[BOOK])
    assert r.status_code == 200 and r.json()["status"] == "missed"
    r = client.post(f"/api/appointments/{mb['id']}/attended", json={"note": "Statement taken."}, headers=auth[BOOK])
    assert r.status_code == 200 and r.json()["status"] == "attended"
    assert _waiting(client, auth) == [a["id"]]
    assert client.get(f"/api/incidents/{a['id']}", headers=handler).json()["status"] == "open"
    last = [e["text"] for e in timeline(client, handler, a["id"]) if e["kind"] == "appointment"][-1]
    assert last == ("Appointment Sat 28 Nov 11:00-12:00 (Westbank) missed: Nobody in. "
                    "The incident is back in the appointments queue to rebook.")
    for done, other in ((ma, "attended"), (mb, "missed"), (mb, "cancel")):
        assert client.post(f"/api/appointments/{done['id']}/{other}", json={}, headers=auth[BOOK]).status_code == 409
    later = _slot(client, auth, hours_ahead=30)
    assert _book(client, auth, a["id"], later["id"]).status_code == 201
    assert client.post("/api/appointments/999999/missed", json={}, headers=auth[BOOK]).status_code == 404


class Recorder:
    def __init__(self):
        self.sent = []

    def send(self, *, number: str, message: str) -> None:
        self.sent.append((number, message))


def test_reminders_go_once_to_appointments_within_24_hours(client, app, auth, handler, clock):
    recorder = Recorder()
    app.state.reminder_sender = recorder
    soon, later, far = (incident(client, handler, "3") for _ in range(3))
    cancelled = incident(client, handler, "3", caller_number="07700 900999")
    s2, s23, s25, s3 = (_slot(client, auth, hours_ahead=h) for h in (2, 23, 25, 3))
    _book(client, auth, soon["id"], s2["id"])
    _book(client, auth, later["id"], s23["id"])
    moving = _book(client, auth, far["id"], s25["id"]).json()
    gone = _book(client, auth, cancelled["id"], s3["id"]).json()
    client.post(f"/api/appointments/{gone['id']}/cancel", json={}, headers=auth[BOOK])

    r = client.post("/api/appointments/reminders", headers=auth[SLOTS])
    assert r.status_code == 200 and r.json() == {"sent": 2, "skipped": 0}
    assert [n for n, _ in recorder.sent] == ["+441223555010", "+441223555010"]
    assert recorder.sent[0][1] == (f"Police appointment reminder ({soon['reference']}): Sat 28 Nov 12:00-13:00 "
                                   "(Westbank). To rearrange, call 101 and give the reference.")
    assert client.post("/api/appointments/reminders", headers=auth[SLOTS]).json()["sent"] == 0
    booked = {a["incident_id"]: a for a in client.get("/api/appointments", params={"status": "booked"},
                                                       headers=auth[BOOK]).json()}
    assert booked[soon["id"]]["reminder_sent_at"] == "2026-11-28T10:00:00Z"
    assert booked[far["id"]]["reminder_sent_at"] is None
    assert "Reminder sent for the appointment" in timeline(client, handler, soon["id"])[-1]["text"]

    clock.advance(hours=1, minutes=30)  # the 25-hour slot now starts within 24 hours
    assert client.post("/api/appointments/reminders", headers=auth[SLOTS]).json()["sent"] == 1
    # Moved to a new time: reminded again for that one.
    s4 = _slot(client, auth, hours_ahead=4)
    client.post(f"/api/appointments/{moving['id']}/reschedule", json={"slot_id": s4["id"]}, headers=auth[BOOK])
    assert client.post("/api/appointments/reminders", headers=auth[SLOTS]).json()["sent"] == 1
    assert len(recorder.sent) == 4


def test_no_reminder_for_an_appointment_whose_incident_was_closed_meanwhile(client, app, auth, handler):
    recorder = Recorder()
    app.state.reminder_sender = recorder
    kept, closed = incident(client, handler, "3"), incident(client, handler, "3")
    slot = _slot(client, auth, hours_ahead=2)
    _book(client, auth, kept["id"], slot["id"])
    _book(client, auth, closed["id"], slot["id"])
    r = client.post(f"/api/incidents/{closed['id']}/close", json={"closing_code": "no_crime_advice_given"},
                    headers=handler)
    assert r.status_code == 200, r.text
    assert client.post("/api/appointments/reminders", headers=auth[SLOTS]).json() == {"sent": 1, "skipped": 0}
    assert recorder.sent[0][1].startswith(f"Police appointment reminder ({kept['reference']})")


def test_racing_bookings_of_the_last_place_end_in_one_201_and_the_rest_409(client, auth, handler):
    """Eight desks book the last place of one slot at once. Without the slot lock and the
    (slot, place) unique index, several would count one place taken and all book the last."""
    slot = _slot(client, auth, hours_ahead=24, capacity=2)
    first = incident(client, handler, "3")
    assert _book(client, auth, first["id"], slot["id"]).status_code == 201
    racers = [incident(client, handler, "3")["id"] for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(lambda i: _book(client, auth, i, slot["id"]).status_code, racers))
    assert codes == [201] + [409] * 7
    assert _free(client, auth, slot["id"]) == 0
    booked = client.get("/api/appointments", params={"status": "booked"}, headers=auth[BOOK]).json()
    assert sorted(a["place"] for a in booked) == [1, 2]
