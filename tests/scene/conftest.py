"""Fixtures for seeing the scene: an incident, a link sent to its caller, callers' browsers."""

from __future__ import annotations

import io
import re
import struct
import zlib

import pytest
from fastapi.testclient import TestClient

from tests.helpers import take_call

CALLER = "+447700900123"  # Ofcom's drama range: never a real phone


def png(width: int = 2, height: int = 2, seed: int = 0) -> bytes:
    """A real, small PNG (different seeds, different bytes)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + bytes([(seed + y * 40) % 256, 80, 160]) * width for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


JPEG = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(64) + b"\xff\xd9")
WEBM = b"\x1a\x45\xdf\xa3" + b"\x9f\x42\x86\x81\x01" + bytes(200)  # an EBML header, as MediaRecorder starts one


@pytest.fixture
def incident(client, handler):
    """An open incident whose caller gave a mobile number."""
    from tests.helpers import contact

    return take_call(client, handler, contact_body=contact("Two men fighting outside the pub, one has a bottle",
                                                           caller_number="07700 900123"))


def link_path(app) -> str:
    """The /s/... path of the last link the (logging) SMS gateway was given."""
    body = app.state.sms.sent[-1].body
    return re.search(r"https?://[^/\s]+(/s/[A-Za-z0-9_-]+)", body).group(1)


@pytest.fixture
def send_link(client, handler, incident, app):
    def send(to: str = "07700 900123", headers=None, incident_id=None):
        r = client.post(f"/api/incidents/{incident_id or incident['id']}/scene-links", json={"to": to},
                        headers=headers or handler)
        assert r.status_code == 201, r.text
        return r.json(), link_path(app)
    return send


@pytest.fixture
def browser(app):
    """A fresh browser (its own cookies) for each call: the caller's phone, or somebody else's."""
    def make() -> TestClient:
        return TestClient(app)  # no lifespan: the live feed is the handler's, not needed here
    return make


@pytest.fixture
def opened(send_link, browser):
    """A caller's browser that has opened (claimed) a fresh link: (browser, csrf, link json)."""
    link, path = send_link()
    phone = browser()
    r = open_link(phone, path)
    assert r.status_code == 200, r.text
    return phone, csrf_of(r.text), link


def open_link(phone, path: str):
    """What a caller does: open the link from the text (which claims nothing), then press Start."""
    first = phone.get(path, headers={"Accept": "text/html"})
    if first.status_code != 200 or "Share my location" in first.text:
        return first  # refused, or this phone had already started
    return phone.post(path + "/start", data={"csrf": csrf_of(first.text)}, headers={"Accept": "text/html"})


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def upload(phone, csrf, data: bytes, name: str = "photo.png", *, live: bool = False, content_type="image/png"):
    return phone.post("/s/live/upload" if live else "/s/upload", data={"csrf": csrf},
                      files={"file": (name, io.BytesIO(data), content_type)}, headers={"Accept": "application/json"})


def position(phone, csrf, clock, **fields):
    body = {"latitude": 52.2053, "longitude": 0.1218, "accuracy": 8, "timestamp": clock().timestamp() * 1000 - 20_000,
            "csrf": csrf}
    body.update(fields)
    return phone.post("/s/position", data=body, headers={"Accept": "application/json"})
