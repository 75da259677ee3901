"""Handlers take conversations from the one queue, hold several at once, reply and end them."""

from __future__ import annotations

import sqlalchemy as sa

from demandhub import db
from demandhub.audit.models import AuditEntry
from demandhub.auth.roles import Role
from demandhub.contacts.models import Contact
from tests.conversations.helpers import Public, page_login


def _contact_ids(sessions) -> list[int]:
    with db.unit_of_work(sessions) as s:
        return list(s.scalars(sa.select(Contact.id).order_by(Contact.id)))


def _chat(app, sessions, about="Someone keeps parking across my drive.") -> tuple[Public, int]:
    person = Public(app)
    assert person.start(about=about).status_code == 303
    return person, _contact_ids(sessions)[-1]


def _actions(sessions, action: str) -> int:
    with db.unit_of_work(sessions) as s:
        return s.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


def test_a_handler_takes_a_chat_replies_and_the_public_see_it(app, client, sessions, handler, clock):
    person, cid = _chat(app, sessions)
    clock.advance(seconds=75)
    r = client.post(f"/api/conversations/{cid}/take", headers=handler)
    assert r.status_code == 200 and r.json()["handler_id"] is not None
    assert "You are chatting with Call handler" in person.page().text  # the role, not a full name
    clock.advance(seconds=15)
    r = client.post(f"/api/conversations/{cid}/messages", json={"body": "Hello Sam, I can help."}, headers=handler)
    assert r.status_code == 201 and r.json()["delivery"] == "sent"
    page = person.page().text
    assert "Hello Sam, I can help." in page
    got = client.get(f"/api/conversations/{cid}", headers=handler).json()
    assert [m["direction"] for m in got["messages"]] == ["in", "out"]
    assert got["answered_at"] == "2026-11-28T10:01:30Z"  # first response: the first reply, not the take
    assert _actions(sessions, "conversation.taken") == 1 and _actions(sessions, "conversation.replied") == 1


def test_the_first_response_is_measured_once(app, client, sessions, handler, clock):
    _, cid = _chat(app, sessions)
    clock.advance(seconds=30)
    client.post(f"/api/conversations/{cid}/messages", json={"body": "First"}, headers=handler)
    clock.advance(minutes=5)
    client.post(f"/api/conversations/{cid}/messages", json={"body": "Second"}, headers=handler)
    got = client.get(f"/api/conversations/{cid}", headers=handler).json()
    assert got["answered_at"] == "2026-11-28T10:00:30Z"
    assert _actions(sessions, "contact.first_response") == 1
    queue = client.get("/api/conversations/queue", headers=handler).json()
    assert queue["median_first_response_today_s"] == 30.0 and queue["answered_today"] == 1
    assert queue["rows"][0]["wait_s"] == 30.0


def test_a_handler_holds_several_conversations_at_once(app, client, sessions, handler):
    ids = [_chat(app, sessions, about=f"Chat number {n}")[1] for n in range(3)]
    for cid in ids:
        assert client.post(f"/api/conversations/{cid}/take", headers=handler).status_code == 200
    mine = client.get("/api/conversations/mine", headers=handler).json()
    assert [c["contact_id"] for c in mine] == ids
    for cid in ids:
        assert client.post(f"/api/conversations/{cid}/messages", json={"body": f"Reply to {cid}"},
                           headers=handler).status_code == 201
    for cid in ids:
        bodies = [m["body"] for m in client.get(f"/api/conversations/{cid}", headers=handler).json()["messages"]]
        assert bodies[-1] == f"Reply to {cid}" and all(f"Reply to {o}" not in bodies for o in ids if o != cid)


def test_one_handler_cannot_take_or_answer_what_another_holds(app, client, sessions, auth):
    _, cid = _chat(app, sessions)
    me, other = auth[Role.CALL_HANDLER], auth[Role.RESOLUTION_OFFICER]
    assert client.post(f"/api/conversations/{cid}/take", headers=me).status_code == 200
    r = client.post(f"/api/conversations/{cid}/take", headers=other)
    assert r.status_code == 409 and "already holds" in r.json()["detail"]
    assert client.post(f"/api/conversations/{cid}/messages", json={"body": "hi"}, headers=other).status_code == 409
    assert client.post(f"/api/conversations/{cid}/end", headers=other).status_code == 409
    assert client.post(f"/api/conversations/{cid}/release", headers=other).status_code == 409
    assert client.post(f"/api/conversations/{cid}/release", headers=me).status_code == 200
    assert client.post(f"/api/conversations/{cid}/take", headers=other).status_code == 200


def test_take_next_takes_emergency_then_urgent_then_oldest(app, client, sessions, handler, clock):
    from tests.conversations.helpers import sms

    _, plain = _chat(app, sessions, about="Old question about a lost wallet")
    clock.advance(minutes=1)
    _, urgent = _chat(app, sessions, about="My ex is threatening me with a knife")
    clock.advance(minutes=1)
    assert sms(client, now=clock(), text="Please help, I cannot speak").status_code == 202
    emergency = _contact_ids(sessions)[-1]
    order = [client.post("/api/conversations/next", headers=handler).json()["contact_id"] for _ in range(3)]
    assert order == [emergency, urgent, plain]
    r = client.post("/api/conversations/next", headers=handler)
    assert r.status_code == 404 and "no conversation is waiting" in r.json()["detail"]


def test_ending_a_conversation_ends_the_contact_and_the_public_are_told(app, client, sessions, handler):
    person, cid = _chat(app, sessions)
    client.post(f"/api/conversations/{cid}/messages", json={"body": "Done, take care."}, headers=handler)
    r = client.post(f"/api/conversations/{cid}/end", headers=handler)
    assert r.status_code == 200 and r.json()["open"] is False
    assert client.post(f"/api/conversations/{cid}/end", headers=handler).status_code == 409
    assert client.post(f"/api/conversations/{cid}/messages", json={"body": "x"}, headers=handler).status_code == 409
    assert cid not in [row["contact_id"] for row in client.get("/api/conversations/queue", headers=handler).json()["rows"]]
    assert "This chat has ended" in person.page().text
    # A message after the end starts a new chat: a new contact with a new reference.
    assert person.send("Sorry, one more thing").status_code == 303
    new = _contact_ids(sessions)[-1]
    assert new != cid
    got = client.get(f"/api/conversations/{new}", headers=handler).json()
    assert got["open"] and [m["body"] for m in got["messages"]] == ["Sorry, one more thing"]
    assert "you are number 1" in person.page().text


def test_replies_are_refused_when_empty_or_the_chat_was_left(app, client, sessions, handler):
    person, cid = _chat(app, sessions, about="He hit me and I am scared")  # risk cues: kept when they leave
    assert client.post(f"/api/conversations/{cid}/messages", json={"body": ""}, headers=handler).status_code == 422
    assert client.post(f"/api/conversations/{cid}/messages", json={"body": "   "},
                       headers=handler).status_code == 422
    person.end()
    r = client.post(f"/api/conversations/{cid}/messages", json={"body": "Are you there?"}, headers=handler)
    assert r.status_code == 409 and "ended the chat" in r.json()["detail"]
    assert client.post(f"/api/conversations/{cid}/end", headers=handler).status_code == 200


def test_no_conversation_for_an_unknown_contact_or_a_voice_call(client, handler):
    assert client.get("/api/conversations/999999", headers=handler).status_code == 404
    from tests.helpers import contact

    cid = client.post("/api/contacts", json=contact(), headers=handler).json()["id"]
    r = client.post(f"/api/conversations/{cid}/take", headers=handler)
    assert r.status_code == 404 and "no conversation" in r.json()["detail"]


def test_who_may_do_what(app, client, sessions, auth):
    _, cid = _chat(app, sessions)
    reviewer, dispatcher, analyst = auth[Role.QUALITY_REVIEWER], auth[Role.DISPATCHER], auth[Role.ANALYST]
    assert client.get(f"/api/conversations/{cid}", headers=reviewer).status_code == 200  # reading
    assert client.get("/api/conversations/queue", headers=dispatcher).status_code == 200
    assert client.post(f"/api/conversations/{cid}/take", headers=reviewer).status_code == 403
    assert client.post(f"/api/conversations/{cid}/take", headers=dispatcher).status_code == 403
    assert client.get(f"/api/conversations/{cid}", headers=analyst).status_code == 403
    assert client.get(f"/api/conversations/{cid}").status_code == 401


def test_the_pages_take_reply_and_end(app, client, sessions, users):
    person, cid = _chat(app, sessions, about="Someone is following me home")
    csrf = page_login(client, "call-handler")
    queue = client.get("/digital")
    assert queue.status_code == 200 and "Digital queue" in queue.text and f"/digital/conversations/{cid}" in queue.text
    assert "1</span> waiting" in queue.text
    r = client.post(f"/digital/conversations/{cid}/take", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/digital/console#pane-{cid}"
    console = client.get("/digital/console")
    assert console.status_code == 200 and f'id="pane-{cid}"' in console.text
    assert f'href="/calls/new?contact={cid}"' in console.text and "End conversation" in console.text
    r = client.post(f"/digital/conversations/{cid}/reply", data={"csrf": csrf, "body": "Where are you now?"},
                    headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.json()["delivery"] == "sent"
    assert "Where are you now?" in client.get(f"/digital/conversations/{cid}/history").text
    assert "Where are you now?" in person.page().text
    r = client.post(f"/digital/conversations/{cid}/end", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert "Nothing waiting" in client.get("/digital/rows").text
    r = client.post("/digital/console/next", data={"csrf": csrf}, follow_redirects=False)
    assert r.headers["location"] == "/digital/console?notice=nobody-waiting"
    assert "Nobody is waiting" in client.get(r.headers["location"]).text


def test_page_forms_need_the_csrf_token(app, client, sessions, users):
    _, cid = _chat(app, sessions)
    page_login(client, "call-handler")
    assert client.post(f"/digital/conversations/{cid}/take", data={}).status_code == 403
    assert _actions(sessions, "conversation.taken") == 0


def test_text_relay_is_taken_on_the_call_screen(client, users):
    """Relay UK (18000) is a voice-style call: the call screen offers it as a channel of its own."""
    page_login(client, "call-handler")
    page = client.get("/calls/new").text
    assert 'value="text_relay"' in page and "Text relay (18000)" in page


def test_a_chat_graded_restricted_stays_with_its_handler_and_no_one_else_without_the_right(
        app, client, sessions, auth, users):
    from tests.helpers import assessment

    _, cid = _chat(app, sessions, about="My stepfather touches me when mum is out")
    handler, other = auth[Role.CALL_HANDLER], auth[Role.RESOLUTION_OFFICER]  # both take contacts; neither restricted
    client.post(f"/api/conversations/{cid}/messages", json={"body": "You did the right thing telling us."},
                headers=handler)
    r = client.post("/api/calls", headers=handler, json={
        "contact_id": cid, "assessment": assessment("crime.child_abuse"), "decision": {"decision": "accept"}})
    assert r.status_code == 201 and r.json()["restricted"]
    assert client.get(f"/api/conversations/{cid}", headers=handler).status_code == 200  # who answered it still does
    assert client.post(f"/api/conversations/{cid}/messages", json={"body": "Are you safe now?"},
                       headers=handler).status_code == 201
    for action in ("take", "release", "end"):
        assert client.post(f"/api/conversations/{cid}/{action}", headers=other).status_code == 403, action
    assert client.post(f"/api/conversations/{cid}/messages", json={"body": "x"}, headers=other).status_code == 403
    assert client.get(f"/api/conversations/{cid}", headers=auth[Role.SUPERVISOR]).status_code == 200
    page_login(client, "call-handler")
    assert client.get("/digital/console").status_code == 200  # and their console still opens
