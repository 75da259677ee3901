"""The staff pages with a page session: who sees what, and the supervisors' forms."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from demandhub import db
from demandhub.auth.models import User
from demandhub.auth.roles import Role
from demandhub.staff import seed
from demandhub.staff.models import CpdItem, TrainingRecord
from tests import helpers
from tests.conftest import PASSWORD

HTML = {"accept": "text/html"}


def login(client, username: str) -> str:
    client.cookies.clear()
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf": csrf(client, "/login")})
    return csrf(client, "/staff/me")


def csrf(client, path: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get(path).text).group(1)


def test_a_supervisor_records_and_the_person_sees_it(client, users, auth, clock):
    token = login(client, "supervisor")
    page = client.get("/staff", headers=HTML)
    assert page.status_code == 200 and "Call handler" in page.text and "No open prompts" in page.text
    for path, form in [
        ("training", {"course": "First aid at work", "completed_on": "2023-11-01", "expires_on": "2026-11-20"}),
        ("cpd", {"title": "Shadow a dispatcher", "due_on": "2026-12-05"}),
        ("supervision", {"held_on": "2026-11-27", "text": "Good month.", "actions": "Book refresher."}),
        ("checkins", {"score": "4", "words": "Fine", "follow_up": "true"}),
    ]:
        r = client.post(f"/staff/call-handler/{path}", data={**form, "csrf": token}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/staff/call-handler#"), r.text
    page = client.get("/staff/call-handler", headers=HTML).text
    for text in ("First aid at work", "Overdue", "Shadow a dispatcher", "Due soon", "Good month.", "Book refresher.",
                 "4/5", "follow-up needed"):
        assert text in page, text
    row = re.search(r'<tr data-person="call-handler">(.*?)</tr>', client.get("/staff", headers=HTML).text, re.DOTALL).group(1)
    assert 'state-overdue">1<' in row and 'state-due_soon">1<' in row and "follow up" in row

    # a bad date comes back as a 422 page naming the field; nothing is saved
    r = client.post("/staff/call-handler/training", data={"course": "x", "completed_on": "2030-01-01", "csrf": token},
                    headers=HTML)
    assert r.status_code == 422 and "completed_on" in r.text
    r = client.post("/staff/call-handler/cpd", data={"title": "x", "due_on": "", "csrf": token}, headers=HTML)
    assert r.status_code == 422 and "due_on" in r.text
    assert client.post("/staff/call-handler/cpd", data={"title": "x", "due_on": "2026-12-01"}).status_code == 403  # no csrf

    token = login(client, "call-handler")
    page = client.get("/staff/me", headers=HTML).text
    assert "Good month." in page and "First aid at work" in page and "recorded in the audit trail" not in page
    assert 'action="/staff/call-handler/training"' not in page  # no supervisor forms
    item = re.search(r'action="/staff/me/cpd/(\d+)/done"', page).group(1)
    assert client.post(f"/staff/me/cpd/{item}/done", data={"csrf": token}, follow_redirects=False).status_code == 303
    assert client.post("/staff/me/checkins", data={"words": "Tired", "csrf": token},
                       follow_redirects=False).status_code == 303
    page = client.get("/staff/me", headers=HTML).text
    assert "Tired" in page and "Done" in page
    r = client.get("/staff/dispatcher", headers=HTML)
    assert r.status_code == 403 and "staff.records" in r.text
    assert client.get("/staff", headers=HTML).status_code == 403
    assert client.post("/staff/call-handler/supervision", data={"held_on": "2026-11-27", "text": "x", "csrf": token},
                       headers=HTML).status_code == 403


def test_the_debrief_prompt_on_the_pages(client, auth, clock):
    for days in (12, 5, 0):
        body = helpers.contact("He has hanged himself in the garage.", channel="999",
                               presented_at=(clock() - timedelta(days=days)).isoformat())
        helpers.take_call(client, auth[Role.CALL_HANDLER], contact_body=body,
                          assessment_body=helpers.assessment("public_safety.sudden_death"))
    token = login(client, "supervisor")
    overview = client.get("/staff", headers=HTML).text
    assert 'class="prompt" data-person="call-handler"' in overview and "3 exposures within 30 days" in overview
    page = client.get("/staff/call-handler", headers=HTML).text
    assert "Offer Call handler a debrief" in page and "Sudden death" in page
    r = client.post("/staff/call-handler/debriefs", data={"offered_on": "2026-11-28", "response": "accepted",
                                                          "note": "Booked with TRiM practitioner.", "csrf": token},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/staff/call-handler", headers=HTML).text
    assert "Offer Call handler a debrief" not in page and "Booked with TRiM practitioner." in page
    assert "No open prompts" in client.get("/staff", headers=HTML).text
    login(client, "call-handler")
    assert "accepted" in client.get("/staff/me", headers=HTML).text


def test_the_demo_seed_is_idempotent(sessions, users, clock):
    with db.unit_of_work(sessions) as s:
        people = {name: s.scalar(sa.select(User).where(User.username == role))
                  for name, role in (("handler", "call-handler"), ("dispatcher", "dispatcher"),
                                     ("supervisor", "supervisor"), ("resolver", "resolution-officer"))}
        seed.seed_demo(s, now=clock(), users=people)
    with db.unit_of_work(sessions) as s:
        seed.seed_demo(s, now=clock(), users=people)
    with sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(TrainingRecord)) == 10
        assert s.scalar(sa.select(sa.func.count()).select_from(CpdItem)) == 4
