"""Builders for conversation tests: a member of the public chatting, signed webhook calls."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from demandhub.conversations.signing import signed_headers
from tests.conftest import PASSWORD

SOCIAL_SECRET = "social-test-secret"
SMS_SECRET = "sms-test-secret"


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


class Public:
    """A member of the public with their own browser (cookie jar) on the running app."""

    def __init__(self, app):
        self.client = TestClient(app)
        self.csrf = ""

    def start(self, about: str = "Someone keeps parking across my drive.", name: str = "Sam"):
        self.csrf = csrf_of(self.client.get("/chat").text)
        return self.client.post("/chat/start", data={"about": about, "name": name, "csrf": self.csrf},
                                follow_redirects=False)

    def send(self, body: str, *, json_reply: bool = False):
        headers = {"Accept": "application/json"} if json_reply else {}
        return self.client.post("/chat/send", data={"body": body, "csrf": self.csrf}, headers=headers,
                                follow_redirects=False)

    def page(self):
        return self.client.get("/chat/session")

    def end(self):
        return self.client.post("/chat/end", data={"csrf": self.csrf})


def social(client, *, message_id="m-1", sender_id="user-42", text="Hello, someone stole my bike", platform="demo",
           secret=SOCIAL_SECRET, now, headers=None, name="Jo"):
    body = json.dumps({"platform": platform, "message_id": message_id, "sender_id": sender_id,
                       "sender_name": name, "text": text}).encode()
    signed = signed_headers(secret, body, now=now) if headers is None else headers
    return client.post("/api/channels/social/webhook", content=body,
                       headers={"Content-Type": "application/json", **signed})


def sms(client, *, message_id="s-1", sender="07700 900123", text="Help, man with a knife outside", now,
        secret=SMS_SECRET):
    body = json.dumps({"message_id": message_id, "from": sender, "text": text}).encode()
    return client.post("/api/channels/sms/inbound", content=body,
                       headers={"Content-Type": "application/json", **signed_headers(secret, body, now=now)})


def page_login(client, username: str) -> str:
    """Log the client in as a page user; returns the session's CSRF token."""
    client.cookies.clear()
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"username": username, "password": PASSWORD, "csrf": token},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return csrf_of(client.get("/account").text)
