"""Helpers for the online report tests: real small images, the form's answers, posting it."""

from __future__ import annotations

import re
import struct
import zlib

import sqlalchemy as sa

from demandhub import db
from demandhub.audit.models import AuditEntry
from demandhub.contacts.models import Contact
from demandhub.evidence.models import EvidenceItem
from demandhub.online.models import OnlineReport


def png(width: int = 4, height: int = 3, rgb: tuple[int, int, int] = (200, 30, 30), pad: int = 0) -> bytes:
    """A real PNG (any image viewer opens it); `pad` adds an ancillary chunk to make it bigger."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    extra = chunk(b"teXt", b"pad\x00" + b"x" * pad) if pad else b""
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + extra + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def answers(**overrides) -> dict:
    body = {"kind": "crime", "subject": "theft", "what_happened": "My bike was stolen from the rack outside the library.",
            "when": "date", "date": "2026-11-27", "time": "21:30", "address": "Outside the library, High Street",
            "postcode": "", "what3words": "", "latitude": "", "longitude": "", "name": "Sam Sender",
            "phone": "07700 900982", "email": "sam@example.com", "contact_by": "phone", "declaration": "yes"}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def csrf_of(client) -> str:
    page = client.get("/report")
    assert page.status_code == 200, page.text
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def send(client, data: dict, photos: list[tuple[str, bytes, str]] = (), *, csrf: str | None = None):
    data = dict(data)
    data.setdefault("csrf", csrf if csrf is not None else csrf_of(client))
    files = [("photos", p) for p in photos] or None
    return client.post("/report/upload", data=data, files=files, follow_redirects=False)


def summary_links(html: str) -> list[str]:
    """The fields the error summary names (its links' targets)."""
    box = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    return re.findall(r'href="#([^"]+)"', box.group(0)) if box else []


def counts(sessions) -> dict:
    with db.unit_of_work(sessions) as s:
        return {"contacts": s.scalar(sa.select(sa.func.count(Contact.id))),
                "reports": s.scalar(sa.select(sa.func.count(OnlineReport.id))),
                "evidence": s.scalar(sa.select(sa.func.count(EvidenceItem.id))),
                "audit": s.scalar(sa.select(sa.func.count()).select_from(AuditEntry))}


def latest(sessions) -> tuple[Contact, OnlineReport]:
    with db.unit_of_work(sessions) as s:
        contact = s.scalar(sa.select(Contact).order_by(Contact.id.desc()).limit(1))
        report = s.scalar(sa.select(OnlineReport).where(OnlineReport.contact_id == contact.id))
        s.expunge_all()
        return contact, report
