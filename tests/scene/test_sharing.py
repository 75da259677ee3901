"""What the caller's phone sends: positions (validated, kept as caller locations beside AML),
photos and clips (type from the bytes, size limits, hash), live camera segments; only with the
claim from opening the link."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from demandhub import db
from demandhub.contacts.models import CallerLocation
from demandhub.evidence.models import EvidenceItem
from demandhub.incidents.models import Incident, IncidentContact, TimelineEntry
from demandhub.scene.models import SceneUpload
from tests.scene.conftest import CALLER, JPEG, WEBM, open_link, png, position, upload


def _panel(client, auth, reference):
    from tests.scene.test_links import _login  # the panel is a page: log in as the handler

    _login(client)
    r = client.get(f"/incidents/{reference}/scene-panel")
    assert r.status_code == 200
    return r.text


def test_a_position_is_kept_as_a_caller_location_of_the_incidents_contact_and_shown(opened, clock, sessions,
                                                                                     incident, client, auth):
    phone, csrf, link = opened
    r = position(phone, csrf, clock, latitude=52.20531, longitude=0.12179, accuracy=8)
    assert r.status_code == 201, r.text
    assert position(phone, csrf, clock, latitude=52.2054, accuracy=6).status_code == 201
    with db.unit_of_work(sessions) as s:
        rows = list(s.scalars(sa.select(CallerLocation).order_by(CallerLocation.id)))
        contact_id = s.scalar(sa.select(IncidentContact.contact_id)
                              .where(IncidentContact.incident_id == incident["id"]))
        log = [t.text for t in s.scalars(sa.select(TimelineEntry).where(TimelineEntry.kind == "scene"))]
    assert [(r.source, r.caller_number, r.uncertainty_m) for r in rows] == [("scene_gps", CALLER, 8.0),
                                                                            ("scene_gps", CALLER, 6.0)]
    assert rows[0].contact_id == contact_id is not None  # joined to the incident's contact, like AML
    assert rows[0].observed_at == clock() - timedelta(seconds=20)
    assert sum("shared its position: 52.20531, 0.12179 (within 8 m)" in t for t in log) == 1  # first one only
    panel = _panel(client, auth, incident["reference"])
    assert "GPS, 6 m, 20 s ago" in re.sub(r"<[^>]+>", "", panel) and "52.20540" in panel
    assert "Place the incident here" in panel and 'name="latitude" value="52.2054"' in panel


def test_the_panel_button_places_the_incident_at_the_shared_position(opened, clock, client, auth, incident,
                                                                     sessions):
    phone, csrf, _ = opened
    position(phone, csrf, clock, latitude=52.1, longitude=0.2, accuracy=12)
    panel = _panel(client, auth, incident["reference"])
    form = re.search(r'<form method="post" action="(/incidents/[^"]+/location)" class="inline place-here">(.*?)</form>',
                     panel, re.S)
    fields = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', form.group(2)))
    r = client.post(form.group(1), data=fields, follow_redirects=False)
    assert r.status_code == 303
    with db.unit_of_work(sessions) as s:
        placed = s.get(Incident, incident["id"])
        assert (placed.latitude, placed.longitude) == (52.1, 0.2)
        assert placed.location_text.startswith("Caller's phone (GPS, within 12 m")


@pytest.mark.parametrize("field,value", [
    ("latitude", 90.0001), ("latitude", -91), ("longitude", 180.5), ("longitude", -181), ("accuracy", -1),
    ("accuracy", 1e9), ("latitude", "nan"), ("longitude", "inf"), ("latitude", "north"), ("timestamp", -5),
    ("timestamp", "soon"), ("accuracy", ""),
])
def test_an_out_of_range_or_malformed_position_is_a_422_naming_the_field(opened, clock, field, value, sessions):
    phone, csrf, _ = opened
    r = position(phone, csrf, clock, **{field: value})
    assert r.status_code == 422, r.text
    assert field in r.text
    with db.unit_of_work(sessions) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(CallerLocation)) == 0


@pytest.mark.parametrize("shift_s,why", [(6 * 60, "in the future"), (-2 * 3600, "more than an hour old")])
def test_a_position_from_a_wrong_clock_or_long_ago_is_refused(opened, clock, shift_s, why):
    phone, csrf, _ = opened
    r = position(phone, csrf, clock, timestamp=(clock().timestamp() + shift_s) * 1000)
    assert r.status_code == 422 and why in r.json()["detail"]


@pytest.mark.parametrize("data,name,kind", [(png(3, 3, 7), "scene.png", "image/png"),
                                            (JPEG, "scene.jpg", "image/jpeg")])
def test_a_photo_is_kept_as_evidence_with_the_hash_of_its_bytes(opened, app, sessions, incident, data, name, kind,
                                                                  client, auth):
    phone, csrf, link = opened
    r = upload(phone, csrf, data, name)
    assert r.status_code == 201, r.text
    digest = hashlib.sha256(data).hexdigest()
    assert r.json()["sha256"] == digest and r.json()["media_type"] == kind
    with db.unit_of_work(sessions) as s:
        [item] = s.scalars(sa.select(EvidenceItem)).all()
        assert (item.sha256, item.media_type, item.source, item.incident_id) == (digest, kind, "scene_share",
                                                                                 incident["id"])
        assert item.original_name == name and item.details == {"share_link_id": link["id"], "live": False}
    assert app.state.evidence.read(digest) == data and app.state.evidence.verify(digest)
    panel = _panel(client, auth, incident["reference"])
    assert f'<img src="/api/evidence/{item.id}"' in panel and f"SHA-256 {digest[:12]}" in panel
    assert client.get(f"/api/evidence/{item.id}").content == data


@pytest.mark.parametrize("data,name", [
    (b"just some words\n", "notes.txt"), (b"<!doctype html><script>alert(1)</script>", "photo.png"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "scan.pdf"), (b"", "empty.png"), (b"GIF89a\x01\x00\x01\x00", "anim.gif"),
])
def test_anything_but_a_photo_or_video_is_a_422_and_nothing_is_kept(opened, sessions, data, name):
    phone, csrf, _ = opened
    r = upload(phone, csrf, data, name)
    assert r.status_code == 422, r.text
    with db.unit_of_work(sessions) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(EvidenceItem)) == 0


class TestTooLarge:
    @pytest.fixture
    def settings(self, tmp_path):
        from demandhub.config import Settings

        return Settings(data_dir=tmp_path, secret_key="test-secret", outbox_poll_s=0.2, max_image_bytes=1000,
                        max_video_bytes=2000)

    def test_a_photo_over_the_limit_is_a_413(self, opened, sessions):
        phone, csrf, _ = opened
        r = upload(phone, csrf, png(2, 2) + bytes(1200))  # a PNG signature, over the image limit
        assert r.status_code == 413, r.text
        r = upload(phone, csrf, WEBM + bytes(5000), "clip.webm", content_type="video/webm")  # over every limit
        assert r.status_code == 413, r.text
        with db.unit_of_work(sessions) as s:
            assert s.scalar(sa.select(sa.func.count()).select_from(EvidenceItem)) == 0
        assert upload(phone, csrf, png(2, 2)).status_code == 201  # under the limit: fine


def test_live_segments_are_kept_and_the_panel_plays_the_latest(opened, sessions, client, auth, incident, clock):
    phone, csrf, _ = opened
    first = upload(phone, csrf, WEBM, "live-1.webm", live=True, content_type="video/webm")
    clock.advance(seconds=4)
    second = upload(phone, csrf, WEBM + b"\x01", "live-2.webm", live=True, content_type="video/webm")
    assert first.status_code == second.status_code == 201
    assert upload(phone, csrf, png(), "frame.png", live=True).status_code == 422  # a live segment is a video
    with db.unit_of_work(sessions) as s:
        rows = s.execute(sa.select(SceneUpload.evidence_id, SceneUpload.live)).all()
        log = [t.text for t in s.scalars(sa.select(TimelineEntry).where(TimelineEntry.kind == "scene"))]
    assert [live for _, live in rows] == [True, True]
    assert sum("started a live camera stream" in t for t in log) == 1
    panel = _panel(client, auth, incident["reference"])
    latest = max(e for e, _ in rows)
    assert f'<video controls autoplay muted playsinline src="/api/evidence/{latest}"' in panel and "LIVE" in panel
    assert f'src="/api/evidence/{min(e for e, _ in rows)}"' not in panel  # only the latest segment


def test_a_video_clip_is_shown_as_a_clip(opened, client, auth, incident):
    phone, csrf, _ = opened
    assert upload(phone, csrf, WEBM, "clip.webm", content_type="video/webm").status_code == 201
    panel = _panel(client, auth, incident["reference"])
    assert '<video controls preload="metadata"' in panel and "Clip," in panel


def test_nothing_is_taken_without_the_claim_from_opening_the_link(send_link, browser, clock, opened):
    _, path = send_link()
    stranger = browser()
    csrf = re.search(r'name="csrf-token" content="([^"]+)"',
                     stranger.get("/s/not-a-token", headers={"Accept": "text/html"}).text).group(1)
    assert position(stranger, csrf, clock).status_code == 403  # a session, but no link opened
    assert upload(stranger, csrf, png()).status_code == 403
    assert position(browser(), "", clock).status_code == 403  # no session at all
    phone, phone_csrf, _ = opened
    assert position(phone, "wrong", clock).status_code == 403  # the claim, but not the page's CSRF token
    # ... yet a link nobody has opened is the stranger's, if they are first.
    started = open_link(stranger, path)
    assert started.status_code == 200
    assert position(stranger, re.search(r'name="csrf-token" content="([^"]+)"', started.text).group(1),
                    clock).status_code == 201


def test_a_form_post_without_javascript_shows_the_page_again(opened):
    phone, csrf, _ = opened
    r = phone.post("/s/upload", data={"csrf": csrf}, files={"file": ("p.png", png(), "image/png")},
                   headers={"Accept": "text/html"})
    assert r.status_code == 200 and "Your photo was sent" in r.text


class TestRateLimits:
    @pytest.fixture
    def settings(self, tmp_path):
        from demandhub.config import Settings

        return Settings(data_dir=tmp_path, secret_key="test-secret", outbox_poll_s=0.2,
                        rate_limits={"share": 6, "upload": 2})

    def test_the_public_routes_are_rate_limited(self, opened, clock):
        phone, csrf, _ = opened  # opening used 3 of the 6 "share" requests: look, Start, the page
        codes = [position(phone, csrf, clock).status_code for _ in range(4)]
        assert codes == [201, 201, 201, 429]
        limited = position(phone, csrf, clock)
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        assert [upload(phone, csrf, png(seed=i)).status_code for i in range(3)] == [201, 201, 429]
        clock.advance(minutes=11)
        assert position(phone, csrf, clock).status_code == 201
        assert upload(phone, csrf, png(seed=9)).status_code == 201
