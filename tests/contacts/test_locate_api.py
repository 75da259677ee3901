"""The call screen's "find a place": every kind of reference to a pin, with its source and uncertainty."""

from __future__ import annotations

import pytest

from demandhub.auth.roles import Role
from demandhub.config import Settings
from tests.geo.w3w_fake import GOOD_KEY, FakeWhat3Words


def _locate(client, auth, q):
    return client.get("/api/locate", params={"q": q}, headers=auth[Role.CALL_HANDLER])


@pytest.mark.parametrize("q, source, lat, lon, uncertainty", [
    ("52.25, -0.9", "coordinates", 52.25, -0.9, None),
    ("TQ 300 801", "os_grid", 51.5053, -0.1276, 70.7),  # a 100 m square: half its diagonal
    ("9C4WGQ8W+2X", "plus_code", 52.5151, -1.2026, 8.1),
    ("nn99 1ab", "postcode", 52.2730, -0.9235, 100.0),  # the demo county's invented table
])
def test_each_kind_of_reference_places_the_pin(client, auth, q, source, lat, lon, uncertainty):
    r = _locate(client, auth, q)
    assert r.status_code == 200, r.text
    found = r.json()
    assert found["source"] == source
    assert (round(found["latitude"], 4), round(found["longitude"], 4)) == (lat, lon)
    assert (None if found["uncertainty_m"] is None else round(found["uncertainty_m"], 1)) == uncertainty


@pytest.mark.parametrize("q, field", [("the church by the green", "location"), ("91.5, 3", "location"),
                                      ("TQ 300 80", "grid_reference"), ("9G8F+6X", None),
                                      ("///filled.count.soap", "what3words")])
def test_what_is_not_a_place_is_a_422_naming_the_kind(client, auth, q, field):
    r = _locate(client, auth, q)
    assert r.status_code == 422, r.text
    if field:
        assert r.json()["problems"][0]["field"] == field
    if q.startswith("///"):
        assert "not configured" in r.json()["detail"]  # no key in the test settings: says so, nothing breaks


def test_three_word_addresses_are_found_in_a_description(client, auth):
    r = client.get("/api/locate/words", params={"text": "He's at ///filled.count.soap, by the bins. Email a.b@c.d"},
                   headers=auth[Role.CALL_HANDLER])
    assert r.json() == ["filled.count.soap"]


@pytest.fixture
def fake_w3w():
    with FakeWhat3Words() as fake:
        yield fake


@pytest.fixture
def settings(tmp_path, request):
    if "fake_w3w" not in request.fixturenames:
        return Settings(data_dir=tmp_path, secret_key="test-secret", outbox_poll_s=0.2)
    fake = request.getfixturevalue("fake_w3w")
    return Settings(data_dir=tmp_path, secret_key="test-secret", outbox_poll_s=0.2, w3w_api_key=GOOD_KEY,
                    w3w_base_url=fake.base_url)


def test_with_a_key_a_what3words_address_is_converted_through_the_real_sdk(fake_w3w, client, auth):
    r = _locate(client, auth, "///filled.count.soap")
    assert r.status_code == 200, r.text
    found = r.json()
    assert found["source"] == "w3w" and found["label"] == "///filled.count.soap"
    assert round(found["uncertainty_m"], 1) == 2.1
    assert fake_w3w.requests_seen  # it went to the (fake) service
