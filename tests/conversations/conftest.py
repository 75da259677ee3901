from __future__ import annotations

import pytest

from demandhub.config import Settings
from tests.conversations.helpers import SMS_SECRET, SOCIAL_SECRET


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path, secret_key="test-secret", outbox_poll_s=0.2,
                    social_webhook_secret=SOCIAL_SECRET, sms_webhook_secret=SMS_SECRET,
                    rate_limits={"chat": 1000, "chat_start": 1000, "page": 1000, "webhook": 1000})
