"""One-time share links: made by a handler for an incident, sent by SMS, claimed by the first
browser that opens them, withdrawn by a handler. Use cases run in the caller's transaction.

Why single-use and bound to one browser: the link travels by SMS and can be forwarded, seen
over a shoulder or read from a lock screen. Whoever opens it first is the one sharing; anyone
else with the same address is told it has been used, and the handler sees when it was opened.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.audit import service as audit
from demandhub.auth.roles import Actor
from demandhub.contacts import phone
from demandhub.contacts.models import Contact
from demandhub.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from demandhub.events import service as events
from demandhub.incidents import service as incidents
from demandhub.incidents.lifecycle import Status
from demandhub.incidents.models import Incident, IncidentContact
from demandhub.scene.models import ShareLink
from demandhub.sms import SmsResult

TOPIC = "scene"
TOKEN_BYTES = 32  # 43 URL-safe characters: not guessable, short enough for one SMS
MAX_TOKEN_CHARS = 100

ALREADY_USED = "this link has already been used — ask the call handler for a new one"
EXPIRED = "this link has expired — ask the call handler for a new one"
WITHDRAWN = "this link was withdrawn by the control room — ask the call handler for a new one"
ENDED = "sharing through this link has ended — ask the call handler for a new one"
UNKNOWN = "this link is not one of ours, or it was copied wrongly — check the text message"


class LinkGone(DomainError):
    """The link can no longer be used (expired, used by another browser, withdrawn): 410."""

    status_code = 410


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def announce(session: Session, link: ShareLink, *, kind: str, now: datetime) -> None:
    """Live event for screens showing this incident's scene panel (re-read, never forwarded)."""
    events.publish(session, topic=TOPIC, kind=kind, at=now, payload={"id": link.incident_id, "link_id": link.id})


@dataclass(frozen=True)
class NewLink:
    link: ShareLink
    token: str  # only ever in the SMS: the database keeps its hash
    reference: str


def incident_numbers(session: Session, incident_id: int) -> list[tuple[int, str]]:
    """(contact id, E.164 number) of the incident's contacts that came with a number, first first."""
    rows = session.execute(sa.select(Contact.id, Contact.caller_number)
                           .join(IncidentContact, IncidentContact.contact_id == Contact.id)
                           .where(IncidentContact.incident_id == incident_id)
                           .order_by(IncidentContact.linked_at, Contact.id)).all()
    return [(r.id, r.caller_number) for r in rows if r.caller_number]


def _first_contact(session: Session, incident_id: int) -> int | None:
    return session.scalar(sa.select(IncidentContact.contact_id).where(IncidentContact.incident_id == incident_id)
                          .order_by(IncidentContact.linked_at, IncidentContact.contact_id).limit(1))


def create_link(session: Session, *, incident_id: int, to: str, region: str, lifetime: timedelta, actor: Actor,
                now: datetime) -> NewLink:
    """A new link for the incident, to be sent to `to`. The SMS goes after this commits (the
    gateway may take seconds; no lock is held meanwhile); `record_sms` notes what it said."""
    incident = incidents.get_incident(session, incident_id, for_update=True)
    if incident.status == Status.CLOSED:
        raise Conflict(f"incident {incident.reference} is closed; a share link is for a live incident")
    try:
        number = phone.normalise(to, region=region)
    except phone.BadNumber as exc:
        raise Invalid(f"the caller's number: {exc}", problems=[{"field": "to", "message": str(exc)}]) from None
    if len(number) > 20:
        raise Invalid("the caller's number is too long", problems=[{"field": "to", "message": "too long"}])
    known = dict((n, cid) for cid, n in reversed(incident_numbers(session, incident.id)))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = ShareLink(incident_id=incident.id, contact_id=known.get(number) or _first_contact(session, incident.id),
                     to_number=number, token_sha256=digest(token), created_at=now, created_by=actor.id,
                     expires_at=now + lifetime, sms_status="pending", positions=0, uploads=0)
    session.add(link)
    session.flush()
    minutes = round(lifetime.total_seconds() / 60)
    incidents.trace(session, incident, actor=actor, now=now, action="scene.link_created", kind="scene",
                    text=f"Share-the-scene link made for {number} (opens once, within {minutes} minutes).",
                    data={"link_id": link.id, "to": number, "expires_at": link.expires_at.isoformat()})
    announce(session, link, kind="scene.link_created", now=now)
    return NewLink(link, token, incident.reference or "")


def message_text(*, force_name: str, reference: str, url: str, minutes: int) -> str:
    """The SMS: who it is from, what it is for, that it is one-time, and that nothing is shared
    without the caller's say-so (a text with a link from 'the police' must look like ours)."""
    return (f"{force_name}: the control room dealing with your call ({reference}) asks you to share your "
            f"location, and photos or video if it is safe to, from your phone. Open {url} — it works once, "
            f"for {minutes} minutes. Nothing is shared until you choose to.")


def record_sms(session: Session, *, link_id: int, result: SmsResult, gateway: str, actor: Actor,
               now: datetime) -> ShareLink:
    """What the gateway said. A text that was not sent cannot be opened: its link is withdrawn."""
    link = get_link(session, link_id, for_update=True)
    incident = incidents.get_incident(session, link.incident_id, for_update=True)
    link.sms_status = (result.status or ("sent" if result.accepted else "failed"))[:30]
    link.sms_provider_id = (result.provider_id or None) and result.provider_id[:64]
    link.sms_detail = (result.detail or None) and result.detail[:500]
    data = {"link_id": link.id, "to": link.to_number, "gateway": gateway, "accepted": result.accepted,
            "status": link.sms_status, "provider_id": link.sms_provider_id}
    if result.accepted:
        sent = "logged by the demo gateway, not sent" if gateway == "logging" else f"accepted by {gateway}"
        text = f"Share link texted to {link.to_number} ({sent}: {link.sms_status})."
        incidents.trace(session, incident, actor=actor, now=now, action="scene.link_sent", kind="scene", text=text,
                        data=data)
    else:
        link.revoked_at, link.revoked_by, link.revoked_reason = now, actor.id, "the text message was not sent"
        incidents.trace(session, incident, actor=actor, now=now, action="scene.link_not_sent", kind="scene",
                        text=f"Share link NOT sent to {link.to_number}: {result.detail or link.sms_status}. "
                             "Check the number and send a new one.", data={**data, "detail": link.sms_detail})
    announce(session, link, kind="scene.link_sent", now=now)
    return link


def get_link(session: Session, link_id: int, *, for_update: bool = False) -> ShareLink:
    stmt = sa.select(ShareLink).where(ShareLink.id == link_id)
    link = session.scalar(stmt.with_for_update() if for_update else stmt)
    if link is None:
        raise NotFound(f"share link {link_id} not found")
    return link


def links_for(session: Session, incident_id: int) -> list[ShareLink]:
    return list(session.scalars(sa.select(ShareLink).where(ShareLink.incident_id == incident_id)
                                .order_by(ShareLink.created_at.desc(), ShareLink.id.desc())))


def revoke(session: Session, *, incident_id: int, link_id: int, actor: Actor, now: datetime,
           reason: str = "withdrawn by the handler") -> ShareLink:
    link = get_link(session, link_id, for_update=True)
    if link.incident_id != incident_id:
        raise NotFound(f"share link {link_id} is not one of this incident's")
    if link.revoked_at is not None:
        raise Conflict(f"share link {link_id} was already withdrawn")
    incident = incidents.get_incident(session, incident_id, for_update=True)
    link.revoked_at, link.revoked_by, link.revoked_reason = now, actor.id, reason[:200]
    incidents.trace(session, incident, actor=actor, now=now, action="scene.link_revoked", kind="scene",
                    text=f"Share link to {link.to_number} withdrawn: it no longer opens or takes anything.",
                    data={"link_id": link.id})
    announce(session, link, kind="scene.link_revoked", now=now)
    return link


def state(link: ShareLink, now: datetime) -> str:
    """waiting | sharing | withdrawn | expired | ended, as the handler's panel says it."""
    if link.revoked_at is not None:
        return "withdrawn"
    if link.claimed_at is None:
        return "expired" if now >= link.expires_at else "waiting"
    return "ended" if now >= link.share_until else "sharing"


@dataclass(frozen=True)
class Opening:
    link: ShareLink | None
    incident: Incident | None
    claim: str | None  # a new claim secret, for the session cookie, when this open claimed the link
    refusal: str | None  # why the page cannot be shown (the route commits the audit entry, then says so)
    status_code: int = 200
    unopened: bool = False  # looked at without claiming (claim=False): the caller has yet to press Start


def open_link(session: Session, *, token: str, held_claim: str | None, share_for: timedelta, actor: Actor,
              now: datetime, claim: bool = True) -> Opening:
    """The caller opens the link. The first open claims it for this browser; the same browser
    may open it again while sharing lasts; any other browser, or after expiry, is refused.
    Refusals are audited too and returned (not raised) so their audit entry commits.

    With `claim=False` a link nobody has claimed is only looked at (`unopened`): a link preview
    or a URL scanner fetching the address must not use up the caller's one open."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return Opening(None, None, None, UNKNOWN, 404)
    link = session.scalar(sa.select(ShareLink).where(ShareLink.token_sha256 == digest(token)).with_for_update())
    if link is None:
        return Opening(None, None, None, UNKNOWN, 404)

    def refuse(why: str, reason: str) -> Opening:
        audit.append(session, actor=actor.username, action="scene.link_refused", entity_type="share_link",
                     entity_id=link.id, at=now, details={"reason": reason})
        return Opening(link, None, None, why, 410)

    if link.revoked_at is not None:
        return refuse(WITHDRAWN, "withdrawn")
    if link.claimed_at is not None:
        if held_claim and link.claim_sha256 and secrets.compare_digest(digest(held_claim), link.claim_sha256):
            if now >= link.share_until:
                return refuse(ENDED, "sharing ended")
            link.last_seen_at = now
            return Opening(link, incidents.get_incident(session, link.incident_id), None, None)
        return refuse(ALREADY_USED, "already used by another browser")
    if now >= link.expires_at:
        return refuse(EXPIRED, "expired before it was opened")
    if not claim:
        return Opening(link, incidents.get_incident(session, link.incident_id), None, None, unopened=True)
    secret = secrets.token_urlsafe(TOKEN_BYTES)
    # Conditional on still being unclaimed: of two browsers racing, exactly one claims it.
    claimed = session.execute(sa.update(ShareLink).where(ShareLink.id == link.id, ShareLink.claimed_at.is_(None))
                              .values(claimed_at=now, claim_sha256=digest(secret), share_until=now + share_for,
                                      last_seen_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        return refuse(ALREADY_USED, "already used by another browser")
    session.refresh(link)
    incident = incidents.get_incident(session, link.incident_id, for_update=True)
    incidents.trace(session, incident, actor=actor, now=now, action="scene.link_opened", kind="scene",
                    text=f"The share link sent to {link.to_number} was opened; that browser may share for the next "
                         f"{round(share_for.total_seconds() / 60)} minutes.", data={"link_id": link.id})
    announce(session, link, kind="scene.link_opened", now=now)
    return Opening(link, incident, secret, None)


def claimed_link(session: Session, *, held: dict | None, now: datetime) -> ShareLink:
    """The link this browser claimed, while it may still share: 403 without a claim, 410 once
    expired or withdrawn. Locks the link row: a position and a photo at once count one by one."""
    if not isinstance(held, dict) or not isinstance(held.get("link"), int) or not isinstance(held.get("claim"), str):
        raise Forbidden("open the link in your text message first; this browser has not opened one")
    link = session.scalar(sa.select(ShareLink).where(ShareLink.id == held["link"]).with_for_update())
    if link is None or not link.claim_sha256 or not secrets.compare_digest(digest(held["claim"]), link.claim_sha256):
        raise Forbidden("this browser did not open this link; open the link in your text message")
    if link.revoked_at is not None:
        raise LinkGone(WITHDRAWN)
    if now >= link.share_until:
        raise LinkGone(ENDED)
    return link
