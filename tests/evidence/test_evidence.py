"""Evidence from the public: the type is read from the bytes, sizes are capped per kind, the
bytes are kept under their SHA-256, and staff read them under the restricted-record rule."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from demandhub import db
from demandhub.auth.roles import Role
from demandhub.contacts.models import Contact
from demandhub.errors import Invalid
from demandhub.evidence import service
from demandhub.evidence.checks import IMAGE_TYPES, Limits, TooLarge, check_upload, sniff
from demandhub.evidence.store import EvidenceStore
from tests.contacts.test_digital import online_contact

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 40
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 30
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 40
MOV = b"\x00\x00\x00\x14ftypqt  " + b"\x00" * 40
WEBM = b"\x1a\x45\xdf\xa3" + b"\x00" * 40
LIMITS = Limits(max_image_bytes=1000, max_video_bytes=5000)


@pytest.mark.parametrize(("data", "kind"), [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp"),
                                            (MP4, "video/mp4"), (MOV, "video/quicktime"), (WEBM, "video/webm")])
def test_the_type_comes_from_the_bytes(data, kind):
    assert sniff(data) == kind
    assert check_upload(data, limits=LIMITS) == kind


@pytest.mark.parametrize("data", [b"%PDF-1.7\n...", b"<html><script>alert(1)</script>", b"GIF89a....",
                                  b"MZ\x90\x00 an executable", b"RIFF\x00\x00\x00\x00WAVEfmt "])
def test_anything_else_is_refused_whatever_it_is_called(data):
    with pytest.raises(Invalid) as refused:
        check_upload(data, limits=LIMITS)
    assert "not one we accept" in refused.value.message


def test_each_kind_has_its_own_size_limit():
    with pytest.raises(TooLarge):
        check_upload(PNG + b"\x00" * 1000, limits=LIMITS)
    assert check_upload(MP4 + b"\x00" * 1000, limits=LIMITS) == "video/mp4"  # within the video limit
    with pytest.raises(Invalid):
        check_upload(MP4, limits=LIMITS, allowed=IMAGE_TYPES)  # a form that takes photos only
    with pytest.raises(Invalid):
        check_upload(b"", limits=LIMITS)


@given(st.binary(max_size=64))
def test_any_bytes_are_accepted_as_a_known_type_or_refused_clearly(data):
    try:
        assert check_upload(data, limits=LIMITS) in IMAGE_TYPES + ("video/mp4", "video/webm", "video/quicktime")
    except (Invalid, TooLarge) as exc:
        assert exc.message


def test_the_store_keeps_bytes_under_their_hash_once(tmp_path):
    store = EvidenceStore(tmp_path / "ev")
    digest = store.put(PNG)
    assert digest == hashlib.sha256(PNG).hexdigest() and store.put(PNG) == digest
    assert store.read(digest) == PNG and store.verify(digest)
    assert [p.name for p in (tmp_path / "ev").rglob("*") if p.is_file()] == [digest]  # no temporary left
    with pytest.raises(ValueError):
        store.path_of("../../etc/passwd")


def _keep(app, sessions, clock, users, *, contact_id):
    with db.unit_of_work(sessions) as session:
        return service.keep(session, store=app.state.evidence, limits=app.state.upload_limits, data=PNG,
                            original_name="fence.png", source="online_report", actor=users[Role.PUBLIC],
                            now=clock(), contact_id=contact_id).id


def test_staff_read_the_bytes_with_safe_headers(client, app, sessions, clock, users, handler):
    item = _keep(app, sessions, clock, users, contact_id=online_contact(sessions, clock))
    r = client.get(f"/api/evidence/{item}", headers=handler)
    assert r.status_code == 200 and r.content == PNG
    assert r.headers["content-type"] == "image/png" and r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["etag"] == f'"{hashlib.sha256(PNG).hexdigest()}"'
    assert client.get("/api/evidence/99999", headers=handler).status_code == 404
    assert client.get(f"/api/evidence/{item}").status_code == 401


def test_evidence_of_a_restricted_contact_follows_the_restricted_rule(client, app, sessions, clock, users, auth):
    cid = online_contact(sessions, clock, text="He touched my daughter.")
    with db.unit_of_work(sessions) as session:
        session.get(Contact, cid).restricted = True
    item = _keep(app, sessions, clock, users, contact_id=cid)
    assert client.get(f"/api/evidence/{item}", headers=auth[Role.CALL_HANDLER]).status_code == 403
    assert client.get(f"/api/evidence/{item}", headers=auth[Role.SUPERVISOR]).status_code == 200
