"""The public webchat: start, send, end; what the public see of the queue and the handler."""

from __future__ import annotations

import base64
import hashlib
import json

import sqlalchemy as sa

from demandhub import db
from demandhub.audit.models import AuditEntry
from demandhub.contacts.models import Contact
from demandhub.conversations.models import Conversation, Message
from tests.conversations.helpers import Public, csrf_of


def _only(sessions, model):
    with db.unit_of_work(sessions) as s:
        rows = list(s.scalars(sa.select(model)))
        s.expunge_all()
        return rows


def test_the_start_page_says_it_is_not_for_emergencies(client):
    r = client.get("/chat")
    assert r.status_code == 200
    assert "not for emergencies" in r.text and "call 999" in r.text
    assert 'name="about"' in r.text and 'name="name"' in r.text


def test_starting_a_chat_makes_a_contact_with_a_reference_and_keeps_only_a_hash_of_the_token(app, client, sessions):
    person = Public(app)
    r = person.start(about="My neighbour's dog has been barking all night", name="Sam")
    assert r.status_code == 303 and r.headers["location"] == "/chat/session"
    [contact] = _only(sessions, Contact)
    assert contact.channel == "webchat" and contact.caller_name == "Sam"
    assert contact.reference.startswith("CHT-")
    [conversation] = _only(sessions, Conversation)
    [message] = _only(sessions, Message)
    assert message.direction == "in" and message.body == "My neighbour's dog has been barking all night"
    # The browser keeps the secret in its signed session cookie; the database keeps its SHA-256 only.
    payload = person.client.cookies.get("dh_session").split(".")[0]
    token = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))["chat"]
    assert conversation.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    with db.unit_of_work(sessions) as s:
        row = s.execute(sa.select(Conversation.__table__)).one()
        assert token not in [v for v in row if isinstance(v, str)]
    page = person.page()
    assert contact.reference in page.text
    assert "you are number 1" in page.text


def test_start_needs_what_the_chat_is_about_and_writes_nothing_without_it(app, client, sessions):
    person = Public(app)
    r = person.start(about="   ")
    assert r.status_code == 422
    assert "Tell us briefly what your chat is about" in r.text
    r = person.start(about="x" * 2001)
    assert r.status_code == 422 and "2000 characters" in r.text
    r = person.start(about="fine", name="n" * 101)
    assert r.status_code == 422 and "100 characters" in r.text
    assert _only(sessions, Contact) == [] and _only(sessions, Conversation) == []


def test_start_without_the_csrf_token_is_refused(app, client, sessions):
    person = Public(app)
    person.client.get("/chat")
    r = person.client.post("/chat/start", data={"about": "hello"})
    assert r.status_code == 403
    assert _only(sessions, Contact) == []


def test_the_session_page_without_a_chat_goes_to_the_start_page(app, client):
    r = Public(app).client.get("/chat/session", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/chat"


def test_sending_adds_a_message_and_risk_cues_make_it_urgent(app, client, sessions):
    person = Public(app)
    person.start(about="I want to ask about my neighbour")
    [contact] = _only(sessions, Contact)
    assert not contact.urgent
    r = person.send("He said he has a knife and is coming round")
    assert r.status_code == 303
    [contact] = _only(sessions, Contact)
    assert contact.urgent
    bodies = [m.body for m in _only(sessions, Message)]
    assert bodies == ["I want to ask about my neighbour", "He said he has a knife and is coming round"]
    with db.unit_of_work(sessions) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                        .where(AuditEntry.action == "contact.marked_urgent")) == 1
    assert "He said he has a knife" in person.page().text


def test_sending_with_javascript_answers_json_and_empty_messages_are_refused(app, client, sessions):
    person = Public(app)
    person.start()
    r = person.send("  ", json_reply=True)
    assert r.status_code == 422 and "Write a message" in r.json()["detail"]
    r = person.send("", json_reply=False)
    assert r.status_code == 422 and "Write a message" in r.text
    r = person.send("y" * 4001, json_reply=True)
    assert r.status_code == 422
    r = person.send("Is anyone there?", json_reply=True)
    assert r.status_code == 200 and r.json() == {"ok": True, "new_chat": False}
    assert len(_only(sessions, Message)) == 2


def test_sending_without_a_chat_is_sent_to_start(app, client):
    stranger = Public(app)
    stranger.csrf = csrf_of(stranger.client.get("/chat").text)
    assert stranger.send("hello", json_reply=True).status_code == 404
    r = stranger.send("hello")
    assert r.status_code == 303 and r.headers["location"] == "/chat"


def test_the_queue_position_counts_those_ahead(app, client):
    first, second = Public(app), Public(app)
    first.start(about="First in the queue")
    second.start(about="Second in the queue")
    assert "you are number 1 in the queue" in first.page().text
    assert "you are number 2 in the queue" in second.page().text
    third = Public(app)
    third.start(about="There is a man with a knife outside")  # risk cues: ahead of the others
    assert "you are number 1 in the queue" in third.page().text
    assert "you are number 3 in the queue" in second.page().text


def test_ending_an_unanswered_chat_abandons_it(app, client, sessions):
    person = Public(app)
    person.start()
    r = person.end()
    assert r.status_code == 200 and "You have ended the chat" in r.text
    [contact] = _only(sessions, Contact)
    assert contact.ended_at is not None and contact.abandoned
    [conversation] = _only(sessions, Conversation)
    assert conversation.closed_at is not None and conversation.left_at is not None
    assert person.client.get("/chat/session", follow_redirects=False).status_code == 303


def test_ending_a_chat_with_risk_cues_leaves_it_for_a_handler(app, client, sessions):
    person = Public(app)
    person.start(about="I am thinking about suicide")
    person.end()
    [contact] = _only(sessions, Contact)
    assert contact.ended_at is None and contact.urgent
    [conversation] = _only(sessions, Conversation)
    assert conversation.left_at is not None and conversation.closed_at is None
