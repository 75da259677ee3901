from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from demandhub.auth.deps import require
from demandhub.auth.roles import Actor, Permission
from demandhub.contacts import locations, phone, service
from demandhub.contacts.channels import Channel
from demandhub.contacts.schemas import (
    AmlSms,
    CallerLocationRead,
    ContactCreate,
    ContactEnd,
    ContactRead,
    LocationRead,
)
from demandhub.errors import Invalid
from demandhub.geo import aml, resolve
from demandhub.geo.fix import LocationError
from demandhub.geo.w3w import find_three_word_addresses
from demandhub.http import PathId, now, reading, settings, transaction

router = APIRouter(prefix="/api", tags=["contacts"])


@router.get("/channels")
def list_channels(actor: Annotated[Actor, Depends(require(Permission.CONTACT_READ))]) -> list[dict]:
    return [{"code": c.value, "label": c.label, "emergency": c.is_emergency} for c in Channel]


def _aml(request: Request, actor: Actor, message, *, number: str | None, source: str) -> CallerLocationRead:
    if not number:
        raise Invalid("the caller's number is missing", problems=[{"field": "sender", "message": "required"}])
    with transaction(request) as session:
        row = locations.receive_aml(session, message=message, number=number, source=source,
                                    region=settings(request).default_region, actor=actor, now=now(request))
        return CallerLocationRead.model_validate(row)


def _parsed(parse, *args, **kwargs):
    try:
        return parse(*args, **kwargs)
    except LocationError as exc:
        raise Invalid(f"AML refused: {exc}", problems=[{"field": exc.field, "message": str(exc)}]) from None


@router.post("/aml/sms", status_code=status.HTTP_201_CREATED, response_model=CallerLocationRead)
def aml_sms(body: AmlSms, request: Request, actor: Annotated[Actor, Depends(require(Permission.AML_RECEIVE))]):
    """An Advanced Mobile Location SMS from the SMS gateway (text, or a data SMS's packed user data)."""
    if (body.text is None) == (body.data is None):
        raise Invalid("give the SMS as text or as data, one of them",
                      problems=[{"field": "text", "message": "text or data"}])
    text = body.text if body.text is not None else _parsed(aml.decode_data_sms, body.data)
    return _aml(request, actor, _parsed(aml.parse_aml_sms, text), number=body.sender, source="aml_sms")


@router.post("/aml/https", status_code=status.HTTP_201_CREATED, response_model=CallerLocationRead)
async def aml_https(request: Request, actor: Annotated[Actor, Depends(require(Permission.AML_RECEIVE))]):
    """An Advanced Mobile Location HTTPS post (form-encoded, signed with HMAC-SHA1 when a key is agreed)."""
    raw = (await request.body()).decode("utf-8", errors="replace")
    key = settings(request).aml_hmac_key
    message = _parsed(aml.parse_aml_https, raw, key=key.encode() if key else None)
    return await run_in_threadpool(_aml, request, actor, message, number=message.phone, source="aml_https")


@router.get("/locations", response_model=list[CallerLocationRead])
def caller_locations(request: Request, actor: Annotated[Actor, Depends(require(Permission.CONTACT_READ))],
                     number: Annotated[str, Query(min_length=3, max_length=40)]):
    """Positions the network sent for this number in the last half hour, newest first (AML)."""
    try:
        e164 = phone.normalise(number, region=settings(request).default_region)
    except phone.BadNumber as exc:
        raise Invalid(str(exc), problems=[{"field": "number", "message": str(exc)}]) from None
    with reading(request) as session:
        return [CallerLocationRead.model_validate(r)
                for r in locations.recent_for_number(session, number=e164, now=now(request))]


@router.get("/locate", response_model=LocationRead)
def locate(request: Request, actor: Annotated[Actor, Depends(require(Permission.CONTACT_READ))],
           q: Annotated[str, Query(min_length=1, max_length=200, description="what3words, a plus code, an OS grid "
                                   "reference, a postcode, or latitude, longitude")]):
    """Where a place reference points, with its source and uncertainty (to place the pin)."""
    state = request.app.state
    with reading(request) as session:
        graph = state.geo.graph(session)
    near = None
    if graph is not None:  # short plus codes are read relative to the force's own area
        south, west, north, east = graph.bounds()
        near = ((south + north) / 2, (west + east) / 2)
    try:
        fix = resolve.locate(q, near=near, w3w=state.w3w, postcodes=state.postcodes)
    except LocationError as exc:
        raise Invalid(str(exc), problems=[{"field": exc.field, "message": str(exc)}]) from None
    return LocationRead(latitude=fix.latitude, longitude=fix.longitude, source=fix.source,
                        uncertainty_m=fix.uncertainty_m, label=fix.label)


@router.get("/locate/words", response_model=list[str])
def three_word_addresses(actor: Annotated[Actor, Depends(require(Permission.CONTACT_READ))],
                         text: Annotated[str, Query(max_length=10_000)] = ""):
    """what3words addresses written in a text (a caller's message, the description)."""
    return find_three_word_addresses(text)


@router.post("/contacts", status_code=status.HTTP_201_CREATED, response_model=ContactRead)
def create_contact(
    body: ContactCreate,
    request: Request,
    response: Response,
    actor: Annotated[Actor, Depends(require(Permission.CONTACT_CREATE))],
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
):
    """Record a contact. Send an Idempotency-Key header so a retry never makes a second contact."""
    with transaction(request) as session:
        created = service.create_contact(session, data=body, actor=actor, now=now(request),
                                         region=settings(request).default_region,
                                         idempotency_key=idempotency_key)
        if created.replayed:
            response.status_code = status.HTTP_200_OK
            response.headers["Idempotent-Replayed"] = "true"
        return ContactRead.model_validate(created.contact)


@router.get("/contacts/{contact_id}", response_model=ContactRead)
def get_contact(contact_id: PathId, request: Request,
                actor: Annotated[Actor, Depends(require(Permission.CONTACT_READ))]):
    return _within(request, actor, contact_id, None)


@router.post("/contacts/{contact_id}/end", response_model=ContactRead)
def end_contact(contact_id: PathId, body: ContactEnd, request: Request,
                actor: Annotated[Actor, Depends(require(Permission.CONTACT_CREATE))]):
    return _within(request, actor, contact_id, service.end_contact, ended_at=body.ended_at)


def _within(request: Request, actor: Actor, contact_id: int, use_case, **kwargs) -> ContactRead:
    """Read, or change then read, one contact under the restricted rule (views audited;
    a refusal commits its audit entry before the 403 goes out)."""
    if use_case is None:
        with reading(request) as session:  # most contacts are not restricted: no write needed
            contact = service.get_contact(session, contact_id)
            if not contact.restricted:
                return ContactRead.model_validate(contact)
    with transaction(request) as session:
        contact = service.get_contact(session, contact_id)
        allowed = service.record_view(session, contact=contact, actor=actor, now=now(request))
        if allowed and use_case is not None:
            contact = use_case(session, contact_id=contact_id, actor=actor, now=now(request), **kwargs)
        result = ContactRead.model_validate(contact) if allowed else None
    if result is None:
        raise service.refused(contact, actor)
    return result
