"""Inputs that once made the desks' routes fail with a 500: each is now a 4xx naming the problem."""

from __future__ import annotations

from demandhub.auth.roles import Role


def test_an_id_beyond_64_bits_in_a_flag_key_is_refused_plainly(client, auth):
    r = client.post("/api/vulnerability/flags/manual-9999999999999999999/end", headers=auth[Role.SUPERVISOR],
                    json={"reason": "moved away"})
    assert r.status_code in (404, 422), r.text


def test_far_off_years_are_refused_for_shifts_and_samples(client, auth):
    r = client.post("/api/rota/shifts", headers=auth[Role.SUPERVISOR], json={
        "username": "mental-health-practitioner", "specialism": "mental_health",
        "starts_at": "9999-12-31T20:00:00-05:00", "ends_at": "9999-12-31T22:00:00-05:00"})
    assert r.status_code == 422 and "2200" in r.text
    r = client.post("/api/quality/samples", headers=auth[Role.SUPERVISOR],
                    json={"period_start": "9999-12-01", "period_end": "9999-12-31"})
    assert r.status_code == 422 and "2200" in r.text
