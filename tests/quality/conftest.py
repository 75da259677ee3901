"""People and calls for the quality tests: a second handler and a second reviewer, and
contacts of each kind the sampler looks for."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from demandhub import db
from demandhub.auth import service as accounts
from demandhub.auth.roles import SYSTEM, Role
from tests.conftest import PASSWORD
from tests.helpers import assessment, contact, dimensions, take_call

PERIOD = {"period_start": "2026-11-01", "period_end": "2026-11-30"}  # the clock starts on 28 November


@pytest.fixture
def people(sessions, users, auth, clock):
    """auth plus 'handler2' (a second call handler) and 'reviewer2' (a second quality reviewer)."""
    made = {"handler": (users[Role.CALL_HANDLER], auth[Role.CALL_HANDLER]),
            "reviewer": (users[Role.QUALITY_REVIEWER], auth[Role.QUALITY_REVIEWER]),
            "supervisor": (users[Role.SUPERVISOR], auth[Role.SUPERVISOR])}
    with db.unit_of_work(sessions) as session:
        for name, role in (("handler2", Role.CALL_HANDLER), ("reviewer2", Role.QUALITY_REVIEWER)):
            user = accounts.add_user(session, username=name, password=PASSWORD, role=role,
                                     display_name=name.capitalize(), actor=SYSTEM, now=clock())
            token = accounts.issue_token(session, user=user, now=clock(), lifetime=timedelta(days=30))
            made[name] = (accounts.actor_of(user), {"Authorization": f"Bearer {token}"})
    return made


def routine(client, headers) -> dict:
    """An ordinary call: theft, everything low, grade 4 accepted."""
    return take_call(client, headers)


def overridden(client, headers) -> dict:
    return take_call(client, headers, decision={"decision": "override", "grade": "2",
                                                "rationale": "Caller sounded frightened; attend."})


def closed_rwd(client, headers, *, reassessed_risk: str | None = None) -> dict:
    """A grade 4 incident resolved by phone; optionally reassessed (risk changed) before closing."""
    inc = take_call(client, headers)
    assert inc["grade"] == "4"
    cid = inc["contacts"][0]["id"]
    if reassessed_risk:
        body = assessment()
        body["dimensions"] = dimensions("low", risk=reassessed_risk)
        r = client.post(f"/api/contacts/{cid}/assessments", json=body, headers=headers)
        assert r.status_code == 201, r.text
    r = client.post(f"/api/incidents/{inc['id']}/close", json={"closing_code": "resolved_by_phone"}, headers=headers)
    assert r.status_code == 200, r.text
    return inc


def restricted(client, headers) -> dict:
    return take_call(client, headers, contact_body=contact("My daughter told me her uncle touched her"),
                     assessment_body=assessment("crime.sexual_offence", "medium"))


def draw(client, headers, **body) -> dict:
    r = client.post("/api/quality/samples", json={**PERIOD, **body}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def login(client, username: str) -> None:
    client.cookies.clear()
    page = client.get("/login")
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"username": username, "password": PASSWORD, "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303, r.text


def page_csrf(client) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get("/account").text).group(1)
