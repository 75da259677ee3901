"""The public chat is rate-limited per address."""

from __future__ import annotations

import pytest

from demandhub.config import Settings
from tests.conversations.helpers import Public


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path, secret_key="test-secret", outbox_poll_s=0.2, rate_limits={"chat": 2, "chat_start": 1})


def test_too_many_chat_requests_from_one_address_get_429(app, client):
    person = Public(app)
    assert person.start().status_code == 303
    assert person.send("one").status_code == 303
    assert person.send("two").status_code == 303
    r = person.send("three")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert Public(app).start().status_code == 429  # a second chat from this address: starts have their own limit
