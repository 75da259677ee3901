"""Hypothesis: whatever the public or a platform sends, the answer is a clear 4xx or success, never a 500."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from demandhub.conversations.adapters import parse_sms, parse_webhook
from demandhub.conversations.signing import BadSignature, signed_headers, verify
from demandhub.errors import Invalid

FAST = hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
                           max_leaves=10)
fields = st.fixed_dictionaries({}, optional={
    "platform": json_values | st.from_regex(r"[a-z]{1,12}", fullmatch=True),
    "message_id": json_values | st.text(min_size=1, max_size=250),
    "sender_id": json_values | st.text(min_size=1, max_size=250),
    "sender_name": json_values, "text": json_values | st.text(max_size=5000), "sent_at": json_values,
    "from": json_values | st.text(max_size=50)})


@FAST
@given(st.binary(max_size=400))
def test_the_webhook_parser_takes_any_bytes_without_crashing(body):
    try:
        parse_webhook(body)
    except Invalid:
        pass


@FAST
@given(fields)
def test_the_webhook_parser_refuses_bad_fields_clearly(data):
    body = json.dumps(data).encode()
    try:
        message = parse_webhook(body)
    except Invalid as exc:
        assert exc.message
    else:
        assert message.text and message.platform and message.sender_id and message.message_id
        assert len(message.text) <= 4000
    try:
        parse_sms(body)
    except Invalid as exc:
        assert exc.message


@FAST
@given(st.text(max_size=30), st.text(max_size=80), st.binary(max_size=100))
def test_signature_checks_only_ever_refuse(timestamp, signature, body):
    from datetime import datetime, timezone

    try:
        verify("secret", {"x-timestamp": timestamp, "x-signature-256": signature}, body,
               now=datetime(2026, 11, 28, tzinfo=timezone.utc))
    except BadSignature:
        return
    raise AssertionError("an arbitrary signature was accepted")


@FAST
@given(fields)
def test_the_signed_webhooks_never_answer_500(client, clock, data):
    body = json.dumps(data).encode()
    for path, secret in (("/api/channels/social/webhook", "social-test-secret"),
                         ("/api/channels/sms/inbound", "sms-test-secret")):
        r = client.post(path, content=body, headers=signed_headers(secret, body, now=clock()))
        assert r.status_code in (200, 202, 422), (path, r.status_code, r.text)


chat_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=2100)


@FAST
@given(name=chat_text, about=chat_text, body=chat_text)
def test_the_chat_forms_never_answer_500(app, client, name, about, body):
    from tests.conversations.helpers import Public

    person = Public(app)
    r = person.start(about=about, name=name)
    assert r.status_code in (303, 422), r.text
    for accept_json in (True, False):
        r = person.send(body, json_reply=accept_json)
        assert r.status_code in (200, 303, 404, 422), r.text  # 404: no chat was started
