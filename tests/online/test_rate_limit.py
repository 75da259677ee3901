"""The report form is rate-limited per address: a script cannot flood the digital queue."""

from __future__ import annotations

import pytest

from demandhub.config import Settings
from tests.online.reports import answers, counts, csrf_of, send


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path, secret_key="test-secret", outbox_poll_s=0.2, rate_limits={"report": 2})


def test_after_the_limit_reports_are_refused_429_until_the_window_has_passed(client, sessions, clock):
    csrf = csrf_of(client)
    assert send(client, answers(), csrf=csrf).status_code == 303
    clock.advance(minutes=1)
    assert send(client, answers(), csrf=csrf).status_code == 303
    clock.advance(minutes=1)
    refused = send(client, answers(), csrf=csrf)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(8 * 60)  # the first report leaves the 10-minute window then
    assert counts(sessions)["contacts"] == 2  # refused before anything was read or written
    assert client.get("/report").status_code == 200  # reading the form is its own, larger, allowance

    clock.advance(minutes=8)
    assert send(client, answers(), csrf=csrf).status_code == 303
    assert counts(sessions)["contacts"] == 3
