"""The supervisor's dashboard, through the real use cases: each panel on a small day worked out
by hand, permissions, "no data yet", the breaching highlight, and the shared today-pack.

The fake clock starts at Saturday 28 November 2026, 10:00 UTC (GMT: local time is UTC).
The river grid's west bank is urban: (4, 1) is urban, (2, 4) rural (tests/dispatch/network.py).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from demandhub import db
from demandhub.auth.roles import Role
from demandhub.contacts import digital
from demandhub.contacts.models import Contact
from demandhub.reports.dashboard import PackCache, duration_text, local_day
from tests import helpers
from tests.conftest import PASSWORD
from tests.contacts.test_digital import online_contact

pytestmark = pytest.mark.usefixtures("roads")

URBAN, RURAL = (4, 1), (2, 4)


def _csrf(client) -> str:
    page = client.get("/login")
    return re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)


def _login(client, username: str) -> None:
    client.cookies.clear()
    r = client.post("/login", data={"username": username, "password": PASSWORD, "csrf": _csrf(client)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text


def _json(client, auth) -> dict:
    r = client.get("/api/dashboard", headers=auth[Role.SUPERVISOR])
    assert r.status_code == 200, r.text
    return r.json()


def _panel(client, name: str) -> str:
    r = client.get(f"/dashboard/panels/{name}")
    assert r.status_code == 200, r.text
    return r.text


def _row(html: str, attribute: str, value: str) -> str:
    """The <tr ...> element with the attribute, through its </tr>."""
    found = re.search(rf'<tr[^>]*{attribute}="{re.escape(value)}"[^>]*>.*?</tr>', html, re.S)
    assert found, f"no row with {attribute}={value!r} in:\n{html}"
    return found.group(0)


def _iso(day: int, h: int, m: int = 0, s: int = 0) -> str:
    return datetime(2026, 11, day, h, m, s, tzinfo=UTC).isoformat()


def _call(client, handler, *, channel="999", presented=None, answered=None, grade=None, where=None,
          incident_type="crime.violence_with_injury") -> dict:
    """grade None: accept the recommendation; a grade: override to it."""
    body = helpers.contact("Something happening.", channel=channel, presented_at=presented, answered_at=answered)
    if where is not None:
        from tests.dispatch.network import at
        body["latitude"], body["longitude"] = at(*where)
    return helpers.take_call(client, handler, contact_body=body, assessment_body=helpers.assessment(incident_type),
                             decision={"decision": "accept"} if grade is None else
                             {"decision": "override", "grade": grade, "rationale": "Test: graded by hand."})


def _status(client, auth, unit, status):
    r = client.post(f"/api/units/{unit['id']}/status", headers=auth[Role.DISPATCHER], json={"status": status})
    assert r.status_code == 200, r.text


def _assign(client, auth, incident, unit):
    r = client.post(f"/api/incidents/{incident['id']}/assignments", headers=auth[Role.DISPATCHER],
                    json={"unit_id": unit["id"]})
    assert r.status_code == 200, r.text


# --- permissions ------------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.CALL_HANDLER, Role.DISPATCHER])
def test_handlers_and_dispatchers_are_refused(client, auth, users, role):
    assert client.get("/api/dashboard", headers=auth[role]).status_code == 403
    _login(client, role.value.replace("_", "-"))
    assert client.get("/dashboard").status_code == 403
    assert client.get("/dashboard/panels/incidents").status_code == 403
    assert "/dashboard" not in client.get("/account").text  # no nav link to a page they cannot open


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ANALYST])
def test_supervisors_and_analysts_see_it_and_start_their_shift_on_it(client, auth, users, role):
    assert client.get("/api/dashboard", headers=auth[role]).status_code == 200
    _login(client, role.value.replace("_", "-"))
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert '<a href="/dashboard" aria-current="page">Dashboard</a>' in page.text
    assert client.get("/", follow_redirects=False).headers["location"] == "/dashboard"
    for name in ("incidents", "digital", "desk", "advice", "units", "measures", "charts"):
        assert f'data-live-src="/dashboard/panels/{name}"' in page.text
        assert client.get(f"/dashboard/panels/{name}").status_code == 200


def test_an_unknown_panel_is_a_404_naming_the_panels(client, users):
    _login(client, "supervisor")
    r = client.get("/dashboard/panels/secrets")
    assert r.status_code == 404 and "incidents" in r.text


# --- queues -----------------------------------------------------------------------------------

def test_incidents_waiting_by_grade_and_the_breach_is_highlighted(client, auth, handler, clock, make_unit, users):
    """A (grade 1 urban, 10:00) and B (grade 2, 10:00) wait; C (grade 1 rural, 10:10) waits; D (grade 1,
    10:00) has W1 on it; E (grade 1, 10:00) had W2 stood down before arriving, so it waits again;
    F (grade 1, 10:00) was reached by W3, which has since cleared; G (grade 4) never waits for a unit.
    At 10:16, A and E are past the 15-minute urban target; C (6 min of its 20) is not."""
    w1, w2, w3 = make_unit("W1", (1, 0)), make_unit("W2", (1, 1)), make_unit("W3", (1, 2))
    a = _call(client, handler, grade="1", where=URBAN)
    b = _call(client, handler, grade="2", where=URBAN)
    d = _call(client, handler, grade="1", where=URBAN)
    e = _call(client, handler, grade="1", where=URBAN)
    f = _call(client, handler, grade="1", where=URBAN)
    _call(client, handler, channel="101", incident_type="crime.theft")  # recommended: grade 4
    _assign(client, auth, d, w1)
    _assign(client, auth, e, w2)
    _status(client, auth, w2, "available")  # stood down before arriving
    _assign(client, auth, f, w3)
    _status(client, auth, w3, "at_scene")
    _status(client, auth, w3, "available")  # cleared
    clock.advance(minutes=10)
    c = _call(client, handler, grade="1", where=RURAL)
    clock.advance(minutes=6)  # 10:16

    queue = _json(client, auth)["incidents_waiting"]
    one, two = queue["grades"]
    assert (one["grade"], one["waiting"], one["oldest_wait_s"], one["past_target"], one["breaching"]) == \
        ("1", 3, 960.0, 2, True)
    assert (two["grade"], two["waiting"], two["oldest_wait_s"], two["past_target"]) == ("2", 1, 960.0, 0)
    assert queue["past_target"] == 2
    longest = [(w["reference"], w["area"], w["breaching"]) for w in queue["longest"]]
    assert longest == [(a["reference"], "urban", True), (e["reference"], "urban", True),
                       (c["reference"], "rural", False), (b["reference"], "urban", False)]

    _login(client, "supervisor")
    html = _panel(client, "incidents")
    row1, row2 = _row(html, "data-grade", "1"), _row(html, "data-grade", "2")
    assert "breach" in row1 and "2 past target" in row1 and "16 m 00 s" in row1
    assert "breach" not in row2 and "past target" not in row2 and "None" in row2
    assert "breach" in _row(html, "data-reference", a["reference"])
    assert "Within target (14 m 00 s left)" in _row(html, "data-reference", c["reference"])
    assert d["reference"] not in html and f["reference"] not in html


def test_the_digital_queue_counts_waiting_urgent_and_in_hand(client, auth, sessions, clock, users):
    first = online_contact(sessions, clock)
    clock.advance(minutes=4)
    urgent = online_contact(sessions, clock, text="He has a knife and is outside my door.")
    answered = online_contact(sessions, clock)
    with db.unit_of_work(sessions) as session:
        digital.mark_urgent(session, session.get(Contact, urgent), reasons=["Weapon mentioned"],
                            actor=users[Role.CALL_HANDLER], now=clock())
        digital.first_response(session, contact_id=answered, actor=users[Role.CALL_HANDLER], now=clock())
    clock.advance(minutes=1)  # 10:05
    q = _json(client, auth)["digital"]
    assert (q["waiting"], q["longest_wait_s"], q["urgent"], q["in_hand"]) == (2, 300.0, 1, 1)
    assert q["by_channel"]["Online report"] == 2
    _login(client, "supervisor")
    html = _panel(client, "digital")
    assert re.search(r'class="breach"><dt>Urgent waiting</dt>\s*<dd class="big"><span aria-hidden="true">▲</span> 1',
                     html), html
    assert "5 m 00 s" in html
    assert first


def test_the_resolution_desk_counts_callbacks_overdue_and_due_today(client, auth, handler, clock, users):
    """A graded 4 at 10:00, B at 11:00 (tried at 11:05), C at 20:00 on the 28th. At 10:30 on the 29th:
    A is 30 minutes overdue, B has had its callback, C is due at 20:00 today."""
    a = _call(client, handler, channel="101", incident_type="crime.theft")
    clock.advance(hours=1)
    b = _call(client, handler, channel="101", incident_type="crime.theft")
    clock.advance(minutes=5)
    r = client.post(f"/api/resolution/{b['id']}/callbacks", headers=auth[Role.RESOLUTION_OFFICER],
                    json={"outcome": "no_answer"})
    assert r.status_code == 201, r.text
    clock.advance(hours=8, minutes=55)
    _call(client, handler, channel="101", incident_type="crime.theft")
    clock.advance(hours=14, minutes=30)  # 29 November 10:30
    assert a["grade"] == "4"
    desk = _json(client, auth)["resolution_desk"]
    assert desk == {"on_desk": 3, "not_called": 2, "overdue": 1, "due_today": 1, "most_overdue_s": 1800.0,
                    "target_text": "callback within 24 h"}
    _login(client, "supervisor")
    html = _panel(client, "desk")
    assert "most overdue by 30 m 00 s" in html


def test_appointments_today_and_grade_3_awaiting_one(client, auth, handler, clock, users):
    supervisor = auth[Role.SUPERVISOR]
    slots = []
    for hour in (11, 14):
        r = client.post("/api/appointment-slots", headers=supervisor, json={
            "area": "Westbank", "starts_at": _iso(28, hour), "ends_at": _iso(28, hour + 1), "capacity": 2})
        assert r.status_code == 201, r.text
        slots.append(r.json()["id"])
    booked = []
    for slot in slots:
        incident = _call(client, handler, channel="101", grade="3", incident_type="crime.theft")
        r = client.post("/api/appointments", headers=handler, json={"incident_id": incident["id"], "slot_id": slot})
        assert r.status_code == 201, r.text
        booked.append(r.json()["id"])
    _call(client, handler, channel="101", grade="3", incident_type="crime.theft")  # not booked
    clock.advance(hours=1, minutes=30)  # 11:30
    r = client.post(f"/api/appointments/{booked[0]}/attended", headers=handler, json={})
    assert r.status_code == 200, r.text
    a = _json(client, auth)["appointments_today"]
    assert (a["total"], a["attended"], a["booked"], a["missed"], a["awaiting_booking"]) == (2, 1, 1, 0, 1)
    assert a["next_at"] == "2026-11-28T14:00:00+00:00"


def test_advice_requests_waiting_by_specialism(client, auth, handler, clock, users):
    incident = _call(client, handler, grade="2", where=URBAN)
    for specialism in ("mental_health", "mental_health", "pvp"):
        r = client.post(f"/api/incidents/{incident['id']}/advice", headers=handler,
                        json={"specialism": specialism, "question": "What should we do next?"})
        assert r.status_code == 201, r.text
        clock.advance(minutes=2)
    advice = {a["specialism"]: (a["waiting"], a["oldest_wait_s"]) for a in _json(client, auth)["advice"]}
    assert advice == {"mental_health": (2, 360.0), "pvp": (1, 120.0)}


def test_units_by_kind_and_status(client, auth, handler, make_unit, users):
    w1, w2 = make_unit("W1", (1, 0)), make_unit("W2", (1, 1))
    make_unit("V1", (1, 2), kind="van")
    make_unit("V2", None, kind="van", status="off_duty")
    incident = _call(client, handler, grade="1", where=URBAN)
    _assign(client, auth, incident, w1)
    _status(client, auth, w2, "committed")
    units = _json(client, auth)["units"]
    by_kind = {u["kind"]: (u["available"], u["on_incident"], u["committed"], u["off_duty"]) for u in units["by_kind"]}
    assert by_kind == {"car": (0, 1, 1, 0), "van": (1, 0, 0, 1)}
    assert (units["total"]["available"], units["total"]["off_duty"]) == (1, 1)


def test_no_units_available_is_said_in_words(client, auth, handler, make_unit, users):
    w1 = make_unit("W1", (1, 0))
    _assign(client, auth, _call(client, handler, grade="1", where=URBAN), w1)
    _login(client, "supervisor")
    html = _panel(client, "units")
    assert "No unit is available." in html and 'class="breach"' in _row(html, "data-kind", "all")


# --- today's measures -------------------------------------------------------------------------

def test_an_empty_day_says_no_data_yet_everywhere(client, auth, users):
    body = _json(client, auth)
    assert [f["state"] for f in body["measures"]["headline"]] == ["no_data"] * 5
    assert all(r["share"]["state"] == "no_data" for r in body["measures"]["attendance"])
    assert body["demand_by_hour"]["today_total"] == 0
    _login(client, "supervisor")
    html = _panel(client, "measures")
    assert html.count('<span class="f-value">No data yet</span>') == 5
    assert len(re.findall(r'<tr class="state-no_data', html)) == 6  # grades 1 and 2: both areas, urban, rural
    assert "state-met" not in html and "state-not_met" not in html
    assert ">0%<" not in html and "0 s<" not in html  # no data is never shown as a zero


def test_todays_measures_against_target(client, auth, handler, clock, make_unit, users):
    """Today: 999 calls answered in 5 s and 8 s (2 of 2 under 10 s: met); 101 calls waiting 60 s
    and 120 s (mean 90 s) and one abandoned after 30 s (1 of 3); a grade 1 urban incident reached
    in 20 min (missed). Yesterday's 999 call answered in 40 s is not today's."""
    make_unit("W1", (1, 0))
    _call(client, handler, presented=_iso(27, 23, 59, 0), answered=_iso(27, 23, 59, 40), grade="2")
    _call(client, handler, presented=_iso(28, 9, 59, 55), answered=_iso(28, 10), grade="3")
    inc = _call(client, handler, presented=_iso(28, 9, 59, 52), answered=_iso(28, 10), grade="1", where=URBAN)
    _call(client, handler, channel="101", presented=_iso(28, 9, 58), answered=_iso(28, 9, 59),
          incident_type="crime.theft")
    _call(client, handler, channel="101", presented=_iso(28, 9, 57), answered=_iso(28, 9, 59),
          incident_type="crime.theft")
    r = client.post("/api/contacts", headers=handler, json=helpers.contact(
        "Line dropped.", presented_at=_iso(28, 9, 50), ended_at=_iso(28, 9, 50, 30), abandoned=True))
    assert r.status_code == 201, r.text
    unit = next(u for u in client.get("/api/units", headers=auth[Role.DISPATCHER]).json() if u["call_sign"] == "W1")
    _assign(client, auth, inc, unit)
    clock.advance(minutes=20)
    _status(client, auth, unit, "at_scene")

    figures = {f["measure"]: f for f in _json(client, auth)["measures"]["headline"]}
    within = figures["answer_999.within_10s_share"]
    assert (within["value"], within["state"], within["detail"]) == (1.0, "met", "2 of 2 answered; 2 presented")
    wait = figures["call_101.mean_wait_s"]
    assert (wait["value"], wait["value_text"], wait["state"]) == (90.0, "1 m 30 s", "no_target")
    abandoned = figures["call_101.abandoned_share"]
    assert abandoned["value_text"] == "33.3%" and abandoned["detail"].startswith("1 of 3")

    _login(client, "supervisor")
    html = _panel(client, "measures")
    assert 'class="figure state-met" data-measure="answer_999.within_10s_share"' in html
    assert "Met: target at least 90%" in html
    g1 = _row(html, "data-segment", "grade=1/area=urban")
    assert "state-not_met" in g1 and "Not met" in g1 and "0%" in g1 and "20 m 00 s" in g1


def test_a_fresh_call_is_counted_at_once_though_the_pack_is_shared(app, client, auth, handler, clock, users):
    """The shared today-pack is reused between reads, and never across a change."""
    _login(client, "supervisor")
    before = _panel(client, "measures")
    _panel(client, "measures")
    cache = app.state.dashboard_pack_cache
    assert cache.computed == 1  # the second read reused the first's pack
    assert "1 presented" not in before
    clock.advance(seconds=3)
    _call(client, handler, presented=_iso(28, 10, 0, 0), answered=_iso(28, 10, 0, 3), grade="1", where=URBAN)
    assert "1 of 1 answered; 1 presented" in _panel(client, "measures")  # the change is seen at once
    assert cache.computed == 2
    _call(client, handler, presented=_iso(28, 10, 0, 0), answered=_iso(28, 10, 0, 3), grade="1", where=URBAN)
    assert "1 of 1 answered; 1 presented" in _panel(client, "measures")  # a burst: a moment ago's pack
    clock.advance(seconds=2)
    assert "2 of 2 answered; 2 presented" in _panel(client, "measures")
    assert cache.computed == 3
    clock.advance(seconds=10)  # nothing new, but the pack is older than its few seconds
    _panel(client, "charts")
    assert cache.computed == 4


def test_the_cache_keeps_a_pack_only_for_its_key_and_a_few_seconds():
    cache, t0 = PackCache(max_age_s=5, min_interval_s=2), datetime(2026, 11, 28, 10, tzinfo=UTC)
    made = []

    def compute():
        made.append(1)
        return len(made)

    def at(seconds):
        return t0 + timedelta(seconds=seconds)

    assert cache.get(("k", 1), at(0), compute) == 1
    assert cache.get(("k", 1), at(4.9), compute) == 1  # nothing new, still fresh
    assert cache.get(("k", 1), at(5), compute) == 2  # too old
    assert cache.get(("k", 2), at(6.9), compute) == 2  # something new, but 1.9 s after the last: a burst
    assert cache.get(("k", 2), at(7), compute) == 3  # something new, 2 s on
    assert cache.get(("k", 2), at(6), compute) == 4  # the clock went back: never trusted


# --- charts -----------------------------------------------------------------------------------

def test_demand_by_hour_today_beside_the_same_weekday_before(client, auth, handler, users):
    """Saturdays 21 and 14 November: 3 and 1 contacts in hour 09 (an average of 1 per hour over the
    4 Saturdays); Friday 27th's contact is another weekday; today 2 contacts in hour 09, 1 in 10."""
    for presented in (_iso(21, 9, 5), _iso(21, 9, 10), _iso(21, 9, 59, 59), _iso(14, 9, 30), _iso(27, 9, 30),
                      _iso(28, 9, 1), _iso(28, 9, 2), _iso(28, 10, 0)):
        r = client.post("/api/contacts", headers=handler, json=helpers.contact("A call.", presented_at=presented))
        assert r.status_code == 201, r.text
    demand = _json(client, auth)["demand_by_hour"]
    assert demand["weekday"] == "Saturday" and demand["weeks"] == 4 and demand["today_total"] == 3
    assert demand["average"][9] == 1.0 and demand["average"][8] == 0.0
    assert demand["today"][9] == 2.0 and demand["today"][10] == 1.0 and demand["today"][11] is None
    _login(client, "supervisor")
    html = _panel(client, "charts")
    svgs = re.findall(r"<svg\b[^>]*>", html)
    assert len(svgs) == 2 and all('role="img"' in s for s in svgs)
    assert "Today: 00: 0 contacts" in html and "11: no data" in html
    assert "Average Saturday, last 4 weeks: 00: 0 contacts" in html and "09: 1 contacts" in html
    assert "<th scope=\"row\">09:00</th>" in html


# --- time ---------------------------------------------------------------------------------------

def test_today_is_the_local_day_including_clock_changes():
    start, end = local_day(datetime(2026, 11, 28, 5, tzinfo=UTC), "America/Los_Angeles")  # 21:00 on the 27th
    assert (start.isoformat(), end.isoformat()) == ("2026-11-27T08:00:00+00:00", "2026-11-28T08:00:00+00:00")
    start, end = local_day(datetime(2026, 3, 29, 12, tzinfo=UTC), "Europe/London")
    assert (end - start) == timedelta(hours=23)
    start, end = local_day(datetime(2026, 10, 25, 12, tzinfo=UTC), "Europe/London")
    assert (end - start) == timedelta(hours=25)


def test_waits_read_like_a_supervisor_says_them():
    assert [duration_text(s) for s in (None, 12.7, 245, 3900)] == ["–", "12 s", "4 m 05 s", "1 h 05 m"]
