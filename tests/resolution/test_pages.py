"""The desk's and the appointments pages, driven as a browser would post their forms."""

from __future__ import annotations

import re

from demandhub.auth.roles import Role
from tests.conftest import PASSWORD
from tests.helpers import NDM, dimensions
from tests.resolution.support import incident, timeline


def _login(client, username: str) -> str:
    client.cookies.clear()
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf": csrf})
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get("/account").text).group(1)


def test_the_queue_page_marks_overdue_callbacks_and_its_rows_follow_live(client, handler, clock):
    old = incident(client, handler, "4", description="Fence kicked in last week.")
    clock.advance(hours=20)
    new = incident(client, handler, "4", description="Graffiti on the garage door.")
    clock.advance(hours=5)  # old is an hour overdue, new due in 19 hours
    _login(client, "resolution-officer")
    page = client.get("/resolution").text
    assert 'data-live-src="/resolution/rows"' in page
    rows = client.get("/resolution/rows").text
    assert rows.index(old["reference"]) < rows.index(new["reference"])
    assert re.search(rf'data-reference="{old["reference"]}" data-overdue="true"', rows)
    assert re.search(rf'data-reference="{new["reference"]}" data-overdue="false"', rows)
    assert "1 h 00 min overdue" in rows and "in 19 h 00 min" in rows


def test_callback_and_outcome_forms_work_and_need_the_csrf_token(client, handler):
    inc = incident(client, handler, "4")
    csrf = _login(client, "resolution-officer")
    ref = inc["reference"]
    r = client.post(f"/resolution/{ref}/callbacks", data={"outcome": "no_answer", "note": "x"}, follow_redirects=False)
    assert r.status_code == 403
    r = client.post(f"/resolution/{ref}/callbacks", data={"outcome": "voicemail", "note": "Left a message.",
                                                          "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/resolution/{ref}"
    assert "Left a message." in client.get(f"/resolution/{ref}").text
    r = client.post(f"/resolution/{ref}/outcome", data={"outcome": "referred", "partner": "Victim Support",
                                                        "note": "Wants support.", "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/incidents/{ref}"
    page = client.get(f"/resolution/{ref}").text
    assert "This incident is closed: Referred to partner agency" in page and "callback-form" not in page


def _escalation_form(csrf: str, grade: str) -> dict:
    form = {"csrf": csrf, "description": "Called back: he is outside again shouting threats.",
            "incident_type": "crime.public_order", "decision": "override", "grade": grade,
            "rationale": "Offender outside now.", "vulnerabilities": ["repeat_victim"]}
    for name, d in dimensions("medium").items():
        form[f"dim-{name}-level"], form[f"dim-{name}-rationale"] = d["level"], d["rationale"]
    form.update({f"ndm-{k}": v for k, v in NDM.items()})
    return form


def test_the_escalate_form_assesses_afresh_and_regrades(client, auth, handler):
    inc = incident(client, handler, "4")
    csrf = _login(client, "resolution-officer")
    page = client.get(f"/resolution/{inc['reference']}").text
    assert 'name="dim-threat-level"' in page and 'name="ndm-rationale"' in page
    assert '<option value="4">' not in page.split('id="esc-grade"')[1].split("</select>")[0]  # deployable only
    bad = _escalation_form(csrf, "2")
    bad["dim-threat-rationale"] = ""
    r = client.post(f"/resolution/{inc['reference']}/escalate", data=bad, headers={"Accept": "text/html"})
    assert r.status_code == 422 and "Threat" in r.text
    r = client.post(f"/resolution/{inc['reference']}/escalate", data=_escalation_form(csrf, "2"),
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    detail = client.get(f"/api/incidents/{inc['id']}", headers=handler).json()
    assert detail["grade"] == "2"
    assert detail["assessments"][-1]["vulnerabilities"] == ["repeat_victim"]
    assert detail["timeline"][-1]["kind"] == "escalated"
    assert client.get("/api/resolution/queue", headers=auth[Role.RESOLUTION_OFFICER]).json() == []


def test_slots_booking_and_changes_from_the_appointments_page(client, handler, clock):
    inc = incident(client, handler, "3", description="Van broken into, wants an officer to look.")
    csrf = _login(client, "supervisor")
    r = client.post("/appointments/slots", data={"area": "Eastfield", "day": "2026-11-28", "first": "11:00",
                                                 "last_end": "14:00", "length_min": "90", "capacity": "1", "csrf": csrf},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/appointments").text
    assert page.count('data-slot-id="') == 2 and "Eastfield" in page
    assert f'data-reference="{inc["reference"]}"' in page.split('id="waiting"')[1].split("</table>")[0]
    slot_id = re.search(r'data-slot-id="(\d+)"', page).group(1)
    r = client.post("/appointments/book", data={"reference": inc["reference"], "slot_id": slot_id, "csrf": csrf},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/appointments").text
    assert "No grade 3 incident is waiting." in page
    appointment_id = re.search(r'data-appointment-id="(\d+)"', page).group(1)
    assert f"/appointments/{appointment_id}/missed" not in page  # not before it starts
    clock.advance(minutes=65)  # 11:05: the 11:00 slot has begun
    page = client.get("/appointments").text
    assert f"/appointments/{appointment_id}/missed" in page
    r = client.post(f"/appointments/{appointment_id}/missed", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert "back in the appointments queue to rebook" in timeline(client, handler, inc["id"])[-2]["text"]
    assert f'data-reference="{inc["reference"]}"' in client.get("/appointments").text.split('id="waiting"')[1]
    r = client.post(f"/appointments/{appointment_id}/attended", data={"csrf": csrf}, headers={"Accept": "text/html"})
    assert r.status_code == 409


def test_a_handler_books_but_does_not_set_up_slots(client, users):
    csrf = _login(client, "call-handler")
    assert client.get("/appointments").status_code == 200
    assert "slots-form" not in client.get("/appointments").text
    r = client.post("/appointments/slots", data={"area": "X", "day": "2026-11-29", "first": "09:00",
                                                 "last_end": "10:00", "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 403
    assert client.get("/resolution", follow_redirects=False).status_code == 403
