"""One-time share links: sent by SMS, claimed by the first browser, refused to any other, expired,
withdrawn; every step in the incident's log and the audit trail."""

from __future__ import annotations

import hashlib
import re

import sqlalchemy as sa

from demandhub import db
from demandhub.audit.models import AuditEntry
from demandhub.auth.roles import Role
from demandhub.incidents.models import TimelineEntry
from demandhub.scene.models import ShareLink
from demandhub.sms import SmsResult
from tests.conftest import PASSWORD
from tests.scene.conftest import CALLER, csrf_of, open_link, position


def _links(sessions) -> list[ShareLink]:
    with db.unit_of_work(sessions) as s:
        return list(s.scalars(sa.select(ShareLink).order_by(ShareLink.id)))


def _timeline(sessions, incident_id) -> list[str]:
    with db.unit_of_work(sessions) as s:
        return [t.text for t in s.scalars(sa.select(TimelineEntry).where(TimelineEntry.incident_id == incident_id)
                                          .order_by(TimelineEntry.id))]


def _audit(sessions, prefix="scene.") -> list[str]:
    with db.unit_of_work(sessions) as s:
        return [a.action for a in s.scalars(sa.select(AuditEntry).where(AuditEntry.action.startswith(prefix))
                                             .order_by(AuditEntry.seq))]


def test_a_link_is_texted_to_the_caller_saying_who_it_is_from_and_only_its_hash_is_kept(app, send_link, incident,
                                                                                           sessions):
    link, path = send_link()
    assert link["to"] == CALLER and link["state"] == "waiting" and link["sms_accepted"] is True
    sms = app.state.sms.sent[-1]
    assert sms.to == CALLER
    assert "Demoshire Police" in sms.body and incident["reference"] in sms.body
    assert "location" in sms.body and "photos" in sms.body and path in sms.body
    token = path.removeprefix("/s/")
    assert len(token) >= 32
    [row] = _links(sessions)
    assert row.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    with db.unit_of_work(sessions) as s:  # the token itself is nowhere in the database
        dumped = " ".join(str(v) for r in s.execute(sa.select(ShareLink.__table__)).all() for v in r)
    assert token not in dumped
    assert "token" not in link and token not in str(link)
    log = _timeline(sessions, incident["id"])
    assert any("Share-the-scene link made for +447700900123" in t for t in log)
    assert any("Share link texted to +447700900123" in t for t in log)
    assert _audit(sessions) == ["scene.link_created", "scene.link_sent"]


def test_the_first_open_claims_the_link_and_any_other_browser_is_told_it_was_used(send_link, browser, sessions,
                                                                                     incident):
    link, path = send_link()
    phone, other = browser(), browser()
    first = open_link(phone, path)
    assert first.status_code == 200
    assert incident["reference"] in first.text and "Share my location" in first.text
    assert first.headers["cache-control"] == "no-store" and first.headers["referrer-policy"] == "no-referrer"
    again = phone.get(path, headers={"Accept": "text/html"})  # a reload on the same phone still works
    assert again.status_code == 200
    refused = open_link(other, path)
    assert refused.status_code == 410
    assert "this link has already been used — ask the call handler for a new one" in refused.text.lower()
    assert "Share my location" not in refused.text
    [row] = _links(sessions)
    assert row.claimed_at is not None and row.claim_sha256
    assert any("was opened; that browser may share" in t for t in _timeline(sessions, incident["id"]))
    assert _audit(sessions)[-2:] == ["scene.link_opened", "scene.link_refused"]


def test_looking_at_a_link_claims_nothing_so_a_link_preview_cannot_use_it_up(send_link, browser, sessions):
    _, path = send_link()
    preview, phone = browser(), browser()
    looked = preview.get(path, headers={"Accept": "text/html"})  # a messaging app fetching a preview
    assert looked.status_code == 200 and "Start" in looked.text and "Share my location" not in looked.text
    assert _links(sessions)[0].claimed_at is None
    assert open_link(phone, path).status_code == 200  # the caller still gets it
    assert preview.post(path + "/start", data={"csrf": csrf_of(looked.text)}, headers={"Accept": "text/html"}).status_code == 410
    assert preview.post(path + "/start", data={}, headers={"Accept": "text/html"}).status_code == 403  # Start needs the form


def test_a_link_not_opened_in_time_has_expired(send_link, browser, clock, settings):
    _, path = send_link()
    clock.advance(minutes=settings.scene_link_minutes, seconds=1)
    r = browser().get(path, headers={"Accept": "text/html"})
    assert r.status_code == 410 and "this link has expired" in r.text.lower()


def test_a_link_opened_in_time_works_until_sharing_ends(opened, clock, settings):
    phone, csrf, _ = opened
    clock.advance(minutes=settings.scene_link_minutes + 1)  # past opening time: still sharing
    assert position(phone, csrf, clock).status_code == 201
    clock.advance(minutes=settings.scene_share_minutes)
    r = position(phone, csrf, clock)
    assert r.status_code == 410 and "sharing through this link has ended" in r.json()["detail"]


def test_the_handler_can_withdraw_a_link_before_or_after_it_is_opened(client, handler, send_link, browser, opened,
                                                                      clock, incident, sessions):
    phone, csrf, link = opened
    r = client.post(f"/api/incidents/{incident['id']}/scene-links/{link['id']}/revoke", headers=handler)
    assert r.status_code == 200 and r.json()["state"] == "withdrawn"
    r = position(phone, csrf, clock)
    assert r.status_code == 410 and "withdrawn" in r.json()["detail"]
    assert client.post(f"/api/incidents/{incident['id']}/scene-links/{link['id']}/revoke",
                       headers=handler).status_code == 409
    unopened, path = send_link()
    client.post(f"/api/incidents/{incident['id']}/scene-links/{unopened['id']}/revoke", headers=handler)
    r = browser().get(path, headers={"Accept": "text/html"})
    assert r.status_code == 410 and "withdrawn by the control room" in r.text.lower()
    assert any("withdrawn" in t for t in _timeline(sessions, incident["id"]))


def test_a_link_of_another_incident_cannot_be_withdrawn_from_this_one(client, handler, send_link, incident):
    from tests.helpers import take_call

    other = take_call(client, handler)
    link, _ = send_link()
    r = client.post(f"/api/incidents/{other['id']}/scene-links/{link['id']}/revoke", headers=handler)
    assert r.status_code == 404


def test_an_unknown_or_mangled_link_is_a_clear_404(browser):
    phone = browser()
    for path in ("/s/nothing-like-a-token", "/s/" + "x" * 300):
        r = phone.get(path, headers={"Accept": "text/html"})
        assert r.status_code == 404 and "not one of ours" in r.text.lower()


def test_a_bad_number_or_a_closed_incident_is_refused_and_nothing_is_sent(client, handler, incident, app, sessions):
    before = len(app.state.sms.sent)
    r = client.post(f"/api/incidents/{incident['id']}/scene-links", json={"to": "not a number"}, headers=handler)
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "to"
    client.post(f"/api/incidents/{incident['id']}/close", json={"closing_code": "no_crime_advice_given"},
                headers=handler)
    r = client.post(f"/api/incidents/{incident['id']}/scene-links", json={"to": CALLER}, headers=handler)
    assert r.status_code == 409
    assert client.post("/api/incidents/999999/scene-links", json={"to": CALLER}, headers=handler).status_code == 404
    assert len(app.state.sms.sent) == before and _links(sessions) == []


class Refusing:
    name = "refusing"

    def send(self, *, to, body):
        return SmsResult(accepted=False, provider_id=None, status="refused",
                         detail="Twilio error 21211: The 'To' number is not a valid phone number.")


class Broken:
    name = "broken"

    def send(self, *, to, body):
        raise RuntimeError("a gateway that breaks its promise never to raise")


def test_a_text_the_gateway_did_not_send_withdraws_its_link_and_says_why(client, handler, incident, app, sessions):
    for gateway, why in ((Refusing(), "21211"), (Broken(), "RuntimeError")):
        app.state.sms = gateway
        r = client.post(f"/api/incidents/{incident['id']}/scene-links", json={"to": CALLER}, headers=handler)
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["sms_accepted"] is False and body["state"] == "withdrawn" and why in body["sms_detail"]
    assert any("Share link NOT sent" in t and "21211" in t for t in _timeline(sessions, incident["id"]))
    assert all(link.revoked_at is not None for link in _links(sessions))


def _login(client, username="call-handler") -> str:
    client.cookies.clear()
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    r = client.post("/login", data={"username": username, "password": PASSWORD, "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get("/account").text).group(1)  # a new session


def test_the_incident_page_form_sends_a_link_and_the_panel_shows_the_demo_text(client, users, incident, app):
    csrf = _login(client)
    ref = incident["reference"]
    page = client.get(f"/incidents/{ref}")
    assert f'data-live-src="/incidents/{ref}/scene-panel"' in page.text
    panel = client.get(f"/incidents/{ref}/scene-panel")
    assert panel.status_code == 200 and 'value="+447700900123"' in panel.text  # prefilled from the contact
    r = client.post(f"/incidents/{ref}/scene-links", data={"to": "07700 900123", "csrf": csrf},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/incidents/{ref}#scene"
    panel = client.get(f"/incidents/{ref}/scene-panel").text
    path = re.search(r"/s/[A-Za-z0-9_-]{32,}", app.state.sms.sent[-1].body).group(0)
    assert "Demo SMS gateway: not sent — the link is" in panel and path in panel
    assert "Not opened yet" in panel and "Withdraw" in panel
    link_id = re.search(r'data-link="(\d+)"', panel).group(1)
    r = client.post(f"/incidents/{ref}/scene-links/{link_id}/revoke", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    panel = client.get(f"/incidents/{ref}/scene-panel").text
    assert "Withdrawn" in panel and "Demo SMS gateway" not in panel  # a withdrawn link is not offered


def test_who_may_send_read_and_withdraw(client, auth, incident, send_link):
    iid = incident["id"]
    for role in (Role.QUALITY_REVIEWER, Role.ANALYST, Role.FIELD_UNIT):
        r = client.post(f"/api/incidents/{iid}/scene-links", json={"to": CALLER}, headers=auth[role])
        assert r.status_code == 403, role
    link, _ = send_link(headers=auth[Role.DISPATCHER])  # dispatchers update incidents too
    assert client.get(f"/api/incidents/{iid}/scene-links", headers=auth[Role.QUALITY_REVIEWER]).status_code == 200
    assert client.get(f"/api/incidents/{iid}/scene-links", headers=auth[Role.FIELD_UNIT]).status_code == 403
    assert client.post(f"/api/incidents/{iid}/scene-links/{link['id']}/revoke",
                       headers=auth[Role.QUALITY_REVIEWER]).status_code == 403


def test_a_restricted_incident_shows_its_scene_only_to_those_allowed(client, auth, handler, users):
    from tests.helpers import assessment, contact, take_call

    restricted = take_call(client, handler, contact_body=contact("My daughter told me her uncle touched her"),
                           assessment_body=assessment("crime.sexual_offence", "medium"))
    other_handler = auth[Role.DISPATCHER]
    r = client.get(f"/api/incidents/{restricted['id']}/scene-links", headers=other_handler)
    assert r.status_code == 403
    r = client.post(f"/api/incidents/{restricted['id']}/scene-links", json={"to": CALLER}, headers=other_handler)
    assert r.status_code == 403
    assert client.get(f"/api/incidents/{restricted['id']}/scene-links", headers=handler).status_code == 200


def test_of_two_phones_opening_the_link_at_once_exactly_one_gets_it(send_link, browser):
    from concurrent.futures import ThreadPoolExecutor

    _, path = send_link()
    phones = [browser() for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        codes = sorted(pool.map(lambda p: open_link(p, path).status_code, phones))
    assert codes == [200, 410, 410, 410]
