"""The online report pages: the public form (no login, phone first, works without JavaScript),
the page that gives the sender their reference, and the handler's view of one report."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from demandhub.auth.deps import check_csrf, require_page
from demandhub.auth.roles import Actor, Permission
from demandhub.errors import DomainError, FieldProblem, Invalid
from demandhub.http import PathId, now, reading, settings, transaction
from demandhub.online import service
from demandhub.online.api import seen
from demandhub.online.form import (CONTACT_BY, MAX_LENGTH, MAX_PHOTOS, PIN_SOURCES, FormRefused, Lookups, Photo,
                                   check, size_text)
from demandhub.online.report_types import KIND_BY_CODE, KINDS, SUBJECT_BY_CODE, subjects_of, type_label
from demandhub.web.public import public
from demandhub.web.templating import render

router = APIRouter(include_in_schema=False)

TEXT_FIELDS = ("kind", "subject", "what_happened", "when", "date", "time", "roughly", "address", "latitude",
               "longitude", "pin_source", "pin_accuracy", "what3words", "postcode", "name", "phone", "email",
               "contact_by", "declaration")
# Where each field's error in the summary takes you: a radio group's first choice.
ANCHORS = {"kind": "kind-crime", "when": "when-now", "contact_by": "contact_by-phone", "csrf": "what_happened"}
SESSION_KEY = "online_report"
MAP_ROAD_CLASSES = ("motorway", "trunk", "primary", "secondary", "tertiary")  # as the control room's map


def _form_page(request: Request, values: dict, problems: list[FieldProblem] | None = None, *, status: int = 200,
               photos_dropped: bool = False):
    problems = problems or []
    cfg = settings(request)
    today = now(request).astimezone(ZoneInfo(cfg.timezone)).date()
    return render(request, "report_form.html", {
        "values": values, "problems": problems, "errors": {p.field: p.message for p in problems},
        "anchors": ANCHORS, "kinds": KINDS, "subjects": [(k, subjects_of(k.code)) for k in KINDS],
        "contact_by": CONTACT_BY, "max_photos": MAX_PHOTOS, "max_photo_size": size_text(cfg.max_image_bytes),
        "w3w_available": request.app.state.w3w.available, "today": today.isoformat(), "limits": MAX_LENGTH,
        "tiles": cfg.map_tiles_url or "", "attribution": cfg.map_tiles_attribution, "photos_dropped": photos_dropped,
    }, status_code=status)


@router.get("/report", dependencies=[Depends(public("page"))])
def report_form(request: Request):
    return _form_page(request, {})


@router.get("/report/map-layers", dependencies=[Depends(public("page"))])
def map_layers(request: Request) -> dict:
    """The force boundary, towns and main roads, so the pin map works with no tile server.
    Public geography only (the control room's map adds incidents and units on top)."""
    geo = request.app.state.geo
    with reading(request) as session:
        areas, graph = geo.areas(session), geo.graph(session)
        roads = geo.lines(session, MAP_ROAD_CLASSES)
    return {"areas": {"type": "FeatureCollection",
                      "features": [{"type": "Feature", "properties": {"kind": a.kind, "name": a.name},
                                    "geometry": a.geometry} for a in areas.areas]},
            "roads": roads, "bounds": graph.bounds() if graph is not None else None}


async def _read(form: FormData, limit: int) -> tuple[dict, list[Photo]]:
    values: dict[str, str] = {}
    for name in TEXT_FIELDS:
        given = [v for v in form.getlist(name) if isinstance(v, str)]
        values[name] = given[0] if given else ""
    photos = []
    for item in form.getlist("photos"):
        if not isinstance(item, UploadFile):
            continue  # a file input with nothing chosen can arrive as an empty text field
        data = await item.read(limit + 1)  # enough to know it is too large, never more
        if not data and not item.filename:
            continue  # the empty part a browser sends when no photo was chosen
        photos.append(Photo(name=item.filename or None, data=data))
    return values, photos


def _echo(values: dict) -> dict:
    """The answers to show again: as typed, less what cannot be shown."""
    return {k: v.replace("\x00", "") for k, v in values.items()}


@router.post("/report/upload", dependencies=[Depends(public("report"))])
async def submit(request: Request):
    """The form's action (its path ends in /upload so it may carry photos): check everything,
    then record it all in one transaction and give the sender their reference."""
    cfg = settings(request)
    form = await request.form(max_files=MAX_PHOTOS + 7, max_fields=100)
    try:
        values, photos = await _read(form, cfg.max_image_bytes)
        supplied = next((v for v in form.getlist("csrf") if isinstance(v, str)), "")
    finally:
        await form.close()
    try:
        check_csrf(request, supplied)
    except HTTPException:
        problem = FieldProblem("csrf", "This form was open too long or came from somewhere else. "
                                       "Check your answers, choose any photos again, and send it again.")
        return _form_page(request, _echo(values), [problem], status=403, photos_dropped=bool(photos))
    state = request.app.state
    lookups = Lookups(w3w=state.w3w, postcodes=state.postcodes, limits=state.upload_limits,
                      region=cfg.default_region, timezone=cfg.timezone)
    at = now(request)
    try:
        report = await run_in_threadpool(check, values, photos, lookups=lookups, now=at)
        received = await run_in_threadpool(_record, request, report, at)
    except FormRefused as refused:
        return _form_page(request, _echo(values), refused.problems, status=refused.status,
                          photos_dropped=bool(photos))
    except DomainError as exc:  # checked above; a rule below caught something anyway: nothing was written
        problems = [FieldProblem(p.get("field", "what_happened"), p.get("message", exc.message))
                    for p in exc.problems] or [FieldProblem("what_happened", exc.message)]
        return _form_page(request, _echo(values), problems, status=exc.status_code, photos_dropped=bool(photos))
    request.session[SESSION_KEY] = {"reference": received.reference, "urgent": received.urgent,
                                    "happening_now": report.happening_now, "contact_by": report.contact_by}
    return RedirectResponse("/report/sent", status_code=303)


def _record(request: Request, report, at: datetime) -> service.Received:
    state = request.app.state
    with transaction(request) as session:
        return service.receive(session, report, store=state.evidence, limits=state.upload_limits,
                               lexicon=state.policy.cue_lexicon, now=at, region=settings(request).default_region)


@router.get("/report/sent", dependencies=[Depends(public("page"))])
def sent(request: Request):
    """The sender's reference, from their session (never the URL: it is theirs alone)."""
    return render(request, "report_sent.html", {"sent": request.session.get(SESSION_KEY),
                                                "contact_by": CONTACT_BY})


# ---------------------------------------------------------------------------- staff


def _report_page(request: Request, actor: Actor, contact_id: int, *, close_error: str | None = None,
                 close_values: dict | None = None, status: int = 200):
    seen(request, actor, contact_id)
    with reading(request) as session:
        v = service.view(session, contact_id)
    r = v.report
    return render(request, "online_report.html", {
        "v": v, "c": v.contact, "r": r, "kind": KIND_BY_CODE[r.kind], "subject": SUBJECT_BY_CODE[r.subject],
        "type_label": type_label(r.incident_type), "contact_by": CONTACT_BY, "pin_sources": PIN_SOURCES,
        "reasons": service.CLOSE_REASONS, "close_error": close_error, "close_values": close_values or {},
        "tiles": settings(request).map_tiles_url or "", "attribution": settings(request).map_tiles_attribution,
        "used": _used(r), "others": [p for i, p in enumerate(r.positions)
                                     if i != _used(r) and p.get("latitude") is not None],
    }, actor=actor, status_code=status)


def _used(r) -> int | None:
    """Which of the positions given is the one the contact carries (its index)."""
    for i, p in enumerate(r.positions):
        if p.get("source") == r.location_source and p.get("uncertainty_m") == r.location_uncertainty_m \
                and p.get("latitude") is not None:
            return i
    return None


@router.get("/digital/reports/{contact_id}")
def report_page(contact_id: PathId, request: Request,
                actor: Annotated[Actor, Depends(require_page(Permission.CONTACT_CREATE))]):
    return _report_page(request, actor, contact_id)


@router.post("/digital/reports/{contact_id}/take")
def take_form(contact_id: PathId, request: Request,
              actor: Annotated[Actor, Depends(require_page(Permission.CONTACT_CREATE))],
              csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    seen(request, actor, contact_id)
    with transaction(request) as session:
        service.take(session, contact_id=contact_id, actor=actor, now=now(request))
    return RedirectResponse(f"/digital/reports/{contact_id}", status_code=303)


@router.post("/digital/reports/{contact_id}/close")
def close_form(contact_id: PathId, request: Request,
               actor: Annotated[Actor, Depends(require_page(Permission.CONTACT_CREATE))],
               reason: Annotated[str, Form(max_length=40)] = "", note: Annotated[str, Form(max_length=4000)] = "",
               csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    seen(request, actor, contact_id)
    try:
        with transaction(request) as session:
            service.close(session, contact_id=contact_id, reason=reason, note=note, actor=actor, now=now(request))
    except Invalid as exc:
        return _report_page(request, actor, contact_id, close_error=exc.message,
                            close_values={"reason": reason, "note": note}, status=422)
    return RedirectResponse(f"/digital/reports/{contact_id}", status_code=303)
