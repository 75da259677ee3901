"""A supervisor sees a debrief prompt for a handler who took three sudden-death calls, opens
the handler's record and records the debrief offered; the prompt clears."""

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


def _handler_token(sessions) -> str:
    with db.unit_of_work(sessions) as s:
        handler = s.scalar(sa.select(User).where(User.username == "call-handler"))
        return accounts.issue_token(s, user=handler, now=utcnow(), lifetime=timedelta(hours=1))


def test_a_supervisor_offers_a_debrief_after_three_sudden_deaths(login, server, sessions):
    SHOTS.mkdir(parents=True, exist_ok=True)
    headers = {"Authorization": f"Bearer {_handler_token(sessions)}"}
    with httpx.Client(base_url=server) as api:
        for days in (9, 4, 0):
            body = helpers.contact("My father has died in his chair, he is cold.", channel="999",
                                   presented_at=(utcnow() - timedelta(days=days, minutes=5)).isoformat())
            helpers.take_call(api, headers, contact_body=body,
                              assessment_body=helpers.assessment("public_safety.sudden_death"))
        r = api.post("/api/staff/call-handler/training", headers=headers,
                     json={"course": "First aid", "completed_on": "2024-01-01"})
        assert r.status_code == 403  # the handler cannot write their own record

    page = login("supervisor")
    page.goto(f"{server}/staff")
    prompt = page.locator('.prompt[data-person="call-handler"]')
    expect(prompt).to_contain_text("3 exposures within 30 days")
    expect(page.locator('tr[data-person="call-handler"]')).to_contain_text("Offer a debrief")
    page.screenshot(path=str(SHOTS / "staff-overview-prompt.png"), full_page=True)

    prompt.get_by_role("link", name="Call handler").click()
    page.wait_for_url(f"{server}/staff/call-handler#exposures")
    expect(page.locator("#prompt")).to_contain_text("Offer Call handler a debrief")
    expect(page.locator("#exposures tbody tr")).to_have_count(3)
    page.select_option("#d-response", "accepted")
    page.fill("#d-note", "Booked a TRiM session for Thursday.")
    page.screenshot(path=str(SHOTS / "staff-person-prompt.png"), full_page=True)
    page.get_by_role("button", name="Record debrief offered").click()
    page.wait_for_load_state()
    expect(page.locator("#prompt")).to_have_count(0)
    expect(page.locator("#exposures .entries")).to_contain_text("accepted · Booked a TRiM session for Thursday.")
    page.screenshot(path=str(SHOTS / "staff-person-after-debrief.png"), full_page=True)

    page.goto(f"{server}/staff")
    expect(page.locator("#prompts")).to_contain_text("No open prompts")

    handler = login("call-handler")
    handler.goto(f"{server}/staff/me")
    expect(handler.locator("#exposures")).to_contain_text("accepted")
    handler.goto(f"{server}/staff/supervisor")
    expect(handler.locator("main")).to_contain_text("staff.records")
