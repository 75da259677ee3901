"""AML from the network: received by number, shown while the call is live, joined to the contact."""

from __future__ import annotations

import pytest

from demandhub.auth.roles import Role
from demandhub.config import Settings
from tests import helpers
from tests.standards import STANDARDS

VECTORS = {line.split("\t")[0]: line.split("\t")[1]
           for line in (STANDARDS / "aml" / "aml_sms_vectors.txt").read_text().splitlines()
           if line and not line.startswith("#")}
HTTPS_SIGNED = VECTORS["HTTPS_HMAC"]


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path, secret_key="test-secret", outbox_poll_s=0.2, aml_hmac_key="AML")


def test_an_aml_sms_is_shown_for_the_number_and_joined_to_the_999_contact_taken_from_it(client, auth, clock):
    feed, handler = auth[Role.LOCATION_FEED], auth[Role.CALL_HANDLER]
    r = client.post("/api/aml/sms", headers=feed, json={"sender": "07700 900123", "text": VECTORS["GRIDGEARS_VALID_WIFI"]})
    assert r.status_code == 201, r.text
    got = r.json()
    assert (got["caller_number"], got["latitude"], got["longitude"], got["uncertainty_m"], got["method"]) == (
        "+447700900123", 54.76397, -0.18305, 50.0, "wifi")
    assert got["contact_id"] is None  # no contact yet: the AML arrived first
    live = client.get("/api/locations", params={"number": "07700900123"}, headers=handler).json()
    assert [x["id"] for x in live] == [got["id"]]
    clock.advance(seconds=40)
    taken = helpers.take_call(client, handler, contact_body=helpers.contact(channel="999", caller_number="07700 900123"))
    joined = client.get("/api/locations", params={"number": "+447700900123"}, headers=handler).json()
    assert joined[0]["contact_id"] == taken["contacts"][0]["id"]


def test_a_phone_that_could_not_locate_itself_is_still_recorded(client, auth):
    r = client.post("/api/aml/sms", headers=auth[Role.LOCATION_FEED],
                    json={"sender": "+447700900456", "text": VECTORS["GRIDGEARS_NO_LOCATION"]})
    assert r.status_code == 201 and r.json()["located"] is False and r.json()["latitude"] is None


def test_a_data_sms_and_a_signed_https_post_are_accepted(client, auth):
    feed = auth[Role.LOCATION_FEED]
    r = client.post("/api/aml/sms", headers=feed, json={"sender": "+14155550100", "data": VECTORS["DATA_SMS_HEX"]})
    assert r.status_code == 201 and r.json()["latitude"] == 37.42175, r.text
    r = client.post("/api/aml/https", headers={**feed, "Content-Type": "application/x-www-form-urlencoded"},
                    content=HTTPS_SIGNED)
    assert r.status_code == 201, r.text
    assert (r.json()["caller_number"], r.json()["uncertainty_m"], r.json()["source"]) == ("+33611223344", 10.4,
                                                                                           "aml_https")


@pytest.mark.parametrize("payload, field", [("GRIDGEARS_BAD_ML", "ml"), ("GRIDGEARS_BAD_LAT", "lt"),
                                            ("AMLLIB_V2", "version")])
def test_a_bad_aml_sms_is_a_422_naming_the_field_and_nothing_is_kept(client, auth, payload, field):
    feed = auth[Role.LOCATION_FEED]
    r = client.post("/api/aml/sms", headers=feed, json={"sender": "+447700900123", "text": VECTORS[payload]})
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == field, r.text
    assert client.get("/api/locations", params={"number": "+447700900123"},
                      headers=auth[Role.CALL_HANDLER]).json() == []


def test_a_tampered_https_post_is_refused(client, auth):
    tampered = HTTPS_SIGNED.replace("location_latitude=0.85732", "location_latitude=0.95732")
    r = client.post("/api/aml/https", headers={**auth[Role.LOCATION_FEED],
                                               "Content-Type": "application/x-www-form-urlencoded"}, content=tampered)
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "hmac"


def test_only_the_network_feed_sends_aml(client, auth):
    r = client.post("/api/aml/sms", headers=auth[Role.CALL_HANDLER],
                    json={"sender": "+447700900123", "text": VECTORS["GRIDGEARS_VALID_WIFI"]})
    assert r.status_code == 403


def test_the_incident_page_shows_where_the_network_said_the_phone_was(client, auth, clock):
    from tests.auth.test_roles import PASSWORD, _csrf

    client.post("/api/aml/sms", headers=auth[Role.LOCATION_FEED],
                json={"sender": "07700 900123", "text": VECTORS["GRIDGEARS_VALID_WIFI"]})
    taken = helpers.take_call(client, auth[Role.CALL_HANDLER],
                              contact_body=helpers.contact(channel="999", caller_number="07700 900123"))
    client.post("/login", data={"username": "supervisor", "password": PASSWORD, "csrf": _csrf(client)})
    page = client.get(f"/incidents/{taken['reference']}")
    assert "AML (wifi):" in page.text and "54.76397, -0.18305 within 50 m" in page.text


def test_the_live_map_rings_each_located_caller_with_its_accuracy_and_incident(client, auth, clock):
    feed, handler, dispatcher = auth[Role.LOCATION_FEED], auth[Role.CALL_HANDLER], auth[Role.DISPATCHER]
    client.post("/api/aml/sms", headers=feed, json={"sender": "07700 900123", "text": VECTORS["GRIDGEARS_VALID_WIFI"]})
    clock.advance(seconds=20)
    newer = client.post("/api/aml/sms", headers=feed,
                        json={"sender": "07700 900123", "text": VECTORS["GRIDGEARS_VALID_WIFI"]}).json()
    taken = helpers.take_call(client, handler, contact_body=helpers.contact(channel="999", caller_number="07700 900123"))
    callers = client.get("/api/map", headers=dispatcher).json()["callers"]
    assert len(callers) == 1  # the newest fix per number
    assert (callers[0]["latitude"], callers[0]["uncertainty_m"], callers[0]["source"]) == (54.76397, 50.0, "aml_sms")
    assert callers[0]["received_at"].startswith(newer["received_at"][:19])
    assert callers[0]["incident_reference"] == taken["reference"]
    assert "caller_number" not in callers[0]
    clock.advance(minutes=31)
    assert client.get("/api/map", headers=dispatcher).json()["callers"] == []  # a stale fix leaves the map
