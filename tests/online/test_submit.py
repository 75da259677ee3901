"""A member of the public sends the online form: what is recorded, and what is refused."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from demandhub import db
from demandhub.audit.models import AuditEntry
from demandhub.auth.models import User
from demandhub.config import Settings
from demandhub.evidence.models import EvidenceItem
from demandhub.events.models import OutboxEvent
from tests.geo.w3w_fake import GOOD_KEY, FakeWhat3Words
from tests.online.reports import JPEG, answers, counts, csrf_of, latest, png, send, summary_links

MAX_IMAGE = 40_000  # lowered so an oversized photo is cheap to make


@pytest.fixture
def settings(tmp_path, request):
    extra = {}
    if "fake_w3w" in request.fixturenames:
        extra = {"w3w_api_key": GOOD_KEY, "w3w_base_url": request.getfixturevalue("fake_w3w").base_url}
    return Settings(data_dir=tmp_path, secret_key="test-secret", outbox_poll_s=0.2, max_image_bytes=MAX_IMAGE,
                    rate_limits={"report": 10_000}, **extra)


@pytest.fixture
def fake_w3w():
    with FakeWhat3Words() as fake:
        yield fake


def test_a_report_becomes_a_digital_contact_with_a_reference_its_photos_and_its_details(client, sessions, app, clock):
    photo1, photo2 = png(), png(rgb=(10, 120, 40))
    r = send(client, answers(when="date", date="2026-07-01", time="21:30"),
             [("bike.png", photo1, "image/png"), ("rack.png", photo2, "image/png")])
    assert r.status_code == 303 and r.headers["location"] == "/report/sent"

    contact, report = latest(sessions)
    assert re.fullmatch(r"WEB-20261128-[A-Z2-9]{6}", contact.reference)
    assert contact.reference not in r.headers["location"]  # kept in the session, not the URL
    assert contact.channel == "online" and contact.presented_at == clock() and contact.answered_at is None
    assert contact.description == "My bike was stolen from the rack outside the library."
    assert (contact.caller_name, contact.caller_number) == ("Sam Sender", "+447700900982")
    assert contact.location_text == "Outside the library, High Street" and contact.urgent is False
    with db.unit_of_work(sessions) as s:
        author = s.get(User, contact.created_by)
        assert author.username == "channel-online" and not author.active
    assert (report.kind, report.subject, report.incident_type) == ("crime", "theft", "crime.theft")
    assert report.occurred_on == date(2026, 7, 1)
    assert report.occurred_at == datetime(2026, 7, 1, 20, 30, tzinfo=timezone.utc)  # 21:30 BST
    assert (report.email, report.contact_by, report.happening_now) == ("sam@example.com", "phone", False)

    with db.unit_of_work(sessions) as s:
        items = s.scalars(sa.select(EvidenceItem).where(EvidenceItem.contact_id == contact.id)
                          .order_by(EvidenceItem.id)).all()
        assert [(i.sha256, i.media_type, i.source, i.original_name, i.size_bytes) for i in items] == [
            (hashlib.sha256(photo1).hexdigest(), "image/png", "online_report", "bike.png", len(photo1)),
            (hashlib.sha256(photo2).hexdigest(), "image/png", "online_report", "rack.png", len(photo2))]
        assert app.state.evidence.read(items[0].sha256) == photo1
        event = s.scalar(sa.select(OutboxEvent).where(OutboxEvent.kind == "online.report_received"))
        assert event.topic == "digital" and event.payload["contact_id"] == contact.id
        assert event.payload["urgent"] is False
        actions = set(s.scalars(sa.select(AuditEntry.action)))
        assert {"contact.created", "online_report.received", "evidence.received"} <= actions

    sent = client.get("/report/sent")
    assert sent.status_code == 200 and contact.reference in sent.text
    assert "What happens next" in sent.text and 'class="urgent-now"' not in sent.text


def test_words_that_carry_risk_put_the_report_first_and_the_sender_is_told_to_call_999(client, sessions):
    r = send(client, answers(what_happened="He is outside with a knife and says he will kill me."))
    assert r.status_code == 303
    contact, report = latest(sessions)
    assert contact.urgent is True
    assert {c["flag"] for c in report.cues} >= {"weapon", "threat_to_life"}
    assert "knife" in next(c for c in report.cues if c["flag"] == "weapon")["matches"]
    with db.unit_of_work(sessions) as s:
        marked = s.scalar(sa.select(AuditEntry).where(AuditEntry.action == "contact.marked_urgent"))
        assert "Weapon mentioned" in marked.details["reasons"]
        event = s.scalar(sa.select(OutboxEvent).where(OutboxEvent.kind == "online.report_received"))
        assert event.payload["urgent"] is True
    sent = client.get("/report/sent").text
    assert 'class="urgent-now"' in sent and "If anyone is in danger now, call 999." in sent


def test_happening_now_is_accepted_with_the_call_999_message(client, sessions):
    page = client.get("/report").text
    assert "If anyone is in danger now, call 999 now." in page
    r = send(client, answers(when="now", date="", time=""))
    assert r.status_code == 303
    _, report = latest(sessions)
    assert report.happening_now is True and report.occurred_on is None and report.occurred_at is None
    assert 'class="urgent-now"' in client.get("/report/sent").text


def test_not_sure_when_keeps_their_words(client, sessions):
    assert send(client, answers(when="unsure", date="", time="", roughly="last weekend")).status_code == 303
    _, report = latest(sessions)
    assert (report.occurred_on, report.occurred_text) == (None, "last weekend")


def test_each_position_keeps_its_source_and_uncertainty_and_the_closest_one_is_used(client, sessions):
    r = send(client, answers(latitude="52.27", longitude="-0.92", pin_source="map", pin_accuracy="40",
                             postcode="nn99 1ab"))
    assert r.status_code == 303
    contact, report = latest(sessions)
    assert (report.location_source, report.location_uncertainty_m) == ("map", 40.0)
    assert (contact.latitude, contact.longitude) == (52.27, -0.92)
    assert report.postcode == "NN99 1AB"
    assert [(p["source"], p["uncertainty_m"]) for p in report.positions] == [("map", 40.0), ("postcode", 100.0)]

    assert send(client, answers(address="", postcode="NN99 1AB")).status_code == 303
    contact, report = latest(sessions)
    assert (report.location_source, report.location_uncertainty_m) == ("postcode", 100.0)
    assert (contact.latitude, contact.longitude) == (52.27301, -0.92352)
    assert contact.location_text == "NN99 1AB"

    # Typed coordinates: nobody said how close they are; a pin's claimed source is only ours to set.
    assert send(client, answers(latitude="52.2", longitude="-0.9", pin_source="satellite",
                                pin_accuracy="-5")).status_code == 303
    _, report = latest(sessions)
    assert (report.location_source, report.location_uncertainty_m) == ("typed", None)


def test_a_real_postcode_outside_our_table_is_kept_as_written(client, sessions):
    assert send(client, answers(address="", postcode="SW1A 2AA")).status_code == 303
    contact, report = latest(sessions)
    assert report.postcode == "SW1A 2AA" and report.location_source is None and contact.latitude is None


def test_without_a_key_three_words_are_passed_on_unchecked_and_the_form_says_so(client, sessions, app):
    assert not app.state.w3w.available
    assert "We cannot check 3-word addresses at the moment" in client.get("/report").text
    assert send(client, answers(address="", what3words="filled.count.soap")).status_code == 303
    contact, report = latest(sessions)
    assert report.what3words == "///filled.count.soap" and contact.location_text == "///filled.count.soap"
    assert report.location_source is None and contact.latitude is None
    assert report.positions == [{"source": "w3w", "label": "///filled.count.soap", "checked": False}]


def test_with_a_key_three_words_become_a_position_of_a_3_m_square(fake_w3w, client, sessions):
    assert "We cannot check 3-word addresses" not in client.get("/report").text
    assert send(client, answers(what3words="///filled.count.soap", postcode="NN99 1AB")).status_code == 303
    contact, report = latest(sessions)
    assert report.location_source == "w3w" and report.location_uncertainty_m == pytest.approx(2.12, abs=0.01)
    assert (contact.latitude, contact.longitude) == (51.520847, -0.195521)
    r = send(client, answers(what3words="///index.home.raft"))  # the fake knows one square only
    assert r.status_code == 422 and summary_links(r.text) == ["what3words"]


BAD = [
    ({"kind": ""}, "kind-crime"),
    ({"kind": "gossip"}, "kind-crime"),
    ({"subject": ""}, "subject"),
    ({"kind": "information", "subject": "theft"}, "subject"),
    ({"what_happened": "   \n "}, "what_happened"),
    ({"what_happened": "x" * 10_001}, "what_happened"),
    ({"what_happened": "a NUL \x00 here"}, "what_happened"),
    ({"when": ""}, "when-now"),
    ({"when": "date", "date": ""}, "date"),
    ({"when": "date", "date": "31/02/2026"}, "date"),
    ({"when": "date", "date": "2026-11-29"}, "date"),  # tomorrow
    ({"when": "date", "date": "1901-01-01"}, "date"),
    ({"when": "date", "date": "2026-11-28", "time": "10:30"}, "time"),  # later today
    ({"when": "date", "time": "25:00"}, "time"),
    ({"address": "", "postcode": "", "what3words": "", "latitude": "", "longitude": ""}, "address"),
    ({"latitude": "52.2"}, "longitude"),
    ({"latitude": "91", "longitude": "0"}, "latitude"),
    ({"latitude": "52.2", "longitude": "nan"}, "longitude"),
    ({"what3words": "not three words"}, "what3words"),
    ({"what3words": "bbc.co.uk"}, "what3words"),
    ({"postcode": "ZZ"}, "postcode"),
    ({"name": ""}, "name"),
    ({"phone": "12"}, "phone"),
    ({"email": "not-an-address"}, "email"),
    ({"contact_by": ""}, "contact_by-phone"),
    ({"contact_by": "pigeon"}, "contact_by-phone"),
    ({"contact_by": "email", "email": ""}, "email"),
    ({"contact_by": "text", "phone": ""}, "phone"),
    ({"declaration": ""}, "declaration"),
]


@pytest.mark.parametrize("overrides,anchor", BAD, ids=[f"{a}:{i}" for i, (_, a) in enumerate(BAD)])
def test_every_problem_is_named_the_answers_are_kept_and_nothing_is_written(client, sessions, overrides, anchor):
    before = counts(sessions)
    r = send(client, answers(**overrides), [("ok.png", png(), "image/png")])
    assert r.status_code == 422, r.text[:500]
    assert summary_links(r.text) == [anchor]
    assert "There is a problem" in r.text and "<title>Error:" in r.text
    assert 'value="Sam Sender"' in r.text or overrides.get("name") == ""  # their answers come back
    assert counts(sessions) == before


def test_an_empty_form_names_every_required_answer(client, sessions):
    r = send(client, {})
    assert r.status_code == 422
    assert summary_links(r.text) == ["kind-crime", "subject", "what_happened", "when-now", "address", "name",
                                     "contact_by-phone", "declaration"]
    assert counts(sessions)["contacts"] == 0


def test_more_than_three_photos_are_refused(client, sessions):
    before = counts(sessions)
    r = send(client, answers(), [(f"p{i}.png", png(rgb=(i, i, i)), "image/png") for i in range(4)])
    assert r.status_code == 422 and summary_links(r.text) == ["photos"]
    assert "up to 3 photos" in r.text
    assert counts(sessions) == before


@pytest.mark.parametrize("name,data,declared", [
    ("report.pdf", b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF", "application/pdf"),
    ("cat.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg"),  # a page dressed as a photo
    ("clip.jpg", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 32, "image/jpeg"),  # a video: not for this form
    ("empty.png", b"", "image/png"),
])
def test_a_file_that_is_not_a_photo_is_refused_whatever_it_is_called(client, sessions, name, data, declared):
    before = counts(sessions)
    r = send(client, answers(), [("fine.jpg", JPEG, "image/jpeg"), (name, data, declared)])
    assert r.status_code == 422 and summary_links(r.text) == ["photos"]
    assert "not a photo we can take" in r.text
    assert counts(sessions) == before


def test_an_oversized_photo_is_refused_413(client, sessions, app):
    big = png(pad=MAX_IMAGE)
    assert len(big) > MAX_IMAGE
    before = counts(sessions)
    r = send(client, answers(), [("huge.png", big, "image/png")])
    assert r.status_code == 413 and summary_links(r.text) == ["photos"]
    assert "larger than 39 KB" in r.text
    assert counts(sessions) == before
    assert send(client, answers(), [("small.png", png(pad=MAX_IMAGE - 200), "image/png")]).status_code == 303


def test_a_form_without_its_csrf_token_is_refused_and_writes_nothing(client, sessions):
    csrf_of(client)  # the session exists, the token is not sent
    before = counts(sessions)
    r = send(client, answers(), csrf="")
    assert r.status_code == 403 and "open too long" in r.text and 'value="Sam Sender"' in r.text
    r = send(client, answers(), csrf="forged-token")
    assert r.status_code == 403
    assert counts(sessions) == before


def test_the_sent_page_without_a_report_says_so(client):
    r = client.get("/report/sent")
    assert r.status_code == 200 and "We could not find your report" in r.text


def test_the_public_map_layers_need_no_login(client):
    r = client.get("/report/map-layers")
    assert r.status_code == 200 and set(r.json()) == {"areas", "roads", "bounds"}
