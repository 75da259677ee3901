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


def test_a_call_regraded_to_4_is_due_from_its_regrading_not_its_opening(client, auth, handler, clock):
    from tests import helpers

    made = incident(client, handler, "3")  # opened 10:00 as grade 3
    clock.advance(hours=5)  # 15:00: a callback shows it can be resolved by phone
    cid = made["contacts"][0]["id"]
    new = client.post(f"/api/contacts/{cid}/assessments", json=helpers.assessment(), headers=handler).json()
    r = client.post(f"/api/incidents/{made['id']}/grade", headers=handler,
                    json={"assessment_id": new["id"], "decision": "override", "grade": "4",
                          "rationale": "Caller happy to be called back."} if new.get("recommended_grade") != "4"
                    else {"assessment_id": new["id"], "decision": "accept"})
    assert r.status_code == 200 and r.json()["grade"] == "4", r.text
    rows = client.get("/api/resolution/queue", headers=auth[Role.RESOLUTION_OFFICER]).json()
    assert [(r["reference"], r["due_at"], r["overdue"]) for r in rows] == [
        (made["reference"], "2026-11-28T19:00:00Z", False)]  # 15:00 + the 4-hour target, not 14:00
