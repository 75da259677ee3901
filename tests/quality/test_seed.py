"""The demo's quality data: made through the use cases, once."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import sqlalchemy as sa

from demandhub import db, demo
from demandhub.assessment.loader import load_default_policy
from demandhub.incidents import service as incidents
from demandhub.quality import seed
from demandhub.quality.models import QualityReview, QualitySample


def test_the_demo_sample_is_made_once_with_one_review_done(sessions, clock):
    with db.unit_of_work(sessions) as s:
        users = demo.ensure_demo_users(s, now=clock())
        demo.seed_incidents(s, policy=load_default_policy(), now=clock(),
                            numbering=incidents.Numbering(prefix="INC", tz=ZoneInfo("Europe/London")))
    with db.unit_of_work(sessions) as s:
        assert seed.seed_demo(s, now=clock(), users=users) is True
    with db.unit_of_work(sessions) as s:
        assert seed.seed_demo(s, now=clock(), users=users) is False
    with sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(QualitySample)) == 1
        statuses = list(s.scalars(sa.select(QualityReview.status)))
    assert statuses.count("done") == 1 and statuses.count("open") >= 1
