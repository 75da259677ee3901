"""A member of the public reports online on a phone: the form refuses an empty send with an
error summary, then takes a full report with a map pin and a photo and gives a reference;
a call handler opens it, sees the photo and takes it. axe-core checks every public page."""

from __future__ import annotations

import re

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from playwright.sync_api import expect

from demandhub import db
from demandhub.clock import utcnow
from demandhub.contacts.models import Contact
from tests.browser.axe import assert_accessible
from tests.online.reports import png

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_a_member_of_the_public_reports_on_a_phone_and_a_handler_takes_it(chromium, server, login, sessions):
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(f"{server}/report")
    expect(page.locator("h1")).to_have_text("Report a crime or incident")
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "online-form.png"), full_page=True)

    page.get_by_role("button", name="Send report").click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#error-summary li")).to_have_count(8)
    page.locator("#error-summary a", has_text="Tell us what happened").click()
    expect(page.locator("#what_happened")).to_be_focused()
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "online-form-errors.png"), full_page=True)

    page.get_by_label("A crime").check()
    expect(page.locator("#subject option")).to_have_count(13)  # only the crimes (and "Choose one")
    page.select_option("#subject", "theft")
    page.fill("#what_happened", "My bike was taken from the rack outside the library. A man in a red coat rode off on it.")
    page.get_by_label("On a date I know").check()
    expect(page.locator("#date")).to_be_visible()
    expect(page.locator("#now-warning")).to_be_hidden()
    yesterday = (utcnow().astimezone(ZoneInfo("Europe/London")) - timedelta(days=1)).date()
    page.fill("#date", yesterday.isoformat())
    page.fill("#time", "17:45")
    page.fill("#address", "Outside the library, High Street")
    page.locator("#pin-map").tap(position={"x": 180, "y": 140})
    expect(page.locator("#latitude")).not_to_have_value("")
    expect(page.locator("#pin-status")).to_contain_text("Pin placed")
    expect(page.locator("#pin-map .leaflet-marker-icon")).to_have_count(1)
    page.set_input_files("#photos", files=[{"name": "bike.png", "mimeType": "image/png",
                                            "buffer": png(32, 24, (30, 90, 200))}])
    expect(page.locator("#photos-status")).to_have_text("1 photo chosen.")
    page.fill("#name", "Sam Sender")
    page.fill("#phone", "07700 900982")
    page.fill("#email", "sam@example.com")
    page.get_by_label("A text message").check()
    page.locator("#declaration").check()
    page.get_by_role("button", name="Send report").click()

    page.wait_for_url(f"{server}/report/sent")
    reference = page.locator("#reference").inner_text()
    assert reference.startswith("WEB-")
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "online-sent.png"), full_page=True)
    phone.close()

    with db.unit_of_work(sessions) as s:
        contact_id = s.scalar(sa.select(Contact.id).where(Contact.reference == reference))

    handler = login("call-handler")
    handler.goto(f"{server}/digital")  # the one digital queue: the report waits there
    row = handler.locator(f"tr[data-contact-id='{contact_id}']")
    expect(row).to_contain_text("Online report")
    row.get_by_role("link", name=reference).click()
    handler.wait_for_url(f"{server}/digital/reports/{contact_id}")
    expect(handler.locator("#report-reference")).to_have_text(reference)
    expect(handler.locator("#report-positions li[data-source=map]")).to_contain_text("Map pin")
    photo = handler.locator("#report-photos img")
    expect(photo).to_have_count(1)
    handler.wait_for_function("() => document.querySelector('#report-photos img').naturalWidth === 32")
    expect(handler.locator("#report-map .leaflet-marker-icon")).to_have_count(1)
    handler.screenshot(path=str(SHOTS / "online-handler.png"), full_page=True)
    handler.get_by_role("button", name="Take this report").click()
    expect(handler.locator("#report-status")).to_contain_text("Taken by Call handler")
    expect(handler.get_by_role("button", name="Take this report")).to_have_count(0)
    handler.screenshot(path=str(SHOTS / "online-handler-taken.png"), full_page=True)
    with db.unit_of_work(sessions) as s:
        assert s.get(Contact, contact_id).answered_at is not None

    # Assessed and graded like a call, on the call screen, from the report's own words and pin.
    handler.get_by_role("link", name="Assess and grade").click()
    handler.wait_for_url(f"{server}/calls/new?contact={contact_id}")
    expect(handler.locator("#description")).to_have_value(re.compile("library"))
    expect(handler.locator("#latitude")).to_have_value(re.compile(r"^52\.2"))  # the sender's pin
    handler.select_option("#incident_type", "crime.theft")
    for level in handler.locator("[data-dimension]").all():
        level.select_option("low")
    for box in handler.locator("[data-dimension-rationale]").all():
        box.fill("As the report describes.")
    for box in handler.locator("[data-ndm]").all():
        box.fill("From the online report.")
    handler.locator("#submit").click()
    handler.wait_for_url(re.compile(r"/incidents/INC-"))
    expect(handler.locator("ul.contacts")).to_contain_text("library")


def test_happening_now_shows_the_call_999_message_at_once(chromium, server):
    phone = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(f"{server}/report")
    expect(page.locator("#now-warning")).to_be_hidden()
    page.get_by_label("It is happening now").check()
    expect(page.locator("#now-warning")).to_be_visible()
    expect(page.locator("#now-warning")).to_contain_text("call 999 now")
    expect(page.locator("#date")).to_be_hidden()
    phone.close()
