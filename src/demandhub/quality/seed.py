"""Demo data for quality review: this month's sample, and one review already done so the
handler has feedback and the report has something to show. Made through the use cases."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.assessment.loader import load_default_policy
from demandhub.auth import service as accounts
from demandhub.quality import service
from demandhub.quality.checklist import load_checklist
from demandhub.quality.models import QualitySample

DEMO_SEED = 2026


def seed_demo(session: Session, *, now: datetime, users: dict, tz: str = "Europe/London") -> bool:
    """Returns whether anything was made (nothing if a sample exists already)."""
    if session.scalar(sa.select(sa.func.count()).select_from(QualitySample)):
        return False
    supervisor, reviewer = users.get("supervisor"), users.get("reviewer")
    if supervisor is None or reviewer is None:
        return False
    start, end = service.month_of(now.astimezone(ZoneInfo(tz)).date())
    drawn = service.draw_sample(session, period_start=start, period_end=end, seed=DEMO_SEED, per_handler=3,
                                double_share=0.10, risk_at_least=None,
                                levels=tuple(load_default_policy().levels), tz=tz,
                                actor=accounts.actor_of(supervisor), now=now)
    mine = [r for r in drawn.reviews if r.reviewer_id == reviewer.id]
    if mine:
        checklist = load_checklist()
        answers = {code: "yes" for code in checklist.codes}
        answers["safeguarding_done"] = "partly"
        service.submit_review(session, review_id=mine[0].id, answers=answers,
                              comment="Clear THRIVE+ rationale and a kind, calm manner. Say what safeguarding "
                                      "advice was given, not only that it was.",
                              checklist=checklist, actor=accounts.actor_of(reviewer), now=now)
    return True
