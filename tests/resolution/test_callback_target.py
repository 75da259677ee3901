"""A force sets its own callback target (DEMANDHUB_CALLBACK_TARGET_H); the queue's due times follow it."""

from __future__ import annotations

import pytest

from demandhub.auth.roles import Role
from demandhub.config import Settings
from tests.resolution.support import incident


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path, secret_key="test-secret", outbox_poll_s=0.2, callback_target_h=4)


def test_due_times_follow_the_configured_target(client, auth, handler, clock):
    made = incident(client, handler, "4")  # opened 10:00
    rows = client.get("/api/resolution/queue", headers=auth[Role.RESOLUTION_OFFICER]).json()
    assert [(r["reference"], r["due_at"]) for r in rows] == [(made["reference"], "2026-11-28T14:00:00Z")]
    clock.advance(hours=4, minutes=1)
    rows = client.get("/api/resolution/queue", headers=auth[Role.RESOLUTION_OFFICER]).json()
    assert rows[0]["overdue"] is True
