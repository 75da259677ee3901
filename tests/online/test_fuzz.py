"""Whatever the public type into the form (any unicode, control characters, NUL, huge text,
files of any kind), the answer is a redirect to the reference page or a clear 4xx: never a 500."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, settings as hypothesis_settings, strategies as st

from demandhub.config import Settings
from demandhub.online.views import TEXT_FIELDS
from tests.online.reports import answers, csrf_of, png

NASTY = st.sampled_from(["\x00", "\x01\x02\x1f\x7f", "\u202e", "\ufeff", "𝕏🚓", "' OR 1=1 --", "<script>", "%00",
                         "///filled.count.soap", "NN99 1AB", "52.2, -0.9", "nan", "1e400", "-0", "2026-02-30",
                         "99:99", "x" * 20_000, "é" * 300_000])
VALUE = st.one_of(st.text(max_size=300), NASTY, st.lists(st.one_of(st.text(max_size=20), NASTY), max_size=4).map("".join))
FILE = st.tuples(st.text(max_size=40).map(lambda n: n.replace("\x00", "") or "f"),
                 st.one_of(st.binary(max_size=200), st.just(png()), st.binary(max_size=20).map(lambda b: png() + b)),
                 st.sampled_from(["image/png", "image/jpeg", "application/pdf", "text/html", "application/octet-stream"]))


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path, secret_key="test-secret", outbox_poll_s=0.2,
                    rate_limits={"report": 1_000_000}, max_image_bytes=60_000)


@hypothesis_settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.dictionaries(st.sampled_from(TEXT_FIELDS), VALUE, max_size=len(TEXT_FIELDS)),
       start_valid=st.booleans(), files=st.lists(FILE, max_size=4), multipart=st.booleans())
def test_any_answers_give_a_redirect_or_a_clear_refusal_never_a_server_error(client, fields, start_valid, files,
                                                                              multipart):
    data = {**(answers() if start_valid else {}), **fields, "csrf": csrf_of(client)}
    if multipart or files:
        r = client.post("/report/upload", data=data, files=[("photos", f) for f in files] or {"none": ("", b"")},
                        follow_redirects=False)
    else:
        r = client.post("/report/upload", data=data, follow_redirects=False)
    event(f"status {r.status_code}")
    assert r.status_code == 303 or 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    if r.status_code == 303:
        assert client.get("/report/sent").status_code == 200
