"""Social media messages through the signed webhook adapter, emergency SMS through the gateway,
and replies going back out (a local fake platform, including its failures)."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from demandhub import db
from demandhub.config import Settings
from demandhub.contacts.models import Contact
from demandhub.conversations import signing
from demandhub.conversations.adapters import GenericWebhookAdapter
from demandhub.conversations.models import Conversation, Message
from tests.conversations.helpers import SOCIAL_SECRET, page_login, sms, social


def _count(sessions, model) -> int:
    with db.unit_of_work(sessions) as s:
        return s.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_signed_message_is_accepted_into_the_queue(client, sessions, handler, clock):
    r = social(client, now=clock(), text="Hello, someone stole my bike")
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["status"] == "accepted" and body["reference"].startswith("SOC-")
    got = client.get(f"/api/conversations/{body['contact_id']}", headers=handler).json()
    assert got["channel"] == "social_media" and got["platform"] == "demo" and got["sender_id"] == "user-42"
    assert got["party_name"] == "Jo" and [m["body"] for m in got["messages"]] == ["Hello, someone stole my bike"]
    rows = client.get("/api/conversations/queue", headers=handler).json()["rows"]
    assert [r["contact_id"] for r in rows] == [body["contact_id"]]


@pytest.mark.parametrize("headers", [
    {},  # unsigned
    {"X-Timestamp": "1"},  # no signature
    {"X-Signature-256": "sha256=" + "0" * 64},  # no timestamp
    {"X-Timestamp": "yesterday", "X-Signature-256": "sha256=" + "0" * 64},
])
def test_requests_without_a_proper_signature_are_refused_and_nothing_is_written(client, sessions, clock, headers):
    r = social(client, now=clock(), headers=headers)
    assert r.status_code == 401 and "signature refused" in r.json()["detail"]
    assert _count(sessions, Contact) == 0 and _count(sessions, Message) == 0


def test_a_wrong_signature_is_refused(client, sessions, clock):
    r = social(client, now=clock(), secret="not-the-secret")
    assert r.status_code == 401 and "does not match" in r.json()["detail"]
    body = json.dumps({"platform": "demo", "message_id": "m", "sender_id": "s", "text": "hi"}).encode()
    tampered = body.replace(b'"hi"', b'"ho"')
    r = client.post("/api/channels/social/webhook", content=tampered,
                    headers=signing.signed_headers(SOCIAL_SECRET, body, now=clock()))
    assert r.status_code == 401
    assert _count(sessions, Contact) == 0


def test_a_stale_or_future_timestamp_is_refused(client, sessions, clock):
    assert social(client, now=clock() - timedelta(minutes=6)).status_code == 401
    assert social(client, now=clock() + timedelta(minutes=6)).status_code == 401
    assert social(client, now=clock() - timedelta(minutes=4), message_id="fresh").status_code == 202
    assert _count(sessions, Contact) == 1


def test_a_replayed_message_id_is_written_once(client, sessions, clock):
    first = social(client, now=clock(), message_id="m-7")
    clock.advance(seconds=20)
    again = social(client, now=clock(), message_id="m-7")
    assert first.status_code == 202 and again.status_code == 200
    assert again.json() == {**first.json(), "status": "duplicate"}
    assert _count(sessions, Message) == 1 and _count(sessions, Contact) == 1


def test_messages_join_the_senders_open_conversation_then_a_new_one_after_it_ends(client, sessions, handler, clock):
    cid = social(client, now=clock(), message_id="a").json()["contact_id"]
    assert social(client, now=clock(), message_id="b", text="Are you there?").json()["contact_id"] == cid
    other = social(client, now=clock(), message_id="c", sender_id="someone-else").json()["contact_id"]
    assert other != cid
    client.post(f"/api/conversations/{cid}/end", headers=handler)
    later = social(client, now=clock(), message_id="d", text="It happened again").json()
    assert later["contact_id"] not in (cid, other) and later["status"] == "accepted"
    assert _count(sessions, Conversation) == 3


def test_a_badly_formed_body_with_a_good_signature_is_a_clear_422(client, sessions, clock):
    for body in (b"not json", b"[]", json.dumps({"platform": "demo"}).encode(),
                 json.dumps({"platform": "de mo", "message_id": "1", "sender_id": "2", "text": "x"}).encode(),
                 json.dumps({"platform": "demo", "message_id": "1", "sender_id": "2", "text": ""}).encode()):
        r = client.post("/api/channels/social/webhook", content=body,
                        headers=signing.signed_headers(SOCIAL_SECRET, body, now=clock()))
        assert r.status_code == 422, (body, r.text)
    assert _count(sessions, Contact) == 0


def test_without_a_secret_the_webhooks_say_they_are_not_configured(tmp_path, engine, clock, users):
    from fastapi.testclient import TestClient

    from demandhub.app import create_app

    app = create_app(Settings(data_dir=tmp_path, secret_key="s"), engine=engine, clock=clock)
    with TestClient(app) as c:
        r = social(c, now=clock())
        assert r.status_code == 404 and "not configured" in r.json()["detail"]
        r = sms(c, now=clock())
        assert r.status_code == 404 and "not configured" in r.json()["detail"]


# --- emergency SMS ------------------------------------------------------------------------

def test_an_emergency_sms_goes_to_the_top_of_the_queue_and_replies_go_by_sms(app, client, sessions, handler, clock):
    social(client, now=clock(), text="Someone has a knife")  # urgent, but not an emergency channel
    clock.advance(minutes=1)
    r = sms(client, now=clock(), text="Help, I cannot speak, he is in the house")
    assert r.status_code == 202 and r.json()["reference"].startswith("SMS-")
    cid = r.json()["contact_id"]
    rows = client.get("/api/conversations/queue", headers=handler).json()["rows"]
    assert rows[0]["contact_id"] == cid and rows[0]["emergency"] and rows[0]["channel"] == "emergency_sms"
    assert rows[1]["urgent"] and not rows[1]["emergency"]
    got = client.get(f"/api/conversations/{cid}", headers=handler).json()
    assert got["phone"] == "+447700900123"
    r = client.post(f"/api/conversations/{cid}/messages", json={"body": "Police are on the way. Stay hidden."},
                    headers=handler)
    assert r.status_code == 201 and r.json()["delivery"] == "sent" and r.json()["provider_id"]
    assert app.state.sms.last_to("+447700900123").body == "Police are on the way. Stay hidden."


def test_sms_inbound_checks_its_signature_number_and_message_id(client, sessions, clock):
    assert sms(client, now=clock(), secret=SOCIAL_SECRET).status_code == 401  # the other channel's secret
    r = sms(client, now=clock(), sender="not a number")
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "from"
    assert sms(client, now=clock(), message_id="x1").status_code == 202
    assert sms(client, now=clock(), message_id="x1").json()["status"] == "duplicate"
    assert sms(client, now=clock(), message_id="x2", sender="+44 7700 900123").json()["status"] == "accepted"
    assert _count(sessions, Contact) == 1 and _count(sessions, Message) == 2


def test_a_failing_sms_gateway_is_recorded_not_a_500(app, client, sessions, handler, clock):
    from demandhub.sms import SmsResult

    class Refusing:
        name = "refusing"

        def send(self, *, to, body):
            return SmsResult(accepted=False, provider_id=None, status="failed", detail="number barred")

    app.state.sms = Refusing()
    cid = sms(client, now=clock()).json()["contact_id"]
    r = client.post(f"/api/conversations/{cid}/messages", json={"body": "Reply"}, headers=handler)
    assert r.status_code == 201 and r.json()["delivery"] == "failed" and "number barred" in r.json()["delivery_detail"]


# --- replies to social media: the outbound client against a local fake platform ----------

class FakePlatform:
    """A tiny HTTP server standing in for the platform's send API."""

    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        self.status = 200
        self.delay_s = 0.0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                time.sleep(outer.delay_s)
                reply = json.dumps({"id": f"plat-{len(outer.received)}"}).encode()
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def platform():
    fake = FakePlatform()
    yield fake
    fake.close()


def _use(app, platform, *, timeout_s=2.0):
    app.state.social = GenericWebhookAdapter(secret=SOCIAL_SECRET, outbound_url=platform.url, timeout_s=timeout_s)


def test_a_reply_is_posted_signed_to_the_platform(app, client, handler, clock, platform):
    _use(app, platform)
    cid = social(client, now=clock()).json()["contact_id"]
    r = client.post(f"/api/conversations/{cid}/messages", json={"body": "Thanks, we are looking into it."},
                    headers=handler)
    assert r.status_code == 201
    assert r.json()["delivery"] == "sent" and r.json()["provider_id"] == "plat-1"
    [(headers, body)] = platform.received
    sent = json.loads(body)
    assert sent["recipient_id"] == "user-42" and sent["text"] == "Thanks, we are looking into it."
    assert sent["platform"] == "demo" and sent["reference"].startswith("SOC-")
    signing.verify(SOCIAL_SECRET, headers, body, now=clock())  # signed as we check theirs


def test_a_platform_error_is_recorded_as_failed_and_shown(app, client, sessions, handler, clock, platform, users):
    _use(app, platform)
    platform.status = 503
    cid = social(client, now=clock()).json()["contact_id"]
    r = client.post(f"/api/conversations/{cid}/messages", json={"body": "Reply one"}, headers=handler)
    assert r.status_code == 201
    assert r.json()["delivery"] == "failed" and "HTTP 503" in r.json()["delivery_detail"]
    page_login(client, "call-handler")
    assert "Not sent: failed: the platform answered HTTP 503" in client.get(f"/digital/conversations/{cid}").text


def test_a_platform_that_does_not_answer_in_time_is_recorded_as_failed(app, client, handler, clock, platform):
    _use(app, platform, timeout_s=0.3)
    platform.delay_s = 1.0
    cid = social(client, now=clock()).json()["contact_id"]
    r = client.post(f"/api/conversations/{cid}/messages", json={"body": "Reply"}, headers=handler)
    assert r.status_code == 201
    assert r.json()["delivery"] == "failed" and "did not answer within 0.3 s" in r.json()["delivery_detail"]


def test_an_unreachable_platform_is_recorded_as_failed(app, client, handler, clock, platform):
    _use(app, platform)
    platform.close()
    cid = social(client, now=clock()).json()["contact_id"]
    r = client.post(f"/api/conversations/{cid}/messages", json={"body": "Reply"}, headers=handler)
    assert r.status_code == 201 and r.json()["delivery"] == "failed"


def test_with_no_outbound_address_replies_are_kept_and_the_console_says_so(app, client, handler, clock, users):
    assert app.state.social.outbound_url is None
    cid = social(client, now=clock()).json()["contact_id"]
    r = client.post(f"/api/conversations/{cid}/messages", json={"body": "Reply"}, headers=handler)
    assert r.status_code == 201
    assert r.json()["delivery"] == "not_delivered"
    assert r.json()["delivery_detail"] == "not delivered: no outbound configured"
    page_login(client, "call-handler")
    assert "not delivered: no outbound configured" in client.get("/digital/console").text
