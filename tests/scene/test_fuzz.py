"""Hypothesis on every field the public can send through a share link: whatever arrives, a clear
4xx or a success, never a 500 and never half-written data."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings as hsettings
from hypothesis import strategies as st

from demandhub import db
from demandhub.config import Settings
from demandhub.contacts.models import CallerLocation
from demandhub.evidence.models import EvidenceItem
from tests.scene.conftest import JPEG, WEBM, png

FUZZ = hsettings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

anything = st.one_of(st.text(max_size=40), st.floats(allow_nan=True, allow_infinity=True).map(repr),
                     st.integers(min_value=-10**20, max_value=10**20).map(str), st.just(""),
                     st.sampled_from(["nan", "-inf", "1e309", "0x10", "52.2", "  1 ", "\u0661\u0662", "1_000"]))


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path, secret_key="test-secret", outbox_poll_s=0.2,
                    rate_limits={"share": 100_000, "upload": 100_000, "page": 100_000})


@FUZZ
@given(latitude=anything, longitude=anything, accuracy=anything, timestamp=anything)
def test_any_position_fields_give_201_or_a_clear_422(opened, sessions, latitude, longitude, accuracy, timestamp):
    phone, csrf, _ = opened
    with db.unit_of_work(sessions) as s:
        before = s.scalar(sa.select(sa.func.count()).select_from(CallerLocation))
    r = phone.post("/s/position", data={"latitude": latitude, "longitude": longitude, "accuracy": accuracy,
                                        "timestamp": timestamp, "csrf": csrf}, headers={"Accept": "application/json"})
    assert r.status_code in (201, 422), r.text
    with db.unit_of_work(sessions) as s:
        after = s.scalar(sa.select(sa.func.count()).select_from(CallerLocation))
    assert after == before + (1 if r.status_code == 201 else 0)
    if r.status_code == 422:
        assert r.json()["detail"]


@FUZZ
@given(data=st.one_of(st.binary(max_size=512), st.sampled_from([png(), JPEG, WEBM, b"\x89PNG", b"\xff\xd8",
                                                                 b"RIFF\x00\x00\x00\x00WEBP", b"\x00" * 40])),
       name=st.one_of(st.text(max_size=300), st.just("x\x00y.png")), live=st.booleans(),
       declared=st.sampled_from(["image/png", "text/html", "application/pdf", "video/webm", ""]))
def test_any_upload_gives_201_or_a_clear_4xx(opened, sessions, data, name, live, declared):
    phone, csrf, _ = opened
    with db.unit_of_work(sessions) as s:
        before = s.scalar(sa.select(sa.func.count()).select_from(EvidenceItem))
    r = phone.post("/s/live/upload" if live else "/s/upload", data={"csrf": csrf},
                   files={"file": (name or "f", io.BytesIO(data), declared or "application/octet-stream")},
                   headers={"Accept": "application/json"})
    assert r.status_code in (201, 413, 422), r.text
    with db.unit_of_work(sessions) as s:
        after = s.scalar(sa.select(sa.func.count()).select_from(EvidenceItem))
    assert after == before + (1 if r.status_code == 201 else 0)


@FUZZ
@given(token=st.text(min_size=1, max_size=200).filter(lambda t: "/" not in t and t not in (".", "..")))
def test_any_token_opens_nothing_and_says_so(browser, token):
    r = browser().get("/s/" + quote(token, safe=""), headers={"Accept": "text/html"})
    assert r.status_code in (404, 422), r.text[:300]


@FUZZ
@given(csrf=st.text(max_size=300), form=st.dictionaries(st.text(min_size=1, max_size=20), st.text(max_size=50),
                                                         max_size=4))
def test_any_form_without_the_right_csrf_token_is_refused(opened, csrf, form):
    phone, real, _ = opened
    if csrf == real:
        return
    r = phone.post("/s/position", data={**form, "csrf": csrf}, headers={"Accept": "application/json"})
    assert r.status_code in (403, 422), r.text
