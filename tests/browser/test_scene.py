"""See the scene, end to end in Chromium: a handler texts a link, a caller's phone (emulated
geolocation) opens it, shares its position and a photo, and the handler's incident page shows
both live; a second phone opening the same link is refused. axe-core on every public page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.helpers import contact, take_call
from tests.scene.conftest import png

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
WHERE = {"latitude": 52.20531, "longitude": 0.12179, "accuracy": 9}


class _Api:
    """tests.helpers.take_call over the handler's logged-in page (session cookie + CSRF header)."""

    def __init__(self, page, server):
        self.request, self.server = page.request, server
        self.csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")

    def post(self, path, json, headers):
        response = self.request.post(self.server + path, data=json, headers={"X-CSRF-Token": self.csrf})

        class R:
            status_code = response.status
            text = response.text()

            def json(self):
                return response.json()
        return R()


def test_a_caller_shares_position_and_a_photo_and_the_handler_sees_them_live(server, login, chromium):
    handler = login("call-handler")
    incident = take_call(_Api(handler, server), None, contact_body=contact(
        "Caller followed a man who snatched a bag; she does not know the street", caller_number="07700 900123"))
    ref = incident["reference"]
    handler.goto(f"{server}/incidents/{ref}")
    send = handler.locator("#scene form.scene-send")
    expect(send.locator("#scene-to")).to_have_value("+447700900123")
    send.get_by_role("button", name="Text the caller a share link").click()
    handler.wait_for_url(re.compile(rf"/incidents/{ref}"))
    handler.mouse.move(5, 5)  # the panel is not redrawn under the pointer: move it away
    demo = handler.locator("#scene a.demo-link")
    expect(demo).to_be_visible()
    expect(handler.locator("#scene")).to_contain_text("Demo SMS gateway: not sent — the link is")
    url = demo.get_attribute("href")
    assert re.fullmatch(rf"{re.escape(server)}/s/[A-Za-z0-9_-]{{43}}", url), url

    phone_context = chromium.new_context(**PHONE, geolocation=WHERE, permissions=["geolocation"])
    phone = phone_context.new_page()
    phone.goto(url)  # looking claims nothing (a link preview might): the caller presses Start
    expect(phone.locator("main")).to_contain_text(ref)
    assert_accessible(phone)
    phone.get_by_role("button", name="Start").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Share your location")
    expect(phone.get_by_role("button", name="Share my location")).to_be_visible()
    assert_accessible(phone)
    phone.screenshot(path="/tmp/scene-caller-page.png", full_page=True)

    phone.get_by_role("button", name="Share my location").click()
    expect(phone.locator("#location-status")).to_contain_text("Location sent", timeout=10_000)
    expect(phone.get_by_role("button", name="Stop sharing my location")).to_be_visible()
    photo = png(160, 120, seed=3)
    phone.set_input_files("#photo-file", files=[{"name": "scene.png", "mimeType": "image/png", "buffer": photo}])
    phone.get_by_role("button", name="Send it").click()
    expect(phone.locator("#photo-status")).to_contain_text("Sent", timeout=10_000)
    expect(phone.locator("#sent-list li")).to_have_count(1)
    assert_accessible(phone)
    phone.screenshot(path="/tmp/scene-caller-shared.png", full_page=True)

    # The handler's page follows the live stream: the position and the photo appear without a reload by hand.
    handler.mouse.move(5, 5)
    panel = handler.locator("#scene")
    expect(panel.locator(".scene-positions li").first).to_contain_text("GPS, 9 m", timeout=15_000)
    expect(panel.locator(".scene-positions li").first).to_contain_text("52.20531, 0.12179")
    image = panel.locator("img[src^='/api/evidence/']")
    expect(image).to_be_visible(timeout=15_000)
    handler.wait_for_function("img => img.complete && img.naturalWidth === 160", arg=image.element_handle())
    expect(panel).to_contain_text("SHA-256 ")
    expect(panel.get_by_role("button", name="Place the incident here")).to_be_visible()
    panel.scroll_into_view_if_needed()
    panel.screenshot(path="/tmp/scene-handler-panel.png")
    handler.screenshot(path="/tmp/scene-handler-page.png", full_page=True)

    # Someone else with the same address (a forwarded text, a shoulder) is refused, accessibly.
    other_context = chromium.new_context(**PHONE)
    other = other_context.new_page()
    response = other.goto(url)
    assert response.status == 410  # once started on one phone, even looking is refused elsewhere
    expect(other.locator("main")).to_contain_text(
        "this link has already been used — ask the call handler for a new one", ignore_case=True)
    assert_accessible(other)
    other.screenshot(path="/tmp/scene-link-used.png", full_page=True)

    # The handler places the incident at the caller's position from the panel.
    handler.mouse.move(5, 5)
    panel.get_by_role("button", name="Place the incident here").click()
    handler.wait_for_load_state()
    expect(handler.locator("dl.facts").first).to_contain_text("52.20531, 0.12179")
    phone_context.close()
    other_context.close()


def test_a_live_camera_stream_reaches_the_handler_as_playable_segments(server, login, chromium):
    """Chromium's fake camera stands in for the phone's: real MediaRecorder WebM segments must be
    accepted as evidence, and the handler's panel plays the latest one."""
    from tests.browser.conftest import ARGS, CHROMIUM

    handler = login("call-handler")
    incident = take_call(_Api(handler, server), None, contact_body=contact("Car on fire in the lay-by",
                                                                          caller_number="07700 900124"))
    ref = incident["reference"]
    handler.goto(f"{server}/incidents/{ref}")
    handler.locator("#scene").get_by_role("button", name="Text the caller a share link").click()
    handler.wait_for_url(re.compile(rf"/incidents/{ref}"))
    handler.mouse.move(5, 5)
    url = handler.locator("#scene a.demo-link").get_attribute("href")

    # A browser of its own: a fake camera is a launch option.
    camera = chromium.browser_type.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS + [
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"])
    try:
        context = camera.new_context(**PHONE, permissions=["camera"])
        phone = context.new_page()
        phone.goto(url)
        phone.get_by_role("button", name="Start", exact=True).click()
        start = phone.get_by_role("button", name="Start live video")
        expect(start).to_be_visible()
        start.click()
        expect(phone.locator("#live-status")).to_contain_text("last sent at", timeout=20_000)
        assert_accessible(phone)
        phone.screenshot(path="/tmp/scene-caller-live.png", full_page=True)
        handler.mouse.move(5, 5)
        video = handler.locator("#scene figure.live video")
        expect(video).to_be_visible(timeout=15_000)
        expect(handler.locator("#scene h3", has_text="Live camera")).to_contain_text("LIVE")
        # The segment is a whole WebM file the handler's browser can decode on its own.
        handler.wait_for_function("v => v.readyState >= 1 && v.videoWidth > 0", arg=video.element_handle(),
                                  timeout=15_000)
        handler.locator("#scene").screenshot(path="/tmp/scene-handler-live.png")
        phone.get_by_role("button", name="Stop live video").click()
        expect(phone.locator("#live-status")).to_contain_text("You stopped the live video")
    finally:
        camera.close()
