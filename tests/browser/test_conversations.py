"""A member of the public chats from a phone; a handler answers from the digital queue."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.axe import assert_accessible

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_a_chat_is_answered_by_a_handler_and_the_reply_appears_live(chromium, server, login):
    public = chromium.new_context(**PHONE)
    try:
        phone = public.new_page()
        phone.goto(f"{server}/chat")
        expect(phone.get_by_text("This chat is not for emergencies.")).to_be_visible()
        assert_accessible(phone)
        phone.get_by_role("button", name="Start chat").click()  # nothing written: the error state
        expect(phone.get_by_text("There is a problem")).to_be_visible()
        assert_accessible(phone)
        phone.screenshot(path="/tmp/conv_public_start_error.png", full_page=True)
        phone.get_by_label("Your first name").fill("Sam")
        phone.get_by_label("What is your chat about?").fill("Someone keeps parking across my drive")
        phone.get_by_role("button", name="Start chat").click()
        phone.wait_for_url(re.compile(r"/chat/session"))
        expect(phone.locator("#chat-status")).to_contain_text("you are number 1")
        reference = re.search(r"CHT-\d{8}-[A-Z0-9]{6}", phone.content()).group(0)
        phone.get_by_label("Your message").fill("It is a blue van, there now")
        phone.get_by_role("button", name="Send").click()
        expect(phone.locator("#chat-log")).to_contain_text("It is a blue van, there now")
        expect(phone.get_by_label("Your message")).to_have_value("")
        assert_accessible(phone)
        phone.screenshot(path="/tmp/conv_public_waiting.png", full_page=True)

        staff = login("call-handler")
        staff.goto(f"{server}/digital")
        row = staff.locator("tr", has_text=reference)
        expect(row).to_be_visible()
        expect(row).to_contain_text("Webchat")
        staff.screenshot(path="/tmp/conv_queue.png", full_page=True)
        row.get_by_role("button", name=f"Take {reference}").click()
        staff.wait_for_url(re.compile(r"/digital/console"))
        pane = staff.locator("section.pane", has_text=reference)
        expect(pane).to_contain_text("It is a blue van, there now")
        expect(phone.locator("#chat-status")).to_contain_text("You are chatting with Call handler")

        pane.get_by_label("Reply").fill("Thanks Sam. Is the van blocking the road?")
        pane.get_by_role("button", name="Send").click()
        expect(pane.locator(".history")).to_contain_text("Is the van blocking the road?")
        expect(phone.locator("#chat-log")).to_contain_text("Thanks Sam. Is the van blocking the road?")  # live, no reload

        phone.get_by_label("Your message").fill("Yes, the whole drive")
        phone.keyboard.press("Tab")
        phone.get_by_role("button", name="Send").click()
        expect(pane.locator(".history")).to_contain_text("Yes, the whole drive")  # live in the console
        assert_accessible(phone)
        phone.screenshot(path="/tmp/conv_public_answered.png", full_page=True)
        staff.screenshot(path="/tmp/conv_console.png", full_page=True)

        pane.get_by_role("button", name="End conversation").click()
        expect(phone.locator("#chat-status")).to_contain_text("This chat has ended")
    finally:
        public.close()
