"""A handler takes a 999 call in the browser; a dispatcher's open queue shows it without reloading."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _fill_knife_call(page, *, number: str = "07700 900123", where=("52.201000", "0.119000")) -> None:
    page.select_option("#channel", "999")
    page.fill("#caller_name", "Maria Lopez")
    page.fill("#caller_number", number)
    page.fill("#location_text", "14 Mill Road")
    page.fill("#latitude", where[0])
    page.fill("#longitude", where[1])
    page.fill("#description", "My ex is outside with a knife and he is threatening to kill me. My kids are here.")
    page.select_option("#incident_type", "crime.violence_with_injury")
    for dim in ("threat", "harm", "risk"):
        page.select_option(f"#dim-{dim}-level", "high")
        page.fill(f"#dim-{dim}-rationale", f"{dim}: armed ex-partner outside, threatening to kill")
    for dim in ("investigation", "vulnerability", "engagement"):
        page.select_option(f"#dim-{dim}-level", "medium")
        page.fill(f"#dim-{dim}-rationale", f"{dim}: as described")
    page.check("input[name=vulnerabilities][value=domestic_abuse]")
    for field in page.locator("[data-ndm]").all():
        field.fill("Recorded during the call.")


def test_a_second_call_about_the_same_event_sees_the_history_and_joins_the_first_incident(login, server):
    page = login("call-handler")
    _fill_knife_call(page)
    page.check("input[name=safeguarding][value=advice_given]")
    page.fill("#safeguarding-note", "Told her to lock the doors and stay on the line if he comes back.")
    page.click("#submit")
    page.wait_for_url(f"{server}/incidents/INC-*")
    reference = page.url.rsplit("/", 1)[1]
    expect(page.locator("#safeguarding")).to_contain_text("lock the doors")  # recorded with the call

    page.goto(f"{server}/calls/new")
    _fill_knife_call(page, where=("52.201300", "0.119000"))  # 33 m further north
    known = page.locator("#history")
    expect(known.locator(".flag-badge[data-flag=domestic_abuse]")).to_be_visible()  # carried from the first call
    expect(known.locator("[data-repeat-count]").first).to_have_attribute("data-repeat-count", "1")
    expect(known).to_contain_text(reference)
    expect(known).to_contain_text("domestic abuse")
    duplicate = page.locator("#duplicates")
    expect(duplicate).to_contain_text(f"Same event as {reference}")
    expect(duplicate).to_contain_text("33 m away")
    page.get_by_label(f"Same event as {reference}", exact=False).check()
    expect(page.locator("#submit")).to_have_text(f"Add this call to {reference}")
    page.click("#submit")
    page.wait_for_url(f"{server}/incidents/{reference}")
    expect(page.locator("#timeline")).to_contain_text("Further 999 contact")
    expect(page.locator("ul.contacts li")).to_have_count(2)


def test_handler_takes_a_999_call_and_an_open_queue_updates_live(login, server):
    queue = login("dispatcher")
    queue.goto(f"{server}/queue")
    expect(queue.locator("#live-status")).to_have_text("Live")
    before = queue.locator("#queue-rows tr[data-reference]").count()

    page = login("call-handler")
    expect(page).to_have_url(f"{server}/calls/new")
    _fill_knife_call(page)
    cues = page.locator("#cues")
    expect(cues).to_contain_text("knife")
    expect(cues.locator("input[data-cue=weapon]")).to_be_checked()
    expect(page.locator("#rec-grade")).to_contain_text("1")
    expect(page.locator("#rec-rules")).to_contain_text("danger-to-life")
    expect(page.locator("#rec-actions")).to_contain_text("DASH")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "call-taking.png"), full_page=True)
    page.click("#submit")
    page.wait_for_url(f"{server}/incidents/INC-*")
    reference = page.url.rsplit("/", 1)[1]
    expect(page.locator("#timeline")).to_contain_text("Accepted: grade 1")
    page.screenshot(path=str(SHOTS / "incident.png"), full_page=True)

    row = queue.locator(f"#queue-rows tr[data-reference='{reference}']")
    expect(row).to_be_visible()
    expect(row.locator(".grade")).to_have_text("1")
    assert queue.locator("#queue-rows tr[data-reference]").count() == before + 1
    queue.screenshot(path=str(SHOTS / "queue.png"), full_page=True)


def test_an_incomplete_assessment_shows_what_is_missing(login, server):
    page = login("call-handler")
    page.fill("#description", "Loud music next door")
    page.select_option("#incident_type", "asb.nuisance")
    page.click("#submit")
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Threat")
    expect(summary).to_be_focused()


def test_the_queue_works_from_the_keyboard(login, server):
    page = login("supervisor")
    page.goto(f"{server}/queue")
    page.keyboard.press("Tab")
    expect(page.locator(".skip")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()


def test_the_whole_call_screen_is_reachable_and_workable_from_the_keyboard(login, server):
    page = login("call-handler")
    controls = page.eval_on_selector_all(
        "#call-form input, #call-form select, #call-form textarea, #call-form button",
        "els => els.filter(e => !e.closest('[hidden]')).map(e => e.id || (e.name + '=' + e.value))")
    reached = set()
    for _ in range(len(controls) + 20):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.id || (document.activeElement.name + '=' + document.activeElement.value)"))
    missing = [c for c in controls if c not in reached and not c.startswith("decision=")]
    assert not missing, f"not reachable with Tab: {missing}"
    # Radio groups are one Tab stop; the arrow keys move within them.
    page.focus("input[name=decision][value=accept]")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#override-fields")).to_be_visible()
    # A risk cue can be removed with the space bar.
    page.focus("#description")
    page.keyboard.type("He has a knife")
    cue = page.locator("input[data-cue=weapon]")
    expect(cue).to_be_checked()
    cue.focus()
    page.keyboard.press("Space")
    expect(cue).not_to_be_checked()


def test_a_handler_finds_a_place_by_postcode_and_the_pin_says_where_it_came_from(login, server):
    page = login("call-handler")
    page.fill("#place-ref", "nn99 1ab")
    page.keyboard.press("Enter")
    expect(page.locator("#place-result")).to_contain_text("Pin from postcode NN99 1AB (within about 100 m)")
    expect(page.locator("#latitude")).to_have_value("52.273010")
    page.fill("#description", "She is texting from ///filled.count.soap near the bins")
    expect(page.locator("#words-found")).to_contain_text("Use ///filled.count.soap for the pin")


def test_the_phones_own_location_shows_as_soon_as_the_number_is_in_and_can_place_the_pin(login, server):
    import httpx

    from tests.conftest import PASSWORD
    from tests.standards import STANDARDS

    sms = next(line.split("\t")[1] for line in (STANDARDS / "aml" / "aml_sms_vectors.txt").read_text().splitlines()
               if line.startswith("GRIDGEARS_VALID_WIFI"))
    token = httpx.post(f"{server}/api/auth/token", json={"username": "location-feed", "password": PASSWORD}).json()
    r = httpx.post(f"{server}/api/aml/sms", json={"sender": "07700 900777", "text": sms},
                   headers={"Authorization": f"Bearer {token['token']}"})
    assert r.status_code == 201, r.text
    page = login("call-handler")
    page.fill("#caller_number", "07700 900777")
    aml = page.locator("#history .aml")
    expect(aml).to_contain_text("AML (wifi), 50 m")
    aml.get_by_role("button", name="Use as pin").click()
    expect(page.locator("#latitude")).to_have_value("54.763970")
    expect(page.locator("#place-result")).to_contain_text("Pin from AML, within about 50 m")
