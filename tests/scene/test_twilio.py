"""The Twilio SMS client against a local fake Twilio that replays Twilio's documented bodies
(tests/scene/recorded/, see SOURCES.md there): success, documented errors, a server that is
too slow, and one that is not there. Never an exception: always an SmsResult."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from demandhub.config import Settings
from demandhub.sms import LoggingSmsGateway, TwilioSmsGateway, gateway_from_settings

RECORDED = Path(__file__).parent / "recorded"
SID, TOKEN, FROM = "AC" + "a" * 32, "auth-token-never-logged", "+441234567890"


class FakeTwilio:
    """A local HTTP server answering POST /2010-04-01/Accounts/{sid}/Messages.json as told."""

    def __init__(self):
        self.answer: tuple[int, bytes, str] = (201, (RECORDED / "twilio_message_created.json").read_bytes(),
                                               "application/json")
        self.delay_s = 0.0
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                fake.requests.append({"path": self.path, "auth": self.headers.get("authorization"),
                                      "type": self.headers.get("content-type"), "form": parse_qs(body.decode())})
                time.sleep(fake.delay_s)
                status, payload, kind = fake.answer
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def replay(self, name: str, status: int) -> None:
        self.answer = (status, (RECORDED / name).read_bytes(), "application/json")

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def twilio():
    fake = FakeTwilio()
    yield fake
    fake.close()


def gateway(url: str, timeout_s: float = 2.0) -> TwilioSmsGateway:
    return TwilioSmsGateway(account_sid=SID, auth_token=TOKEN, from_number=FROM, base_url=url, timeout_s=timeout_s)


def test_a_message_twilio_accepts_is_sent_as_twilio_documents_the_request(twilio):
    result = gateway(twilio.url).send(to="+447700900123", body="Open https://x/s/abc — it works once.")
    assert result.accepted and result.provider_id == "SM" + "a" * 32 and result.status == "sent"
    [req] = twilio.requests
    assert req["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert req["type"] == "application/x-www-form-urlencoded"
    assert req["auth"] == "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert req["form"] == {"To": ["+447700900123"], "From": [FROM], "Body": ["Open https://x/s/abc — it works once."]}


def test_a_queued_message_is_accepted_too(twilio):
    created = json.loads((RECORDED / "twilio_message_created.json").read_text())
    twilio.answer = (201, json.dumps({**created, "status": "queued"}).encode(), "application/json")
    result = gateway(twilio.url).send(to="+447700900123", body="x")
    assert result.accepted and result.status == "queued"


@pytest.mark.parametrize("recorded,status,code", [("twilio_error_21211.json", 400, "21211"),
                                                  ("twilio_error_20003.json", 401, "20003")])
def test_a_documented_error_is_a_refusal_naming_twilios_code(twilio, recorded, status, code):
    twilio.replay(recorded, status)
    result = gateway(twilio.url).send(to="5551234567", body="x")
    assert not result.accepted and result.provider_id is None and result.status == "refused"
    assert f"Twilio error {code}" in result.detail and f"HTTP {status}" in result.detail
    assert TOKEN not in result.detail


def test_a_message_twilio_created_as_failed_is_not_accepted(twilio):
    created = json.loads((RECORDED / "twilio_message_created.json").read_text())
    twilio.answer = (201, json.dumps({**created, "status": "failed", "error_code": 30006,
                                      "error_message": "Landline or unreachable carrier"}).encode(), "application/json")
    result = gateway(twilio.url).send(to="+441223555010", body="x")
    assert not result.accepted and "30006" in result.detail


def test_an_unreadable_answer_is_a_refusal(twilio):
    twilio.answer = (502, b"<html>Bad gateway</html>", "text/html")
    result = gateway(twilio.url).send(to="+447700900123", body="x")
    assert not result.accepted and "HTTP 502" in result.detail


def test_a_slow_gateway_times_out_quickly_as_not_sent(twilio):
    twilio.delay_s = 1.5
    started = time.monotonic()
    result = gateway(twilio.url, timeout_s=0.3).send(to="+447700900123", body="x")
    assert time.monotonic() - started < 1.4
    assert not result.accepted and result.status == "failed" and "did not answer within 0.3 s" in result.detail


def test_a_gateway_that_is_not_there_is_not_sent():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens here
    result = gateway(f"http://127.0.0.1:{port}").send(to="+447700900123", body="x")
    assert not result.accepted and result.status == "failed" and "could not reach the SMS gateway" in result.detail


def test_settings_choose_the_gateway_and_an_incomplete_twilio_account_is_refused(tmp_path):
    assert isinstance(gateway_from_settings(Settings(data_dir=tmp_path), clock=None), LoggingSmsGateway)
    base = "https://share.demoshire.example"
    chosen = gateway_from_settings(Settings(data_dir=tmp_path, sms_gateway="twilio", twilio_account_sid=SID,
                                            twilio_auth_token=TOKEN, twilio_from_number=FROM, scene_link_base_url=base,
                                            twilio_base_url="http://127.0.0.1:9"), clock=None)
    assert isinstance(chosen, TwilioSmsGateway) and chosen.url.startswith("http://127.0.0.1:9/2010-04-01/")
    with pytest.raises(ValueError, match="twilio_auth_token"):
        gateway_from_settings(Settings(data_dir=tmp_path, sms_gateway="twilio", twilio_account_sid=SID,
                                       twilio_from_number=FROM, scene_link_base_url=base), clock=None)
    with pytest.raises(ValueError):
        Settings(data_dir=tmp_path, sms_gateway="carrier-pigeon")
    # Texts really sent must not take the link's address from a request's Host header.
    with pytest.raises(ValueError, match="scene_link_base_url"):
        Settings(data_dir=tmp_path, sms_gateway="twilio", twilio_account_sid=SID, twilio_auth_token=TOKEN,
                 twilio_from_number=FROM)


class TestThroughTheApp:
    """A link sent with the Twilio gateway configured reaches the fake Twilio; a refusal withdraws it."""

    @pytest.fixture
    def twilio(self):
        fake = FakeTwilio()
        yield fake
        fake.close()

    @pytest.fixture
    def settings(self, tmp_path, twilio):
        return Settings(data_dir=tmp_path, secret_key="test-secret", outbox_poll_s=0.2, sms_gateway="twilio",
                        twilio_account_sid=SID, twilio_auth_token=TOKEN, twilio_from_number=FROM,
                        twilio_base_url=twilio.url, scene_link_base_url="https://share.demoshire.example")

    def test_the_link_goes_through_twilio_and_a_refusal_withdraws_it(self, client, handler, incident, twilio):
        r = client.post(f"/api/incidents/{incident['id']}/scene-links", json={"to": "07700 900123"}, headers=handler)
        assert r.status_code == 201 and r.json()["sms_accepted"] and r.json()["sms_status"] == "sent"
        [req] = twilio.requests
        assert req["form"]["To"] == ["+447700900123"]
        assert "https://share.demoshire.example/s/" in req["form"]["Body"][0]
        twilio.replay("twilio_error_21211.json", 400)
        r = client.post(f"/api/incidents/{incident['id']}/scene-links", json={"to": "07700 900123"}, headers=handler)
        assert r.status_code == 201
        assert r.json()["sms_accepted"] is False and r.json()["state"] == "withdrawn"
        assert "21211" in r.json()["sms_detail"]
