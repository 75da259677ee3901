"""The restricted-incident rule for the scene routes: every view of a restricted incident (or a
refused one) is audited, and a refusal commits its audit entry before the 403."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request

from demandhub.auth.roles import Actor
from demandhub.http import now, transaction
from demandhub.incidents import service as incidents
from demandhub.incidents.models import Incident

T = TypeVar("T")


def change(request: Request, actor: Actor, incident_id: int, use_case: Callable[..., T], **kwargs) -> T:
    """Run a use case on an incident the actor may see; refuse (audited) one they may not."""
    with transaction(request) as session:
        incident = incidents.get_incident(session, incident_id)
        if incidents.record_view(session, incident=incident, actor=actor, now=now(request)):
            return use_case(session, incident_id=incident_id, actor=actor, now=now(request), **kwargs)
    raise incidents.refused(incident, actor)


def may_read(request: Request, actor: Actor, incident: Incident) -> bool:
    """Whether the actor may see this incident's scene; restricted views audited either way."""
    if not incident.restricted:
        return True
    with transaction(request) as session:
        return incidents.record_view(session, incident=incidents.get_incident(session, incident.id), actor=actor,
                                     now=now(request))
