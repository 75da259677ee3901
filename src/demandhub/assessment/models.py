from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from demandhub.db import Base, BigId, UTCDateTime


# Records imported from another system carry a placeholder assessment and grading decision
# under this policy name prefix ("import:sandiego"): the source graded them, not THRIVE+, so
# measures of assessment quality leave them out.
IMPORTED_POLICY_PREFIX = "import:"

class Assessment(Base):
    """A THRIVE+ assessment with its National Decision Model record. Never updated: a
    reassessment is the next version for the same contact."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    contact_id: Mapped[int] = mapped_column(sa.ForeignKey("contacts.id"), nullable=False)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    incident_type: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    qualifiers: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    dimensions: Mapped[dict] = mapped_column(sa.JSON, nullable=False)  # name -> {level, rationale}
    vulnerabilities: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    cue_flags: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)  # confirmed by the handler
    cue_flags_removed: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)  # suggested, removed
    ndm: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    recommendation: Mapped[dict] = mapped_column(sa.JSON, nullable=False)  # grade, every rule fired, actions
    recommended_grade: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    policy_name: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    policy_version: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    assessed_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (sa.UniqueConstraint("contact_id", "version", name="uq_assessments_contact_version"),)


class GradingDecision(Base):
    """The handler's decision on a recommendation: accepted, or overridden with a rationale."""

    __tablename__ = "grading_decisions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assessments.id"), nullable=False, unique=True)
    recommended_grade: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    grade: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    overridden: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    override_rationale: Mapped[str | None] = mapped_column(sa.Text)
    policy_name: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    policy_version: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    decided_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
