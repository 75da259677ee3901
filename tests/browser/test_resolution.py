"""A resolution officer works a grade 4 callback to closure: from the desk's queue, two
callback attempts, resolved with advice; it leaves the queue (live, on a second page too)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa
from playwright.sync_api import expect

from demandhub import db
from demandhub.auth import service as accounts
from demandhub.auth.models import User
from demandhub.clock import utcnow
from tests import helpers

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _token(sessions) -> str:
    with db.unit_of_work(sessions) as s:
        handler = s.scalar(sa.select(User).where(User.username == "call-handler"))
        return accounts.issue_token(s, user=handler, now=utcnow(), lifetime=timedelta(hours=1))


def test_a_resolution_officer_works_a_grade_4_callback_to_closure(login, server, sessions):
    SHOTS.mkdir(parents=True, exist_ok=True)
    call = {"contact": helpers.contact("Someone scratched my car in the supermarket car park, no witnesses."),
            "assessment": helpers.assessment("crime.criminal_damage"),
            "decision": {"decision": "accept"}}  # low-level criminal damage: the policy recommends grade 4
    r = httpx.post(f"{server}/api/calls", json=call, headers={"Authorization": f"Bearer {_token(sessions)}"})
    assert r.status_code == 201, r.text
    assert r.json()["grade"] == "4"
    reference = r.json()["reference"]

    watcher = login("resolution-officer")
    watcher.goto(f"{server}/resolution")
    expect(watcher.locator("#live-status")).to_have_text("Live")
    page = login("resolution-officer")
    page.goto(f"{server}/resolution")
    row = page.locator(f"#resolution-rows tr[data-reference='{reference}']")
    expect(row).to_contain_text("Someone scratched my car")
    expect(row).to_have_attribute("data-overdue", "false")
    row.get_by_role("link", name=reference).click()

    expect(page.locator("h1")).to_contain_text(reference)
    expect(page.locator("#attempts")).to_contain_text("No callback attempts yet.")
    page.select_option("#attempt-outcome", "no_answer")
    page.fill("#attempt-note", "Rang twice, no reply.")
    page.get_by_role("button", name="Record attempt").click()
    expect(page.locator("#attempts li[data-outcome=no_answer]")).to_contain_text("Rang twice, no reply.")
    page.select_option("#attempt-outcome", "spoke_to_caller")
    page.fill("#attempt-note", "Caller happy with advice.")
    page.get_by_role("button", name="Record attempt").click()
    expect(page.locator("#attempts li")).to_have_count(2)
    expect(page.locator("#attempts li[data-outcome=spoke_to_caller]")).to_be_visible()
    page.screenshot(path=str(SHOTS / "resolution-work.png"), full_page=True)

    page.select_option("#resolve-code", "no_crime_advice_given")
    page.fill("#resolve-note", "Advised on reporting to the insurer and the store's CCTV.")
    page.get_by_role("button", name="Resolve and close").click()

    expect(page).to_have_url(f"{server}/incidents/{reference}")
    expect(page.locator(".status")).to_contain_text("Closed")
    expect(page.locator(".facts")).to_contain_text("No crime - advice given")
    expect(page.locator("main")).to_contain_text("Resolved by the resolution desk: Advised on reporting")
    page.screenshot(path=str(SHOTS / "resolution-closed.png"), full_page=True)

    expect(watcher.locator(f"#resolution-rows tr[data-reference='{reference}']")).to_have_count(0)
    page.goto(f"{server}/resolution")
    expect(page.locator("#resolution-rows")).to_contain_text("Nothing waiting for a callback.")
    watcher.screenshot(path=str(SHOTS / "resolution-queue-empty.png"))


def test_a_supervisor_sets_up_slots_and_books_a_grade_3_incident(login, server, sessions):
    call = {"contact": helpers.contact("Shed broken into last night, want someone to look at the damage."),
            "assessment": helpers.assessment("crime.burglary_non_dwelling"),
            "decision": {"decision": "override", "grade": "3", "rationale": "An officer should see the scene."}}
    r = httpx.post(f"{server}/api/calls", json=call, headers={"Authorization": f"Bearer {_token(sessions)}"})
    if r.status_code == 422 and "accept instead" in r.text:
        call["decision"] = {"decision": "accept"}
        r = httpx.post(f"{server}/api/calls", json=call, headers={"Authorization": f"Bearer {_token(sessions)}"})
    assert r.status_code == 201, r.text
    reference = r.json()["reference"]
    page = login("supervisor")
    page.goto(f"{server}/appointments")
    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    page.fill("#s-area", "Westbank")
    page.fill("#s-day", tomorrow)
    page.fill("#s-first", "09:00")
    page.fill("#s-last", "12:00")
    page.fill("#s-cap", "2")
    page.get_by_role("button", name="Add slots").click()
    expect(page.locator("table.slots tr[data-slot-id]")).to_have_count(3)
    waiting = page.locator(f"#waiting tr[data-reference='{reference}']")
    expect(waiting).to_be_visible()
    waiting.get_by_role("button", name="Book").click()
    expect(page.locator(f"#booked tr[data-reference='{reference}']")).to_be_visible()
    expect(page.locator("#waiting")).to_contain_text("No grade 3 incident is waiting.")
    expect(page.locator("table.slots tr[data-slot-id]").first.locator("td").nth(3)).to_have_text("1")  # of 2
    page.screenshot(path=str(SHOTS / "appointments.png"), full_page=True)
