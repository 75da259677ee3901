"""The public endpoints' rate limiter, and the request guard's upload routes."""

from __future__ import annotations

import pytest

from demandhub.web.public import BUCKETS, Bucket, RateLimiter, buckets_from


def test_a_client_over_its_limit_waits_for_the_window_to_slide():
    limiter = RateLimiter({"report": Bucket(3, 600)})
    assert [limiter.hit("report", "198.51.100.7", now=t) for t in (0, 10, 20)] == [None, None, None]
    assert limiter.hit("report", "198.51.100.7", now=30) == pytest.approx(570)
    assert limiter.hit("report", "203.0.113.9", now=30) is None  # others are not held back
    assert limiter.hit("report", "198.51.100.7", now=600.5) is None  # the first hit has left the window


def test_memory_stays_bounded_and_a_flood_of_new_addresses_does_not_free_a_busy_one():
    limiter = RateLimiter({"page": Bucket(1, 60)}, max_clients=100)
    assert limiter.hit("page", "198.51.100.7", now=0) is None
    for i in range(1000):
        limiter.hit("page", f"10.0.{i // 256}.{i % 256}", now=0)
        limiter.hit("page", "198.51.100.7", now=0)  # still trying: still counted, still held back
    assert len(limiter._hits) <= 100
    assert limiter.hit("page", "198.51.100.7", now=1) is not None


@pytest.mark.parametrize(("host", "counted_as"), [
    ("203.0.113.9", "203.0.113.9"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),  # the same household's other address
    ("::ffff:203.0.113.9", "203.0.113.9"),
    ("testclient", "testclient"),
])
def test_an_ipv6_household_counts_as_one_client(host, counted_as):
    from types import SimpleNamespace

    from demandhub.web.public import client_address

    assert client_address(SimpleNamespace(client=SimpleNamespace(host=host))) == counted_as


def test_a_force_sets_its_own_limits_by_bucket_name():
    assert buckets_from({"report": 2})["report"] == Bucket(2, BUCKETS["report"].window_s)
    with pytest.raises(ValueError, match="reprot"):
        buckets_from({"reprot": 2})


def test_a_misspelt_limit_stops_the_start(settings):
    from demandhub.app import ConfigurationRefused, load_configuration

    with pytest.raises(ConfigurationRefused, match="Rate limits"):
        load_configuration(settings.model_copy(update={"rate_limits": {"chats": 3}}))


def test_only_upload_routes_take_large_bodies(client, handler):
    big = b"x" * (300 * 1024)
    r = client.post("/api/contacts", content=big, headers={**handler, "content-type": "application/json"})
    assert r.status_code == 413
    r = client.post("/api/nowhere/upload", content=big, headers={**handler, "content-type": "application/octet-stream"})
    assert r.status_code == 404  # through the guard to routing: large bodies are for upload routes
